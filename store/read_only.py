"""Opening an SQLite file that may have been crafted (a packet coming back) so that it can
neither be written nor run anything it carries. Nothing here writes."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from .errors import ProjectError

SQLITE_MAGIC = b"SQLite format 3\x00"
# What a read-only connection to an untrusted file may do (see `_authorize`).
_ALLOWED_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION})
_ALLOWED_PRAGMAS = frozenset({"table_xinfo"})


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _header(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(100)


def not_sqlite(path: Path) -> str | None:
    """Why `path` is not an SQLite database at all (None: it looks like one)."""
    if path.is_dir():
        return "a directory, not a polyjudge project file"
    header = _header(path)
    if not header:
        return "an empty file, not a polyjudge project"
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        return "not a polyjudge project (not an SQLite database)"
    return None


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to `path` nor run what the file carries: URI `mode=ro`
    (`immutable=1` for a WAL file with no -wal/-shm beside it, so that none is created),
    `trusted_schema=OFF`, `query_only=ON`, SQLITE_DBCONFIG_DEFENSIVE and triggers and views
    switched off where Python offers `setconfig` (3.12+), and on every version an authorizer
    that allows reading tables only (never through a view or a trigger) and no other pragma than
    `table_xinfo`. Raises ProjectError (one line) for a file that is not an SQLite database."""
    problem = not_sqlite(path)
    if problem is not None:
        raise ProjectError(f"{path}: {problem}")
    wal = _header(path)[18:20] == b"\x02\x02"
    immutable = wal and not any(p.exists() for p in _sidecars(path))
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    if immutable:
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    try:
        setconfig = getattr(conn, "setconfig", None)  # Python 3.12+
        if setconfig is not None:
            for name, value in (
                ("SQLITE_DBCONFIG_DEFENSIVE", True),
                ("SQLITE_DBCONFIG_ENABLE_TRIGGER", False),
                ("SQLITE_DBCONFIG_ENABLE_VIEW", False),
                ("SQLITE_DBCONFIG_TRUSTED_SCHEMA", False),
            ):
                if hasattr(sqlite3, name):
                    setconfig(getattr(sqlite3, name), value)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA cell_size_check = ON")
        conn.set_authorizer(_authorize)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ProjectError(f"{path}: not a readable SQLite database ({exc})") from exc
    return conn


def _authorize(
    action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None
) -> int:
    """sqlite3 authorizer: plain SELECTs of tables only. `source` names the trigger or view a
    step comes from: anything from one is denied, so a view can never feed us rows."""
    if source is not None:
        return sqlite3.SQLITE_DENY
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _ALLOWED_PRAGMAS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY
