"""The annotate screen's widgets, and how an item is drawn into them: the header's fields, the
prompt, the response and its back-translation side by side or stacked (by width, unless `t`
chose), and which of the two show (`b` cycles them). The screen keeps the state and the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.dom import DOMNode
from textual.widgets import Static

from polyjudge.store import Item

from .annotate_done import done_text
from .annotate_session import AnnotationSession
from .footer import KeepingFooter
from .item_header import HeaderState, ItemHeader
from .item_view import (
    back_translation_view,
    invisible_count,
    prompt_text,
    response_view,
)
from .pane_sync import PaneSync
from .text_pane import PromptPane, TextPane

# Wider than this (in cells), the response and its back-translation sit side by side.
SIDE_BY_SIDE_MIN_WIDTH = 100
PANES = ("both", "original", "back_translation")
# What `QueueFilter.describe()` says of a filter that restricts nothing.
ALL_ITEMS = "all items"


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


def compose_widgets() -> ComposeResult:
    yield ItemHeader(id="header")
    with PromptPane(id="prompt-pane"):
        yield Static(Text(""), id="prompt", markup=False)
    original, back = TextPane(id="original"), TextPane(id="back")
    PaneSync(original, back)  # scrolling one scrolls the other (kept alive by the panes)
    with Container(id="panes"):
        yield original
        yield back
    yield KeepingFooter(compact=True)


def apply_layout(screen: DOMNode, side: bool, panes: str, item: Item | None) -> None:
    """Side by side or stacked, and which panes show (only what changed is touched); with no
    item (the done screen) the response pane alone, which says what the session did."""
    container = screen.query_one("#panes")
    if container.has_class("side") != side or not container.classes:
        container.set_class(side, "side")
        container.set_class(not side, "stacked")
    has_back = bool(item and item.response.back_translation)
    show_original, show_back = shown_panes(panes, has_back)
    show_back = show_back and item is not None
    for pane_id, shown in (("#original", show_original), ("#back", show_back)):
        pane = screen.query_one(pane_id)
        if pane.display != shown:
            pane.display = shown


def fill_header(
    state: HeaderState, session: AnnotationSession, status: str, show_invisible: bool
) -> None:
    """The header's fields for the session's current item; `status` after the queued writes."""
    item = session.item
    state.item = item
    state.my_label = session.shown_label()
    state.unsure_pending = session.pending_unsure
    state.note_pending = session.pending_note is not None
    backlog = session.writes.backlog
    if backlog:
        status = f"saving… {backlog} queued" + (f" · {status}" if status else "")
    state.status = status
    described = session.filter.describe()
    state.filter = "" if described == ALL_ITEMS else described
    state.show_invisible = show_invisible
    state.invisible_count = invisible_count(item) if item else 0


def draw_item(screen: DOMNode, session: AnnotationSession, show_invisible: bool) -> None:
    """The prompt, the response and its back-translation (plain `Text`, sanitised); with
    nothing left, the session's counts and what to run next."""
    item = session.item
    original = screen.query_one("#original", TextPane)
    back = screen.query_one("#back", TextPane)
    screen.query_one("#prompt", Static).update(
        prompt_text(item, show_invisible=show_invisible) if item else Text("")
    )
    if item is None:
        screen.query_one("#prompt-pane", PromptPane).forget_height()
        labels = session.session_labels()
        original.show(
            Text("Nothing to label"),
            done_text(labels, session.project.label_set, session.project.path),
        )
        back.show(Text(""), Text(""))
    else:
        original.show(*response_view(item, show_invisible=show_invisible))
        back.show(*back_translation_view(item, show_invisible=show_invisible))
