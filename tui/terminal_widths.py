"""Make Rich measure text the way terminals draw it, so that Indic text cannot break the layout.

Rich (15) measures by grapheme: a spacing combining mark (Unicode category Mc, e.g. Bengali
U+09BF `ি`, Devanagari U+093E `ा`) gets 0 cells, and so does an emoji skin-tone modifier.
glibc's `wcwidth`, and with it tmux, xterm, VTE and most terminals, give an Mc mark 1 cell and a
skin-tone modifier 2 (measured here: `দুঃখিত` is 3 cells for Rich, 5 for tmux 3.3a and glibc).
Textual pads each line by Rich's count, so every such mark pushed the rest of the line (the
pane's border, the pane beside it) one cell to the right.

`match_terminal_widths()` edits the width table Rich uses by default (`"auto"`) in this process:
Mc marks become 1 cell, skin-tone modifiers 2 cells, as in glibc. Variation
selectors, the other disagreement (Rich widens `❤` + U+FE0F to 2 cells, tmux keeps 1), are
neutralised in `safe_text` instead. Set `POLYJUDGE_GRAPHEME_WIDTHS=1` to keep Rich's own widths
(for terminals that measure by grapheme cluster, such as recent kitty, WezTerm or ghostty).
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any

SKIN_TONES = (0x1F3FB, 0x1F3FF)
_ORIGINALS: dict[int, tuple[Any, list[tuple[int, int, int]]]] = {}


def _terminal_width(cp: int, rich_width: int) -> int:
    if rich_width != 0:
        return rich_width
    char = chr(cp)
    if unicodedata.category(char) == "Mc":
        return 1
    if SKIN_TONES[0] <= cp <= SKIN_TONES[1]:
        return 2
    return 0


def _adjusted(widths: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for start, end, width in widths:
        if width != 0:
            out.append((start, end, width))
            continue
        run_start, run_width = start, _terminal_width(start, 0)
        for cp in range(start + 1, end + 1):
            cp_width = _terminal_width(cp, 0)
            if cp_width != run_width:
                out.append((run_start, cp - 1, run_width))
                run_start, run_width = cp, cp_width
        out.append((run_start, end, run_width))
    # Width 1 is the table's default: leave those code points out, as Rich's tables do.
    return [entry for entry in out if entry[2] != 1]


def match_terminal_widths() -> bool:
    """Apply the adjustment (idempotent). Returns False when it is switched off or when this
    Rich has no table to adjust (then Rich's own widths stay in force)."""
    if os.environ.get("POLYJUDGE_GRAPHEME_WIDTHS"):
        return False
    try:
        from rich import cells
        from rich._unicode_data import load
    except ImportError:  # a Rich without versioned tables
        return False
    table = load("auto")
    if not isinstance(table.widths, list):
        return False
    _ORIGINALS.setdefault(id(table), (table, list(table.widths)))
    table.widths[:] = _adjusted(list(table.widths))
    _clear_caches(cells)
    return True


def restore_rich_widths() -> None:
    """Undo `match_terminal_widths` (for tests that share the process with other code)."""
    from rich import cells

    for table, widths in _ORIGINALS.values():
        table.widths[:] = widths
    _ORIGINALS.clear()
    _clear_caches(cells)


def _clear_caches(cells: Any) -> None:
    cells.get_character_cell_size.cache_clear()
    cells.cached_cell_len.cache_clear()
