"""Untrusted text as `rich.text.Text` objects: sanitised, never parsed as markup."""

from __future__ import annotations

from rich.text import Text

from polyjudge.safe_text import one_line, safe_segments

TOKEN_STYLE = "reverse"


def safe_rich_text(text: str, *, show_invisible: bool = False, style: str = "") -> Text:
    """The text with control characters as visible tokens (and, with `show_invisible`,
    invisible characters as tokens), the tokens in reverse video so they stand out."""
    out = Text(style=style, no_wrap=False, overflow="fold")
    for piece, is_token in safe_segments(text, show_invisible=show_invisible):
        out.append(piece, style=TOKEN_STYLE if is_token else None)
    return out


def plain(text: str, style: str = "") -> Text:
    """A single line of untrusted text (a model name, an id) for headers and titles."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis")
