"""The adjudicate screen: the adjudication queue beside the selected item — prompt, response,
back-translation, every human label (with notes), every judge verdict (with p(unsafe) and raw
output) — and one key per label to set the final label with a rationale.

Each final label, safe reply and undo is written the moment it is confirmed (append-only);
the adjudicated item leaves the queue and the next one is selected. The queue is read in a
worker (the reconcile rule over the whole project) and shown a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static

from polyjudge.safe_text import one_line
from polyjudge.store import Project, ProjectBusy, SelfAdjudication

from . import adjudicate_messages as messages
from .adjudicate_keys import RESERVED_KEYS, SCREEN_BINDINGS
from .adjudicate_modals import AdjudicationFilterModal, RationaleModal, SafeReplyModal
from .adjudicate_names import Names
from .adjudicate_queue import QueueList
from .adjudicate_session import (
    PAGE_SIZE,
    AdjudicationFilter,
    AdjudicationSession,
    Review,
    load_queue,
)
from .adjudicate_texts import BUSY_STATUS, header_text, undo_status
from .adjudicate_view import apply_layout, compose_widgets, draw_item, draw_queue
from .annotate_keys import label_bindings, palette_commands
from .help_screen import HelpScreen
from .html_view import write_item_html
from .reader_link import publish, reader_of, reader_status


def make_screen(app: Any, options: Mapping[str, Any]) -> AdjudicateScreen:
    """`PolyjudgeApp(path, "adjudicate", options)`: adjudicator (required), kinds, languages,
    items (response ids to reopen), anonymous."""
    project: Project = app.project
    adjudicator = project.annotators.ensure(options["adjudicator"], role="adjudicator")
    flt = AdjudicationFilter(
        kinds=tuple(options.get("kinds") or ()),
        languages=tuple(options.get("languages") or ()),
        items=tuple(options.get("items") or ()),
    )
    session = AdjudicationSession(project, adjudicator, flt, strict=bool(options.get("strict")))
    return AdjudicateScreen(session, anonymous=bool(options.get("anonymous")))


class AdjudicateScreen(Screen[None]):
    CSS_PATH = "adjudicate.tcss"
    # A copy typed as Textual's base class declares it (a list is invariant in its items).
    BINDINGS: ClassVar[list[BindingType]] = [*SCREEN_BINDINGS]

    QueueLoaded = messages.QueueLoaded

    def __init__(self, session: AdjudicationSession, anonymous: bool = False) -> None:
        super().__init__()
        self.session = session
        self.anonymous = anonymous
        self.labels = session.project.label_set
        self.names = Names(session.project, session.adjudicator, anonymous)
        self._bindings = BindingsMap.merge(
            [
                BindingsMap(
                    label_bindings(self.labels, RESERVED_KEYS, "adjudicate", "Final label")
                ),
                self._bindings,
            ]
        )
        self.show_invisible = False
        self.review: Review | None = None
        self._generation = 0
        self._uids: dict[int, str] = {}

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from compose_widgets()

    def on_mount(self) -> None:
        self.title = f"adjudicate · {one_line(self.session.adjudicator.name, 30)}"
        self._apply_layout()
        self.query_one("#adj-queue", QueueList).focus()
        self.refresh_all(
            " · ".join(x for x in ("Reading the queue…", reader_status(self.app)) if x)
        )
        self.reload_queue()

    def on_resize(self) -> None:
        self._apply_layout()

    def _apply_layout(self) -> None:
        apply_layout(self, self.app.size.width)

    # -- the queue (read in a worker) ----------------------------------------------------------

    def reload_queue(self) -> None:
        self._generation += 1
        self._read_queue(self._generation, self.session.filter)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def _read_queue(self, generation: int, flt: AdjudicationFilter) -> None:
        # A connection of this thread's own: sqlite3 connections belong to their thread.
        try:
            with Project.open(self.session.project.path) as project:
                entries = load_queue(project, flt)
        except Exception as exc:  # shown on the status line; the screen stays usable
            self.post_message(self.QueueLoaded(generation, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.QueueLoaded(generation, entries))

    def on_adjudicate_screen_queue_loaded(self, message: messages.QueueLoaded) -> None:
        if message.generation != self._generation:
            return  # a newer read is on its way
        if message.entries is None:
            self.refresh_all(f"could not read the queue: {message.error}")
            return
        self.session.set_entries(message.entries)
        self.refresh_all()

    def _uid(self, response_id: int) -> str:
        if response_id not in self._uids:
            response = self.session.project.content.response(response_id)
            self._uids[response_id] = response.uid if response else f"#{response_id}"
        return self._uids[response_id]

    # -- drawing -------------------------------------------------------------------------------

    def refresh_all(self, status: str | Text = "") -> None:
        self._draw_header()
        self._draw_queue()
        self._draw_item()
        self.query_one("#adj-status", Static).update(
            status if isinstance(status, Text) else Text(status)
        )

    def _draw_header(self) -> None:
        self.query_one("#adj-header", Static).update(header_text(self.session, self.anonymous))

    def _draw_queue(self) -> None:
        draw_queue(self, self.session, self._uid)

    def _draw_item(self) -> None:
        self.review = review = self.session.review()
        reader_on = reader_of(self.app) is not None
        draw_item(self, review, self.names, self.show_invisible, self.session.loaded, reader_on)
        publish(self.app, review.detail.item if review else None, self.title or "")

    # -- selection -----------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.session.select(self.session.page_start() + event.option_index):
            self._draw_item()

    def on_queue_list_page_turn(self, message: QueueList.PageTurn) -> None:
        self.action_page(message.delta)

    def action_page(self, delta: int) -> None:
        if self.session.turn_page(delta):
            self._draw_queue()
            self._draw_item()
        else:
            self.app.bell()

    def action_scroll_detail(self, direction: int) -> None:
        detail = self.query_one("#adj-detail", VerticalScroll)
        if direction > 0:
            detail.scroll_page_down(animate=False)
        else:
            detail.scroll_page_up(animate=False)

    # -- actions -------------------------------------------------------------------------------

    def _current_uid(self) -> str | None:
        entry = self.session.selected
        return self._uid(entry.response_id) if entry else None

    def action_label(self, index: int) -> None:
        uid = self._current_uid()
        if uid is None or not 0 <= index < len(self.labels):
            self.app.bell()
            return
        label = self.labels[index]
        review = self.review
        default = ""
        if review and "judge_conflict" in review.kinds and review.final_label == label:
            default = "Confirms the human label; the judge verdict is wrong here."

        def done(rationale: str | None) -> None:
            if rationale is None or self.session.selected is None:
                return
            try:
                self.session.adjudicate(label, rationale)
            except ProjectBusy:  # nothing saved: keep what was typed and offer it again
                self.app.bell()
                self.refresh_all(BUSY_STATUS)
                self.app.push_screen(RationaleModal(label, uid, rationale), done)
                return
            except SelfAdjudication as exc:  # --strict: nothing saved
                self.app.bell()
                self.refresh_all(Text(str(exc)))
                return
            left = len(self.session.entries)
            status = Text(
                f"final label {one_line(label, 16)} saved for {one_line(uid, 30)}"
                f" · {left:,} left in the queue"
            )
            self.refresh_all(status)

        self.app.push_screen(RationaleModal(label, uid, default), done)

    def action_reply(self) -> None:
        uid = self._current_uid()
        if uid is None:
            self.app.bell()
            return
        history = self.review.detail.adjudications if self.review else []
        current = history[-1].safe_reply if history else None

        def done(text: str | None) -> None:
            if text is None or self.session.selected is None:
                return
            try:
                self.session.write_reply(text)
            except ProjectBusy:  # nothing saved: keep what was typed and offer it again
                self.app.bell()
                self.refresh_all(BUSY_STATUS)
                self.app.push_screen(SafeReplyModal(uid, text), done)
                return
            self._draw_item()
            what = "safe reply saved" if text else "safe reply cleared"
            self.query_one("#adj-status", Static).update(Text(f"{what} for {one_line(uid, 30)}"))

        self.app.push_screen(SafeReplyModal(uid, current), done)

    def action_undo(self) -> None:
        try:
            written = self.session.undo()
        except ProjectBusy:
            self.app.bell()
            self.refresh_all(BUSY_STATUS)
            return
        if written is None:
            self.app.bell()
            self.refresh_all("nothing to undo in this session")
            return
        self.refresh_all(undo_status(written, self._uid(written.entry.response_id)))

    def action_filter(self) -> None:
        def done(flt: AdjudicationFilter | None) -> None:
            if flt is None:
                return
            self.session.reset(flt)
            self.refresh_all(f"filter: {flt.describe()} · reading the queue…")
            self.reload_queue()

        self.app.push_screen(AdjudicationFilterModal(self.session.filter), done)

    def action_reload(self) -> None:
        self.refresh_all("reading the queue…")
        self.reload_queue()

    def action_dashboard(self) -> None:
        from .dashboard_screen import DashboardScreen

        self.app.push_screen(DashboardScreen(anonymous=self.anonymous, me=self.session.adjudicator))

    def action_toggle_invisible(self) -> None:
        self.show_invisible = not self.show_invisible
        self._draw_item()

    def action_open_html(self) -> None:
        if self.review is None:
            self.app.bell()
            return
        path = write_item_html(self.review.detail.item, show_invisible=self.show_invisible)
        self.query_one("#adj-status", Static).update(Text(f"HTML: {path}"))
        self.notify(
            f"Open in a browser: {path}", title="Item written as HTML", markup=False, timeout=15
        )

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                self,
                intro=(
                    "Press a label's key, type the rationale and Enter: the final label is saved "
                    "at once and the item leaves the queue. r writes a safe reply for the prompt; "
                    "z undoes your last write (by appending, nothing is deleted)."
                ),
            )
        )

    def action_quit(self) -> None:
        self.app.exit()

    # -- command palette -----------------------------------------------------------------------

    def system_commands(self) -> Iterable[SystemCommand]:
        return palette_commands(
            self.run_action,
            self.labels,
            SCREEN_BINDINGS,
            label_title="Final label",
            label_help="Adjudicate the selected item (asks for a rationale)",
            screen_name="Adjudicate",
        )


__all__ = ["PAGE_SIZE", "AdjudicateScreen", "make_screen"]
