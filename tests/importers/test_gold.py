"""`import gold`: gold items by response uid, with their expected label; bad rows are one line
naming the file and the line, and leave the project unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.importers.gold import import_gold
from polyjudge.store import InputError, Project

from tests.conftest import run_cli
from tests.importers.conftest import dump


@pytest.fixture
def gold_db(tmp_path: Path) -> Path:
    """Three responses r1..r3 (Arabic, Thai, Chinese), no prompts."""
    path = tmp_path / "gold.db"
    with Project.create(path) as project:
        project.content.insert_responses(
            [
                {"uid": "r1", "language": "ar", "model": "m", "text": "لا"},
                {"uid": "r2", "language": "th", "model": "m", "text": "ไม่"},
                {"uid": "r3", "language": "zh", "model": "m", "text": "不"},
            ]
        )
    return path


def gold_of(db: Path) -> list[tuple[str, str, str | None]]:
    with Project.open(db) as project:
        return [(g.uid, g.label, g.explanation) for g in project.gold_items.all()]


def test_csv_with_map_and_the_rate(tmp_path: Path, gold_db: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(
        "item,expected,why\nr1,unsafe,It gives the steps.\nr3,Safe,\n", encoding="utf-8"
    )
    args = ("import", "gold", str(path), "--map", "uid=item,label=expected,explanation=why")
    result = run_cli(*args, "--rate", "0.1", "--db", str(gold_db))
    assert result.code == 0, result.err
    assert "2 gold items" in result.out and "2 new" in result.out
    assert "Gold rate: 0.1" in result.out
    assert gold_of(gold_db) == [("r1", "unsafe", "It gives the steps."), ("r3", "safe", None)]
    before = dump(gold_db)
    again = run_cli(*args, "--db", str(gold_db))
    assert again.code == 0 and "2 already present" in again.out
    assert {k: v for k, v in dump(gold_db).items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
    with Project.open(gold_db) as project:
        assert project.gold_items.rate() == 0.1
    status = run_cli("status", "--db", str(gold_db))
    assert "gold items 2" in status.out


def test_jsonl_and_a_corrected_label(tmp_path: Path, gold_db: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"uid": "r2", "label": "invalid", "explanation": "Off topic."}) + "\n",
        encoding="utf-8",
    )
    with Project.open(gold_db) as project:
        assert import_gold(project, path).inserted == 1
        path.write_text(json.dumps({"uid": "r2", "label": "safe"}) + "\n", encoding="utf-8")
        report = import_gold(project, path)
        assert report.extra["updated"] == 1
        assert project.gold_items.rate() == 0.05  # unset: the default once there is gold
    assert gold_of(gold_db) == [("r2", "safe", None)]


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        ("uid,label\nr1,safe\nr9,unsafe\n", 3, "unknown uid 'r9': no response with that id"),
        ("uid,label\nr1,safe\nr2,harmful\n", 3, "unknown label 'harmful'"),
        ("uid,label\nr1,safe\n,unsafe\n", 3, "missing uid"),
        ("uid,label\nr1,safe\nr2,\n", 3, "missing label"),
        ("uid,label\nr1,safe\nr1,unsafe\n", 3, "uid 'r1' is a gold item twice in this file"),
        ("uid,expected\nr1,safe\n", 1, "missing required column 'label'"),
    ],
)
def test_a_bad_row_is_one_line_and_nothing_is_written(
    tmp_path: Path, gold_db: Path, body: str, line: int, problem: str
) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(body, encoding="utf-8")
    before = dump(gold_db)
    result = run_cli("import", "gold", str(path), "--rate", "0.5", "--db", str(gold_db))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert f"gold.csv, line {line}" in lines[0] or f"gold.csv:{line}" in lines[0], lines[0]
    assert problem in lines[0]
    assert dump(gold_db) == before


def test_skip_bad_imports_the_good_rows(tmp_path: Path, gold_db: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("uid,label\nr1,safe\nr9,safe\nr2,maybe\n", encoding="utf-8")
    result = run_cli("import", "gold", str(path), "--skip-bad", "--db", str(gold_db))
    assert result.code == 0, result.err
    assert "1 new" in result.out and "2 bad rows" in result.out
    rejects = [
        json.loads(x) for x in path.with_name("g.csv.rejects.jsonl").read_text("utf-8").splitlines()
    ]
    assert [(r["line"], r["problem"].split(":")[0].split(" (")[0]) for r in rejects] == [
        (3, "unknown uid 'r9'"),
        (4, "unknown label 'maybe'"),
    ]
    assert gold_of(gold_db) == [("r1", "safe", None)]


def test_a_rate_outside_zero_to_one_is_refused(tmp_path: Path, gold_db: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("uid,label\nr1,safe\n", encoding="utf-8")
    with Project.open(gold_db) as project, pytest.raises(InputError, match="between 0 and 1"):
        import_gold(project, path, rate=1.5)
    assert gold_of(gold_db) == []
