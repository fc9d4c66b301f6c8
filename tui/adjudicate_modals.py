"""The adjudicate screen's dialogs: the rationale for a final label, a safe reply, the filter.

A rationale is required (an adjudication is the label a safety team has to defend, and the
gold export carries its reason); for a judge conflict where the adjudicator confirms the humans
it is prefilled, so confirming stays one key and Enter.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from polyjudge.reconcile.final import KINDS
from polyjudge.safe_text import is_control, one_line, safe_text
from polyjudge.store import PolyjudgeError

from .adjudicate_session import AdjudicationFilter
from .filter_modal import parse_languages


def parse_kinds(value: str) -> tuple[str, ...]:
    """`tie, judge conflict` -> ("tie", "judge_conflict")."""
    kinds = ("_".join(x.replace("-", " ").split()).lower() for x in value.split(","))
    return tuple(dict.fromkeys(k for k in kinds if k))


def strip_controls(text: str) -> str:
    """Typed or pasted text without control characters (newlines and tabs kept)."""
    return "".join(ch for ch in text if not is_control(ord(ch)))


class RationaleModal(ModalScreen[str | None]):
    """Returns the rationale typed (never empty), or None when cancelled with Escape."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="adjudicate.dialog.cancel")]

    def __init__(self, label: str, item: str, default: str = "") -> None:
        super().__init__(classes="dialog")
        self.label = label
        self.item = item
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            title = Text("Final label ", style="bold")
            title.append(one_line(self.label, 20), style="bold reverse")
            title.append(f" for {one_line(self.item, 40)}")
            yield Static(title, classes="title", markup=False)
            yield Input(value=self.default, placeholder="why? (required)", id="rationale")
            yield Label("", id="error", classes="hint")
            yield Label("Enter saves at once · Escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = " ".join(strip_controls(event.value).split())
        if not text:
            self.query_one("#error", Label).update("A rationale is required.")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SafeReplyModal(ModalScreen[str | None]):
    """A multi-line safe reply (Self-Defense fine-tuning data). Returns the text (possibly
    empty: clears the reply), or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = "SafeReplyModal TextArea { height: 1fr; min-height: 6; }"
    BINDINGS = [
        Binding("ctrl+s,f2", "save", "Save", id="adjudicate.reply.save"),
        Binding("escape", "cancel", "Cancel", id="adjudicate.reply.cancel"),
    ]

    def __init__(self, item: str, current: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.item = item
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="box", classes="tall"):
            yield Static(
                Text(f"Safe reply for {one_line(self.item, 40)}", style="bold"),
                classes="title",
                markup=False,
            )
            yield Label(
                "What a safe assistant should have answered, in the prompt's language.",
                classes="hint",
            )
            yield TextArea(
                safe_text(self.current), id="reply", soft_wrap=True, show_line_numbers=False
            )
            yield Label("Ctrl+S (or F2) saves at once · Escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#reply", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(strip_controls(self.query_one("#reply", TextArea).text).strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class AdjudicationFilterModal(ModalScreen[AdjudicationFilter | None]):
    """Returns the new filter, or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="adjudicate.filter.cancel")]

    def __init__(self, current: AdjudicationFilter) -> None:
        super().__init__(classes="dialog")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Label("Filter the queue", classes="title")
            yield Input(
                ",".join(self.current.kinds),
                placeholder=f"kinds: {', '.join(KINDS)} (empty: all)",
                id="kinds",
            )
            yield Input(
                ",".join(self.current.languages),
                placeholder="languages, e.g. bn,ar (empty: all)",
                id="languages",
            )
            yield Label("", id="error", classes="hint")
            yield Label("Enter applies · Tab moves · Escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        kinds = parse_kinds(self.query_one("#kinds", Input).value)
        languages = parse_languages(self.query_one("#languages", Input).value)
        try:
            flt = AdjudicationFilter(kinds=kinds, languages=languages)
        except PolyjudgeError as exc:
            self.query_one("#error", Label).update(Text(str(exc)))
            return
        self.dismiss(flt)

    def action_cancel(self) -> None:
        self.dismiss(None)
