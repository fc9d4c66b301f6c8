"""Files polyjudge may not have written: a packet coming back, a file passed to `--db` by mistake.

Nothing here writes. `not_a_project` tells from a read-only look whether a file is a polyjudge
project, before anything would switch it to WAL or create tables in it. `open_read_only` opens a
file that may have been crafted (a packet) with SQLite's defensive settings, and
`schema_problems` names every schema object in it that polyjudge's migrations did not create (a
trigger, a view, a table of ours redefined), so that nothing the file carries is ever run.

    with closing(open_read_only(path)) as conn:
        problems = schema_problems(conn)  # [] or ["trigger flip", ...]

The opening is in `read_only.py`, the schema check in `schema_check.py`; this module decides
what a file is and whether `annotate --db` may open it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from .errors import ProjectError
from .read_only import not_sqlite, open_read_only
from .schema_check import applied_migrations, describe, has_table, our_migrations, schema_problems


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
