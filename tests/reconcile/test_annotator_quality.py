"""The report's `annotators` block and `report --exclude-annotator`, through the real CLI on
real project files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.reconcile.helpers import cli_ok


def _report(db: Path, *args: str) -> dict:
    return json.loads(cli_ok("report", "--json", "--db", str(db), "--bootstrap", "0", *args))


def test_hand_computed_accuracy_time_and_unsure(tmp_path: Path) -> None:
    """ana labels four items; three are adjudicated and she matches two of them.

    accuracy 2/3; Wilson (z = 1.959964, z² = 3.841459):
        (2x + z² ± z·√(z² + 4x(n−x)/n)) / (2(n + z²))
      = (7.841459 ± 1.959964·√6.508126) / 13.682918 = (7.841459 ± 5.000070) / 13.682918
      = [0.207660, 0.938508]
    time_ms 1500, 2500, 4000 and one untimed label: median 2500 ms; one of three under 2 s.
    One of four labels unsure: 25%."""
    db = tmp_path / "p.db"
    with Project.create(db) as project:
        project.content.insert_responses(
            {"uid": f"item{i}", "language": "en", "text": f"text {i}"} for i in range(1, 5)
        )
        ana = project.annotators.ensure("ana").id
        bo = project.annotators.ensure("bo").id
        lead = project.annotators.ensure("lead", "adjudicator").id
        given = ["unsafe", "safe", "safe", "unsafe"]
        times = [1500, 2500, 4000, None]
        for rid, (label, ms) in enumerate(zip(given, times, strict=True), start=1):
            project.labels.add(rid, ana, label, time_ms=ms, unsure=rid == 4)
            project.labels.add(rid, bo, "safe", time_ms=10_000)
        for rid, final in ((1, "unsafe"), (2, "safe"), (3, "unsafe")):
            project.adjudications.add(rid, lead, final, "ruled")
    entry = _report(db)["annotators"]["by_language"]["en"]["annotators"]["ana"]
    adjudicated = entry["adjudicated"]
    assert (adjudicated["n"], adjudicated["correct"]) == (3, 2)
    assert abs(adjudicated["accuracy"] - 2 / 3) < 1e-6
    assert np.allclose(adjudicated["accuracy_ci95"], [0.207660, 0.938508], atol=1e-5)
    assert entry["time"]["timed"] == 3
    assert entry["time"]["median_ms"] == 2500
    assert entry["time"]["fast"] == 1
    assert abs(entry["time"]["fast_share"] - 1 / 3) < 1e-6
    assert entry["labels"] == 4 and entry["unsure"] == 1 and entry["unsure_rate"] == 0.25
    assert entry["gold"] is None and entry["reasons"]["gold"] == "no gold items"
    bo_entry = _report(db)["annotators"]["by_language"]["en"]["annotators"]["bo"]
    assert bo_entry["time"]["median_ms"] == 10_000 and bo_entry["time"]["fast"] == 0


def _simulated_team(tmp_path: Path, seed: int = 3) -> Path:
    """120 items in one language, 30% unsafe; four careful annotators (92% right) and `rnd`,
    who picks safe or unsafe by a coin. Imported with `import labels` from a CSV."""
    rng = np.random.default_rng(seed)
    truth = rng.random(120) < 0.3
    path = tmp_path / "labels.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["item", "annotator", "label", "text", "language", "time_ms"])
        for i, unsafe in enumerate(truth):
            for name in ("ana", "bo", "cy", "dee", "rnd"):
                if name == "rnd":
                    label, ms = ("unsafe" if rng.random() < 0.5 else "safe"), 800
                else:
                    right = rng.random() < 0.92
                    label = "unsafe" if unsafe == right else "safe"
                    ms = int(rng.integers(4000, 20000))
                writer.writerow([f"item{i:03d}", name, label, f"response {i}", "sw", ms])
    db = tmp_path / "p.db"
    cli_ok("init", "--db", str(db))
    cli_ok("import", "labels", str(path), "--db", str(db))
    return db


def test_an_annotator_who_labels_at_random_is_flagged(tmp_path: Path) -> None:
    db = _simulated_team(tmp_path)
    block = _report(db)["annotators"]
    assert block["threshold"] == 0.7  # the default: no project setting
    team = block["by_language"]["sw"]["annotators"]
    assert team["rnd"]["flagged"] and team["rnd"]["flagged_by"] == ["dawid_skene"]
    assert team["rnd"]["dawid_skene"]["accuracy_ci95"][1] < 0.7
    assert [n for n, e in team.items() if e["flagged"]] == ["rnd"]
    # The coin agrees with the others' majority no better than chance; so do its fast clicks.
    assert abs(team["rnd"]["agreement"]["kappa"]) < 0.25
    assert team["ana"]["agreement"]["kappa"] > 0.6
    assert team["rnd"]["time"]["fast_share"] == 1.0 and team["ana"]["time"]["fast"] == 0
    # Its confusion matrix is close to a coin's: each row near (0.5, 0.5).
    matrix = np.array(team["rnd"]["dawid_skene"]["confusion"]["matrix"])
    assert np.max(np.abs(matrix - 0.5)) < 0.2


def test_the_threshold_is_a_project_setting(tmp_path: Path) -> None:
    db = _simulated_team(tmp_path)
    with Project.open(db) as project:
        project.set_meta("annotator_accuracy_threshold", "0.2")
    block = _report(db)["annotators"]
    assert block["threshold"] == 0.2
    assert not any(e["flagged"] for e in block["by_language"]["sw"]["annotators"].values())
    with Project.open(db) as project:
        project.set_meta("annotator_accuracy_threshold", "seventy")
    result = run_cli("report", "--json", "--db", str(db))
    assert result.code == 1
    assert "annotator_accuracy_threshold" in result.err and "'seventy'" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_exclude_annotator_recomputes_without_their_labels(tmp_path: Path) -> None:
    db = _simulated_team(tmp_path)
    before = _report(db)
    after = _report(db, "--exclude-annotator", "rnd")
    assert before["project"]["human_labels"] == 600
    assert after["project"]["human_labels"] == 480
    assert "rnd" in before["progress"]["by_annotator"]
    assert "rnd" not in after["progress"]["by_annotator"]
    assert after["annotators"]["excluded"] == ["rnd"]
    assert "rnd" not in after["annotators"]["by_language"]["sw"]["annotators"]
    assert all(p["shared_items"] for p in after["agreement"]["pairwise"])
    assert all("rnd" not in p["annotators"] for p in after["agreement"]["pairwise"])
    assert after["agreement"]["overall"]["pairable_values"] == 480
    two = _report(db, "--exclude-annotator", "rnd", "--exclude-annotator", "ana")
    assert two["project"]["human_labels"] == 360
    assert two["annotators"]["excluded"] == ["ana", "rnd"]


def test_exclude_an_unknown_annotator_is_one_clear_error(tmp_path: Path) -> None:
    db = _simulated_team(tmp_path)
    result = run_cli("report", "--db", str(db), "--exclude-annotator", "nobody")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "Error: --exclude-annotator: no annotator named 'nobody'"
    ]


def test_the_table_is_in_every_rendering(tmp_path: Path) -> None:
    db = _simulated_team(tmp_path)
    with Project.open(db) as project:  # an annotator name that is markup in every format
        project.annotators.ensure("<b>[x](y)|</b>")
        hostile = project.annotators.ensure("<b>[x](y)|</b>").id
        project.labels.add(1, hostile, "safe", time_ms=1200)
    result = run_cli("report", "--db", str(db), "--bootstrap", "0", env={"COLUMNS": "250"})
    assert result.code == 0, result.err
    assert "Annotator quality" in result.out and "Annotator competence" in result.out
    rows = [
        line for line in result.out.splitlines() if line.startswith("│ sw ") and " rnd " in line
    ]
    assert len(rows) == 2 and all("FLAGGED (Dawid–Skene)" in row for row in rows)
    assert "0.8 s" in rows[0]
    markdown = cli_ok("report", "--markdown", "--db", str(db), "--bootstrap", "0")
    assert "## Annotator quality" in markdown
    assert "&lt;b&gt;\\[x\\](y)\\|&lt;/b&gt;" in markdown
    html_path = tmp_path / "r.html"
    cli_ok("report", "--html", str(html_path), "--db", str(db), "--bootstrap", "0")
    html = html_path.read_text(encoding="utf-8")
    assert "<h2>Annotator quality</h2>" in html
    assert "&lt;b&gt;[x](y)|&lt;/b&gt;" in html and "<b>[x]" not in html


def test_accuracy_against_adjudications_flags_too(tmp_path: Path) -> None:
    """Forty items ruled against rnd's label: rnd's accuracy against adjudications is 0/40,
    Wilson (x = 0, n = 40): [0, z² / (n + z²)] = [0, 3.841459 / 43.841459] = [0, 0.087622],
    below 0.7, so the flag names both accuracies."""
    db = _simulated_team(tmp_path)
    with Project.open(db) as project:
        lead = project.annotators.ensure("lead", "adjudicator").id
        rnd = project.annotators.id_of("rnd")
        assert rnd is not None
        for rid in range(1, 41):
            current = project.labels.current(rid, rnd)
            assert current is not None
            given = current.label
            project.adjudications.add(rid, lead, "safe" if given == "unsafe" else "unsafe", "r")
    entry = _report(db)["annotators"]["by_language"]["sw"]["annotators"]["rnd"]
    assert (entry["adjudicated"]["n"], entry["adjudicated"]["correct"]) == (40, 0)
    assert np.allclose(entry["adjudicated"]["accuracy_ci95"], [0.0, 0.087622], atol=1e-5)
    assert entry["flagged_by"] == ["adjudicated", "dawid_skene"]


def test_accuracy_against_gold_items_by_hand_and_flagged(tmp_path: Path) -> None:
    """Twelve items in one language; ten are gold (expected unsafe). ana labels every gold item
    as expected, bo gets 2 of 10. Both label the two ordinary items the same, so nothing else
    tells them apart.

    bo: 2/10; Wilson (z² = 3.841459, 4x(n−x)/n = 6.4): (4 + 3.841459 ± 1.959964·√10.241459)
      / (2·13.841459) = (7.841459 ± 6.272332) / 27.682918 = [0.056682, 0.509838]: wholly
    below 0.7, so bo is flagged on gold. ana: 10/10: (23.841459 ± 3.841459) / 27.682918 =
    [0.722467, 1]: not flagged. Gold labels stay out of every other count: both have 2
    labels."""
    db = tmp_path / "p.db"
    with Project.create(db) as project:
        project.content.insert_responses(
            {"uid": f"item{i}", "language": "sw", "text": f"jibu {i}"} for i in range(12)
        )
        ana = project.annotators.ensure("ana").id
        bo = project.annotators.ensure("bo").id
        for i in range(12):
            rid = project.content.response_id_by_uid(f"item{i}")
            assert rid is not None
            project.labels.add(rid, ana, "unsafe" if i < 10 else "safe")
            project.labels.add(rid, bo, "unsafe" if i < 2 or i >= 10 else "safe")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(f'{{"uid": "item{i}", "label": "unsafe"}}\n' for i in range(10)))
    cli_ok("import", "gold", "--db", str(db), str(gold))
    people = _report(db)["annotators"]["by_language"]["sw"]["annotators"]
    assert people["bo"]["gold"]["n"] == 10 and people["bo"]["gold"]["correct"] == 2
    assert people["bo"]["gold"]["accuracy_ci95"] == pytest.approx([0.056682, 0.509838], abs=1e-5)
    assert people["bo"]["flagged"] and "gold" in people["bo"]["flagged_by"]
    assert people["ana"]["gold"]["accuracy"] == 1.0 and not people["ana"]["flagged"]
    assert people["ana"]["gold"]["accuracy_ci95"] == pytest.approx([0.722467, 1.0], abs=1e-5)
    assert people["ana"]["labels"] == people["bo"]["labels"] == 2
    # Recomputed without bo, the block has no entry for bo.
    without = _report(db, "--exclude-annotator", "bo")["annotators"]["by_language"]["sw"]
    assert set(without["annotators"]) == {"ana"}
