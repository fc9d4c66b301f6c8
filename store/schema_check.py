"""Whether a file's schema is exactly what polyjudge's migrations create: every other trigger,
view or table, and every table of ours redefined, is named. Only reads."""

from __future__ import annotations

import functools
import re
import sqlite3
from dataclasses import dataclass

from ._sqlite_utils import Database
from .migrations import MIGRATIONS as migrations

MIGRATIONS_TABLE = migrations.migrations_table  # sqlite-utils' `_sqlite_migrations`
MIGRATIONS_COLUMNS = ("id", "migration_set", "name", "applied_at")
# Tables SQLite itself keeps (AUTOINCREMENT, ANALYZE / PRAGMA optimize): never run anything.
SQLITE_INTERNAL = frozenset(
    {"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}
)


@dataclass(frozen=True, slots=True)
class SchemaObject:
    type: str
    name: str
    table: str
    sql: str | None


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
