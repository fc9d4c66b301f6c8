"""A bordered, scrolling pane of wrapped untrusted text (a response, a back-translation)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static


class ScrollPane(VerticalScroll, inherit_bindings=False):
    """A vertical scroller that leaves ← and → to the screen (previous / next item)."""

    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("home", "scroll_home", "Scroll home", show=False),
        Binding("end", "scroll_end", "Scroll end", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


class TextPane(ScrollPane):
    """Shows a `rich.text.Text` (already sanitised) under a plain-text border title."""

    DEFAULT_CSS = """
    TextPane > Static { width: 1fr; height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(""), classes="body", markup=False)

    @property
    def body(self) -> Static:
        return self.query_one(".body", Static)

    def show(self, title: Text, text: Text) -> None:
        self.border_title = title
        self.body.update(text)
        if self.scroll_offset.y:
            self.scroll_home(animate=False)

    def rendered_lines(self) -> list[str]:
        """The body as the terminal will get it, line by line (for tests and debugging)."""
        from textual.geometry import Region

        body = self.body
        width, height = body.size
        return [strip.text for strip in body.render_lines(Region(0, 0, width, height))]
