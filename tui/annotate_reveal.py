"""Measured anchoring: blind, then reveal (`annotate --reveal-judge [SHARE]`). No Textual here.

On a share of the items (chosen per annotator and item by a hash, so a resumed session reveals
the same items), the blind key press is written as always; then the judge's verdict is shown
(the latest non-baseline judge run with a verdict on the item, `Reveals.shown_verdict`, named
in the line) and the item stays on screen. The annotator keeps their label (Enter or k) or
changes it (a label key); either answer is written as its own row, `after_reveal = 1,
judge_seen = 1`, with the label they ended on (the same label when kept), so the analysis knows
the reveal happened. Such rows are never the annotator's current label (`store/current.py`):
statistics read the blind label. Items without a verdict, and gold items, are never revealed.
Leaving the item without answering (an arrow, an undo, a filter) writes nothing more; an undo
undoes the blind label (after-reveal rows are not part of the undo chain).

Once the judge was shown on an item, the annotator's blind label of it is fixed: a label key
pressed on it later (coming back with ←) writes another after-reveal answer, and the item is not
revealed again. Only after an undo took the blind label away is a new label a row of the blind
chain, and then it says `judge_seen = 1` (the report counts those current labels apart).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from polyjudge.safe_text import one_line
from polyjudge.store import Annotator, Project, ShownVerdict


def chosen(annotator: str, uid: str, share: float) -> bool:
    """Is the item revealed to this annotator? A hash of annotator and uid against the share:
    the same answer in every session."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"reveal:{annotator}:{uid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


@dataclass(frozen=True, slots=True)
class PendingReveal:
    """A verdict shown after a blind label, waiting for keep or change."""

    response_id: int
    blind: str
    verdict: ShownVerdict

    def line(self) -> str:
        """The status line: the verdict, its run, the blind label, the keys. Plain text."""
        return (
            f"judge (run {one_line(self.verdict.run_name, 30)}): "
            f"{one_line(self.verdict.label, 16)} · you: {one_line(self.blind, 16)} · "
            "Enter/k keeps yours, a label key changes it"
        )


class Revealer:
    """Decides which items reveal the judge and holds the reveal waiting for its answer."""

    def __init__(self, project: Project, annotator: Annotator, share: float) -> None:
        self.project = project
        self.annotator = annotator
        self.share = share
        self.pending: PendingReveal | None = None
        self._seen: set[int] = set()  # revealed this session (its writes may still be queued)

    def seen(self, response_id: int) -> bool:
        """Has this annotator been shown the judge on the item (this session or before)?"""
        return response_id in self._seen or self.project.reveals.seen(
            response_id, self.annotator.id
        )

    def after_blind(self, response_id: int, uid: str, blind: str, *, gold: bool) -> bool:
        """After a blind label: start a reveal when the item is chosen and has a verdict."""
        self.pending = None
        if gold or not chosen(self.annotator.name, uid, self.share):
            return False
        verdict = self.project.reveals.shown_verdict(response_id)
        if verdict is None:
            return False
        self.pending = PendingReveal(response_id, blind, verdict)
        self._seen.add(response_id)
        return True
