"""Claims: the item an annotator has on screen, held so that others are offered other items.

With `--overlap K`, an item stops being offered once K annotators label it. Annotators who open
the same file at the same moment would otherwise be shown the same first open item and then
walk the queue in step, labelling the same items. So the annotate screen claims the open item it
shows: an unexpired claim by another annotator counts towards K like a label does, and the next
annotator is offered the next item. A claim is released when the annotator moves on or quits
(their label then counts instead) and expires after `CLAIM_TTL_S`, so a crashed or abandoned
session holds nothing for long. Claims are never labels: nothing a user labelled depends on them.

Claims only spread annotators over the items; they do not enforce K. While an import holds the
write lock, no claim can be written and items are shown unclaimed, so K is enforced where the
label is written: `labels.add(..., overlap=K)` counts the item's other annotators (current labels
and live claims) inside the label's own write transaction and refuses a (K+1)th (`ItemFull`).
An annotator who keeps an item on screen past the expiry can still label it while it has room.

Packets exported with `--overlap` hold their items the same way (kind `packet`, for days rather
than minutes), so two packets of one language do not carry the same items. A claim stops
counting once its annotator has labelled the item (the label counts instead), so a merged
packet needs no clean-up.
"""

from __future__ import annotations

from typing import Any

from .clock import now
from .queue_sql import CLAIM_UNLABELLED
from .subject import Subject

# How long a claim holds an item without the annotator moving on.
CLAIM_TTL_S = 30 * 60
# How long showing an item waits for the write lock to claim it (an import may hold the lock
# for many seconds; the screen then shows the item unclaimed rather than freeze). Short: a key
# that labels an item and shows the next must be answered within 250 ms.
CLAIM_WAIT_MS = 100
SCREEN, PACKET = "screen", "packet"


class Claims(Subject):
    def take(
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
        False, claiming nothing, when the item is no longer open for them. Raises ProjectBusy
        when the file stays locked for `CLAIM_WAIT_MS`."""
        with self._project.transaction(wait_ms=CLAIM_WAIT_MS):
            if release is not None and release != response_id:
                self._conn.execute(
                    "DELETE FROM claims WHERE response_id = ? AND annotator_id = ?"
                    " AND kind = 'screen'",
                    (release, annotator_id),
                )
            if response_id is None or not self._project.queue.is_open(
                annotator_id, response_id, overlap=overlap
            ):
                return False
            self._insert_claims(annotator_id, [response_id], SCREEN, ttl_s)
            return True

    def hold_for_packet(self, annotator_id: int, response_ids: list[int], ttl_s: float) -> None:
        """Hold the items of a packet for its annotator until it comes back (or `ttl_s`)."""
        with self._project.transaction():
            self._insert_claims(annotator_id, response_ids, PACKET, ttl_s)

    def release_packet_holds(self, annotator_id: int, response_ids: list[int]) -> int:
        """Give back a packet's items (it came back finished); returns how many were held."""
        with self._project.transaction():
            cur = self._conn.executemany(
                "DELETE FROM claims WHERE response_id = ? AND annotator_id = ? AND kind = 'packet'",
                [(rid, annotator_id) for rid in response_ids],
            )
            return cur.rowcount

    def _insert_claims(
        self, annotator_id: int, response_ids: list[int], kind: str, ttl_s: float
    ) -> None:
        # A packet's hold outlives a look at the same item on screen: keep the later expiry,
        # and the kind `packet`, so quitting the screen does not release it.
        self._conn.executemany(
            "INSERT INTO claims (response_id, annotator_id, expires_at, kind) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (response_id, annotator_id) DO UPDATE SET"
            " expires_at = max(expires_at, excluded.expires_at),"
            " kind = CASE WHEN kind = 'packet' THEN kind ELSE excluded.kind END",
            [(rid, annotator_id, now(plus_s=ttl_s), kind) for rid in response_ids],
        )

    def release(self, annotator_id: int) -> None:
        """Drop the annotator's screen claims (they quit), and any expired claim of anyone."""
        with self._project.transaction(wait_ms=CLAIM_WAIT_MS):
            self._conn.execute(
                "DELETE FROM claims WHERE (annotator_id = ? AND kind = 'screen')"
                " OR expires_at <= ?",
                (annotator_id, now()),
            )

    def held_ids(self, annotator_id: int, kind: str = SCREEN) -> list[int]:
        """The responses the annotator holds now (unexpired claims of that kind)."""
        rows = self._conn.execute(
            "SELECT response_id FROM claims WHERE annotator_id = ? AND kind = ?"
            " AND expires_at > ? ORDER BY response_id",
            (annotator_id, kind, now()),
        )
        return [row[0] for row in rows]

    def holds(self) -> list[dict[str, Any]]:
        """Who holds how many items now, by kind (on screen, in a packet), for `status`.
        Items the holder has labelled since are not counted (they count by their label)."""
        rows = self._conn.execute(
            "SELECT a.name, c.kind, count(*), max(c.expires_at) FROM claims c"
            " JOIN annotators a ON a.id = c.annotator_id WHERE c.expires_at > ?"
            f" AND {CLAIM_UNLABELLED} GROUP BY a.name, c.kind ORDER BY a.name, c.kind",
            (now(),),
        )
        return [
            {"annotator": name, "kind": kind, "items": n, "until": until}
            for name, kind, n, until in rows
        ]
