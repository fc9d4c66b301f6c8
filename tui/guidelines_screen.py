"""`g`: the project's annotation guidelines (Markdown)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from polyjudge.safe_text import safe_text

NO_GUIDELINES = (
    "# No guidelines\n\nThis project has no annotation guidelines yet. Add them with "
    "`polyjudge init --guidelines FILE`, or pass `--guidelines FILE` to `polyjudge annotate`."
)


class GuidelinesScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,g,q", "close", "Close", id="dialog.close")]

    def __init__(self, markdown: str | None) -> None:
        super().__init__(classes="dialog")
        # The project's own text, but still: no control characters reach the terminal.
        self.markdown = safe_text(markdown) if markdown and markdown.strip() else NO_GUIDELINES

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="box", classes="tall"):
            yield Markdown(self.markdown, open_links=False)

    def action_close(self) -> None:
        self.dismiss(None)
