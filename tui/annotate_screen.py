"""The annotate screen: label responses beside their back-translations, one key per label.

A label is written the moment its key is pressed (with the time spent on the item and what was
on screen); the screen then moves to the next item. Only the annotator's own labels are ever
shown. Item text is sanitised and rendered as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from polyjudge.store import Project
from polyjudge.store.annotation import Pace, Progress, QueueFilter
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from .annotate_session import AnnotationSession, Options
from .filter_modal import FilterModal
from .guidelines_screen import GuidelinesScreen
from .help_screen import HelpScreen
from .html_view import write_item_html
from .item_header import HeaderState, ItemHeader
from .languages import base_code, language_name
from .note_modal import NoteModal
from .rich_text import safe_rich_text
from .safe_text import count_invisible, one_line
from .text_pane import ScrollPane, TextPane

# Progress is recounted (off the UI thread) at most this often while labelling.
RECOUNT_EVERY_S = 5.0
# Wider than this (in cells), the response and its back-translation sit side by side.
SIDE_BY_SIDE_MIN_WIDTH = 100
PANES = ("both", "original", "back_translation")

SCREEN_BINDINGS = [
    Binding("question_mark", "toggle_unsure", "Unsure", id="annotate.unsure",
            tooltip="Mark the next label as unsure"),
    Binding("n", "note", "Note", id="annotate.note", tooltip="Add a note to this item"),
    Binding("z", "undo", "Undo", id="annotate.undo", tooltip="Undo your last label or note"),
    Binding("left", "previous", "Prev", id="annotate.previous", tooltip="Previous item"),
    Binding("right", "next", "Next", id="annotate.next", tooltip="Next item"),
    Binding("slash", "filter", "Filter", id="annotate.filter",
            tooltip="Filter by language, model, category or text"),
    Binding("g", "guidelines", "Guide", id="annotate.guidelines",
            tooltip="Show the annotation guidelines"),
    Binding("t", "toggle_layout", "Layout", id="annotate.layout", show=False,
            tooltip="Side by side / stacked"),
    Binding("b", "cycle_panes", "Panes", id="annotate.panes", show=False,
            tooltip="Show both / only the original / only the back-translation"),
    Binding("v", "toggle_invisible", "Invisible", id="annotate.invisible",
            tooltip="Show invisible characters (zero-width, bidi controls)"),
    Binding("o", "open_html", "HTML", id="annotate.open_html", show=False,
            tooltip="Write the item as an HTML page (for right-to-left text)"),
    Binding("h,f1", "help", "Help", id="annotate.help", tooltip="Show every key"),
    Binding("q", "quit", "Quit", id="annotate.quit", tooltip="Quit (labels are already saved)"),
]
RESERVED_KEYS = frozenset(k for b in SCREEN_BINDINGS for k in b.key.split(","))


def label_bindings(labels: Iterable[str]) -> list[Binding]:
    """Labels numbered 1..9 (and 0 for the tenth), plus their first letter where that letter
    is unique among the labels and not taken by another key."""
    labels = list(labels)
    firsts = [label[:1].lower() for label in labels]
    out = []
    for index, label in enumerate(labels):
        keys = []
        first = firsts[index]
        if first.isascii() and first.isalpha() and firsts.count(first) == 1 \
                and first not in RESERVED_KEYS:
            keys.append(first)
        if index < 10:
            keys.append(str((index + 1) % 10))
        if keys:
            out.append(Binding(",".join(keys), f"label({index})", one_line(label, 16),
                               id=f"annotate.label.{label}", tooltip=f"Label: {one_line(label)}"))
    return out


def make_screen(app: Any, options: Mapping[str, Any]) -> AnnotateScreen:
    """`PolyjudgeApp(path, "annotate", options)`: annotator (required), languages, model,
    category, text, overlap, guidelines (Markdown text)."""
    flt = QueueFilter(
        languages=tuple(options.get("languages") or ()),
        model=options.get("model"),
        category=options.get("category"),
        text=options.get("text"),
    )
    session_options = Options(
        annotator=options["annotator"], filter=flt, overlap=options.get("overlap"),
        guidelines=options.get("guidelines"),
    )
    return AnnotateScreen(AnnotationSession(app.project, session_options), session_options)


class AnnotateScreen(Screen[None]):
    CSS_PATH = "annotate.tcss"
    BINDINGS = SCREEN_BINDINGS

    class ProgressCounted(Message):
        def __init__(self, generation: int, progress: Progress, pace: Pace) -> None:
            super().__init__()
            self.generation = generation
            self.progress = progress
            self.pace = pace

    def __init__(self, session: AnnotationSession, options: Options) -> None:
        super().__init__()
        self.session = session
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
        self._generation = 0
        self._last_count = 0.0
        self._recount_timer: Timer | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ItemHeader(id="header")
        with ScrollPane(id="prompt-pane"):
            yield Static(Text(""), id="prompt", markup=False)
        with Container(id="panes"):
            yield TextPane(id="original")
            yield TextPane(id="back")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"annotate · {one_line(self.session.annotator.name, 30)}"
        self.session.start()
        self._apply_layout()
        self.refresh_item()
        self.query_one("#original", TextPane).focus()
        self.count_progress()

    def on_resize(self) -> None:
        self._apply_layout()

    def _side_by_side(self) -> bool:
        if self.layout_mode is not None:
            return self.layout_mode == "side"
        return self.app.size.width >= SIDE_BY_SIDE_MIN_WIDTH

    def _apply_layout(self) -> None:
        panes = self.query_one("#panes")
        side = self._side_by_side()
        panes.set_class(side, "side")
        panes.set_class(not side, "stacked")
        has_back = bool(self.session.item and self.session.item.response.back_translation)
        show_original = self.panes != "back_translation" or not has_back
        self.query_one("#original").display = show_original
        self.query_one("#back").display = self.panes != "original" or not show_original

    def viewed(self) -> str:
        """What was on screen: `both`, `original` or `back_translation`."""
        item = self.session.item
        if item is None or not item.response.back_translation:
            return "original"
        return self.panes

    # -- drawing -------------------------------------------------------------------------------

    def refresh_item(self, status: str = "") -> None:
        session = self.session
        item = session.item
        state = self.header_state
        state.item = item
        state.my_label = session.my_label.label if session.my_label else None
        state.unsure_pending = session.pending_unsure
        state.note_pending = session.pending_note is not None
        state.status = status
        state.show_invisible = self.show_invisible
        original = self.query_one("#original", TextPane)
        back = self.query_one("#back", TextPane)
        prompt_widget = self.query_one("#prompt", Static)
        if item is None:
            state.invisible_count = 0
            prompt_widget.update(Text(""))
            original.show(Text("Nothing to label"), Text(
                "Nothing left to label with these filters.\n\n"
                "← goes back to your labelled items · / changes the filters · q quits."
            ))
            back.show(Text(""), Text(""))
        else:
            response, prompt = item.response, item.prompt
            code = one_line(response.language, 12)
            name = language_name(response.language) or code
            state.invisible_count = sum(
                count_invisible(t or "") for t in (
                    response.text, response.back_translation,
                    prompt.text if prompt else None, prompt.text_en if prompt else None,
                )
            )
            prompt_widget.update(self._prompt_text(item))
            original.show(Text(f"Response · {name} ({code})"),
                          safe_rich_text(response.text, show_invisible=self.show_invisible))
            if response.back_translation:
                engine = f" · {one_line(response.bt_engine, 24)}" if response.bt_engine else ""
                back.show(Text(f"Back-translation · English{engine}"),
                          safe_rich_text(response.back_translation,
                                         show_invisible=self.show_invisible))
            else:
                back.show(Text("Back-translation"),
                          Text("(no back-translation for this response)", style="dim italic"))
        self._apply_layout()
        self.query_one(ItemHeader).show(state)
        self.displayed_id = item.response.id if item else None

    def _prompt_text(self, item: Any) -> Text:
        prompt = item.prompt
        out = Text()
        if prompt is None:
            out.append("(no prompt recorded for this response)", style="dim italic")
            return out
        out.append(f"Prompt ({one_line(prompt.language, 12)}): ", style="bold")
        out.append_text(safe_rich_text(prompt.text, show_invisible=self.show_invisible))
        if prompt.text_en and base_code(prompt.language) != "en":
            out.append("\nEnglish source: ", style="bold")
            out.append_text(safe_rich_text(prompt.text_en, show_invisible=self.show_invisible))
        return out

    # -- progress (counted off the UI thread) ---------------------------------------------------

    def count_progress(self, *, soon: bool = False) -> None:
        """Count done / assigned in a worker; with `soon`, at most every few seconds (the
        header is adjusted locally in between, so labelling never waits for a count)."""
        if soon:
            wait = self._last_count + RECOUNT_EVERY_S - time.monotonic()
            if wait > 0:
                if self._recount_timer is None:
                    self._recount_timer = self.set_timer(wait, self.count_progress)
                return
        if self._recount_timer is not None:
            self._recount_timer.stop()
            self._recount_timer = None
        self._last_count = time.monotonic()
        self._generation += 1
        session = self.session
        self._count(self._generation, session.annotator.id, session.filter, session.overlap)

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False)
    def _count(
        self, generation: int, annotator_id: int, flt: QueueFilter, overlap: int | None
    ) -> None:
        # A connection of this thread's own: sqlite3 connections belong to their thread.
        with Project.open(self.session.project.path) as project:
            progress = project.annotation_progress(annotator_id, flt, overlap=overlap)
            pace = project.annotator_pace(annotator_id)
        self.post_message(self.ProgressCounted(generation, progress, pace))

    def on_annotate_screen_progress_counted(self, message: ProgressCounted) -> None:
        if message.generation != self._generation:
            return  # a newer count is on its way
        self.header_state.progress = message.progress
        self.header_state.pace = message.pace
        self.query_one(ItemHeader).show(self.header_state)

    def _after_write(self, status: str, done_delta: int = 0) -> None:
        progress = self.header_state.progress
        if progress is not None and done_delta:
            self.header_state.progress = Progress(progress.done + done_delta, progress.assigned)
        self.refresh_item(status)
        self.count_progress(soon=True)

    # -- actions -------------------------------------------------------------------------------

    def _need_item(self) -> bool:
        if self.session.item is None:
            self.app.bell()
            return False
        return True

    def action_label(self, index: int) -> None:
        if not self._need_item() or not 0 <= index < len(self.labels):
            return
        label = self.labels[index]
        uid = self.session.item.response.uid if self.session.item else ""
        mine = self.session.my_label
        newly_done = mine is None or mine.label is None
        self.session.label(label, self.viewed())
        self._after_write(f"saved {one_line(label, 16)} for {one_line(uid, 24)}",
                          done_delta=1 if newly_done else 0)

    def action_toggle_unsure(self) -> None:
        if self._need_item():
            self.session.toggle_unsure()
            self.refresh_item()

    def action_note(self) -> None:
        if not self._need_item():
            return
        viewed = self.viewed()

        def done(text: str | None) -> None:
            if text is None or self.session.item is None:
                return
            written = self.session.note(text, viewed)
            self._after_write("note saved" if written else "")

        self.app.push_screen(NoteModal(self.session.pending_note), done)

    def action_undo(self) -> None:
        row = self.session.undo()
        if row is None:
            self.app.bell()
            self.refresh_item("nothing to undo")
            return
        if row.label:
            self._after_write(f"undone: now {one_line(row.label, 16)}")
        else:
            self._after_write("undone", done_delta=-1)

    def action_previous(self) -> None:
        if self.session.step(-1):
            self.refresh_item()
        else:
            self.app.bell()

    def action_next(self) -> None:
        if self.session.step(+1):
            self.refresh_item()
        else:
            self.app.bell()

    def action_filter(self) -> None:
        def done(flt: QueueFilter | None) -> None:
            if flt is None:
                return
            self.session.set_filter(flt)
            self.header_state.progress = None
            self.refresh_item(f"filter: {flt.describe()}")
            self.count_progress()

        self.app.push_screen(FilterModal(self.session.filter), done)

    def action_guidelines(self) -> None:
        text = self.guidelines if self.guidelines is not None else (
            self.session.project.meta("guidelines")
        )
        self.app.push_screen(GuidelinesScreen(text))

    def action_toggle_layout(self) -> None:
        self.layout_mode = "stacked" if self._side_by_side() else "side"
        self._apply_layout()

    def action_cycle_panes(self) -> None:
        self.panes = PANES[(PANES.index(self.panes) + 1) % len(PANES)]
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
        self.notify(f"Open in a browser: {path}", title="Item written as HTML", markup=False,
                    timeout=15)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self, intro=(
            "Labels are saved the moment you press their key; the next item follows. "
            "Only your own labels are ever shown."
        )))

    def action_quit(self) -> None:
        self.app.exit()

    # -- command palette -----------------------------------------------------------------------

    def system_commands(self) -> Iterable[SystemCommand]:
        for index, label in enumerate(self.labels):
            yield SystemCommand(f"Label: {one_line(label, 30)}",
                                "Label the current item and move on",
                                partial(self.run_action, f"label({index})"))
        for binding in SCREEN_BINDINGS:
            title = binding.tooltip or binding.description
            yield SystemCommand(title, f"Annotate: {binding.description}",
                                partial(self.run_action, binding.action))
