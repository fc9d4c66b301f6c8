"""Fixtures for the importer tests: projects with prompts, and a dump to prove "unchanged"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from polyjudge.demo import data_file
from polyjudge.importers.multijail import import_multijail
from polyjudge.store import Project

DATA = Path(__file__).resolve().parent.parent / "data"
XSAFETY_SUBSET = DATA / "xsafety"
MULTIJAIL = data_file("MultiJail.csv")


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table (and the schema), read through a fresh connection."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        out["__schema__"] = conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        return out
    finally:
        conn.close()


@pytest.fixture
def mj_db(tmp_path: Path) -> Path:
    """A closed project file with the 3,150 MultiJail prompts."""
    path = tmp_path / "mj.db"
    with Project.create(path) as project:
        import_multijail(project, MULTIJAIL)
    return path


@pytest.fixture
def mj_project(mj_db: Path):
    with Project.open(mj_db) as project:
        yield project
