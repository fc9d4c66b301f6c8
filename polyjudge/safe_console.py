"""A rich `Console` that cannot pass an escape sequence from the data to the terminal.

Callers build tables and lines from text already made safe (`safe_text.one_line`,
`report_format.plain`); this console is the net under them. Every segment of text it renders
goes through `safe_text.terminal_text` (control characters become visible tokens, bidi and
invisible characters `⟨U+202E⟩` tokens) and loses any hyperlink (OSC 8) its style carries; only
rich's own control segments (cursor moves of a progress bar) pass as they are. Markup, emoji
codes and highlighting are off by default: a name in square brackets prints as it is. (A
`rich.text.Text` drops BEL, backspace and CR when it is built, so callers build cells from
`one_line`/`plain` text to keep those visible; the net still catches ESC, C1 and bidi.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from .safe_text import terminal_text


def safe_segment(segment: Segment) -> Segment:
    """The segment with its text made safe for a terminal and no hyperlink in its style."""
    text, style, control = segment
    if control:
        return segment
    if style is not None and style.link:
        style = style.update_link(None)
    return Segment(terminal_text(text), style, control)


class SafeConsole(Console):
    """`rich.console.Console` whose output holds no control or bidi character from the data."""

    def __init__(self, **kwargs: Any) -> None:
        for option in ("markup", "emoji", "highlight"):
            kwargs.setdefault(option, False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """A string printed as it is: made safe before rich builds its `Text` (which would drop
        BEL, backspace and CR unseen rather than show them)."""
        return super().render_str(terminal_text(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            yield safe_segment(segment)
