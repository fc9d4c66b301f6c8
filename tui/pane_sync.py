"""Keep the response and its back-translation in step: scrolling one scrolls the other to the
same place (the same share of its length, since a translation is rarely as long as its source).

A pane says when it scrolled (`TextPane.on_scrolled`); the other follows at once, and its own
scroll, caused by this one, is not echoed back. A pane that is hidden (`b` showed one of the two)
neither leads nor follows.
"""

from __future__ import annotations

from .text_pane import TextPane


def matching_offset(source: TextPane, target: TextPane) -> int:
    """Where `target` should be for `source`'s place: the same share of the scrollable
    length, at the ends exactly the ends."""
    source_max, target_max = source.max_scroll_y, target.max_scroll_y
    if source_max <= 0 or target_max <= 0:
        return 0
    return round(source.scroll_y / source_max * target_max)


class PaneSync:
    """Scrolls each of two panes when the other scrolls."""

    def __init__(self, first: TextPane, second: TextPane) -> None:
        self.panes = (first, second)
        self._following = False
        first.on_scrolled = self.scrolled
        second.on_scrolled = self.scrolled

    def scrolled(self, source: TextPane) -> None:
        if self._following or not source.display:
            return
        target = self.panes[1] if source is self.panes[0] else self.panes[0]
        if not target.display:
            return
        offset = matching_offset(source, target)
        if round(target.scroll_y) == offset:
            return
        self._following = True
        try:
            target.scroll_to(y=offset, animate=False, immediate=True)
        finally:
            self._following = False
