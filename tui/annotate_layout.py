"""How the annotate screen lays an item out: side by side or stacked (by width, unless `t` chose),
and which of the response and its back-translation show (`b` cycles them)."""

from __future__ import annotations

from polyjudge.store import Item

# Wider than this (in cells), the response and its back-translation sit side by side.
SIDE_BY_SIDE_MIN_WIDTH = 100
PANES = ("both", "original", "back_translation")


def side_by_side(layout_mode: str | None, width: int) -> bool:
    """`layout_mode` None: by width."""
    if layout_mode is not None:
        return layout_mode == "side"
    return width >= SIDE_BY_SIDE_MIN_WIDTH


def shown_panes(panes: str, has_back: bool) -> tuple[bool, bool]:
    """Whether the original and the back-translation pane show: the original whenever there is
    no back-translation, and never neither."""
    show_original = panes != "back_translation" or not has_back
    show_back = panes != "original" or not show_original
    return show_original, show_back


def viewed_panes(item: Item | None, panes: str) -> str:
    """What was on screen: `both`, `original` or `back_translation`."""
    if item is None or not item.response.back_translation:
        return "original"
    return panes


def next_panes(panes: str) -> str:
    return PANES[(PANES.index(panes) + 1) % len(PANES)]
