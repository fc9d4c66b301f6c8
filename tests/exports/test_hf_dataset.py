"""`polyjudge export hf DIR`: a Hugging Face dataset folder with one config per language, read
by the real `datasets.load_dataset` and `huggingface_hub.DatasetCard` (skipped, with the reason,
where `datasets` is not installed: `pip install 'polyjudge[hf]'`; CI installs it with `dev`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from polyjudge.exports.card_header import hf_licenses, size_category
from polyjudge.exports.export_summary import ExportSummary
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.exports.conftest import Built

# The Hub's `size_categories` values (huggingface.co/docs/hub/datasets-cards; the dataset card
# metadata validator lists exactly these).
HUB_SIZE_CATEGORIES = {
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
    "n>1T",
}


@pytest.mark.parametrize(
    ("n", "bucket"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (99_999, "10K<n<100K"),
        (5_000_000, "1M<n<10M"),
        (100_000_000, "100M<n<1B"),
        (3_000_000_000, "1B<n<10B"),
        (10**12, "n>1T"),
    ],
)
def test_size_category_is_a_hub_value_at_every_size(n: int, bucket: str):
    assert size_category(n) == bucket
    assert bucket in HUB_SIZE_CATEGORIES


def test_licenses_are_a_list_of_hub_ids_with_details_for_the_rest():
    summary = ExportSummary()
    summary.datasets = {
        "multijail": {("MultiJail", "MIT")},
        "xsafety": {("XSafety", "Apache-2.0")},
        "user": {("ours", "Custom research terms")},
    }
    assert hf_licenses(summary) == (
        ["apache-2.0", "mit", "other"],
        "user: Custom research terms",
    )
    assert hf_licenses(ExportSummary()) == (["unknown"], None)


def _export(built: Built, folder: Path, *args: str) -> str:
    result = run_cli("export", "hf", "--db", str(built.path), "--out", str(folder), *args)
    assert result.code == 0, result.err
    return result.out


def _files(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        p.stem: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
        for p in sorted((folder / "data").glob("*.jsonl"))
    }


def test_one_file_per_language_and_a_manifest(built: Built, tmp_path: Path):
    folder = tmp_path / "hf"
    _export(built, folder)
    files = _files(folder)
    assert sorted(files) == ["ar", "bn", "sw", "th", "zh"]
    for language, rows in files.items():
        assert {r["language"] for r in rows} == {language}
    assert sorted(r["uid"] for rows in files.values() for r in rows) == sorted(built.uids)
    manifest = json.loads((folder / ".polyjudge-export.json").read_text())
    assert manifest["files"] == ["README.md", *(f"data/{x}.jsonl" for x in sorted(files))]


def test_reexport_removes_what_it_wrote_before_and_nothing_else(built: Built, tmp_path: Path):
    folder = tmp_path / "hf"
    _export(built, folder)
    (folder / "data" / "notes.jsonl").write_text('{"mine": 1}\n')  # not polyjudge's
    (folder / "LICENSE").write_text("mine")
    out = _export(built, folder, "--language", "ar,bn")
    assert (
        "Removed files of the previous export: data/sw.jsonl, data/th.jsonl, data/zh.jsonl" in out
    )
    assert sorted(p.name for p in (folder / "data").iterdir()) == [
        "ar.jsonl",
        "bn.jsonl",
        "notes.jsonl",
    ]
    assert (folder / "LICENSE").read_text() == "mine"


def test_a_file_it_did_not_write_is_not_replaced_without_force(built: Built, tmp_path: Path):
    folder = tmp_path / "hf"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "ar.jsonl").write_text("someone else's\n")
    result = run_cli("export", "hf", "--db", str(built.path), "--out", str(folder))
    assert result.code == 1
    assert "ar.jsonl: already exists and this export did not write it" in result.err
    assert (folder / "data" / "ar.jsonl").read_text() == "someone else's\n"
    (folder / "data" / "ar.jsonl").unlink()
    (folder / "README.md").write_text("# my dataset\n")
    result = run_cli("export", "hf", "--db", str(built.path), "--out", str(folder))
    assert result.code == 1 and "not a polyjudge card" in result.err


def test_the_card_is_valid_hub_metadata_with_a_config_per_language(built: Built, tmp_path: Path):
    hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub comes with polyjudge[hf]")
    folder = tmp_path / "hf"
    _export(built, folder)
    data = hub.DatasetCard.load(folder / "README.md").data.to_dict()
    assert data["license"] == ["mit"]
    assert data["annotations_creators"] == ["expert-generated", "machine-generated"]
    assert data["multilinguality"] == ["multilingual"]
    assert data["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in data["configs"]}
    assert list(configs) == ["all", "ar", "bn", "sw", "th", "zh"]
    assert configs["all"]["default"] is True
    assert configs["th"]["data_files"] == [{"split": "train", "path": ["data/th.jsonl"]}]
    features = {f["config_name"]: f["features"] for f in data["dataset_info"]}
    assert set(features) == set(configs)


def _load(folder: Path, cache: Path, config: str | None = None) -> Any:
    datasets = pytest.importorskip("datasets", reason="datasets is not installed (polyjudge[hf])")
    return datasets.load_dataset(str(folder), config, split="train", cache_dir=str(cache))


def test_load_dataset_reads_every_config_with_the_declared_features(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder, cache = tmp_path / "hf", tmp_path / "cache"
    _export(built, folder)
    everything = _load(folder, cache)
    assert sorted(everything["uid"]) == sorted(built.uids)
    assert everything.features["human_labels"].feature["unsure"].dtype == "bool"
    assert everything.features["verdicts"].feature["p_unsafe"].dtype == "float64"
    thai = _load(folder, cache, "th")
    assert set(thai["language"]) == {"th"}
    assert sorted(thai["uid"]) == sorted(u for u in built.uids if u.startswith("r-th-"))


def test_load_dataset_after_a_reexport_serves_the_current_rows(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder, cache = tmp_path / "hf", tmp_path / "cache"
    _export(built, folder)
    before = {r["uid"]: r["final_label"] for r in _load(folder, cache)}
    target = next(u for u in built.uids if u.startswith("r-bn-") and before[u] != "invalid")
    with Project.open(built.path) as project:
        response = project.content.response_by_uid(target)
        judge = project.annotators.ensure("dana", role="adjudicator")
        assert response is not None
        project.adjudications.add(response.id, judge.id, "invalid", "off-topic answer", None)
    _export(built, folder, "--language", "bn,th")  # the same folder, fewer languages
    after = {r["uid"]: r["final_label"] for r in _load(folder, cache)}
    assert set(after) == {u for u in built.uids if u.startswith(("r-bn-", "r-th-"))}
    assert after[target] == "invalid"
    assert {r["uid"]: r["final_label"] for r in _load(folder, cache, "bn")}[target] == "invalid"
    with pytest.raises(ValueError, match="ar"):
        _load(folder, cache, "ar")  # its config is gone with its file


def test_a_manifest_naming_files_outside_the_folder_removes_none_of_them(
    built: Built, tmp_path: Path
):
    folder = tmp_path / "hf"
    _export(built, folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    manifest = folder / ".polyjudge-export.json"
    data = json.loads(manifest.read_text())
    data["files"] += ["../victim.txt", str(victim)]
    manifest.write_text(json.dumps(data))
    _export(built, folder)
    assert victim.read_text() == "keep me"
