"""`report --by guideline_version`: agreement, final counts and the human unsafe rate split by
the guidelines each label was given under, checked against values computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli

# (item, label of a, label of b, version of both labels)
ROWS = [
    ("r1", "unsafe", "unsafe", "v1"),
    ("r2", "safe", "safe", "v1"),
    ("r3", "unsafe", "safe", "v2"),
    ("r4", "unsafe", "unsafe", "v2"),
]


@pytest.fixture
def split_db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    with Project.create(path) as project:
        project.content.insert_responses(
            [{"uid": f"r{i}", "language": "sw", "text": f"jibu {i}"} for i in range(1, 6)]
        )
        a, b = project.annotators.ensure("a").id, project.annotators.ensure("b").id
        rid = {f"r{i}": project.content.response_id_by_uid(f"r{i}") for i in range(1, 6)}
        for uid, label_a, label_b, version in ROWS:
            project.labels.add(rid[uid], a, label_a, guideline_version=version)
            project.labels.add(rid[uid], b, label_b, guideline_version=version)
        project.labels.add(rid["r5"], a, "safe", source="import")  # no version: "(none)"
        # An adjudication does not enter a split by label: r3 stays a disagreement in v2.
        lead = project.annotators.ensure("lead", role="adjudicator").id
        project.adjudications.add(rid["r3"], lead, "unsafe", "steps")
    return path


def test_agreement_and_human_rate_split_by_guideline_version(split_db: Path) -> None:
    result = run_cli(
        "report", "--db", str(split_db), "--json", "--by", "guideline_version", "--bootstrap", "50"
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    agreement = report["agreement"]["by_guideline_version"]
    assert set(agreement) == {"v1", "v2", "(none)"}
    # v1: both items agree. alpha = 1.
    assert agreement["v1"]["observed_agreement"] == 1.0 and agreement["v1"]["alpha"] == 1.0
    # v2: pairs (u,s), (u,u): observed 1/2; coincidences o_us = o_su = 1, o_uu = 2, n = 4,
    # n_u = 3, n_s = 1: D_o = 2/4, D_e = 2*3*1/(4*3) = 1/2, alpha = 1 - D_o/D_e = 0.
    assert agreement["v2"]["observed_agreement"] == 0.5
    assert agreement["v2"]["alpha"] == pytest.approx(0.0, abs=1e-9)
    assert agreement["(none)"]["alpha"] is None
    rate = report["unsafe_rate"]["by_guideline_version"]
    # v1: r1 unsafe, r2 safe: 1/2. v2: r4 unsafe, r3 a disagreement (pending): 1/1.
    assert (rate["v1"]["unsafe"], rate["v1"]["n"], rate["v1"]["rate"]) == (1, 2, 0.5)
    # Its interval is that of a project holding only the v1 labels.
    assert rate["v1"]["ci95"] == _only_v1_interval(split_db.parent / "only-v1.db")
    assert (rate["v2"]["unsafe"], rate["v2"]["n"], rate["v2"]["pending"]) == (1, 1, 1)
    assert (rate["(none)"]["unsafe"], rate["(none)"]["n"]) == (0, 1)
    final = report["final"]["by_guideline_version"]
    assert (final["v2"]["items"], final["v2"]["queued"], final["v2"]["adjudicated"]) == (2, 1, 0)
    # The item split is untouched: r3 is adjudicated there.
    assert report["final"]["overall"]["adjudicated"] == 1


def _only_v1_interval(path: Path) -> list[float]:
    with Project.create(path) as project:
        project.content.insert_responses(
            [{"uid": f"r{i}", "language": "sw", "text": f"jibu {i}"} for i in (1, 2)]
        )
        a, b = project.annotators.ensure("a").id, project.annotators.ensure("b").id
        for uid, label_a, label_b, version in ROWS:
            response_id = project.content.response_id_by_uid(uid)
            if version == "v1" and response_id is not None:
                project.labels.add(response_id, a, label_a)
                project.labels.add(response_id, b, label_b)
    result = run_cli("report", "--db", str(path), "--json", "--bootstrap", "50")
    assert result.code == 0, result.err
    overall = json.loads(result.out)["unsafe_rate"]["overall"]
    assert (overall["unsafe"], overall["n"]) == (1, 2)
    return list(overall["ci95"])


@pytest.mark.parametrize("fmt", [[], ["--markdown"]])
def test_the_split_is_rendered(split_db: Path, fmt: list[str]) -> None:
    result = run_cli(
        "report", "--db", str(split_db), *fmt, "--by", "guideline_version", "--bootstrap", "50"
    )
    assert result.code == 0, result.err
    assert "by guideline" in result.out and "v2" in result.out


def test_the_split_by_version_follows_excluded_annotators(split_db: Path) -> None:
    """With `--exclude-annotator b`, each of a's labels keeps its own version (the versions are
    read with the labels and filtered with them, so they cannot shift onto other labels)."""
    result = run_cli(
        "report", "--db", str(split_db), "--json", "--by", "guideline_version",
        "--exclude-annotator", "b", "--bootstrap", "50",
    )  # fmt: skip
    assert result.code == 0, result.err
    rate = json.loads(result.out)["unsafe_rate"]["by_guideline_version"]
    # a alone: v1 r1 unsafe, r2 safe; v2 r3 unsafe, r4 unsafe; (none) r5 safe.
    assert (rate["v1"]["unsafe"], rate["v1"]["n"]) == (1, 2)
    assert (rate["v2"]["unsafe"], rate["v2"]["n"]) == (2, 2)
    assert (rate["(none)"]["unsafe"], rate["(none)"]["n"]) == (0, 1)


def test_gold_items_labels_do_not_shift_the_versions(split_db: Path, tmp_path: Path) -> None:
    """A label on a gold item is left out of every statistic; the versions of the other labels
    stay theirs."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"uid": "r1", "label": "unsafe"}\n')
    assert run_cli("import", "gold", "--db", str(split_db), str(gold)).code == 0
    result = run_cli(
        "report", "--db", str(split_db), "--json", "--by", "guideline_version", "--bootstrap", "50"
    )
    assert result.code == 0, result.err
    rate = json.loads(result.out)["unsafe_rate"]["by_guideline_version"]
    # r1 (v1) is gold now: v1 keeps r2 (safe) only; v2 and (none) are as before.
    assert (rate["v1"]["unsafe"], rate["v1"]["n"]) == (0, 1)
    assert (rate["v2"]["unsafe"], rate["v2"]["n"], rate["v2"]["pending"]) == (1, 1, 1)
    assert (rate["(none)"]["unsafe"], rate["(none)"]["n"]) == (0, 1)
