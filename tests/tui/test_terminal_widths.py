"""Rich measures text as terminals draw it (glibc's wcwidth, which tmux uses) once the app has
adjusted Rich's table: otherwise each Bengali vowel sign pushes a pane's border right."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from polyjudge.safe_text import safe_text
from polyjudge.tui.terminal_widths import match_terminal_widths

from tests.conftest import glibc_wcwidth

SAMPLES = [
    "দুঃখিত, আমি এই অনুরোধে সাহায্য করতে পারি না।",  # Bengali, spacing vowel signs (Mc)
    "नमस्ते, मैं इसमें मदद नहीं कर सकता।",  # Devanagari
    "ജ്ഞാനം",  # Malayalam
    "ꦲꦏ꧀ꦱꦫ ꦗꦮ",  # Javanese script
    "ขออภัย ฉันไม่สามารถช่วยได้",  # Thai (non-spacing marks only)
    "抱歉，我不能帮助你。죄송합니다",  # CJK: wide
    "لا أستطيع المساعدة",  # Arabic
    "👍🏽 ok 🇧🇩",  # skin-tone modifier, flag
    "Nyuwun pangapunten · Samahani",
]


def _glibc_width():
    wcwidth = glibc_wcwidth()
    return None if wcwidth is None else (lambda text: sum(wcwidth(char) for char in text))


@pytest.mark.parametrize("text", SAMPLES)
def test_rich_widths_match_glibc_after_adjustment(text: str) -> None:
    width = _glibc_width()
    if width is None:
        pytest.skip("glibc's wcwidth is not available here")
    assert match_terminal_widths()
    assert cell_len(text) == width(text)


def test_variation_selectors_are_neutralised_where_rich_and_terminals_disagree() -> None:
    width = _glibc_width()
    if width is None:
        pytest.skip("glibc's wcwidth is not available here")
    match_terminal_widths()
    heart = "I ❤️ you ⚠️"
    assert cell_len(heart) != width(heart)  # the disagreement...
    shown = safe_text(heart)
    assert cell_len(shown) == width(shown)  # ...is gone from what is displayed


def test_adjustment_is_idempotent() -> None:
    assert match_terminal_widths() and match_terminal_widths()
    assert cell_len("দুঃখিত") == 5


def test_restore_gives_rich_its_own_widths_back() -> None:
    from polyjudge.tui.terminal_widths import restore_rich_widths

    match_terminal_widths()
    restore_rich_widths()
    assert cell_len("দুঃখিত") == 3  # Rich's grapheme measure
