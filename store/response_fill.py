"""Filling the empty fields of responses already in the project from a re-imported file
(`import responses --update`): a field mapped only now (a back-translation, a category) reaches
the responses imported before, and nothing that has a value is ever replaced."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .schema import RESPONSE_COLUMNS

IMPORT_COLUMNS = (*RESPONSE_COLUMNS, "created_at")
# field -> the columns written with it (a back-translation carries its engine and time).
FILLABLE: dict[str, tuple[str, ...]] = {
    "back_translation": ("back_translation", "bt_engine", "bt_at"),
    "category": ("category",),
    "scenario": ("scenario",),
}
_UID = IMPORT_COLUMNS.index("uid")
_HASH = IMPORT_COLUMNS.index("content_hash")
CHUNK = 500


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_empty_fields(
    conn: sqlite3.Connection, rows: Sequence[Sequence[Any]], before_id: int, *, apply: bool
) -> Counter[str]:
    """For rows (in `IMPORT_COLUMNS` order) naming a response that existed before the import
    (id at most `before_id`) with the same text: {field: how many} of the fields the row has
    and the stored response lacks. With `apply` they are written; the text, the prompt, the
    model and any field that has a value are never changed."""
    found: Counter[str] = Counter()
    wanted = {r[_UID]: r for r in rows}
    uids = list(wanted)
    fields = ", ".join(FILLABLE)
    for start in range(0, len(uids), CHUNK):
        part = uids[start : start + CHUNK]
        sql = (
            f"SELECT uid, content_hash, {fields} FROM responses "
            f"WHERE id <= ? AND uid IN ({', '.join('?' * len(part))})"
        )
        for uid, stored_hash, *stored in conn.execute(sql, [before_id, *part]).fetchall():
            row = wanted[uid]
            if row[_HASH] != stored_hash:
                continue  # another text under this id: the importer reports it as a bad row
            for name, value in zip(FILLABLE, stored, strict=True):
                new = row[IMPORT_COLUMNS.index(name)]
                if _empty(value) and not _empty(new):
                    found[name] += 1
                    if apply:
                        _write(conn, uid, name, row)
    return found


def _write(conn: sqlite3.Connection, uid: str, name: str, row: Sequence[Any]) -> None:
    columns = FILLABLE[name]
    assignments = ", ".join(f"{c} = ?" for c in columns)
    values = [row[IMPORT_COLUMNS.index(c)] for c in columns]
    conn.execute(
        f"UPDATE responses SET {assignments} WHERE uid = ? "
        f"AND ({name} IS NULL OR trim({name}) = '')",
        [*values, uid],
    )
