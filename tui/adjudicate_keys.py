"""The adjudicate screen's own keys (binding ids for `App.set_keymap`); the label keys come
from `annotate_keys.label_bindings`, skipping the keys reserved here."""

from __future__ import annotations

from textual.binding import Binding

SCREEN_BINDINGS = [
    Binding(
        "r",
        "reply",
        "Reply",
        id="adjudicate.reply",
        tooltip="Write a safe reply for this prompt (fine-tuning data)",
    ),
    Binding("z", "undo", "Undo", id="adjudicate.undo", tooltip="Undo your last adjudication"),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="adjudicate.filter",
        tooltip="Filter the queue by kind and language",
    ),
    Binding(
        "d",
        "dashboard",
        "Dashboard",
        id="adjudicate.dashboard",
        tooltip="Progress, agreement and unsafe rates",
    ),
    Binding(
        "right_square_bracket",
        "page(1)",
        "Next page",
        id="adjudicate.next_page",
        show=False,
        tooltip="Next page of the queue",
    ),
    Binding(
        "left_square_bracket",
        "page(-1)",
        "Previous page",
        id="adjudicate.previous_page",
        show=False,
        tooltip="Previous page of the queue",
    ),
    Binding(
        "pagedown",
        "scroll_detail(1)",
        "Scroll item",
        id="adjudicate.scroll_down",
        show=False,
        tooltip="Scroll the item down",
    ),
    Binding(
        "pageup",
        "scroll_detail(-1)",
        "Scroll item up",
        id="adjudicate.scroll_up",
        show=False,
        tooltip="Scroll the item up",
    ),
    Binding(
        "v",
        "toggle_invisible",
        "Invisible",
        id="adjudicate.invisible",
        show=False,
        tooltip="Show invisible characters (zero-width, bidi controls)",
    ),
    Binding(
        "o",
        "open_html",
        "HTML",
        id="adjudicate.open_html",
        show=False,
        tooltip="Write the item as an HTML page (for right-to-left text)",
    ),
    Binding(
        "f5,ctrl+r",
        "reload",
        "Reload",
        id="adjudicate.reload",
        show=False,
        tooltip="Read the queue again",
    ),
    Binding("h,f1", "help", "Help", id="adjudicate.help", tooltip="Show every key"),
    Binding(
        "q", "quit", "Quit", id="adjudicate.quit", tooltip="Quit (adjudications are already saved)"
    ),
]
RESERVED_KEYS = frozenset(k for b in SCREEN_BINDINGS for k in b.key.split(","))
