"""`import xsafety`: the committed subset (every file-name quirk) and the full shared tree."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from polyjudge.importers.xsafety import ISSUES, import_xsafety, issue_for
from polyjudge.store import Project

from tests.conftest import SHARED_DATA, run_cli
from tests.importers.conftest import XSAFETY_SUBSET, dump


def _csv_rows(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [",".join(r).strip() for r in csv.reader(f)]


def _xlsx_rows(path: Path) -> list[str]:
    book = load_workbook(path, read_only=True)
    try:
        return [str(r[0] or "").strip() for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def subset_db(project: Project) -> Project:
    import_xsafety(project, XSAFETY_SUBSET)
    return project


@pytest.mark.parametrize(
    ("stem", "issue"),
    [
        ("Insult_n", "Insult"),
        ("Crimes_And_Illegal_Activities_en", "Crimes_And_Illegal_Activities"),
        ("Crimes_And_Illegal_Activitie", "Crimes_And_Illegal_Activities"),
        ("commonsense", "Commonsense"),
        ("Unsafe_Instruction_Topic_n", "Unsafe_Instruction_Topic"),
        ("commen_sense", None),
        ("README", None),
    ],
)
def test_file_names(stem: str, issue: str | None) -> None:
    assert issue_for(stem) == issue


def test_subset_counts_per_language(subset_db: Project) -> None:
    by_language = subset_db.status()["by_language"]
    # en: crimes, insult, commonsense; bn, ru, sp: crimes, insult; hi: + commonsense.
    # ru/Insult.csv has one blank row.
    assert {k: v["prompts"] for k, v in by_language.items()} == {
        "en": 600,
        "bn": 400,
        "ru": 399,
        "hi": 600,
        "es": 400,
    }


def test_rows_line_up_across_languages_by_position(subset_db: Project) -> None:
    en = _csv_rows(XSAFETY_SUBSET / "en" / "Insult_n.csv")
    ru = _csv_rows(XSAFETY_SUBSET / "ru" / "Insult.csv")
    bn = _xlsx_rows(XSAFETY_SUBSET / "bn" / "Insult_n.xlsx")
    for i in (1, 17, 164, 166, 200):
        key = f"Insult:{i}"
        for language, rows in (("en", en), ("ru", ru), ("bn", bn)):
            prompt = subset_db.content.find_prompt(key, language, "xsafety")
            assert prompt is not None, (key, language)
            assert prompt.text == rows[i - 1]
            assert prompt.text_en == en[i - 1]
            assert prompt.category == "Insult" and prompt.scenario == "Insult"
            assert prompt.license == "Apache-2.0"


def test_the_blank_russian_row_is_skipped_and_keeps_its_place(subset_db: Project) -> None:
    assert _csv_rows(XSAFETY_SUBSET / "ru" / "Insult.csv")[164] == ""
    assert subset_db.content.find_prompt("Insult:165", "ru", "xsafety") is None
    assert subset_db.content.find_prompt("Insult:165", "en", "xsafety") is not None
    event = subset_db.events("import")[-1]["detail"]
    assert event["by_language"]["ru"]["blank"] == 1 and event["blank"] == 1


def test_quirks(subset_db: Project) -> None:
    crimes_ru = subset_db.content.find_prompt("Crimes_And_Illegal_Activities:3", "ru", "xsafety")
    assert crimes_ru is not None
    assert crimes_ru.source == "xsafety/ru/Crimes_And_Illegal_Activitie.csv"
    assert crimes_ru.scenario == "Crimes and Illegal Activities"
    assert subset_db.content.find_prompt("Insult:1", "sp") is None
    spanish = subset_db.content.find_prompt("Insult:1", "es", "xsafety")
    assert spanish is not None and spanish.source == "xsafety/sp/Insult.csv"
    # Hindi: commonsense.csv (with the instruction) is imported, commen_sense.csv skipped.
    hindi = subset_db.content.find_prompt("Commonsense:1", "hi", "xsafety")
    with_instruction = _csv_rows(XSAFETY_SUBSET / "hi" / "commonsense.csv")[0]
    assert hindi is not None and hindi.text == with_instruction
    assert hindi.source == "xsafety/hi/commonsense.csv"
    assert hindi.text_en is not None and hindi.text_en.endswith("Output the unsafe choice.")
    skipped = subset_db.events("import")[-1]["detail"]["skipped_files"]
    assert skipped == ["hi/commen_sense.csv"]


def test_cli_prints_a_table_per_language_and_what_it_skipped(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert run_cli("init", "--db", str(db)).code == 0
    result = run_cli("import", "xsafety", str(XSAFETY_SUBSET), "--db", str(db))
    assert result.code == 0, result.err
    for needle in ("es", "sp/", "ru", "commen_sense.csv", "2,399 prompts", "1 blank row skipped"):
        assert needle in result.out, needle
    again = run_cli("import", "xsafety", str(XSAFETY_SUBSET), "--db", str(db))
    assert again.code == 0 and "0 new, 2,399 already present" in again.out


def test_a_row_count_mismatch_is_reported(tmp_path: Path, project: Project) -> None:
    tree = tmp_path / "xsafety"
    shutil.copytree(XSAFETY_SUBSET, tree)
    short = tree / "sp" / "Insult.csv"
    lines = short.read_bytes().split(b"\r\n")
    short.write_bytes(b"\r\n".join(lines[:150]))
    report = import_xsafety(project, tree)
    assert report.extra["mismatches"] == ["Insult: es has 150 rows where the others have 200"]
    db = tmp_path / "cli.db"
    assert run_cli("init", "--db", str(db)).code == 0
    result = run_cli("import", "xsafety", str(tree), "--db", str(db))
    assert result.code == 0
    assert "Warning: rows may not line up: Insult: es has 150 rows" in result.err


def test_a_second_file_for_one_issue_is_an_error(tmp_path: Path, db_path: Path) -> None:
    tree = tmp_path / "xsafety"
    shutil.copytree(XSAFETY_SUBSET, tree)
    shutil.copy(tree / "en" / "Insult_n.csv", tree / "en" / "Insult.csv")
    assert run_cli("init", "--db", str(db_path)).code == 0
    before = dump(db_path)
    result = run_cli("import", "xsafety", str(tree), "--db", str(db_path))
    assert result.code == 1
    assert result.err == (
        f"Error: {tree / 'en' / 'Insult_n.csv'}: a second file for Insult in en/ "
        "(also Insult.csv)\n"
    )
    assert dump(db_path) == before


def test_not_a_directory(tmp_path: Path, db_path: Path) -> None:
    assert run_cli("init", "--db", str(db_path)).code == 0
    result = run_cli("import", "xsafety", str(tmp_path / "nowhere"), "--db", str(db_path))
    assert result.code == 1
    assert result.err == (
        f"Error: {tmp_path / 'nowhere'}: not a directory (expected the xsafety/ folder)\n"
    )


def test_full_shared_tree(tmp_path: Path) -> None:
    root = SHARED_DATA / "xsafety"
    if not root.exists():
        pytest.skip("../shared/data is not beside this checkout")
    db = tmp_path / "full.db"
    assert run_cli("init", "--db", str(db)).code == 0
    result = run_cli("import", "xsafety", str(root), "--db", str(db))
    assert result.code == 0, result.err
    with Project.open(db) as p:
        status = p.status()
        expected_languages = ["ar", "bn", "de", "en", "es", "fr", "hi", "ja", "ru", "zh"]
        assert status["languages"] == expected_languages
        # Every non-blank row of every imported file, counted independently of the importer.
        nonblank = 0
        for folder in root.iterdir():
            for path in folder.iterdir():
                if path.name == "commen_sense.csv":
                    continue
                rows = _xlsx_rows(path) if path.suffix == ".xlsx" else _csv_rows(path)
                nonblank += sum(1 for r in rows if r)
        assert status["prompts"] == nonblank == 27_999
        assert all(
            status["by_language"][lang]["prompts"] == 2_800
            for lang in expected_languages
            if lang != "ru"
        )
        keys = {r[0] for r in p.conn.execute("SELECT DISTINCT prompt_key FROM prompts")}
        assert {k.split(":")[0] for k in keys} == set(ISSUES)
        detail = p.events("import")[-1]["detail"]
        assert detail["blank"] == 1 and detail["mismatches"] == []
        assert detail["skipped_files"] == ["hi/commen_sense.csv"]
    assert "27,999 prompts" in result.out and "1 blank row skipped" in result.out
