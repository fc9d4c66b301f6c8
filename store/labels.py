"""Labels: what annotators said about responses. `labels` is append-only: an edit or undo
appends a row; which row is current is `current.py`'s rule."""

from __future__ import annotations

from typing import Any

from .clock import now
from .current import current_label, latest_label_row
from .errors import PolyjudgeError
from .queue_sql import TAKEN_BY_OTHERS
from .records import Label
from .subject import Subject

VIEWED = ("original", "back_translation", "both")
# `annotate --view`: the three, or one of them per item from a hash (tui/annotate_reading.py).
VIEW_CHOICES = (*VIEWED, "random")
# The meta key of a packet made with `export packet --view`: its annotate sessions assign it.
READING_VIEW_KEY = "reading_view"


class ItemFull(PolyjudgeError):
    """With `--overlap K`, K other annotators already label the item (a current label or a
    live claim): a label of one more annotator is refused, nothing was written."""

    def __init__(self, response_id: int, overlap: int) -> None:
        super().__init__(
            f"item {response_id} already has {overlap} annotator(s) (--overlap "
            f"{overlap}); your label was not written"
        )
        self.response_id = response_id
        self.overlap = overlap


class Labels(Subject):
    # -- writing --------------------------------------------------------------------------------

    def check(self, label: str | None) -> None:
        label_set = self._project.label_set
        if label is not None and label not in label_set:
            raise PolyjudgeError(
                f"unknown label {label!r} (this project's labels: {', '.join(label_set)})"
            )

    def add(
        self,
        response_id: int,
        annotator_id: int,
        label: str | None,
        *,
        unsure: bool = False,
        note: str | None = None,
        viewed: str | None = None,
        view_assigned: str | None = None,
        time_ms: int | None = None,
        guideline_version: str | None = None,
        source: str = "tui",
        action: str = "label",
        uid: str | None = None,
        created_at: str | None = None,
        overlap: int | None = None,
        wait_ms: int | None = None,
        after_reveal: bool = False,
        judge_seen: bool = False,
    ) -> Label:
        """Append a label row; it supersedes the annotator's previous label of the response.
        `judge_seen`: judge output had been shown on the item when it was given.
        `after_reveal`: the annotator's answer once the judge's verdict was revealed after
        their blind label (kept, or changed): it is never their current label (`current.py`),
        it names the blind row it answers in `supersedes`, implies `judge_seen`, and needs a
        current blind label; no overlap check (the item is theirs already), the draft stays.
        With a `uid` already present, nothing is written and the existing row is returned.
        With an `overlap` K, the item's annotators are counted inside the same write
        transaction: when K others hold it (a label or a live claim) and this annotator has
        no current label on it, nothing is written and `ItemFull` is raised, so an item never
        gets a (K+1)th annotator however the claims went. The annotator's draft note of the
        item (`drafts.py`) goes with the label. `wait_ms`: see `transaction`."""
        self.check(label)
        if viewed is not None and viewed not in VIEWED:
            raise PolyjudgeError(f"unknown view {viewed!r} (expected one of {', '.join(VIEWED)})")
        if view_assigned is not None and view_assigned not in VIEWED:
            raise PolyjudgeError(
                f"unknown reading condition {view_assigned!r} (expected one of {', '.join(VIEWED)})"
            )
        with self._project.transaction(wait_ms=wait_ms):
            if uid is not None:
                row = self._conn.execute("SELECT * FROM labels WHERE uid = ?", (uid,)).fetchone()
                if row is not None:
                    return Label.from_row(row)
            previous = self.current(response_id, annotator_id)
            if after_reveal:
                if label is None or action != "label" or previous is None or not previous.label:
                    raise PolyjudgeError(
                        f"item {response_id}: an answer to a reveal needs a label and a blind "
                        "label before it; nothing was written"
                    )
            else:
                if label is not None and (previous is None or previous.label is None):
                    self._check_room(response_id, annotator_id, overlap)
                self._conn.execute(
                    "DELETE FROM annotation_drafts WHERE response_id = ? AND annotator_id = ?",
                    (response_id, annotator_id),
                )
            cur = self._conn.execute(
                "INSERT INTO labels (uid, response_id, annotator_id, label, unsure, note, action,"
                " supersedes, viewed, view_assigned, guideline_version, time_ms, source,"
                " created_at, after_reveal, judge_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    response_id,
                    annotator_id,
                    label,
                    int(unsure),
                    note,
                    action,
                    previous.id if previous else None,
                    viewed,
                    view_assigned,
                    guideline_version,
                    time_ms,
                    source,
                    created_at or now(),
                    int(after_reveal),
                    int(after_reveal or judge_seen),
                ),
            )
            row = self._conn.execute(
                "SELECT * FROM labels WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return Label.from_row(row)

    def _check_room(self, response_id: int, annotator_id: int, overlap: int | None) -> None:
        """Raise `ItemFull` when `overlap` other annotators already hold the item (call inside
        the write transaction, so that the count cannot change before the insert)."""
        if overlap is None:
            return
        taken = self._conn.execute(
            f"SELECT {TAKEN_BY_OTHERS} FROM responses r WHERE r.id = :id",
            {"id": response_id, "me": annotator_id, "now": now()},
        ).fetchone()
        if taken is not None and taken[0] >= overlap:
            raise ItemFull(response_id, overlap)

    def undo(
        self,
        response_id: int,
        annotator_id: int,
        *,
        uid: str | None = None,
        overlap: int | None = None,
        wait_ms: int | None = None,
    ) -> Label | None:
        """Undo the annotator's latest change to the response by appending a row that restores
        the state before it (an earlier label, or none). Repeated undos walk further back.
        Returns the new row, or None when there is nothing left to undo. With a `uid` already
        present, nothing is written (a replayed undo); with an `overlap`, an undo that would
        bring back a label on an item K others hold since raises `ItemFull`.

        Undo walks the blind labels only: after-reveal rows are not part of the chain, so an
        undo after a reveal undoes the blind label (the reveal's answer stays stored, standing
        on nothing, and leaves the anchoring analysis). The restored state keeps its own
        `judge_seen`."""
        with self._project.transaction(wait_ms=wait_ms):
            if uid is not None:
                row = self._conn.execute("SELECT * FROM labels WHERE uid = ?", (uid,)).fetchone()
                if row is not None:
                    return Label.from_row(row)
            latest = self.current(response_id, annotator_id)
            state = self._state_row(latest)
            if state is None:
                return None
            before = self._label_row(state.supersedes)
            restored = self._state_row(before)
            if (
                restored is not None
                and restored.label is not None
                and (latest is None or latest.label is None)
            ):
                self._check_room(response_id, annotator_id, overlap)
            cur = self._conn.execute(
                "INSERT INTO labels (uid, response_id, annotator_id, label, unsure, note, action,"
                " supersedes, restores, viewed, view_assigned, guideline_version, time_ms, source,"
                " created_at, judge_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, 'undo', ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                (
                    uid,
                    response_id,
                    annotator_id,
                    restored.label if restored else None,
                    restored.unsure if restored else 0,
                    restored.note if restored else None,
                    latest.id if latest else None,
                    restored.id if restored else None,
                    restored.viewed if restored else None,
                    restored.view_assigned if restored else None,
                    restored.guideline_version if restored else None,
                    state.source,
                    now(),
                    restored.judge_seen if restored else 0,
                ),
            )
            row = self._conn.execute(
                "SELECT * FROM labels WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return Label.from_row(row)

    def _label_row(self, label_id: int | None) -> Label | None:
        if label_id is None:
            return None
        row = self._conn.execute("SELECT * FROM labels WHERE id = ?", (label_id,)).fetchone()
        return Label.from_row(row) if row else None

    def _state_row(self, row: Label | None) -> Label | None:
        """The label row whose state `row` stands for: itself, or for an undo what it restored."""
        if row is None or row.action != "undo":
            return row
        return self._label_row(row.restores)

    def current(self, response_id: int, annotator_id: int) -> Label | None:
        """The annotator's latest blind row for the response (its `label` may be None:
        undone); after-reveal rows are never current (`current.py`)."""
        row = self._conn.execute(
            "SELECT * FROM labels l WHERE l.response_id = ? AND l.annotator_id = ?"
            f" AND {latest_label_row('l')}",
            (response_id, annotator_id),
        ).fetchone()
        return Label.from_row(row) if row else None

    def history(self, response_id: int, annotator_id: int | None = None) -> list[Label]:
        """Every row of the response (of one annotator), after-reveal rows included."""
        sql = "SELECT * FROM labels WHERE response_id = ?"
        params: list[Any] = [response_id]
        if annotator_id is not None:
            sql += " AND annotator_id = ?"
            params.append(annotator_id)
        return [Label.from_row(r) for r in self._conn.execute(sql + " ORDER BY id", params)]

    def current_for(self, response_id: int) -> list[Label]:
        """Every annotator's current label of one response (undone ones left out)."""
        rows = self._conn.execute(
            f"SELECT l.* FROM labels l WHERE l.response_id = ? AND {current_label('l')}"
            " ORDER BY l.annotator_id",
            (response_id,),
        )
        return [Label.from_row(r) for r in rows]

    def current_value(self, annotator_id: int, response_id: int) -> str | None:
        """The annotator's own current label of the item (None: unlabelled or undone)."""
        row = self._conn.execute(
            "SELECT l.label FROM labels l WHERE l.response_id = ? AND l.annotator_id = ?"
            f" AND {latest_label_row('l')}",
            (response_id, annotator_id),
        ).fetchone()
        return row[0] if row else None

    def uid_exists(self, uid: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM labels WHERE uid = ?", (uid,)).fetchone()
        return row is not None
