"""Adjudications: the final label of a response. `adjudications` is append-only: a change, a
withdrawal or a safe reply appends a row; the standing one is `current.py`'s rule."""

from __future__ import annotations

from typing import Any

from polyjudge.safe_text import one_line

from .clock import now
from .current import current_label, latest_adjudication
from .errors import PolyjudgeError
from .item_detail import ItemDetail, read_item_detail
from .records import Adjudication
from .subject import Subject


class SelfAdjudication(PolyjudgeError):
    """With `strict`, an adjudicator may not decide an item they labelled themselves: nothing
    was written."""

    def __init__(self, response_id: int, own_label: str) -> None:
        super().__init__(
            # The label comes from a stored row (a merge or import may have written any text).
            f"you labelled item {response_id} yourself ({one_line(own_label, 16)}): a "
            "self-adjudication is "
            "refused with --strict; nothing was written"
        )
        self.response_id = response_id
        self.own_label = own_label


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
        strict: bool = False,
        decision: bool = True,
        judge_seen: bool | int | None = None,
    ) -> Adjudication:
        """Append an adjudication (the final label of a response); it supersedes the previous
        one. A None label withdraws the standing adjudication. Written at once.

        A decision (a label) by an adjudicator who has a current label of their own on the
        item is a self-adjudication: it is logged as a `self_adjudication` event in the same
        transaction, or refused with `SelfAdjudication` (nothing written) when `strict`. The
        rule lives here so that every path that adjudicates obeys it. `decision=False`: the
        row only carries an earlier decision forward (a safe reply, an undo), not checked.
        `judge_seen`: the decision was made with judge verdicts on screen (the adjudicate
        screen always shows them: True); None when the path cannot tell (stored as NULL)."""
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
            own = (
                self.own_label(response_id, adjudicator_id)
                if decision and label is not None
                else None
            )
            if own is not None and strict:
                raise SelfAdjudication(response_id, own)
            previous = self._latest(response_id)
            row = self._append(
                response_id,
                adjudicator_id,
                label,
                rationale,
                safe_reply,
                previous["id"] if previous else None,
                uid,
                judge_seen,
            )
            if own is not None:
                self._project.log_event(
                    "self_adjudication",
                    response_id=response_id,
                    adjudication_id=row.id,
                    adjudicator_id=adjudicator_id,
                    own_label=own,
                    label=label,
                )
            return row

    def own_label(self, response_id: int, adjudicator_id: int) -> str | None:
        """The adjudicator's own current label of the item (None: they have none)."""
        row = self._conn.execute(
            "SELECT l.label FROM labels l WHERE l.response_id = ? AND l.annotator_id = ?"
            f" AND {current_label('l')}",
            (response_id, adjudicator_id),
        ).fetchone()
        return row[0] if row else None

    def set_safe_reply(
        self, response_id: int, adjudicator_id: int, safe_reply: str
    ) -> Adjudication:
        # The decision carried forward keeps what was known of how it was made.
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
                current["judge_seen"] if current else None,
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
        judge_seen: bool | int | None,
    ) -> Adjudication:
        cur = self._conn.execute(
            "INSERT INTO adjudications (uid, response_id, adjudicator_id, label, rationale,"
            " safe_reply, supersedes, created_at, judge_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                response_id,
                adjudicator_id,
                label,
                rationale,
                safe_reply,
                supersedes,
                now(),
                None if judge_seen is None else int(judge_seen),
            ),
        )
        row = self._conn.execute(
            "SELECT * FROM adjudications WHERE id = ?", (cur.lastrowid,)
        ).fetchone()
        return Adjudication.from_row(row)
