"""Untrusted text made safe for a terminal (and for anything else that prints it).

Pure standard library: the TUI builds styled text from it, reports and exports can reuse it.

- C0 and C1 control characters (all but newline and tab), DEL, and lone carriage returns are
  replaced by visible tokens (Control Pictures such as `␛` for ESC, `⟨U+009B⟩` for C1), so that no
  escape sequence (CSI, OSC ...) can reach the terminal. CRLF becomes LF; U+2028/U+2029 become LF.
- Bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C), zero-width and other
  invisible format characters (U+200B-U+200D, U+2060-U+2064, U+FEFF, soft hyphen, tag
  characters, emoji presentation selectors ...) are always neutralised: removed by default,
  or shown as `⟨U+200B⟩` tokens when `show_invisible` is on. They can neither reorder the
  terminal nor hide text unseen.
- Markup is never interpreted here; callers render the result as plain text.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator

# Arabic and Syriac "prepended concatenation marks" are format characters that are visible.
_VISIBLE_FORMAT = frozenset(
    [
        0x0600,
        0x0601,
        0x0602,
        0x0603,
        0x0604,
        0x0605,
        0x06DD,
        0x070F,
        0x0890,
        0x0891,
        0x08E2,
        0x110BD,
        0x110CD,
    ]
)
# Invisible characters that are not of category Cf: combining grapheme joiner, Hangul fillers,
# Mongolian free variation selectors, text/emoji presentation selectors (terminals and Rich
# disagree on the width they give, see `terminal_widths`), variation selectors supplement (used
# to smuggle text).
_EXTRA_INVISIBLE = frozenset(
    [
        0x034F,
        0x115F,
        0x1160,
        0x3164,
        0xFFA0,
        0x180B,
        0x180C,
        0x180D,
        0x180F,
        0xFE0E,
        0xFE0F,
        *range(0xE0100, 0xE01F0),
    ]
)
# Joiners and presentation selectors that shape scripts and emoji (Persian, Bengali, 👨‍👩‍👧);
# an HTML view, where the browser measures the text itself, may keep them.
JOINERS = frozenset([0x200C, 0x200D, 0xFE0E, 0xFE0F])
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def is_control(cp: int) -> bool:
    """C0 (but not tab or newline), DEL, C1."""
    return (cp < 0x20 and cp not in (0x09, 0x0A)) or 0x7F <= cp <= 0x9F


def is_invisible(cp: int) -> bool:
    """Bidi controls, zero-width and other format characters a reader cannot see."""
    if cp in _EXTRA_INVISIBLE or cp in BIDI_CONTROLS:
        return True
    if cp < 0xAD or cp in _VISIBLE_FORMAT:
        return False
    return unicodedata.category(chr(cp)) == "Cf"


def control_token(cp: int) -> str:
    """A visible stand-in for a control character: `␛` for ESC, `⟨U+009B⟩` for C1."""
    if cp < 0x20:
        return chr(0x2400 + cp)
    if cp == 0x7F:
        return "\u2421"
    return f"⟨U+{cp:04X}⟩"


def invisible_token(cp: int) -> str:
    if 0xE0020 <= cp <= 0xE007E:  # a tag character spells an ASCII letter unseen
        return f"⟨TAG {chr(cp - 0xE0000)}⟩"
    return f"⟨U+{cp:04X}⟩"


def _ranges(code_points: frozenset[int]) -> str:
    """A regular-expression character class body for a set of code points."""
    points = sorted(code_points)
    out, start, end = [], points[0], points[0]
    for cp in points[1:]:
        if cp == end + 1:
            end = cp
            continue
        out.append(f"\\U{start:08x}-\\U{end:08x}")
        start = end = cp
    out.append(f"\\U{start:08x}-\\U{end:08x}")
    return "".join(out)


# Invisible characters that `str.isprintable()` lets through (they are not format characters).
_PRINTABLE_INVISIBLE = re.compile(f"[{_ranges(_EXTRA_INVISIBLE)}]")


def _is_plain(line: str) -> bool:
    """True when the line needs no change: `isprintable` (in C) rules out every control, format
    and separator character; what it allows but we neutralise is checked by a small regex."""
    return line.replace("\t", " ").isprintable() and not _PRINTABLE_INVISIBLE.search(line)


def safe_segments(
    text: str, *, show_invisible: bool = False, keep_joiners: bool = False
) -> Iterator[tuple[str, bool]]:
    """Yield `(piece, is_token)`: runs of ordinary text, and visible tokens standing for
    control or (with `show_invisible`) invisible characters, so a renderer can style them."""
    text = text.replace("\r\n", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if all(_is_plain(line) for line in text.split("\n")):
        if text:
            yield text, False
        return
    yield from _scan(text, show_invisible, keep_joiners)


def _scan(text: str, show_invisible: bool, keep_joiners: bool) -> Iterator[tuple[str, bool]]:
    start = 0
    for index, char in enumerate(text):
        cp = ord(char)
        if cp >= 0x20 and cp < 0x7F:
            continue
        if is_control(cp):
            token: str | None = control_token(cp)
        elif is_invisible(cp):
            if keep_joiners and cp in JOINERS and not show_invisible:
                continue
            token = invisible_token(cp) if show_invisible else None
        else:
            continue
        if index > start:
            yield text[start:index], False
        if token is not None:
            yield token, True
        start = index + 1
    if start < len(text):
        yield text[start:], False


def safe_text(text: str, *, show_invisible: bool = False, keep_joiners: bool = False) -> str:
    """`text` with every control character visible and every invisible one neutralised."""
    return "".join(
        piece
        for piece, _ in safe_segments(
            text, show_invisible=show_invisible, keep_joiners=keep_joiners
        )
    )


def count_invisible(text: str) -> int:
    """How many invisible characters (bidi, zero-width, tags ...) the text hides."""
    if all(_is_plain(line) for line in text.split("\n")):
        return 0
    return sum(1 for char in text if ord(char) >= 0xAD and is_invisible(ord(char)))


def one_line(text: str, limit: int = 80) -> str:
    """A safe single-line rendering for headers and lists: newlines and tabs become spaces."""
    flat = " ".join(safe_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def terminal_text(text: str) -> str:
    """A message for the terminal (a CLI line, an error, a table cell): control characters
    visible, invisible ones shown as `⟨U+202E⟩` tokens, so nothing hides in a file or
    annotator name; newlines and tabs stay, so a multi-line message stays multi-line."""
    return safe_text(text, show_invisible=True)


_LINE_SEPARATORS = frozenset([0x2028, 0x2029])


@functools.cache
def _json_unsafe() -> re.Pattern[str]:
    """Every character `json_text` escapes (built once, on first need: some 40 ms). Format
    characters (Cf) all lie below U+20000 or in the tag block U+E0000-U+E0FFF."""
    points = {*range(0x7F, 0xA0), *_LINE_SEPARATORS, *BIDI_CONTROLS, *_EXTRA_INVISIBLE}
    points.update(
        cp for cp in (*range(0xA0, 0x20000), *range(0xE0000, 0xE1000)) if is_invisible(cp)
    )
    return re.compile(f"[{_ranges(frozenset(points))}]")


def _json_escape(match: re.Match[str]) -> str:
    cp = ord(match.group())
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    cp -= 0x10000  # a UTF-16 surrogate pair, as JSON spells a code point above the BMP
    return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"


def json_text(value: object, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """`value` as JSON that is safe to print: control characters (C0, DEL, C1), bidi controls,
    line separators and invisible format characters (the sets above) are `\\uXXXX` escapes;
    every other character is written as itself (`ensure_ascii=False`). `json.loads` gives back
    exactly `value`: only the bytes that reach the terminal change, not the data."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    # Such characters occur only inside JSON strings, where an escape means the same character.
    # ASCII without DEL needs nothing (json.dumps escaped C0); else one regex pass, which on
    # 14 MB of Bengali/Thai/CJK JSON costs less than the line-by-line check `safe_text` makes.
    if text.isascii() and "\x7f" not in text:
        return text
    return _json_unsafe().sub(_json_escape, text)
