"""The annotate screen: label responses beside their back-translations, one key per label.

A label is written the moment its key is pressed (with the time spent on the item and what was
on screen); the screen then moves to the next item. When another process holds the write lock
(an import), the label is queued instead (durably, see `annotate_queue.py`), the header says
"saving…" with the number of queued writes, and the screen goes on; each queued write lands on
the item its key was pressed on. Only the annotator's own labels are ever shown. Item text
is sanitised and rendered as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingsMap, BindingType
from textual.screen import Screen

from polyjudge.safe_text import one_line
from polyjudge.store import (
    ItemFull,
    Label,
    PolyjudgeError,
    ProjectBusy,
    QueueFilter,
)

from . import annotate_messages as messages
from .annotate_journal import Write
from .annotate_keys import SCREEN_BINDINGS, label_bindings, palette_commands
from .annotate_options import Options, options_from
from .annotate_session import QUEUED, SAVED, AnnotationSession
from .annotate_status import HELP_INTRO, uid_of, undo_outcome, written_status
from .annotate_view import (
    apply_layout,
    compose_widgets,
    draw_item,
    fill_header,
    next_panes,
    side_by_side,
    viewed_panes,
)
from .annotate_workers import FilterSearch, ProgressCounter
from .filter_modal import FilterModal
from .help_screen import HelpScreen
from .html_view import write_item_html
from .item_header import HeaderState, ItemHeader
from .note_modal import NoteModal
from .reader_link import publish, reader_of, reader_status
from .text_pane import TextPane


def make_screen(app: Any, options: Mapping[str, Any]) -> AnnotateScreen:
    """`PolyjudgeApp(path, "annotate", options)`: see `options_from`."""
    session_options = options_from(options)
    return AnnotateScreen(AnnotationSession(app.project, session_options), session_options)


class AnnotateScreen(Screen[None]):
    CSS_PATH = "annotate.tcss"
    # A copy typed as Textual's base class declares it (a list is invariant in its items).
    BINDINGS: ClassVar[list[BindingType]] = [*SCREEN_BINDINGS]

    FilterSearched = messages.FilterSearched
    ProgressCounted = messages.ProgressCounted
    Written = messages.Written

    def __init__(self, session: AnnotationSession, options: Options) -> None:
        super().__init__()
        self.session = session
        session.writes.on_written = self._written
        self.options = options
        self.labels = session.project.label_set
        self.guidelines = options.guidelines
        # The project's labels come first (in the footer too); then the screen's own keys.
        self._bindings = BindingsMap.merge(
            [BindingsMap(label_bindings(self.labels)), self._bindings]
        )
        self.layout_mode: str | None = None  # None: by width
        self.panes = "both"
        self.show_invisible = False
        self.header_state = HeaderState()
        self.displayed_id: int | None = None
        self._quit_confirmed = False
        self._quitting = False  # q pressed while writes were queued: quit once they are in
        self.progress_counter = ProgressCounter(self, session)
        self.filter_search = FilterSearch(self, session)

    def _written(self, write: Write, row: Label | None, error: PolyjudgeError | None) -> None:
        """Called from the queue's thread; `post_message` is thread-safe."""
        self.post_message(self.Written(write, row, error))

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from compose_widgets()

    def on_mount(self) -> None:
        self.title = f"annotate · {one_line(self.session.annotator.name, 30)}"
        self.session.start()
        self.header_state.reader_on = reader_of(self.app) is not None
        self._apply_layout()
        self.refresh_item(reader_status(self.app))
        self.query_one("#original", TextPane).focus()
        self.count_progress()

    def on_resize(self) -> None:
        self._apply_layout()

    def _side_by_side(self) -> bool:
        return side_by_side(self.layout_mode, self.app.size.width)

    def _apply_layout(self) -> None:
        apply_layout(self, self._side_by_side(), self.panes, self.session.item)

    def viewed(self) -> str:
        """What was on screen: `both`, `original` or `back_translation`."""
        return viewed_panes(self.session.item, self.panes)

    # -- drawing -------------------------------------------------------------------------------

    def refresh_item(self, status: str = "") -> None:
        item = self.session.item
        assigned = self.session.reading.assigned(item)
        if assigned is not None:  # an assigned reading condition decides the panes
            self.panes = assigned
        fill_header(self.header_state, self.session, status, self.show_invisible)
        draw_item(self, self.session, self.show_invisible)
        self._apply_layout()
        self.query_one(ItemHeader).show(self.header_state)
        self.displayed_id = item.response.id if item else None
        publish(self.app, item, self.title or "")

    # -- progress (counted off the UI thread) ---------------------------------------------------

    def count_progress(self, *, soon: bool = False) -> None:
        self.progress_counter.count(soon=soon)

    def on_annotate_screen_progress_counted(self, message: messages.ProgressCounted) -> None:
        if message.generation != self.progress_counter.generation:
            return  # a newer count is on its way
        self.header_state.progress = message.progress
        self.header_state.pace = message.pace
        self.query_one(ItemHeader).show(self.header_state)

    def _after_write(self, status: str, done_delta: int = 0) -> None:
        self._quit_confirmed = self._quitting = False  # labelling again: q asks again
        self.progress_counter.adjust(self.header_state, done_delta)
        self.refresh_item(status)
        self.count_progress(soon=True)

    # -- actions -------------------------------------------------------------------------------

    def _need_item(self) -> bool:
        if self.filter_search.pending is not None:  # the item on screen is about to change
            self.app.bell()
            return False
        if self.session.item is None:
            self.app.bell()
            return False
        return True

    def action_label(self, index: int) -> None:
        if not self._need_item() or not 0 <= index < len(self.labels):
            return
        label = self.labels[index]
        uid = self.session.item.response.uid if self.session.item else ""
        answering = self.session.revealer.pending is not None
        # Gold items are not in the progress counts (they are not in the queue).
        newly_done = self.session.shown_label() is None and not self.session.gold_shown
        try:
            result = self._write(self.session.label, label, self.viewed())
        except ItemFull as full:
            self.app.bell()
            self.session.advance()
            self._after_write(
                f"{one_line(uid, 24)} is full (--overlap {full.overlap}): not labelled, moved on"
            )
            return
        if result is False:
            return
        state, _ = result
        status = f"{state} {one_line(label, 16)} for {one_line(uid, 24)}"
        reveal = self.session.revealer.pending
        if reveal is not None or answering:  # `--reveal-judge` (annotate_reveal.py)
            status = reveal.line() if reveal else status + " after the reveal"
        elif self.session.feedback:  # `--gold-feedback` after a gold item: plain text
            status += f" · {self.session.feedback}"
        self._after_write(status, done_delta=1 if newly_done else 0)

    def action_keep_label(self) -> None:
        """After a reveal: keep the blind label (written as the answer), go on."""
        pending = self.session.revealer.pending
        if pending is None:
            self.app.bell()
            return
        if self._write(self.session.answer_reveal, pending.blind, self.viewed()) is not False:
            self._after_write(f"kept {one_line(pending.blind, 16)} after the reveal")

    def action_toggle_unsure(self) -> None:
        if self._need_item():
            self._write(self.session.toggle_unsure)
            self.refresh_item()

    def action_note(self) -> None:
        if not self._need_item():
            return
        viewed = self.viewed()

        def done(text: str | None) -> None:
            if text is None or self.session.item is None:
                return
            try:
                written = self._write(self.session.note, text, viewed)
            except ItemFull as full:
                self.app.bell()
                self.refresh_item(f"item full (--overlap {full.overlap}): note not saved")
                return
            if written is False or written is None:
                return
            state, row = written
            if row is not None:
                self._after_write("note saved")
            else:
                self._after_write("" if state == SAVED else f"note {QUEUED}")

        self.app.push_screen(NoteModal(self.session.pending_note), done)

    def _write(self, write: Any, *args: Any) -> Any:
        """Run a session write; when the file is busy (a long import holding the write lock),
        stay on the item and say so instead of crashing: nothing was saved, the key can simply
        be pressed again. Returns the write's result, or False when it did not happen."""
        try:
            return write(*args)
        except ProjectBusy:
            self.app.bell()
            self.refresh_item("NOT SAVED: the project file is busy (an import?); press again")
            return False

    def action_undo(self) -> None:
        result = self._write(self.session.undo)
        if result is False:
            return
        outcome = undo_outcome(result)
        if outcome is None:
            self.app.bell()
            self.refresh_item("nothing to undo")
            return
        self._after_write(*outcome)

    def _step(self, direction: int) -> None:
        if self.filter_search.pending is not None:
            self.app.bell()
            return
        waiting = self.session.pending_note is not None
        self._quit_confirmed = False
        if self.session.step(direction):
            self.refresh_item("the note waits on the item left, for its label" if waiting else "")
        else:
            self.app.bell()

    def action_previous(self) -> None:
        self._step(-1)

    def action_next(self) -> None:
        self._step(+1)

    def action_filter(self) -> None:
        def done(flt: QueueFilter | None) -> None:
            if flt is None:
                return
            flt = self.session.resolve(flt)  # the sample under the new filter is its queue
            if flt.text:  # a scan of the texts: off the UI thread, keys wait for it
                self.refresh_item(f"searching for {one_line(flt.text, 40)!r}…")
                self.filter_search.start(flt)
                return
            self._apply_filter(flt)

        self.app.push_screen(FilterModal(self.session.filter), done)

    def on_annotate_screen_filter_searched(self, message: messages.FilterSearched) -> None:
        if not self.filter_search.finished(message):
            return  # a newer filter is being searched
        if message.error is not None:
            self.app.bell()
            self.refresh_item(f"search failed, filter unchanged: {one_line(message.error, 80)}")
            return
        self._apply_filter(message.flt, found=message.found)

    def _apply_filter(self, flt: QueueFilter, found: int | None = None) -> None:
        self.session.set_filter(flt, found=found)
        self.header_state.progress = None
        self.refresh_item(f"filter: {flt.describe()}")
        self.count_progress()

    def action_guidelines(self) -> None:
        text = (
            self.guidelines
            if self.guidelines is not None
            else (self.session.project.meta("guidelines"))
        )
        # Imported when first asked for: Textual's Markdown widget (markdown-it) adds ~80 ms to
        # every start otherwise (python -X importtime).
        from .guidelines_screen import GuidelinesScreen

        self.app.push_screen(GuidelinesScreen(text))

    def action_toggle_layout(self) -> None:
        self.layout_mode = "stacked" if self._side_by_side() else "side"
        self._apply_layout()

    def action_cycle_panes(self) -> None:
        if self.session.reading.fixed:
            self.app.bell()
            self.refresh_item("the reading condition is assigned (--view): panes stay as they are")
            return
        self.panes = next_panes(self.panes)
        self._apply_layout()
        self.refresh_item(f"showing {self.viewed().replace('_', '-')}")

    def action_toggle_invisible(self) -> None:
        self.show_invisible = not self.show_invisible
        self.refresh_item()

    def action_open_html(self) -> None:
        if not self._need_item() or self.session.item is None:
            return
        path = write_item_html(self.session.item, show_invisible=self.show_invisible)
        self.refresh_item(f"HTML: {path}")
        self.notify(
            f"Open in a browser: {path}", title="Item written as HTML", markup=False, timeout=15
        )

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self, intro=HELP_INTRO))

    def action_quit(self) -> None:
        """Quit; with writes still queued, wait for them (saying so) unless q is pressed
        again: they stay in the journal and the next session writes them."""
        backlog = self.session.writes.backlog
        if backlog and not self._quit_confirmed:
            self._quit_confirmed = self._quitting = True  # a second q quits at once
            self.refresh_item(
                "quitting once the queued label(s) are written; q again quits "
                "now (they are kept and written when you next open)"
            )
            return
        self.app.exit()

    def on_annotate_screen_written(self, message: messages.Written) -> None:
        write, session = message.write, self.session
        session.written(write, message.error)
        if message.error is not None:
            self.app.bell()
        status = written_status(write, message.error, uid_of(session, write.response_id))
        if self._quitting and not session.writes.backlog:
            self.app.exit()
            return
        self.refresh_item(status)
        if not session.writes.backlog:
            self.count_progress()

    def on_unmount(self) -> None:
        self.session.release()  # the item on screen is offered to others again

    # -- command palette -----------------------------------------------------------------------

    def system_commands(self) -> Iterable[SystemCommand]:
        return palette_commands(
            self.run_action,
            self.labels,
            SCREEN_BINDINGS,
            label_title="Label",
            label_help="Label the current item and move on",
            screen_name="Annotate",
        )
