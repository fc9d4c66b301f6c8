"""Hostile text for every output: terminal escape sequences, bidi tricks, markup, formulas.

`CORPUS` names each attack; `ALL` is all of them in one string; `file_name()` is the same text
usable as a file name (no `/`). `assert_terminal_safe` is the one assertion every test makes on
what reached a terminal: no raw control or invisible character (the sets `polyjudge.safe_text`
knows), and the attack still visible as tokens (`␛]0;PWNED-TITLE␇`, `⟨U+202E⟩`).
"""

from __future__ import annotations

from polyjudge.safe_text import is_control, is_invisible

CORPUS: dict[str, str] = {
    "csi_colour": "\x1b[31mRED\x1b[0m",
    "csi_clear": "\x1b[2J\x1b[H",
    "osc0_title": "\x1b]0;PWNED-TITLE\x07",
    "osc52_clipboard": "\x1b]52;c;UFdORUQtQ0xJUA==\x07",
    "osc8_hyperlink": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "c1_csi": "\x9b2J",
    "c1_osc": "\x9d0;C1-TITLE\x9c",
    "bel": "ring\x07",
    "backspace": "abc\x08\x08\x08XYZ",
    "cr_overwrite": "harmless\rEVIL",
    "del": "del\x7f",
    "rlo": "\u202etxt.exe",
    "lri": "\u2066isolated\u2069",
    "zero_width": "zero\u200bwidth\u200d",
    "rich_markup": "[bold]Sure![/bold] [link=https://evil.example]x[/link]",
    "formula": '=HYPERLINK("https://evil.example","click")',
}
ALL = " ".join(CORPUS.values())

# What must stay visible after sanitising (tokens standing for the escapes).
VISIBLE = (
    "␛]0;PWNED-TITLE␇",
    "␛]52;c;UFdORUQtQ0xJUA==␇",
    "␛[31mRED␛[0m",
    "⟨U+009B⟩2J",
    "⟨U+009D⟩0;C1-TITLE⟨U+009C⟩",
    "abc␈␈␈XYZ",
    "harmless␍EVIL",
    "⟨U+202E⟩txt.exe",
    "⟨U+2066⟩isolated⟨U+2069⟩",
    "zero⟨U+200B⟩width",
    "[bold]Sure![/bold]",
)


def file_name(prefix: str = "f", suffix: str = ".jsonl") -> str:
    """A file name carrying the escapes (a name may hold any byte but `/` and NUL)."""
    hostile = "".join(
        v for k, v in CORPUS.items() if k not in ("osc8_hyperlink", "rich_markup", "formula")
    )
    return f"{prefix}{hostile}[bold]x{suffix}"


def raw_characters(text: str) -> list[str]:
    """Control (but newline and tab) and invisible characters left in `text`, as U+XXXX."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (is_control(ord(c)) and c not in "\n\t") or is_invisible(ord(c))
    ]


def assert_terminal_safe(text: str, *visible: str) -> None:
    """`text` reached a terminal: nothing raw in it, and each of `visible` shown in it."""
    assert raw_characters(text) == [], text
    for token in visible:
        assert token in text, (token, text)
