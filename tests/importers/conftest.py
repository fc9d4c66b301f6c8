"""Fixtures for the importer tests: projects with prompts, and a dump to prove "unchanged"."""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def mj_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 3,150 MultiJail prompts imported once per session through the real importer; tests
    get a copy (`mj_db`), never this file."""
    path = tmp_path_factory.mktemp("mj-template") / "mj.db"
    with Project.create(path) as project:
        import_multijail(project, MULTIJAIL)
    # Closed: every row is in the main file (no -wal or -journal beside it to copy).
    assert sorted(p.name for p in path.parent.iterdir()) == ["mj.db"]
    return path


@pytest.fixture
def mj_db(mj_template: Path, tmp_path: Path) -> Path:
    """A closed project file with the 3,150 MultiJail prompts (a copy of the session's
    template, as if just imported)."""
    path = tmp_path / "mj.db"
    shutil.copy(mj_template, path)
    return path


@pytest.fixture
def mj_project(mj_db: Path):
    with Project.open(mj_db) as project:
        yield project
