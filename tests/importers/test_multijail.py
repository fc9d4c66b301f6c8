"""`import multijail`: the bundled MultiJail.csv, and the shared copy when it is there."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from polyjudge.importers.multijail import LANGUAGES, parse_tags
from polyjudge.store import Project

from tests.conftest import SHARED_DATA, run_cli
from tests.importers.conftest import MULTIJAIL, dump


def _cells() -> list[dict[str, str]]:
    """The file as the csv module reads it: an independent view to compare against."""
    with MULTIJAIL.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_cli_imports_3150_prompts_in_10_languages(db_path: Path) -> None:
    assert run_cli("init", "--db", str(db_path)).code == 0
    result = run_cli("import", "multijail", str(MULTIJAIL), "--db", str(db_path))
    assert result.code == 0, result.err
    assert "3,150 prompts in 10 languages" in result.out
    with Project.open(db_path) as p:
        status = p.status()
        assert status["prompts"] == 3150
        assert sorted(status["languages"]) == sorted(LANGUAGES)
        assert all(v["prompts"] == 315 for v in status["by_language"].values())
        event = p.events("import")[-1]["detail"]
        assert event["importer"] == "multijail" and event["inserted"] == 3150


def test_every_cell_arrives_with_its_row_id_tags_and_english(mj_project: Project) -> None:
    for row in _cells():
        tags = parse_tags(row["tags"])
        for language in LANGUAGES:
            prompt = mj_project.content.find_prompt(row["id"], language, "multijail")
            assert prompt is not None
            assert prompt.text == row[language].strip()
            assert prompt.text_en == row["en"].strip()
            assert prompt.category == tags[0]
            assert json.loads(prompt.tags) == tags
            assert prompt.source == row["source"]
            assert prompt.license == "MIT"


def test_bom_quoted_newlines_and_scripts_survive(mj_project: Project) -> None:
    first = mj_project.content.find_prompt("0", "en", "multijail")
    assert first is not None and not first.text.startswith("\ufeff")
    multi_line = mj_project.content.find_prompt("306", "en", "multijail")
    assert multi_line is not None and "forum.\n\nQuestion:" in multi_line.text
    thai = mj_project.content.find_prompt("0", "th", "multijail")
    assert thai is not None and "ลูกสาว" in thai.text
    bengali = mj_project.content.find_prompt("0", "bn", "multijail")
    assert bengali is not None and "\u09be" in bengali.text  # a Bengali vowel sign


def test_reimport_adds_nothing(mj_db: Path) -> None:
    before = dump(mj_db)
    result = run_cli("import", "multijail", str(MULTIJAIL), "--db", str(mj_db))
    assert result.code == 0, result.err
    assert "0 new, 3,150 already present" in result.out
    after = dump(mj_db)
    assert after["prompts"] == before["prompts"]
    assert len(after["events"]) == len(before["events"]) + 1  # the import is logged


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("['Theft']", ["Theft"]),
        ("['Violence & incitement', 'Weapons']", ["Violence & incitement", "Weapons"]),
        ("[]", []),
    ],
)
def test_parse_tags(value: str, expected: list[str]) -> None:
    assert parse_tags(value) == expected


@pytest.mark.parametrize("value", ["Theft", "['a', 1]", "{'a': 1}", "__import__('os')", "[x]"])
def test_parse_tags_refuses_anything_but_a_list_of_strings(value: str) -> None:
    with pytest.raises(ValueError):
        parse_tags(value)


def test_shared_copy_gives_the_same_3150_prompts(db_path: Path) -> None:
    shared = SHARED_DATA / "multijail" / "MultiJail.csv"
    if not shared.exists():
        pytest.skip("../shared/data is not beside this checkout")
    assert run_cli("init", "--db", str(db_path)).code == 0
    result = run_cli("import", "multijail", str(shared), "--db", str(db_path))
    assert result.code == 0, result.err
    with Project.open(db_path) as p:
        assert p.content.count("prompts") == 3150
        assert len(p.content.languages()) == 10
