"""Claims: the item an annotator has on screen, held so that others are offered other items.

With `--overlap K`, an item stops being offered once K annotators label it. Annotators who open
the same file at the same moment would otherwise be shown the same first open item and then
walk the queue in step, labelling the same items. So the annotate screen claims the open item it
shows: an unexpired claim by another annotator counts towards K like a label does, and the next
annotator is offered the next item. A claim is released when the annotator moves on or quits
(their label then counts instead) and expires after `CLAIM_TTL_S`, so a crashed or abandoned
session holds nothing for long. Claims are never labels: nothing a user labelled depends on them,
and an annotator who keeps an item on screen past the expiry can still label it.
"""

from __future__ import annotations

from typing import Any

from .annotation import AnnotationMixin
from .base import now
from .schema import migrations

# How long a claim holds an item without the annotator moving on.
CLAIM_TTL_S = 30 * 60


@migrations(name="0003_annotation_claims")
def _claims(db: Any) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS claims ("
        " response_id INTEGER NOT NULL REFERENCES responses(id),"
        " annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
        " expires_at TEXT NOT NULL,"
        " PRIMARY KEY (response_id, annotator_id)"
        ")"
    )


class ClaimsMixin(AnnotationMixin):
    def claim(
        self,
        annotator_id: int,
        response_id: int | None,
        *,
        overlap: int,
        release: int | None = None,
        ttl_s: float = CLAIM_TTL_S,
    ) -> bool:
        """Hold `response_id` for the annotator if it is still open for them (checked and
        claimed in one write transaction, so two annotators cannot both take the last place),
        releasing their claim on `release`, the item they leave, at the same time. Returns
        False, claiming nothing, when the item is no longer open for them."""
        with self.transaction():
            if release is not None and release != response_id:
                self.conn.execute(
                    "DELETE FROM claims WHERE response_id = ? AND annotator_id = ?",
                    (release, annotator_id),
                )
            if response_id is None or not self.is_open(annotator_id, response_id,
                                                       overlap=overlap):
                return False
            self.conn.execute(
                "INSERT OR REPLACE INTO claims (response_id, annotator_id, expires_at)"
                " VALUES (?, ?, ?)",
                (response_id, annotator_id, now(plus_s=ttl_s)),
            )
            return True

    def release_claims(self, annotator_id: int) -> None:
        """Drop the annotator's claims (they quit), and any expired claim of anyone."""
        with self.transaction():
            self.conn.execute(
                "DELETE FROM claims WHERE annotator_id = ? OR expires_at <= ?",
                (annotator_id, now()),
            )

    def claimed_ids(self, annotator_id: int) -> list[int]:
        """The responses the annotator holds now (unexpired claims)."""
        rows = self.conn.execute(
            "SELECT response_id FROM claims WHERE annotator_id = ? AND expires_at > ?"
            " ORDER BY response_id",
            (annotator_id, now()),
        )
        return [row[0] for row in rows]
