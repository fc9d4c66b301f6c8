"""Draft notes: a note (or unsure mark) an annotator confirmed on an item before its label.

The annotate screen lets an annotator type a note first and press the label key later, maybe
after moving to other items. Such a note is acknowledged the moment the note box is closed, so
it is written here at once rather than kept in memory, and survives a crash or a kill: the
screen reads the annotator's drafts back when it opens. Saving the label takes the draft with
it, in the label's own write transaction (`Labels.add`), so a note is never both a
draft and part of a label, nor neither. Drafts are not labels: nothing counts them.
"""

from __future__ import annotations

from .clock import now
from .subject import Subject


class Drafts(Subject):
    def save(
        self,
        response_id: int,
        annotator_id: int,
        note: str | None,
        unsure: bool = False,
        *,
        wait_ms: int | None = None,
    ) -> None:
        """Keep the annotator's note and unsure mark for the item until its label is saved
        (no note and not unsure: the draft is dropped). `wait_ms`: see `transaction`."""
        with self._project.transaction(wait_ms=wait_ms):
            if note is None and not unsure:
                self._conn.execute(
                    "DELETE FROM annotation_drafts WHERE response_id = ? AND annotator_id = ?",
                    (response_id, annotator_id),
                )
                return
            self._conn.execute(
                "INSERT INTO annotation_drafts (response_id, annotator_id, note, unsure,"
                " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (annotator_id, response_id)"
                " DO UPDATE SET note = excluded.note, unsure = excluded.unsure,"
                " updated_at = excluded.updated_at",
                (response_id, annotator_id, note, int(unsure), now()),
            )

    def for_annotator(self, annotator_id: int) -> dict[int, tuple[str | None, bool]]:
        """The annotator's drafts: response id -> (note, unsure)."""
        rows = self._conn.execute(
            "SELECT response_id, note, unsure FROM annotation_drafts WHERE annotator_id = ?"
            " ORDER BY response_id",
            (annotator_id,),
        )
        return {row[0]: (row[1], bool(row[2])) for row in rows}
