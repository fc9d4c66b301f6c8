"""`polyjudge init` and `status` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, run_polyjudge


def test_init_then_status_json(db_path: Path) -> None:
    result = run_cli("init", "--db", str(db_path), "--labels", "safe,unsafe,invalid,unclear")
    assert result.code == 0, result.err
    status = run_cli("status", "--json", "--db", str(db_path))
    assert status.code == 0
    data = json.loads(status.out)
    for key in (
        "prompts",
        "responses",
        "labels",
        "annotators",
        "verdicts",
        "languages",
        "by_language",
    ):
        assert key in data
    assert data["label_set"] == ["safe", "unsafe", "invalid", "unclear"]
    assert data["languages"] == [] and data["responses"] == 0


def test_db_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    assert run_cli("init", env={"POLYJUDGE_DB": str(path)}).code == 0
    assert path.exists()


def test_status_without_project_is_one_line_exit_1(tmp_path: Path) -> None:
    result = run_polyjudge("status", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "none.db" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_bad_label_set_is_refused(db_path: Path) -> None:
    result = run_cli("init", "--db", str(db_path), "--labels", "safe,safe")
    assert result.code == 1 and "distinct" in result.err
    assert not db_path.exists()


def test_label_set_cannot_change_once_labelled(db_path: Path) -> None:
    from polyjudge.store import Project

    assert run_cli("init", "--db", str(db_path)).code == 0
    with Project.open(db_path) as p:
        p.content.insert_responses([{"uid": "a", "language": "ar", "text": "مرحبا"}])
        p.labels.add(1, p.annotators.ensure("x").id, "safe")
    result = run_cli("init", "--db", str(db_path), "--labels", "yes,no")
    assert result.code == 1 and "cannot change" in result.err
    with Project.open(db_path) as p:
        assert p.label_set == ("safe", "unsafe", "invalid")


def test_usage_error_exits_2() -> None:
    result = run_polyjudge("no-such-command")
    assert result.returncode == 2


def test_status_table_shows_untrusted_language_codes_literally(db_path: Path) -> None:
    from polyjudge.store import Project

    hostile = "[bold]x\x1b]2;owned\x07"
    with Project.create(db_path) as p:
        p.content.insert_responses([{"uid": "a", "language": hostile, "text": "hi"}])
    result = run_polyjudge("status", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[bold]x" in result.stdout and "␛]2;owned␇" in result.stdout


def test_status_shows_progress_per_annotator_and_the_queue_the_report_shows(
    tmp_path: Path,
) -> None:
    from polyjudge.demo import build_demo

    db = tmp_path / "demo.db"
    build_demo(db, with_labels=True)
    status = json.loads(run_cli("status", "--db", str(db), "--json").out)
    report = json.loads(run_cli("report", "--db", str(db), "--json").out)
    queue = {k: v for k, v in report["queue"].items() if k != "by_language"}
    assert {k: v for k, v in status["queue"].items() if k != "by_language"} == queue
    assert queue["total"] > 0 and queue["judge_conflicts"] > 0  # the demo has every kind
    assert status["queue"]["by_language"] == {
        lang: q for lang, q in report["queue"]["by_language"].items() if q["total"]
    }
    people = {p["annotator"]: p for p in status["by_annotator"]}
    assert sum(p["labels"] for p in people.values()) == status["labels"]
    assert all(p["last_label_at"] for p in people.values() if p["labels"])
    table = run_cli("status", "--db", str(db)).out
    assert f"adjudication queue: {queue['total']} item(s)" in table
