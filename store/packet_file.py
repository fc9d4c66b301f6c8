"""Reading a packet that came back: untrusted input, read-only, checked row by row.

A packet file travelled and anyone may have edited it. It is opened with `read_only.open_read_only`
(nothing it carries is run, nothing is written), its schema must be exactly what our migrations
create (no trigger, no view, no newer schema), and its parent must be this project. Only its
own annotator's labels on its own items count, and each is checked as a label typed on screen
is (see `check_row`); anything else is counted by what is wrong with it.

The packet's annotator and items are not taken from the packet: they are the parent project's
record of the export (`PacketRecord`, logged by `export packet`), looked up by the packet's id.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import PolyjudgeError
from .labels import VIEWED
from .read_only import open_read_only
from .schema_check import describe, has_table, schema_problems

ACTIONS = ("label", "undo")
LABEL_COLUMNS = (
    "id",
    "response_id",
    "annotator_id",
    "label",
    "unsure",
    "note",
    "action",
    "supersedes",
    "restores",
    "viewed",
    "guideline_version",
    "time_ms",
    "source",
    "created_at",
)
# Read when the packet has it (a packet made before `0010_reading_condition` has not: NULL).
OPTIONAL_LABEL_COLUMNS = ("view_assigned",)
# Since `0009_reveal` (a packet exported before has none: read as 0, given blind).
REVEAL_COLUMNS = ("after_reveal", "judge_seen")
READ_TABLES = {
    "meta": ("key", "value"),
    "annotators": ("id", "name"),
    "responses": ("id", "uid"),
    "labels": LABEL_COLUMNS,
}


@dataclass(frozen=True, slots=True)
class PacketRecord:
    """What the parent project logged when it exported a packet."""

    packet_id: str
    annotator: str
    response_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class PacketLabel:
    """One checked label row of a packet; `id`, `supersedes`, `restores` are packet row ids."""

    id: int
    response_id: int  # the parent project's response id
    label: str | None
    unsure: int
    note: str | None
    action: str
    supersedes: int | None
    restores: int | None
    viewed: str | None
    guideline_version: str | None
    time_ms: int | None
    source: str
    created_at: str
    view_assigned: str | None = None
    after_reveal: int = 0
    judge_seen: int = 0


@dataclass(frozen=True, slots=True)
class PacketContents:
    path: str
    packet_id: str
    annotator: str
    response_ids: frozenset[int]
    labels: tuple[PacketLabel, ...]
    # what was wrong -> how many label rows
    rejected: Counter[str] = field(default_factory=Counter)
    # `annotator` is who the labels are merged as: the one the packet was exported for, or
    # the lead's `merge --as NAME`; `typed_as` is the name they were typed under in the file.
    exported_for: str = ""
    typed_as: str = ""

    def rejected_summary(self) -> str:
        return ", ".join(
            f"{n:,} label row{'' if n == 1 else 's'} {what}" for what, n in self.rejected.items()
        )


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_text(value: Any) -> bool:
    return type(value) is str


def _parses_as_time(value: Any) -> bool:
    if not _is_text(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_row(
    row: dict[str, Any],
    label_set: tuple[str, ...],
    valid: dict[int, PacketLabel],
    response_of: Callable[[Any], int | None],
    annotator: str,
) -> str | None:
    """What is wrong with one packet label row (None: nothing). `valid` holds the rows already
    accepted (by packet id), `response_of` maps the row's packet item to the parent's response
    id when it is one of the packet's items."""
    if row["annotator_name"] != annotator:
        return f"for annotators other than {annotator}"
    if response_of(row["response_uid"]) is None:
        return "on items that are not this packet's"
    if row["action"] not in ACTIONS:
        return f"with an action other than {' or '.join(ACTIONS)}"
    label = row["label"]
    if row["action"] == "label" and label not in label_set:
        return f"with a label outside this project's labels ({', '.join(label_set)})"
    if row["action"] == "label" and row["restores"] is not None:
        return "with a label that claims to restore another row"
    for column in REVEAL_COLUMNS:
        if row[column] not in (0, 1) or not _is_int(row[column]):
            return f"with a bad {column} (expected 0 or 1)"
    if row["after_reveal"] and (
        row["action"] != "label" or not row["judge_seen"] or row["supersedes"] is None
    ):
        return "with an after-reveal row that is not a label seen with the judge after another"
    if row["action"] == "undo":
        restored = valid.get(row["restores"]) if row["restores"] is not None else None
        if row["restores"] is not None and (
            restored is None
            or restored.response_id != response_of(row["response_uid"])
            or restored.after_reveal
        ):
            return "undoing to a row that is not theirs, or was refused"
        if label != (restored.label if restored else None):
            return "undoing to a label other than the one they restore"
    if row["unsure"] not in (0, 1) or not _is_int(row["unsure"]):
        return "with a bad unsure (expected 0 or 1)"
    if row["time_ms"] is not None and not (_is_int(row["time_ms"]) and row["time_ms"] >= 0):
        return "with a bad time_ms (expected a whole number of milliseconds, or none)"
    if row["viewed"] is not None and row["viewed"] not in VIEWED:
        return f"with a bad viewed (expected {', '.join(VIEWED)}, or none)"
    if row["view_assigned"] is not None and row["view_assigned"] not in VIEWED:
        return f"with a bad view_assigned (expected {', '.join(VIEWED)}, or none)"
    for column in ("note", "guideline_version"):
        if row[column] is not None and not _is_text(row[column]):
            return f"with a bad {column} (expected text)"
    if not _is_text(row["source"]) or not row["source"]:
        return "with a bad source (expected text)"
    if not _parses_as_time(row["created_at"]):
        return "with a bad created_at (expected an ISO 8601 time stamp)"
    superseded = valid.get(row["supersedes"]) if row["supersedes"] is not None else None
    if row["supersedes"] is not None and (
        superseded is None
        or superseded.response_id != response_of(row["response_uid"])
        or superseded.after_reveal  # an answer to a reveal is never in the chain
    ):
        return "replacing a row that is not theirs, or was refused"
    return None


def read_packet(
    path: Path,
    parent_id: str,
    label_set: tuple[str, ...],
    record_of: Callable[[str], PacketRecord | None],
    response_id_of: Callable[[str], int | None],
    legacy_for: Callable[[str], bool] | None = None,
    as_name: str | None = None,
) -> PacketContents:
    """Read and check a packet for the project `parent_id`. File-level problems (not an SQLite
    file, an unexpected schema, another project's packet, no record of the export) raise
    PolyjudgeError with one line; label rows that fail `check_row` are counted in `rejected`.

    `legacy_for(annotator)`: given (`merge --legacy-packet`), a packet this project has no
    record of is accepted when the project did export a packet, unrecorded (before export
    records), for the annotator the packet names; its items are then the packet's own items
    that this project has. Everything else is checked as for any packet.

    `as_name` (`merge --as NAME`): the packet's labels, typed under whichever one name (the
    exported-for annotator's or another), are taken and merged as NAME, the lead's explicit
    choice; labels typed under several names are then refused (one packet, one person).
    Without it only rows typed under the exported-for name count."""
    try:
        with closing(open_read_only(path)) as conn:
            return _read(
                conn, path, parent_id, label_set, record_of, response_id_of, legacy_for, as_name
            )
    except sqlite3.DatabaseError as exc:
        raise PolyjudgeError(f"{path}: cannot read the packet ({exc}); nothing merged") from exc


def _read(
    conn: sqlite3.Connection,
    path: Path,
    parent_id: str,
    label_set: tuple[str, ...],
    record_of: Callable[[str], PacketRecord | None],
    response_id_of: Callable[[str], int | None],
    legacy_for: Callable[[str], bool] | None = None,
    as_name: str | None = None,
) -> PacketContents:
    problems = schema_problems(conn)
    if problems:
        raise PolyjudgeError(f"{path}: {describe(problems)}; nothing merged")
    for table, columns in READ_TABLES.items():  # implied by the schema check; kept explicit
        if not has_table(conn, table, columns):
            raise PolyjudgeError(f"{path}: no table {table} as polyjudge makes it; nothing merged")
    meta = {
        key: value
        for key, value in conn.execute("SELECT key, value FROM meta")
        if _is_text(key) and _is_text(value)
    }
    parent = meta.get("packet_of")
    if parent is None:
        raise PolyjudgeError(f"{path}: not a packet (it records no parent project)")
    if parent != parent_id or meta.get("parent_project_id", parent) != parent:
        raise PolyjudgeError(
            f"{path}: a packet of another project ({parent}), not of this one ({parent_id}); "
            "nothing merged"
        )
    packet_id = meta.get("project_id")
    record = record_of(packet_id) if packet_id else None
    named = meta.get("packet_annotator")
    if record is None and packet_id and named and legacy_for is not None and legacy_for(named):
        items = (
            response_id_of(uid)
            for (uid,) in conn.execute("SELECT uid FROM responses")
            if _is_text(uid)
        )
        record = PacketRecord(packet_id, named, frozenset(i for i in items if i is not None))
    if record is None:
        hint = (
            ""
            if legacy_for is not None
            else ("; if an older polyjudge exported it, --legacy-packet merges it")
        )
        raise PolyjudgeError(
            f"{path}: this project has no record of exporting packet {packet_id} (exported by "
            "an older polyjudge, or its id was changed); nothing merged" + hint
        )
    if meta.get("packet_annotator") != record.annotator:
        raise PolyjudgeError(
            f"{path}: the packet names annotator {meta.get('packet_annotator')!r} but was "
            f"exported for {record.annotator!r}; nothing merged"
        )
    typed = record.annotator
    if as_name is not None:
        names = sorted(
            {
                name
                for (name,) in conn.execute(
                    "SELECT DISTINCT a.name FROM labels l"
                    " LEFT JOIN annotators a ON a.id = l.annotator_id"
                )
                if _is_text(name)
            }
        )
        if len(names) > 1:
            raise PolyjudgeError(
                f"{path}: labels typed under {len(names)} annotator names "
                f"({', '.join(repr(n) for n in names[:5])}): --as merges the labels of one "
                "person; nothing merged"
            )
        typed = names[0] if names else typed
    uids: dict[Any, int | None] = {}

    def response_of(uid: Any) -> int | None:
        if not _is_text(uid):
            return None
        if uid not in uids:
            found = response_id_of(uid)
            uids[uid] = found if found in record.response_ids else None
        return uids[uid]

    valid: dict[int, PacketLabel] = {}
    rejected: Counter[str] = Counter()
    optional = ", ".join(
        f"l.{c}" if has_table(conn, "labels", (c,)) else "NULL" for c in OPTIONAL_LABEL_COLUMNS
    )
    reveal = (
        ", ".join("l." + c for c in REVEAL_COLUMNS)
        if has_table(conn, "labels", REVEAL_COLUMNS)
        else ", ".join(f"0 AS {c}" for c in REVEAL_COLUMNS)
    )
    cur = conn.execute(
        f"SELECT {', '.join('l.' + c for c in LABEL_COLUMNS)}, {optional}, {reveal}, a.name, r.uid"
        " FROM labels l"
        " LEFT JOIN annotators a ON a.id = l.annotator_id"
        " LEFT JOIN responses r ON r.id = l.response_id ORDER BY l.id"
    )
    columns = (
        *LABEL_COLUMNS,
        *OPTIONAL_LABEL_COLUMNS,
        *REVEAL_COLUMNS,
        "annotator_name",
        "response_uid",
    )
    for values in cur:
        row = dict(zip(columns, values, strict=True))
        problem = check_row(row, label_set, valid, response_of, typed)
        if problem is not None:
            rejected[problem] += 1
            continue
        response_id = response_of(row["response_uid"])
        assert response_id is not None
        valid[row["id"]] = PacketLabel(
            id=row["id"],
            response_id=response_id,
            label=row["label"],
            unsure=row["unsure"],
            note=row["note"],
            action=row["action"],
            supersedes=row["supersedes"],
            restores=row["restores"],
            viewed=row["viewed"],
            guideline_version=row["guideline_version"],
            time_ms=row["time_ms"],
            source=row["source"],
            created_at=row["created_at"],
            view_assigned=row["view_assigned"],
            after_reveal=row["after_reveal"],
            judge_seen=row["judge_seen"],
        )
    return PacketContents(
        str(path),
        record.packet_id,
        as_name if as_name is not None else record.annotator,
        record.response_ids,
        tuple(valid.values()),
        rejected,
        exported_for=record.annotator,
        typed_as=typed,
    )
