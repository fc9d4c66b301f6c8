"""Opening a project file: refuse what is not one before writing, set the connection up,
apply pending migrations. Used by `Project.__init__` only."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from ._sqlite_utils import Database
from .errors import ProjectError
from .migrations import MIGRATIONS
from .records import DEFAULT_LABELS
from .untrusted import foreign_database

if TYPE_CHECKING:
    from .project import Project

BUSY_TIMEOUT_MS = 30_000


def connect(path: Path, create: bool) -> tuple[sqlite3.Connection, Database]:
    """The project's connection (WAL, foreign keys, busy timeout) and its sqlite-utils view,
    after the file was checked to be a project (or new, or empty with `create`)."""
    if not create and not path.exists():
        raise ProjectError(f"{path}: no project file here (create one with `polyjudge init`)")
    _refuse_non_sqlite(path, create)
    try:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see `Project.transaction`).
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Nothing in a project file's schema (a view, a trigger) may call functions with
        # side effects: we never rely on that, and a file can come from anywhere.
        conn.execute("PRAGMA trusted_schema = OFF")
        _refuse_foreign_database(path, conn, create)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn, execute_plugins=False)
        if mode.lower() != "wal" and str(path) != ":memory:":
            raise ProjectError(f"{path}: could not switch the file to WAL mode")
        return conn, db
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not a polyjudge project file ({exc})") from exc


def _refuse(path: Path, reason: str, create: bool) -> None:
    if create:
        reason += " (init makes a project only in a new or empty file)"
    elif "empty file" in reason:
        reason += " (create one with `polyjudge init`)"
    raise ProjectError(f"{path}: {reason}; nothing was written to it")


def _refuse_non_sqlite(path: Path, create: bool) -> None:
    """Refuse a directory before SQLite opens it. Everything else is looked at through the
    project's own connection (`_refuse_foreign_database`): this process may already hold
    the file open, and closing any other descriptor of it — even a plain read of its
    header — drops the process's POSIX locks on it (SQLite's documented hazard), after
    which another process may delete the WAL under the open connection."""
    if str(path) != ":memory:" and path.is_dir():
        _refuse(path, "a directory, not a polyjudge project file", create)


def _refuse_foreign_database(path: Path, conn: sqlite3.Connection, create: bool) -> None:
    """Refuse another application's database, before anything is written to it. The look
    uses this connection, before the WAL switch: a second, read-only connection opened and
    closed in a process that already holds the project open would drop that process's
    POSIX locks, and the next process to close the file would then delete the WAL under
    it (measured: labels written after that were seen by no other process)."""
    if str(path) == ":memory:" or not path.exists():
        return
    try:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError:
        conn.close()
        _refuse(path, "not a polyjudge project (not an SQLite database)", create)
    if tables == 0:
        if not create:
            conn.close()
            _refuse(
                path,
                "an empty file, not a polyjudge project"
                if path.stat().st_size == 0
                else "an SQLite database with nothing in it, not a polyjudge project",
                create,
            )
        return
    conn.execute("PRAGMA query_only = ON")
    try:
        reason = foreign_database(conn)
    except sqlite3.DatabaseError as exc:
        reason = f"not a readable polyjudge project ({exc})"
    finally:
        conn.execute("PRAGMA query_only = OFF")
    if reason is not None:
        conn.close()
        _refuse(path, reason, create)


def migrate(project: Project) -> None:
    """Apply pending migrations, then give a new project its id and default settings."""
    conn, db = project.conn, project.db
    if not MIGRATIONS.pending(db):
        return
    # Serialise concurrent first opens: migrations run one process at a time.
    conn.execute("BEGIN IMMEDIATE")
    try:
        pending = MIGRATIONS.pending(db)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if pending:
        MIGRATIONS.apply(db)
    if project.meta("project_id") is None:
        with project.transaction():
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('project_id', ?)",
                (uuid.uuid4().hex,),
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('labels', ?)",
                (json.dumps(list(DEFAULT_LABELS)),),
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('consensus_rule', ?)",
                ("unanimous",),
            )
