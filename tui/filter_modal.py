"""`/`: restrict the queue by language, model, category or free text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from polyjudge.store import QueueFilter


def parse_languages(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x.strip() for x in value.replace(" ", ",").split(",") if x.strip()))


class FilterModal(ModalScreen[QueueFilter | None]):
    """Returns the new filter, or None when cancelled with Escape."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, current: QueueFilter) -> None:
        super().__init__(classes="dialog")
        self.current = current

    def compose(self) -> ComposeResult:
        flt = self.current
        with Vertical(id="box"):
            yield Label("Filter the items", classes="title")
            yield Input(
                ",".join(flt.languages),
                placeholder="languages, e.g. bn,ar (empty: all)",
                id="languages",
            )
            yield Input(flt.model or "", placeholder="model (empty: all)", id="model")
            yield Input(flt.category or "", placeholder="category (empty: all)", id="category")
            yield Input(
                flt.text or "", placeholder="text in the response or back-translation", id="text"
            )
            yield Label("Enter applies · Tab moves · Escape cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

        def value(name: str) -> str | None:
            return self.query_one(f"#{name}", Input).value.strip() or None

        self.dismiss(
            QueueFilter(
                languages=parse_languages(value("languages") or ""),
                model=value("model"),
                category=value("category"),
                text=value("text"),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
