"""The reading condition of an annotation session (`annotate --view`; no Textual here).

A lead assigns what annotators read, so that a difference between readers of the original and
readers of the back-translation is an experiment rather than a correlation:

- `original`, `back_translation` or `both`: every item is read that way;
- `random`: each item gets one of the three, drawn from a hash of a fixed salt, the annotator's
  name and the item's uid. The draw needs no state, so a resumed session, `serve` and a packet
  (whose annotator name and uids are the parent's) give every item the same condition.

While a condition is assigned the screen shows only its pane(s) and `b` does not switch. An
item without a back-translation cannot be read as `back_translation` (nor as `both`): its
original is shown, `viewed` records `original` and `view_assigned` the condition assigned, so
the report sees the two differ and does not count the label as read under its condition.
The project meta key `reading_view` (written by `export packet --view`) assigns a condition
when `--view` is not given.
"""

from __future__ import annotations

import hashlib

from polyjudge.store import VIEW_CHOICES, VIEWED, Item

CONDITIONS = VIEWED  # original, back_translation, both
# Fixed: changing it would give every item of a running experiment a new condition.
SALT = "polyjudge-reading-condition-v1"


def random_condition(annotator: str, uid: str) -> str:
    """One of `CONDITIONS`, the same for the same annotator and item wherever it is asked."""
    digest = hashlib.sha256(f"{SALT}\x00{annotator}\x00{uid}".encode()).digest()
    return CONDITIONS[int.from_bytes(digest[:8], "big") % len(CONDITIONS)]


class ReadingCondition:
    """What an annotator is assigned to read; `view` None: they choose (with `b`)."""

    def __init__(self, view: str | None, annotator: str) -> None:
        if view is not None and view not in VIEW_CHOICES:
            raise ValueError(f"unknown reading condition {view!r}")
        self.view = view
        self.annotator = annotator

    @property
    def fixed(self) -> bool:
        """Is a condition assigned (the annotator cannot switch panes)?"""
        return self.view is not None

    def assigned(self, item: Item | None) -> str | None:
        """The condition assigned for `item` (None: none assigned, or no item)."""
        if self.view is None or item is None:
            return None
        if self.view == "random":
            return random_condition(self.annotator, item.response.uid)
        return self.view
