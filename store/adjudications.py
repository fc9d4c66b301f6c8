"""Adjudications: the final label of a response. `adjudications` is append-only: a change, a
withdrawal or a safe reply appends a row; the standing one is `current.py`'s rule."""

from __future__ import annotations

from typing import Any

from .clock import now
from .current import latest_adjudication
from .errors import PolyjudgeError
from .item_detail import ItemDetail, read_item_detail
from .records import Adjudication
from .subject import Subject


class Adjudications(Subject):
    def add(
        self,
        response_id: int,
        adjudicator_id: int,
        label: str | None,
        rationale: str | None = None,
        safe_reply: str | None = None,
        *,
        uid: str | None = None,
    ) -> Adjudication:
        """Append an adjudication (the final label of a response); it supersedes the previous
        one. A None label withdraws the standing adjudication. Written at once."""
        label_set = self._project.label_set
        if label is not None and label not in label_set:
            raise PolyjudgeError(
                f"unknown label {label!r} (this project's labels: {', '.join(label_set)})"
            )
        with self._project.transaction():
            if uid is not None:
                row = self._conn.execute(
                    "SELECT * FROM adjudications WHERE uid = ?", (uid,)
                ).fetchone()
                if row is not None:
                    return Adjudication.from_row(row)
            if (
                self._conn.execute(
                    "SELECT 1 FROM responses WHERE id = ?", (response_id,)
                ).fetchone()
                is None
            ):
                raise PolyjudgeError(f"no response with id {response_id}")
            if (
                self._conn.execute(
                    "SELECT 1 FROM annotators WHERE id = ?", (adjudicator_id,)
                ).fetchone()
                is None
            ):
                raise PolyjudgeError(f"no annotator with id {adjudicator_id}")
            previous = self._latest(response_id)
            return self._append(
                response_id,
                adjudicator_id,
                label,
                rationale,
                safe_reply,
                previous["id"] if previous else None,
                uid,
            )

    def set_safe_reply(
        self, response_id: int, adjudicator_id: int, safe_reply: str
    ) -> Adjudication:
        """Record a safe reply for a response by appending an adjudication row that keeps the
        current final label and rationale (adjudications are append-only)."""
        text = safe_reply.strip()
        if not text:
            raise PolyjudgeError("a safe reply cannot be empty")
        with self._project.transaction():
            current = self._latest(response_id)
            return self._append(
                response_id,
                adjudicator_id,
                current["label"] if current else None,
                current["rationale"] if current else None,
                text,
                current["id"] if current else None,
                None,
            )

    def history(self, response_id: int) -> list[Adjudication]:
        rows = self._conn.execute(
            "SELECT * FROM adjudications WHERE response_id = ? ORDER BY id", (response_id,)
        )
        return [Adjudication.from_row(r) for r in rows]

    def item_detail(self, response_id: int) -> ItemDetail | None:
        """Everything an adjudicator needs about one response (see `item_detail.py`)."""
        return read_item_detail(self._project, response_id)

    def _latest(self, response_id: int) -> Any:
        return self._conn.execute(
            f"SELECT * FROM adjudications a WHERE a.response_id = ? AND {latest_adjudication('a')}",
            (response_id,),
        ).fetchone()

    def _append(
        self,
        response_id: int,
        adjudicator_id: int,
        label: str | None,
        rationale: str | None,
        safe_reply: str | None,
        supersedes: int | None,
        uid: str | None,
    ) -> Adjudication:
        cur = self._conn.execute(
            "INSERT INTO adjudications (uid, response_id, adjudicator_id, label, rationale,"
            " safe_reply, supersedes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, response_id, adjudicator_id, label, rationale, safe_reply, supersedes, now()),
        )
        row = self._conn.execute(
            "SELECT * FROM adjudications WHERE id = ?", (cur.lastrowid,)
        ).fetchone()
        return Adjudication.from_row(row)
