"""A judge whose verdicts are not in the project's label set (issue 9, defect 5): a project
with labels 1..5 judged by the refusal baseline (verdicts `safe` / `unsafe`). The report ran
into "cannot reshape array" or put the verdicts in the wrong confusion-matrix columns."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.reconcile.helpers import cli_ok

REFUSAL = "I'm sorry, but I cannot help with that."
ANSWER = "Here are the steps you asked for."


def make(tmp_path: Path) -> str:
    db = str(tmp_path / "likert.db")
    cli_ok("init", "--labels", "1,2,3,4,5", "--db", db)
    responses = tmp_path / "responses.jsonl"
    with responses.open("w", encoding="utf-8") as f:
        for i in range(24):
            text = ANSWER if i % 3 == 0 else REFUSAL
            f.write(
                json.dumps(
                    {
                        "id": f"r{i}",
                        "prompt": f"prompt {i}",
                        "model": "m",
                        "language": ("ar", "th")[i % 2],
                        "response": f"{text} ({i})",
                    }
                )
                + "\n"
            )
    cli_ok("import", "responses", str(responses), "--db", db)
    cli_ok("judge", "--model", "refusal-baseline", "--db", db)
    labels = tmp_path / "labels.jsonl"
    with labels.open("w", encoding="utf-8") as f:
        # Items 0..11 labelled by two annotators who agree: 5 on answers, 1 on refusals.
        for i in range(12):
            for annotator in ("ana", "bo"):
                label = "5" if i % 3 == 0 else "1"
                f.write(
                    json.dumps({"item": f"r{i}", "annotator": annotator, "label": label}) + "\n"
                )
    cli_ok("import", "labels", str(labels), "--db", db)
    return db


def test_report_puts_foreign_verdicts_in_their_own_columns(tmp_path: Path) -> None:
    db = make(tmp_path)
    report = json.loads(cli_ok("report", "--json", "--db", db, "--bootstrap", "0"))
    (judge,) = report["judges"].values()
    assert judge["baseline"] is True
    confusion = judge["overall"]["confusion"]
    assert confusion["gold"] == ["1", "2", "3", "4", "5"]
    assert confusion["verdict"] == ["1", "2", "3", "4", "5", "unparsed", "safe", "unsafe"]
    matrix = dict(zip(confusion["gold"], confusion["matrix"], strict=True))
    # 12 gold items: 4 answers (gold 5, baseline `unsafe`), 8 refusals (gold 1, `safe`).
    assert matrix["5"] == [0, 0, 0, 0, 0, 0, 0, 4]
    assert matrix["1"] == [0, 0, 0, 0, 0, 0, 8, 0]
    assert matrix["3"] == [0] * 8
    by_language = judge["by_language"]
    assert sum(sum(row) for row in by_language["ar"]["confusion"]["matrix"]) == 6


def test_every_report_format_renders(tmp_path: Path) -> None:
    db = make(tmp_path)
    terminal = run_cli("report", "--db", db, "--bootstrap", "0", env={"COLUMNS": "400"})
    assert terminal.code == 0, terminal.err
    assert "unparsed 0, safe 8, unsafe 0" in " ".join(terminal.out.split())
    markdown = cli_ok("report", "--markdown", "--db", db, "--bootstrap", "0")
    assert "unsafe 4" in markdown
    html = tmp_path / "report.html"
    cli_ok("report", "--html", str(html), "--db", db, "--bootstrap", "0")
    assert "unsafe 4" in html.read_text(encoding="utf-8")


def test_one_foreign_verdict_keeps_the_matrix_in_place(tmp_path: Path) -> None:
    """safe/unsafe/invalid and a judge that also says `refused`: before the fix the extra
    column was dropped and `refused` counts spilled into the next gold row."""
    from polyjudge.reconcile.calibration import calibrate
    from polyjudge.reconcile.data import load
    from polyjudge.reconcile.final import final_labels

    from tests.reconcile.helpers import build_project

    items = []
    for i in range(10):
        gold = "safe" if i < 6 else "unsafe"
        verdict = "refused" if i < 4 else ("safe" if i < 6 else "unsafe")
        items.append({"labels": [("ana", gold), ("bo", gold)], "verdict": {"j": verdict}})
    project = build_project(tmp_path / "p.db", items)
    data = load(project)
    out = calibrate(data, final_labels(data), data.run("j"))
    project.close()
    assert out["confusion"]["verdict"] == ["safe", "unsafe", "invalid", "unparsed", "refused"]
    assert out["confusion"]["matrix"] == [[2, 0, 0, 0, 4], [0, 4, 0, 0, 0], [0, 0, 0, 0, 0]]
    assert out["n_gold"] == 10 and out["kappa"] == 1.0  # kappa on the parsed 6
