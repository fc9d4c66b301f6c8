"""Queries for exports/: gold rows (streamed), annotator packets, and merging packets back.

Gold rows come out in chunks of responses (keyset-paged by id), each with its prompt, its
current human labels, its judge verdicts and its current adjudication, so that a million
responses never sit in memory at once.

A packet is a small project file holding the items one annotator would be offered — prompts and
responses only: no other annotator's labels, no verdicts, no adjudications. Its meta records the
parent's `project_id` (`packet_of`, also `parent_project_id`) and `packet_annotator`; the parent
logs the export (`packet_record`). Merging appends the packet's checked label rows (read by
`packet_file.read_packet`) to the parent with a deterministic `uid` (a hash of the packet's
project id and the packet's label id), so a second merge adds nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from .base import ProjectBase, now
from .content import PROMPT_COLUMNS, RESPONSE_COLUMNS
from .errors import PolyjudgeError
from .packet_file import PacketContents, PacketRecord
from .records import Adjudication, Label, Prompt, Response, Verdict

LABEL_COPY_COLUMNS = (
    "label",
    "unsure",
    "note",
    "action",
    "viewed",
    "guideline_version",
    "time_ms",
    "source",
    "created_at",
)


@dataclass(frozen=True, slots=True)
class GoldLabel:
    annotator: str
    role: str
    label: Label


@dataclass(frozen=True, slots=True)
class GoldVerdict:
    run: str
    model: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class GoldSource:
    """Everything stored about one response that a gold row reports."""

    response: Response
    prompt: Prompt | None
    labels: tuple[GoldLabel, ...] = ()
    verdicts: tuple[GoldVerdict, ...] = ()
    adjudication: Adjudication | None = None
    adjudicator: str | None = None


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


@functools.cache
def _cols(record: type, alias: str = "") -> str:
    """The SELECT list of a record's fields, in order (records are then built positionally)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + f.name for f in fields(record))


def _where_language(languages: Iterable[str] | None, alias: str = "r") -> tuple[str, list[Any]]:
    langs = sorted(set(languages or ()))
    if not langs:
        return "", []
    return f" AND {alias}.language IN ({', '.join('?' * len(langs))})", langs


class ExportsMixin(ProjectBase):
    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """One consistent view of the file for a long read (an export): a deferred read
        transaction; WAL lets writers go on meanwhile. Do not write inside it."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    # -- gold rows -----------------------------------------------------------------------------

    def iter_gold_sources(
        self, languages: Iterable[str] | None = None, chunk: int = 2000
    ) -> Iterator[list[GoldSource]]:
        """Every response (optionally only some languages) in id order, `chunk` at a time."""
        lang_sql, lang_params = _where_language(languages)
        last = 0
        while True:
            rows = self._tuples(
                f"SELECT {_cols(Response, 'r')} FROM responses r WHERE r.id > ?{lang_sql}"
                " ORDER BY r.id LIMIT ?",
                [last, *lang_params, chunk],
            )
            if not rows:
                return
            responses = [Response(*row) for row in rows]
            last = responses[-1].id
            yield self._gold_chunk(responses)

    def _tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples, in the order of the SELECT list (records are built positionally)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, tuple(params)).fetchall()

    def _gold_chunk(self, responses: list[Response]) -> list[GoldSource]:
        lo, hi = responses[0].id, responses[-1].id
        prompt_ids = sorted({r.prompt_id for r in responses if r.prompt_id is not None})
        prompts: dict[int, Prompt] = {}
        for start in range(0, len(prompt_ids), 500):
            part = prompt_ids[start : start + 500]
            for row in self._tuples(
                f"SELECT {_cols(Prompt)} FROM prompts WHERE id IN ({', '.join('?' * len(part))})",
                part,
            ):
                prompts[row[0]] = Prompt(*row)
        labels: dict[int, list[GoldLabel]] = {}
        width = len(fields(Label))
        for row in self._tuples(
            f"SELECT {_cols(Label, 'l')}, a.name, a.role FROM labels l"
            " JOIN annotators a ON a.id = l.annotator_id"
            " WHERE l.response_id BETWEEN ? AND ? AND l.label IS NOT NULL AND l.id = ("
            "  SELECT max(id) FROM labels WHERE response_id = l.response_id"
            "  AND annotator_id = l.annotator_id)"
            " ORDER BY l.response_id, a.name",
            (lo, hi),
        ):
            label = Label(*row[:width])
            labels.setdefault(label.response_id, []).append(
                GoldLabel(row[width], row[width + 1], label)
            )
        verdicts: dict[int, list[GoldVerdict]] = {}
        width = len(fields(Verdict))
        for row in self._tuples(
            f"SELECT {_cols(Verdict, 'v')}, j.name, j.model FROM verdicts v"
            " JOIN judge_runs j ON j.id = v.run_id"
            " WHERE v.response_id BETWEEN ? AND ? ORDER BY v.response_id, v.run_id",
            (lo, hi),
        ):
            verdict = Verdict(*row[:width])
            verdicts.setdefault(verdict.response_id, []).append(
                GoldVerdict(row[width], row[width + 1], verdict)
            )
        adjudications: dict[int, tuple[Adjudication, str]] = {}
        width = len(fields(Adjudication))
        for row in self._tuples(
            f"SELECT {_cols(Adjudication, 'd')}, a.name FROM adjudications d"
            " JOIN annotators a ON a.id = d.adjudicator_id"
            " WHERE d.response_id BETWEEN ? AND ? AND d.id = ("
            "  SELECT max(id) FROM adjudications WHERE response_id = d.response_id)",
            (lo, hi),
        ):
            adjudication = Adjudication(*row[:width])
            adjudications[adjudication.response_id] = (adjudication, row[width])
        out = []
        for response in responses:
            adjudication, adjudicator = adjudications.get(response.id, (None, None))
            out.append(
                GoldSource(
                    response=response,
                    prompt=prompts.get(response.prompt_id) if response.prompt_id else None,
                    labels=tuple(labels.get(response.id, ())),
                    verdicts=tuple(verdicts.get(response.id, ())),
                    adjudication=adjudication,
                    adjudicator=adjudicator,
                )
            )
        return out

    def set_safe_reply(
        self, response_id: int, adjudicator_id: int, safe_reply: str
    ) -> Adjudication:
        """Record a safe reply for a response by appending an adjudication row that keeps the
        current final label and rationale (adjudications are append-only)."""
        text = safe_reply.strip()
        if not text:
            raise PolyjudgeError("a safe reply cannot be empty")
        with self.transaction():
            current = self.conn.execute(
                "SELECT * FROM adjudications WHERE response_id = ? ORDER BY id DESC LIMIT 1",
                (response_id,),
            ).fetchone()
            cur = self.conn.execute(
                "INSERT INTO adjudications (response_id, adjudicator_id, label, rationale,"
                " safe_reply, supersedes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    response_id,
                    adjudicator_id,
                    current["label"] if current else None,
                    current["rationale"] if current else None,
                    text,
                    current["id"] if current else None,
                    now(),
                ),
            )
            row = self.conn.execute(
                "SELECT * FROM adjudications WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return Adjudication.from_row(row)

    # -- packets -------------------------------------------------------------------------------

    def annotator_row_id(self, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def copy_items_into(self, packet: ProjectBase, response_ids: list[int]) -> int:
        """Copy the responses (and their prompts) into another, freshly created project file:
        text and metadata only. Returns how many responses were copied."""
        prompt_map: dict[int, int] = {}
        copied = 0
        with packet.transaction():
            for start in range(0, len(response_ids), 500):
                part = response_ids[start : start + 500]
                marks = ", ".join("?" * len(part))
                rows = self.conn.execute(
                    f"SELECT * FROM responses WHERE id IN ({marks}) ORDER BY id", part
                ).fetchall()
                need = sorted(
                    {r["prompt_id"] for r in rows if r["prompt_id"] is not None} - prompt_map.keys()
                )
                for prow in (
                    self.conn.execute(
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

    def packet_record(self, packet_id: str) -> PacketRecord | None:
        """What this project logged when it exported the packet `packet_id` (its annotator and
        items), or None: no such export here (or one by a polyjudge that did not record it)."""
        row = self.conn.execute(
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

    def exported_unrecorded_packet(self, annotator: str) -> bool:
        """Did this project export a packet for `annotator` before exports recorded their
        packet id and items (a `packet` event without `packet_id`)?"""
        row = self.conn.execute(
            "SELECT 1 FROM events WHERE kind = 'packet'"
            " AND json_extract(detail, '$.packet_id') IS NULL"
            " AND json_extract(detail, '$.annotator') = ? LIMIT 1",
            (annotator,),
        ).fetchone()
        return row is not None

    def merge_label_rows(self, packet: PacketContents) -> MergeResult:
        """Append a checked packet's label rows (see `packet_file.read_packet`) in one
        transaction, all attributed to the packet's annotator (registered as an ordinary
        annotator if new). Rows already merged (same uid) are skipped; `supersedes` and
        `restores` are mapped to the parent's rows."""
        added = skipped = 0
        id_map: dict[int, int] = {}
        with self.transaction():
            annotator_id = self._merge_annotator(packet.annotator) if packet.labels else None
            for row in packet.labels:
                uid = merge_uid(packet.packet_id, row.id)
                existing = self.conn.execute(
                    "SELECT id FROM labels WHERE uid = ?", (uid,)
                ).fetchone()
                if existing is not None:
                    id_map[row.id] = existing[0]
                    skipped += 1
                    continue
                previous = self.conn.execute(
                    "SELECT id FROM labels WHERE response_id = ? AND annotator_id = ?"
                    " ORDER BY id DESC LIMIT 1",
                    (row.response_id, annotator_id),
                ).fetchone()
                supersedes = id_map.get(row.supersedes) if row.supersedes is not None else None
                if supersedes is None and previous is not None:
                    supersedes = previous[0]
                restores = id_map.get(row.restores) if row.restores is not None else None
                cur = self.conn.execute(
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
        found = self.annotator_row_id(name)
        if found is not None:
            return found
        cur = self.conn.execute(
            "INSERT INTO annotators (name, role, languages, created_at)"
            " VALUES (?, 'annotator', NULL, ?)",
            (name, now()),
        )
        return int(cur.lastrowid or 0)

    def label_counts_by_annotator(self) -> dict[str, int]:
        """Label rows per annotator name (all rows, including edits and undos)."""
        return {
            row[0]: row[1]
            for row in self.conn.execute(
                "SELECT a.name, count(*) FROM labels l JOIN annotators a ON a.id = l.annotator_id"
                " GROUP BY a.name ORDER BY a.name"
            )
        }


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
