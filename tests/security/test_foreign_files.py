"""A file that is not a polyjudge project is never written to: every command but `init` refuses
it with one line and leaves it exactly as it was (bytes, mtime, no -wal/-shm beside it, not
switched to WAL); `init` refuses it too unless it is new or empty. A polyjudge project made by
an older version is still migrated."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from polyjudge.store import MIGRATIONS as migrations
from polyjudge.store import Database, Project

from tests.conftest import run_cli


def app_database(path: Path) -> None:
    """Somebody else's application database, rollback journal, with a trigger of its own."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
        "CREATE TABLE meta (k TEXT, v TEXT);"
        "CREATE TRIGGER stamp AFTER INSERT ON notes BEGIN INSERT INTO meta VALUES ('n', 1); END;"
        "INSERT INTO notes (body) VALUES ('shopping: eggs, ছানা, 牛奶');"
    )
    conn.commit()
    conn.close()


def wal_app_database(path: Path) -> None:
    """Another application's database in WAL mode, closed (no -wal/-shm beside it)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    conn.execute("INSERT INTO events (what) VALUES ('boot')")
    conn.commit()
    conn.close()


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


def text_file(path: Path) -> None:
    path.write_text("id,text\n1,hello\n", encoding="utf-8")


FILES: dict[str, Callable[[Path], None]] = {
    "app database": app_database,
    "WAL app database": wal_app_database,
    "0-byte file": empty_file,
    "text file": text_file,
}
REASONS = {
    "app database": "an SQLite database of another application, not a polyjudge project",
    "WAL app database": "an SQLite database of another application, not a polyjudge project",
    "0-byte file": "an empty file, not a polyjudge project",
    "text file": "not a polyjudge project (not an SQLite database)",
}


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """Bytes, mtime and whatever sits beside the file."""
    beside = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))
    return path.read_bytes(), path.stat().st_mtime_ns, beside


@pytest.fixture
def responses_file(tmp_path: Path) -> Path:
    path = tmp_path / "responses.jsonl"
    path.write_text(
        json.dumps({"id": "r1", "language": "bn", "response": "না"}) + "\n", encoding="utf-8"
    )
    return path


def commands(db: Path, tmp_path: Path, responses: Path) -> dict[str, list[str]]:
    return {
        "status": ["status", "--db", str(db)],
        "status --json": ["status", "--json", "--db", str(db)],
        "report": ["report", "--db", str(db)],
        "import responses": ["import", "responses", str(responses), "--db", str(db)],
        "annotate": ["annotate", "--db", str(db), "--annotator", "amina"],
        "merge (as the project)": ["merge", "--db", str(db), str(tmp_path / "nothing.db")],
        "export gold": ["export", "gold", "--db", str(db), "--out", str(tmp_path / "g.jsonl")],
        "init --labels": ["init", "--db", str(db), "--labels", "a,b"],
    }


@pytest.mark.parametrize("kind", list(FILES))
def test_no_command_writes_into_a_foreign_file(kind, tmp_path: Path, responses_file: Path):
    db = tmp_path / "other.db"
    FILES[kind](db)
    before = fingerprint(db)
    for name, args in commands(db, tmp_path, responses_file).items():
        if kind == "0-byte file" and name == "init --labels":
            continue  # init makes a project in an empty file (tested below)
        result = run_cli(*args)
        assert result.code == 1, (name, result.out, result.err)
        assert len(result.err.strip().splitlines()) == 1, (name, result.err)
        assert result.err.startswith(f"Error: {db}: "), (name, result.err)
        assert "nothing was written to it" in result.err, (name, result.err)
        if name != "init --labels" or kind != "0-byte file":
            assert REASONS[kind] in result.err, (name, result.err)
        assert fingerprint(db) == before, name
    if kind != "text file" and kind != "0-byte file":
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == (
                "wal" if kind == "WAL app database" else "delete"
            )


@pytest.mark.parametrize("kind", ["app database", "WAL app database", "text file"])
def test_init_refuses_a_file_that_is_not_empty(kind, tmp_path: Path):
    db = tmp_path / "other.db"
    FILES[kind](db)
    before = fingerprint(db)
    result = run_cli("init", "--db", str(db))
    assert result.code == 1
    assert result.err.strip() == (
        f"Error: {db}: {REASONS[kind]} (init makes a project only in a"
        " new or empty file); nothing was written to it"
    )
    assert fingerprint(db) == before


def test_init_makes_a_project_only_in_a_new_or_empty_file(tmp_path: Path):
    empty, other = tmp_path / "empty.db", tmp_path / "other.db"
    empty.write_bytes(b"")
    app_database(other)
    assert run_cli("init", "--db", str(empty)).code == 0
    assert run_cli("status", "--db", str(empty)).code == 0
    assert run_cli("init", "--db", str(other)).code == 1
    assert run_cli("init", "--db", str(tmp_path / "new.db")).code == 0


@pytest.mark.parametrize("kind", list(FILES))
def test_merging_a_foreign_file_as_a_packet_leaves_both_files_alone(kind, tmp_path: Path):
    project = tmp_path / "project.db"
    Project.create(project).close()
    packet = tmp_path / "packet.db"
    FILES[kind](packet)
    before = fingerprint(packet)
    with sqlite3.connect(project) as conn:
        labels_before = conn.execute("SELECT count(*) FROM labels").fetchone()
    result = run_cli("merge", "--db", str(project), str(packet))
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1 and result.err.startswith(f"Error: {packet}: ")
    assert fingerprint(packet) == before
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT count(*) FROM labels").fetchone() == labels_before


def test_the_probe_tells_an_older_project_from_a_lookalike(tmp_path: Path):
    """A project whose file records only the first schema step (as the first version wrote
    it) opens and gains the later steps; a database with a sqlite-utils migrations table of
    another application's migrations is not a project."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    database = Database(conn, execute_plugins=False)
    migrations.ensure_migrations_table(database)
    first = migrations.pending(database)[0]
    first.fn(database)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('polyjudge', ?, '2026-11-24')",
        (first.name,),
    )
    conn.execute("INSERT INTO meta (key, value) VALUES ('project_id', 'old0001')")
    conn.close()
    result = run_cli("status", "--db", str(db))
    assert result.code == 0, result.err
    with Project.open(db) as project:
        assert project.project_id == "old0001"
        assert not migrations.pending(project.db)

    lookalike = tmp_path / "lookalike.db"
    conn = sqlite3.connect(lookalike, isolation_level=None)
    migrations.ensure_migrations_table(Database(conn, execute_plugins=False))
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('someapp', '0001_init', '2026-01-01')"
    )
    conn.close()
    before = fingerprint(lookalike)
    result = run_cli("status", "--db", str(lookalike))
    assert result.code == 1 and "another application" in result.err
    assert fingerprint(lookalike) == before


def test_a_project_of_a_newer_polyjudge_is_refused_untouched(tmp_path: Path) -> None:
    # A newer polyjudge added a schema step this one does not know: writing into that file
    # with this version's idea of the schema could break it for the newer one.
    db = tmp_path / "newer.db"
    with Project.create(db):
        pass
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('polyjudge', '0099_from_the_future', '2027-01-01')"
        )
    conn.close()
    before = db.read_bytes()
    result = run_cli("status", "--db", str(db))
    assert result.code == 1
    assert "made by a newer polyjudge" in result.err and "0099_from_the_future" in result.err
    assert result.err.count("\n") == 1
    assert db.read_bytes() == before
