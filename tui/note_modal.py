"""`n`: a note for the current item (saved with its label)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class NoteModal(ModalScreen[str | None]):
    """Returns the note typed, or None when cancelled with Escape."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, current: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Label("Note for this item", classes="title")
            yield Input(
                value=self.current, placeholder="what should the adjudicator know?", id="note"
            )
            yield Label("Enter saves · Escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
