"""Files polyjudge may not have written: a packet coming back, a file passed to `--db` by mistake.

Nothing here writes. `not_a_project` tells from a read-only look whether a file is a polyjudge
project, before anything would switch it to WAL or create tables in it. `open_read_only` opens a
file that may have been crafted (a packet) with SQLite's defensive settings, and
`schema_problems` names every schema object in it that polyjudge's migrations did not create (a
trigger, a view, a table of ours redefined), so that nothing the file carries is ever run.

    with closing(open_read_only(path)) as conn:
        problems = schema_problems(conn)  # [] or ["trigger flip", ...]
"""

from __future__ import annotations

import functools
import re
import sqlite3
import urllib.parse
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ._sqlite_utils import Database
from .errors import ProjectError
from .migrations import MIGRATIONS as migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATIONS_TABLE = migrations.migrations_table  # sqlite-utils' `_sqlite_migrations`
MIGRATIONS_COLUMNS = ("id", "migration_set", "name", "applied_at")
# Tables SQLite itself keeps (AUTOINCREMENT, ANALYZE / PRAGMA optimize): never run anything.
SQLITE_INTERNAL = frozenset(
    {"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}
)
# What a read-only connection to an untrusted file may do (see `_authorize`).
_ALLOWED_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION})
_ALLOWED_PRAGMAS = frozenset({"table_xinfo"})


@dataclass(frozen=True, slots=True)
class SchemaObject:
    type: str
    name: str
    table: str
    sql: str | None


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


def _objects(conn: sqlite3.Connection) -> list[SchemaObject]:
    return [
        SchemaObject(str(row[0]), str(row[1]), str(row[2]), row[3])
        for row in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    ]


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, int]]:
    """(name, hidden) of each column of a real table (hidden: 2 or 3 for generated ones)."""
    return [(str(r[1]), int(r[6])) for r in conn.execute(f"PRAGMA table_xinfo({_quote(table)})")]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _normal(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def has_table(conn: sqlite3.Connection, name: str, columns: tuple[str, ...]) -> bool:
    """`name` is a real table (not a view) with at least these plain columns."""
    row = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    if row is None or row[0] != "table":
        return False
    found = dict(_columns(conn, name))
    return all(found.get(c) == 0 for c in columns)


def applied_migrations(conn: sqlite3.Connection) -> list[str] | None:
    """The polyjudge migrations the file records (None: it records none, or no such table)."""
    if not has_table(conn, MIGRATIONS_TABLE, MIGRATIONS_COLUMNS):
        return None
    names = [
        row[0]
        for row in conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
            (migrations.name,),
        )
    ]
    return [str(n) for n in names] or None


def project_id_of(conn: sqlite3.Connection) -> str | None:
    """The `project_id` in a real `meta` table, if there is one."""
    if not has_table(conn, "meta", ("key", "value")):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'project_id'").fetchone()
    return row[0] if row and isinstance(row[0], str) else None


def not_a_project(path: Path) -> str | None:
    """Why the existing file `path` is not a polyjudge project (None: it is one), read without
    writing anything: its header, then (read-only) the sqlite-utils migrations table with our
    migration set, or our `meta` table with a `project_id`."""
    problem = not_sqlite(path)
    if problem is not None:
        return problem
    try:
        conn = open_read_only(path)
    except ProjectError as exc:
        return str(exc).removeprefix(f"{path}: ")
    try:
        return foreign_database(conn)
    except sqlite3.DatabaseError as exc:
        return f"not a readable polyjudge project ({exc})"
    finally:
        conn.close()


def foreign_database(conn: sqlite3.Connection) -> str | None:
    """Why the database open on `conn` is not a polyjudge project (None: it is one): it has
    neither the sqlite-utils migrations table with our migration set nor our `meta` table with
    a `project_id`. Only reads."""
    applied = applied_migrations(conn)
    if applied is None and project_id_of(conn) is None:
        return "an SQLite database of another application, not a polyjudge project"
    known = set(our_migrations()) if applied else set()
    newer = [name for name in applied or [] if name not in known]
    if newer:
        return (
            f"made by a newer polyjudge (schema steps this version does not know: "
            f"{', '.join(newer[:3])}{', …' if len(newer) > 3 else ''}); upgrade polyjudge "
            "to open it"
        )
    return None


def our_migrations() -> tuple[str, ...]:
    """Every migration this version knows, in the order it applies them."""
    probe = Database(sqlite3.connect(":memory:"), execute_plugins=False)
    try:
        return tuple(m.name for m in migrations.pending(probe))
    finally:
        probe.conn.close()


@functools.cache
def reference_schema(applied: frozenset[str]) -> dict[str, SchemaObject]:
    """The schema objects our migrations create when exactly `applied` have run (in our order),
    built in memory; sqlite-utils' migrations table included."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = Database(conn, execute_plugins=False)
        migrations.ensure_migrations_table(db)
        for migration in migrations.pending(db):
            if migration.name in applied:
                migration.fn(db)
        return {
            o.name: SchemaObject(o.type, o.name, o.table, _normal(o.sql)) for o in _objects(conn)
        }
    finally:
        conn.close()


def schema_problems(conn: sqlite3.Connection) -> list[str]:
    """Everything in the file's schema that polyjudge's migrations did not create, each as a
    short phrase ("trigger labels_flip", "view labels in place of a table"); a file made by a
    newer polyjudge, or by no polyjudge, is one problem. Empty: the schema is exactly ours."""
    applied = applied_migrations(conn)
    if applied is None:
        return ["not a polyjudge file (it records no polyjudge migrations)"]
    known = set(our_migrations())
    newer = [name for name in applied if name not in known]
    if newer:
        return [
            f"made by a newer polyjudge (schema steps this version does not know: "
            f"{', '.join(newer[:3])}{', …' if len(newer) > 3 else ''})"
        ]
    reference = reference_schema(frozenset(applied))
    problems: list[str] = []
    found: set[str] = set()
    for obj in _objects(conn):
        found.add(obj.name)
        if obj.table == MIGRATIONS_TABLE and obj.type in ("table", "index"):
            if obj.type == "table" and [c for c, _ in _columns(conn, obj.name)] != list(
                MIGRATIONS_COLUMNS
            ):
                problems.append(f"table {obj.name} not as sqlite-utils creates it")
            continue
        if obj.name in SQLITE_INTERNAL and obj.type == "table":
            continue
        ours = reference.get(obj.name)
        if ours is None:
            problems.append(f"{obj.type} {obj.name}")
        elif ours.type != obj.type:
            problems.append(f"{obj.type} {obj.name} in place of a {ours.type}")
        elif ours.table != obj.table or ours.sql != _normal(obj.sql):
            problems.append(f"{obj.type} {obj.name} not as polyjudge creates it")
    problems += [
        f"no table {o.name}"
        for o in reference.values()
        if o.type == "table" and o.name not in found
    ]
    # what could run (a trigger, a view) first: it is what the line must name
    return sorted(problems, key=lambda p: not p.startswith(("trigger", "view")))


def describe(problems: list[str], limit: int = 4) -> str:
    """One phrase for a list of schema problems."""
    if len(problems) == 1 and problems[0].startswith(("not a polyjudge", "made by a newer")):
        return problems[0]
    shown = "; ".join(problems[:limit])
    more = f"; and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"unexpected schema ({shown}{more})"


def check_before_annotating(path: Path, annotator: str) -> None:
    """The file checks of `annotate --db FILE` (a packet sent to an offline annotator, or any
    file), before the annotate screen writes anything: it must be a polyjudge project whose
    schema is exactly what our migrations create (no trigger or view could turn a key press
    into another label), and a packet is labelled by its own annotator only (labels by anyone
    else would be refused when it is merged). Raises ProjectError with one line."""
    if not path.exists():
        return  # opening says "no project file here"
    reason = not_a_project(path)
    if reason is not None:
        raise ProjectError(f"{path}: {reason}; nothing was written to it")
    with closing(open_read_only(path)) as conn:
        problems = schema_problems(conn)
        if problems:
            raise ProjectError(
                f"{path}: {describe(problems)}; not opened (a packet must be as "
                "`export packet` wrote it)"
            )
        rows = dict(
            conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('packet_of', 'packet_annotator')"
            ).fetchall()
        )
    owner = rows.get("packet_annotator")
    if rows.get("packet_of") is not None and owner is not None and owner != annotator.strip():
        raise ProjectError(
            f"{path}: this packet is {owner!r}'s; label it under that --annotator (labels by "
            "anyone else would not be merged)"
        )
