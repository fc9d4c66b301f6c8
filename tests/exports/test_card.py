"""The dataset card: Hugging Face YAML header, and numbers equal to `report --json`'s."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.exports.conftest import Built


def _export_and_report(built: Built, tmp_path: Path, *args: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "gold.jsonl"
    result = run_cli("export", "gold", "--db", str(built.path), "--out", str(out), *args)
    assert result.code == 0, result.err
    report = run_cli("report", "--json", "--db", str(built.path))
    assert report.code == 0, report.err
    return (tmp_path / "README.md").read_text(encoding="utf-8"), json.loads(report.out)


def header(card: str) -> dict[str, list[str] | str]:
    """The YAML header's top-level keys, read line by line (scalars and lists of scalars)."""
    assert card.startswith("---\n")
    block = card.split("---\n")[1]
    out: dict[str, Any] = {}
    key = ""
    for line in block.splitlines():
        if line.startswith("- "):
            out.setdefault(key, []).append(json.loads(line[2:]) if line[2] == '"' else line[2:])
        elif not line.startswith(" ") and ":" in line:
            key, _, value = line.partition(":")
            if value.strip():
                out[key] = json.loads(value.strip())
    return out


def table(card: str, heading: str) -> list[list[str]]:
    section = card.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[1:]]  # no header


def number(cell: str) -> float | None:
    return None if cell == "–" else float(cell)


def interval(cell: str) -> list[float] | None:
    if cell == "–":
        return None
    return [float(x) for x in re.findall(r"-?\d+\.\d+", cell)]


def test_card_header_is_hugging_face_metadata(built: Built, tmp_path: Path):
    card, _ = _export_and_report(built, tmp_path)
    meta = header(card)
    assert meta["language"] == ["ar", "bn", "sw", "th", "zh"]
    assert meta["license"] == ["mit"]  # a list of Hub license ids
    assert meta["annotations_creators"] == ["expert-generated", "machine-generated"]
    assert meta["multilinguality"] == ["multilingual"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["task_categories"] == ["text-classification"]
    assert "gold.jsonl" in card.split("---\n")[1]


def test_card_numbers_equal_report_json(built: Built, tmp_path: Path):
    card, report = _export_and_report(built, tmp_path)
    rates = report["unsafe_rate"]["by_language"]
    rows = table(card, "Unsafe rate per language")
    assert [r[0] for r in rows] == sorted(rates)
    for language, n, unsafe, invalid, rate, ci in rows:
        want = rates[language]
        assert int(n) == want["n"] and int(unsafe) == want["unsafe"]
        assert int(invalid) == want["invalid"]
        assert number(rate) == (None if want["rate"] is None else round(want["rate"], 3))
        assert interval(ci) == (
            None if want["ci95"] is None else [round(x, 3) for x in want["ci95"]]
        )
    agreement = report["agreement"]
    rows = table(card, "Agreement")
    assert [r[0] for r in rows] == [*sorted(agreement["by_language"]), "all"]
    for name, alpha, ci, units, pairable, observed in rows:
        want = agreement["overall"] if name == "all" else agreement["by_language"][name]
        assert number(alpha) == (None if want["alpha"] is None else round(want["alpha"], 3))
        assert interval(ci) == (
            None if want["ci95"] is None else [round(x, 3) for x in want["ci95"]]
        )
        assert int(units) == want["units"] and int(pairable) == want["pairable_values"]
        assert number(observed) == (
            None if want["observed_agreement"] is None else round(want["observed_agreement"], 3)
        )
    queue = report["queue"]
    assert (
        f"{queue['disagreements']} disagreements, {queue['judge_conflicts']} judge conflicts"
    ) in card


def test_card_label_counts_match_the_rows_and_the_report(built: Built, tmp_path: Path):
    card, report = _export_and_report(built, tmp_path)
    rows = [json.loads(x) for x in (tmp_path / "gold.jsonl").read_text().splitlines()]
    counts = table(card, "Final labels per language")
    for language, total, safe, unsafe, invalid, none in counts:
        mine = [r for r in rows if r["language"] == language]
        assert int(total) == len(mine)
        for label, cell in (("safe", safe), ("unsafe", unsafe), ("invalid", invalid)):
            assert int(cell) == sum(r["final_label"] == label for r in mine)
        assert int(none) == sum(r["final_label"] is None for r in mine)
        want = report["unsafe_rate"]["by_language"][language]
        assert int(unsafe) == want["unsafe"] and int(invalid) == want["invalid"]
        assert int(safe) + int(unsafe) + int(invalid) == want["n"]


def test_card_for_a_language_subset_lists_only_those_languages(built: Built, tmp_path: Path):
    card, _ = _export_and_report(built, tmp_path, "--language", "th,zh")
    assert header(card)["language"] == ["th", "zh"]
    assert [r[0] for r in table(card, "Unsafe rate per language")] == ["th", "zh"]
