"""One open project file: the connection, transactions, meta, events, and one object per
subject of data (`project.labels`, `project.queue`, ...).

`Project` itself only holds what every subject shares. Each subject is a small class taking the
project in its constructor, made on first use; a subject that needs another's data asks the
project for it (`project.queue.is_open` from claims, `project.annotators.ensure` from serving,
`project.content.item` from the item detail), never through inheritance.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from .adjudications import Adjudications
from .annotators import Annotators
from .assignments import Assignments
from .batches import Batches
from .claims import Claims
from .clock import now
from .columns import Columns
from .content import Content
from .drafts import Drafts
from .errors import PolyjudgeError, ProjectBusy, ProjectError
from .generated import Generated
from .gold_items import GoldItems
from .judging import Judging
from .labels import Labels
from .opening import connect, migrate
from .packets import Packets
from .queue import Queue
from .records import DEFAULT_LABELS
from .reveals import Reveals
from .serving import Serving
from .status import project_status


def parse_consensus_rule(rule: str) -> tuple[str, int]:
    """`unanimous` -> ("unanimous", 2); `majority:N` -> ("majority", N): at least N labels and
    a strict majority among them. Anything else is a user error."""
    if rule == "unanimous":
        return ("unanimous", 2)
    kind, _, count = rule.partition(":")
    if kind == "majority" and count.isdigit() and int(count) >= 2:
        return ("majority", int(count))
    raise PolyjudgeError(f"unknown consensus rule {rule!r} (expected unanimous or majority:N)")


class Project:
    """One open project file."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        self.conn, self.db = connect(self.path, create)
        try:
            migrate(self)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.path}: not a polyjudge project file ({exc})") from exc

    @classmethod
    def open(cls, path: str | Path) -> Project:
        """Open an existing project, applying pending migrations."""
        return cls(path)

    @classmethod
    def create(
        cls,
        path: str | Path,
        labels: list[str] | None = None,
        guidelines: str | None = None,
        consensus_rule: str | None = None,
    ) -> Project:
        """Create (or open and configure) a project file."""
        project = cls(path, create=True)
        if labels:
            project.set_label_set(labels)
        if guidelines is not None:
            project.set_meta("guidelines", guidelines)
        if consensus_rule is not None:
            project.set_meta("consensus_rule", consensus_rule)
        return project

    # -- subjects ------------------------------------------------------------------------------

    @cached_property
    def content(self) -> Content:
        """Prompts and responses: what is annotated."""
        return Content(self)

    @cached_property
    def annotators(self) -> Annotators:
        return Annotators(self)

    @cached_property
    def labels(self) -> Labels:
        return Labels(self)

    @cached_property
    def drafts(self) -> Drafts:
        return Drafts(self)

    @cached_property
    def queue(self) -> Queue:
        """Which items an annotator is offered, and their progress through them."""
        return Queue(self)

    @cached_property
    def claims(self) -> Claims:
        return Claims(self)

    @cached_property
    def judging(self) -> Judging:
        """Judge runs, verdicts, back-translations, the model-call log and cache."""
        return Judging(self)

    @cached_property
    def generated(self) -> Generated:
        """Prompts to ask the model under test, the responses `generate` wrote, its batches."""
        return Generated(self)

    @cached_property
    def batches(self) -> Batches:
        """Batch API bookkeeping of judge runs."""
        return Batches(self)

    @cached_property
    def adjudications(self) -> Adjudications:
        return Adjudications(self)

    @cached_property
    def reveals(self) -> Reveals:
        """The verdict a reveal shows; blind labels paired with their answers (anchoring)."""
        return Reveals(self)

    @cached_property
    def assignments(self) -> Assignments:
        """Sample batches (`polyjudge sample`)."""
        return Assignments(self)

    @cached_property
    def columns(self) -> Columns:
        """Bulk reads as plain columns (labels, verdicts, responses) for reports."""
        return Columns(self)

    @cached_property
    def packets(self) -> Packets:
        """Annotator packets: copying items out, the export record, merging labels back."""
        return Packets(self)

    @cached_property
    def serving(self) -> Serving:
        """Secret link tokens of `polyjudge serve`."""
        return Serving(self)

    @cached_property
    def gold_items(self) -> GoldItems:
        """Gold items: responses with a known expected label, mixed into annotators' queues."""
        return GoldItems(self)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, wait_ms: int | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE, so that concurrent writers queue on
        `busy_timeout` instead of failing on a read-to-write upgrade. Nests as a savepoint.
        `wait_ms` waits less than `busy_timeout` for the lock (for writes that may be skipped)."""
        if self.conn.in_transaction:
            name = f"sp_{uuid.uuid4().hex}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            self.conn.execute(f"RELEASE {name}")
            return
        try:
            if wait_ms is None:
                self.conn.execute("BEGIN IMMEDIATE")
            else:
                usual = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
                self.conn.execute(f"PRAGMA busy_timeout = {min(int(wait_ms), usual)}")
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                finally:
                    self.conn.execute(f"PRAGMA busy_timeout = {usual}")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ProjectBusy(
                    f"{self.path}: the project file is busy (another process is writing, e.g. an"
                    " import); nothing was saved, try again"
                ) from exc
            raise
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

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

    # -- meta ----------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def project_id(self) -> str:
        value = self.meta("project_id")
        assert value is not None
        return value

    @property
    def label_set(self) -> tuple[str, ...]:
        """The project's own nominal labels, in the order given at `init`."""
        return tuple(json.loads(self.meta("labels") or "[]")) or DEFAULT_LABELS

    def set_label_set(self, labels: list[str]) -> None:
        self.set_meta("labels", json.dumps(labels))

    @property
    def consensus_rule(self) -> str:
        return self.meta("consensus_rule") or "unanimous"

    # -- events and status ---------------------------------------------------------------------

    def log_event(self, kind: str, **detail: Any) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO events (kind, detail, created_at) VALUES (?, ?, ?)",
                (kind, json.dumps(detail, ensure_ascii=False, default=str), now()),
            )

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, kind, detail, created_at FROM events"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [
            {
                "id": r["id"],
                "kind": r["kind"],
                "detail": json.loads(r["detail"] or "{}"),
                "created_at": r["created_at"],
            }
            for r in self.conn.execute(sql + " ORDER BY id", params)
        ]

    def status(self) -> dict[str, Any]:
        """Project-wide counts for `polyjudge status`."""
        return project_status(self)
