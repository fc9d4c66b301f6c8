"""The adjudicate screen's widgets, and how the session's state is drawn into them: the queue's
page, and the selected item's sections (`adjudicate_detail.sections`). The screen keeps the state
and the keys; these functions only fill the widgets it composed."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Footer, Static

from .adjudicate_detail import sections
from .adjudicate_names import Names
from .adjudicate_queue import QueueList
from .adjudicate_session import AdjudicationSession, Review
from .adjudicate_texts import no_item_text, queue_title

# Wider than this (in cells), the response and its back-translation sit side by side.
SIDE_BY_SIDE_MIN_WIDTH = 150


def compose_widgets() -> ComposeResult:
    yield Static(Text(""), id="adj-header", markup=False)
    with Horizontal(id="adj-main"):
        yield QueueList(id="adj-queue")
        with VerticalScroll(id="adj-detail"):
            yield Static(Text(""), id="adj-item-header", markup=False)
            yield Static(Text(""), id="adj-prompt", markup=False)
            with Container(id="adj-texts"):
                yield Static(Text(""), id="adj-response", classes="text", markup=False)
                yield Static(Text(""), id="adj-back", classes="text", markup=False)
            yield Static(Text(""), id="adj-labels", classes="section", markup=False)
            yield Static(Text(""), id="adj-verdicts", classes="section", markup=False)
            yield Static(Text(""), id="adj-adjudications", classes="section", markup=False)
    yield Static(Text(""), id="adj-status", markup=False)
    yield Footer(compact=True)


def apply_layout(screen: DOMNode, width: int) -> None:
    texts = screen.query_one("#adj-texts")
    side = width >= SIDE_BY_SIDE_MIN_WIDTH
    texts.set_class(side, "side")
    texts.set_class(not side, "stacked")


def draw_queue(screen: DOMNode, session: AdjudicationSession, uid: Callable[[int], str]) -> None:
    queue = screen.query_one("#adj-queue", QueueList)
    start = session.page_start()
    page = session.page()
    queue.border_title = queue_title(session, start, len(page))
    highlighted = (session.index - start) if session.index is not None else None
    queue.show_page(page, highlighted, uid)


def draw_item(
    screen: DOMNode,
    review: Review | None,
    names: Names,
    show_invisible: bool,
    loaded: bool,
    reader_on: bool = False,
) -> None:
    detail = screen.query_one("#adj-detail", VerticalScroll)
    for node in ("#adj-texts", "#adj-labels", "#adj-verdicts", "#adj-adjudications"):
        screen.query_one(node).display = review is not None
    if review is None:
        screen.query_one("#adj-item-header", Static).update(no_item_text(loaded))
        screen.query_one("#adj-prompt", Static).update(Text(""))
        return
    parts = sections(review, names, show_invisible, reader_on)
    screen.query_one("#adj-item-header", Static).update(parts.header)
    screen.query_one("#adj-prompt", Static).update(parts.prompt)
    response = screen.query_one("#adj-response", Static)
    response.border_title = parts.response_title
    response.update(parts.response)
    back = screen.query_one("#adj-back", Static)
    back.border_title = parts.back_title
    back.update(parts.back)
    screen.query_one("#adj-labels", Static).update(parts.labels)
    screen.query_one("#adj-verdicts", Static).update(parts.verdicts)
    screen.query_one("#adj-adjudications", Static).update(parts.adjudications)
    detail.scroll_home(animate=False)
