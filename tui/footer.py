"""A footer that keeps Help and Quit in sight: on a narrow terminal (80 columns) Textual's
footer cuts the keys off at the right, and the last ones cut were Help and Quit. Here they sit
at the right end, beside the command palette's key, and the cut falls on the keys before them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# The actions whose keys never scroll out of the footer.
KEPT_ACTIONS = ("help", "quit")


class KeepingFooter(Footer):
    DEFAULT_CSS = """
    KeepingFooter HorizontalGroup.kept {
        dock: right;
        width: auto;
        background: $footer-background;
        border-left: vkey $foreground 20%;
    }
    KeepingFooter HorizontalGroup.kept FooterKey.-command-palette {
        dock: none;
    }
    """

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        kept = [
            widget
            for widget in widgets
            if isinstance(widget, FooterKey)
            and (widget.action in KEPT_ACTIONS or widget.has_class("-command-palette"))
        ]
        kept.sort(key=_kept_order)
        yield from (widget for widget in widgets if widget not in kept)
        if kept:
            yield HorizontalGroup(*kept, classes="kept")


def _kept_order(widget: FooterKey) -> int:
    """Help, Quit, then the palette's key (rightmost, as in Textual's footer)."""
    if widget.action in KEPT_ACTIONS:
        return KEPT_ACTIONS.index(widget.action)
    return len(KEPT_ACTIONS)
