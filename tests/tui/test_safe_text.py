"""Untrusted text made safe: no control character survives, invisibles are neutralised."""

from __future__ import annotations

import subprocess
import sys

import pytest

from polyjudge.safe_text import count_invisible, one_line, safe_segments, safe_text

from tests.tui.conftest import HOSTILE


def test_every_c0_c1_control_is_replaced_except_newline_and_tab() -> None:
    raw = "".join(chr(cp) for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
    out = safe_text(raw)
    leftovers = [hex(ord(c)) for c in out if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
    assert leftovers == ["0x9", "0xa"]
    assert "␛" in out and "␇" in out and "␡" in out and "⟨U+009B⟩" in out


def test_osc_and_csi_sequences_become_visible_text() -> None:
    out = safe_text("a\x1b]2;title\x07b\x1b[31mred\x9b2J")
    assert out == "a␛]2;title␇b␛[31mred⟨U+009B⟩2J"


def test_markup_is_left_as_literal_characters() -> None:
    assert safe_text("[bold]x[/bold] [link=http://e]y[/link]") == (
        "[bold]x[/bold] [link=http://e]y[/link]"
    )


def test_line_endings_are_normalised_and_lone_cr_is_visible() -> None:
    assert safe_text("a\r\nb\rc\u2028d") == "a\nb␍c\nd"


@pytest.mark.parametrize(
    "cp",
    [
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0x200E,
        0x200F,
        0x061C,
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        0x00AD,
        0xE0041,
        0xFE0F,
        0xE0100,
    ],
)
def test_invisible_characters_are_removed_or_shown_as_tokens(cp: int) -> None:
    text = f"a{chr(cp)}b"
    assert safe_text(text) == "ab"
    shown = safe_text(text, show_invisible=True)
    assert chr(cp) not in shown
    assert shown.startswith("a⟨") and shown.endswith("⟩b")
    assert count_invisible(text) == 1


def test_tag_characters_spell_out_the_hidden_ascii() -> None:
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "hi")
    assert safe_text(f"ok{hidden}", show_invisible=True) == "ok⟨TAG h⟩⟨TAG i⟩"


def test_scripts_pass_through_unchanged() -> None:
    texts = [
        "لا أستطيع المساعدة",
        "দুঃখিত, আমি পারি না",
        "ขออภัย ฉันไม่สามารถ",
        "抱歉，我不能",
        "죄송하지만",
        "Nyuwun pangapunten",
        "Samahani, siwezi",
        "Tôi không thể",
    ]
    for text in texts:
        assert safe_text(text) == text


def test_arabic_prepended_marks_are_visible_format_characters() -> None:
    assert safe_text("\u0600١٢") == "\u0600١٢"


def test_joiners_can_be_kept_for_html() -> None:
    family = "👨\u200d👩\u200d👧"
    assert safe_text(family) == "👨👩👧"
    assert safe_text(family, keep_joiners=True) == family
    assert safe_text("a\u202eb", keep_joiners=True) == "ab"


def test_segments_mark_tokens_for_styling() -> None:
    pieces = list(safe_segments(HOSTILE, show_invisible=True))
    tokens = [piece for piece, is_token in pieces if is_token]
    assert "␛" in tokens and "⟨U+202E⟩" in tokens and "⟨U+200B⟩" in tokens
    assert "".join(piece for piece, _ in pieces) == safe_text(HOSTILE, show_invisible=True)


def test_one_line_flattens_and_truncates() -> None:
    assert one_line("a\nb\tc\x1b", limit=80) == "a b c␛"
    assert one_line("x" * 100, limit=10) == "x" * 9 + "…"


def test_safe_text_needs_no_textual() -> None:
    code = (
        "import sys\nimport polyjudge.safe_text, polyjudge.tui.html_view\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_fast_path_agrees_with_the_character_scan() -> None:
    import random

    from polyjudge.safe_text import _scan

    pool = (
        "abc ",
        "দুঃখিত ",
        "ขออภัย",
        "抱歉",
        "\t",
        "\n",
        "\x1b",
        "\x07",
        "\x9b",
        "\u202e",
        "\u200b",
        "\u200d",
        "\ufe0f",
        "\u3164",
        "\u00a0",
        "\u3000",
        "\u0600",
        "\U000e0041",
        "\U000e0100",
        "\u034f",
        "👨",
        "[bold]",
    )
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        for show in (False, True):
            slow = "".join(piece for piece, _ in _scan(text, show, False))
            assert safe_text(text, show_invisible=show) == slow, repr(text)
