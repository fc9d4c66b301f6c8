"""Annotator packets: copying items out, the parent's record of an export, merging back.

A packet is a small project file holding the items one annotator would be offered — prompts and
responses only: no other annotator's labels, no verdicts, no adjudications. Its meta records the
parent's `project_id` (`packet_of`, also `parent_project_id`) and `packet_annotator`; the parent
logs the export (`packet_record`). Merging appends the packet's checked label rows (read by
`packet_file.read_packet`) to the parent with a deterministic `uid` (a hash of the packet's
project id and the packet's label id), so a second merge adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .clock import now
from .current import latest_label_row
from .packet_file import PacketContents, PacketRecord
from .schema import PROMPT_COLUMNS, RESPONSE_COLUMNS
from .subject import Subject

if TYPE_CHECKING:
    from .project import Project

LABEL_COPY_COLUMNS = (
    "label",
    "unsure",
    "note",
    "action",
    "viewed",
    "view_assigned",
    "guideline_version",
    "time_ms",
    "source",
    "created_at",
    "after_reveal",
    "judge_seen",
)


@dataclass(frozen=True, slots=True)
class MergeResult:
    added: int
    already_merged: int
    annotators: tuple[str, ...] = field(default_factory=tuple)
    packet_id: str = ""
    released: int = 0  # held items given back (`merge --release`)
    rejected: int = 0  # label rows refused (merged anyway with `--skip-bad`: the valid ones)


def merge_uid(packet_project_id: str, packet_label_id: int) -> str:
    """The parent-side uid of a packet label row: stable, so merging twice adds nothing."""
    digest = hashlib.sha256(f"{packet_project_id}:{packet_label_id}".encode()).hexdigest()
    return f"packet:{digest[:32]}"


class Packets(Subject):
    def copy_items_into(self, packet: Project, response_ids: list[int]) -> int:
        """Copy the responses (and their prompts) into another, freshly created project file:
        text and metadata only, in the order given (the packet's queue walks them in it: the
        queue's order, a sample's random one). Returns how many responses were copied."""
        prompt_map: dict[int, int] = {}
        copied = 0
        with packet.transaction():
            for start in range(0, len(response_ids), 500):
                part = response_ids[start : start + 500]
                marks = ", ".join("?" * len(part))
                place = {rid: k for k, rid in enumerate(part)}
                rows = sorted(
                    self._conn.execute(f"SELECT * FROM responses WHERE id IN ({marks})", part),
                    key=lambda r: place[r["id"]],
                )
                need = sorted(
                    {r["prompt_id"] for r in rows if r["prompt_id"] is not None} - prompt_map.keys()
                )
                for prow in (
                    self._conn.execute(
                        f"SELECT * FROM prompts WHERE id IN ({', '.join('?' * len(need))})", need
                    )
                    if need
                    else ()
                ):
                    cur = packet.conn.execute(
                        f"INSERT INTO prompts ({', '.join(PROMPT_COLUMNS)}, created_at)"
                        f" VALUES ({', '.join('?' * (len(PROMPT_COLUMNS) + 1))})",
                        [prow[c] for c in PROMPT_COLUMNS] + [prow["created_at"]],
                    )
                    prompt_map[prow["id"]] = int(cur.lastrowid or 0)
                for row in rows:
                    values = [row[c] for c in RESPONSE_COLUMNS]
                    if row["prompt_id"] is not None:
                        values[RESPONSE_COLUMNS.index("prompt_id")] = prompt_map[row["prompt_id"]]
                    packet.conn.execute(
                        f"INSERT INTO responses ({', '.join(RESPONSE_COLUMNS)}, created_at)"
                        f" VALUES ({', '.join('?' * (len(RESPONSE_COLUMNS) + 1))})",
                        values + [row["created_at"]],
                    )
                    copied += 1
        return copied

    def record(self, packet_id: str) -> PacketRecord | None:
        """What this project logged when it exported the packet `packet_id` (its annotator and
        items), or None: no such export here (or one by a polyjudge that did not record it)."""
        row = self._conn.execute(
            "SELECT detail FROM events WHERE kind = 'packet'"
            " AND json_extract(detail, '$.packet_id') = ? ORDER BY id DESC LIMIT 1",
            (packet_id,),
        ).fetchone()
        if row is None:
            return None
        detail = json.loads(row[0])
        return PacketRecord(
            packet_id, detail["annotator"], frozenset(expand_ranges(detail["response_ids"]))
        )

    def exported_unrecorded(self, annotator: str) -> bool:
        """Did this project export a packet for `annotator` before exports recorded their
        packet id and items (a `packet` event without `packet_id`)?"""
        row = self._conn.execute(
            "SELECT 1 FROM events WHERE kind = 'packet'"
            " AND json_extract(detail, '$.packet_id') IS NULL"
            " AND json_extract(detail, '$.annotator') = ? LIMIT 1",
            (annotator,),
        ).fetchone()
        return row is not None

    def merge_labels(self, packet: PacketContents) -> MergeResult:
        """Append a checked packet's label rows (see `packet_file.read_packet`) in one
        transaction, all attributed to the packet's annotator (registered as an ordinary
        annotator if new). Rows already merged (same uid) are skipped; `supersedes` and
        `restores` are mapped to the parent's rows."""
        added = skipped = 0
        id_map: dict[int, int] = {}
        with self._project.transaction():
            annotator_id = self._merge_annotator(packet.annotator) if packet.labels else None
            for row in packet.labels:
                uid = merge_uid(packet.packet_id, row.id)
                existing = self._conn.execute(
                    "SELECT id FROM labels WHERE uid = ?", (uid,)
                ).fetchone()
                if existing is not None:
                    id_map[row.id] = existing[0]
                    skipped += 1
                    continue
                previous = self._conn.execute(
                    "SELECT l.id FROM labels l WHERE l.response_id = ? AND l.annotator_id = ?"
                    f" AND {latest_label_row('l')}",
                    (row.response_id, annotator_id),
                ).fetchone()
                supersedes = id_map.get(row.supersedes) if row.supersedes is not None else None
                if supersedes is None and previous is not None:
                    supersedes = previous[0]
                restores = id_map.get(row.restores) if row.restores is not None else None
                cur = self._conn.execute(
                    f"INSERT INTO labels (uid, response_id, annotator_id, supersedes, restores,"
                    f" {', '.join(LABEL_COPY_COLUMNS)})"
                    f" VALUES ({', '.join('?' * (5 + len(LABEL_COPY_COLUMNS)))})",
                    [uid, row.response_id, annotator_id, supersedes, restores]
                    + [getattr(row, c) for c in LABEL_COPY_COLUMNS],
                )
                id_map[row.id] = int(cur.lastrowid or 0)
                added += 1
        names = (packet.annotator,) if packet.labels else ()
        return MergeResult(
            added, skipped, names, packet.packet_id, rejected=sum(packet.rejected.values())
        )

    def _merge_annotator(self, name: str) -> int:
        """The parent's annotator of that name; a new one is an ordinary annotator (a role
        never comes from a packet)."""
        found = self._project.annotators.id_of(name)
        if found is not None:
            return found
        cur = self._conn.execute(
            "INSERT INTO annotators (name, role, languages, created_at)"
            " VALUES (?, 'annotator', NULL, ?)",
            (name, now()),
        )
        return int(cur.lastrowid or 0)


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 9, 10] -> [[1, 3], [7, 7], [9, 10]]: a packet's items, compactly."""
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def expand_ranges(ranges: Iterable[Iterable[int]]) -> Iterator[int]:
    for lo, hi in ranges:
        yield from range(int(lo), int(hi) + 1)


def packet_meta(parent_id: str, annotator: str, languages: list[str]) -> dict[str, str]:
    return {
        "packet_of": parent_id,
        "parent_project_id": parent_id,
        "packet_annotator": annotator,
        "packet_languages": json.dumps(languages),
        "packet_created_at": now(),
    }
