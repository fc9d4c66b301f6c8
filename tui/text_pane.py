"""A bordered, scrolling pane of wrapped untrusted text (a response, a back-translation).

The bottom border says how much is still below ("▼ 12 more lines"), so a long response is never
mistaken for a short one; `on_scrolled` lets the screen keep two panes in step (`pane_sync.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widgets import Static


def more_lines_marker(below: int) -> str:
    """The bottom border's note of the lines below the view ("" when there are none)."""
    if below <= 0:
        return ""
    return f"▼ {below:,} more line{'' if below == 1 else 's'}"


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


class PromptPane(ScrollPane):
    """The prompt above the panes: as tall as its prompt (up to its max-height), but never
    shorter than the tallest prompt shown at this width, so the panes below stay where they
    are from item to item. A pane that moves is redrawn whole: with prompts of one and two
    lines alternating, the next item took 52 ms at the 95th percentile instead of 23
    (bench/tui_bench.py, 1M responses)."""

    _tallest = 0
    _width = -1

    def forget_height(self) -> None:
        """Back to the height of what it shows (nothing left to label: no prompt)."""
        self._width, self._tallest = -1, 0
        self.styles.min_height = None

    def on_resize(self, event: Resize) -> None:
        width, height = event.size
        if width != self._width:  # the prompt wraps differently: measure afresh
            self.forget_height()
            self._width = width
        if height > self._tallest:
            self._tallest = height
            self.styles.min_height = height


class TextPane(ScrollPane):
    """Shows a `rich.text.Text` (already sanitised) under a plain-text border title."""

    DEFAULT_CSS = """
    TextPane > Static { width: 1fr; height: auto; padding: 0 1; }
    """

    # Called after every scroll of the pane (by key, wheel, or the other pane following).
    on_scrolled: Callable[[TextPane], None] | None = None
    _marker = ""  # the bottom border's note as last set
    _title: Text | None = None  # the top border's title as last set

    def compose(self) -> ComposeResult:
        yield Static(Text(""), classes="body", markup=False)

    @property
    def lines_below(self) -> int:
        """Lines of the text below the visible part."""
        return max(self.max_scroll_y - round(self.scroll_y), 0)

    def _mark_more(self) -> None:
        marker = more_lines_marker(self.lines_below)
        if marker != self._marker:
            self._marker = marker
            self.border_subtitle = marker or None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._mark_more()
        if self.on_scrolled is not None and old_value != new_value:
            self.on_scrolled(self)

    def on_resize(self, event: Resize) -> None:
        """The pane changed size: what is below changed too."""
        self._mark_more()

    def watch_virtual_size(self) -> None:
        """The text changed length (another item): what is below changed too."""
        self._mark_more()

    @property
    def body(self) -> Static:
        return self.query_one(".body", Static)

    def show(self, title: Text, text: Text) -> None:
        if title != self._title:  # the same title again: the border is not redrawn
            self._title = title
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
