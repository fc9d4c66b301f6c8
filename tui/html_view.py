"""An item as a small self-contained HTML page, where a browser shapes and orders the text.

Terminals do no bidi, so right-to-left items are offered as HTML (`o` in the annotate screen).
Everything is HTML-escaped; control characters are made visible and bidi controls are neutralised
exactly as on screen (joiners are kept, browsers need them to shape Persian or Bengali). The page
loads nothing and runs nothing (a Content-Security-Policy of `default-src 'none'`).
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from polyjudge.languages import base_code, is_rtl, language_name
from polyjudge.safe_text import safe_text
from polyjudge.store import Item

_STYLE = (
    "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic','Noto Sans Bengali',"
    "'Noto Sans Thai',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.6}section{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;"
    "margin:1rem 0}h2{font-size:1rem;color:#555}.text{white-space:pre-wrap;font-size:1.15rem}"
)


def _block(title: str, text: str, lang: str, show_invisible: bool) -> str:
    direction = "rtl" if is_rtl(lang) else "auto"
    body = html.escape(safe_text(text, show_invisible=show_invisible, keep_joiners=True))
    return (
        f"<section><h2>{html.escape(title)}</h2>"
        f'<div class="text" dir="{direction}" lang="{html.escape(base_code(lang))}">'
        f"{body}</div></section>"
    )


def item_html(item: Item, *, show_invisible: bool = False) -> str:
    response, prompt = item.response, item.prompt
    lang = response.language
    name = language_name(lang) or lang
    parts = [
        "<!doctype html>",
        f'<html lang="{html.escape(base_code(lang))}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{html.escape(safe_text(response.uid))}</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{html.escape(safe_text(response.uid))} · {html.escape(name)} ({html.escape(lang)})"
        "</h1>",
    ]
    if prompt is not None:
        parts.append(
            _block(f"Prompt ({prompt.language})", prompt.text, prompt.language, show_invisible)
        )
        if prompt.text_en and base_code(prompt.language) != "en":
            parts.append(_block("Prompt (English source)", prompt.text_en, "en", show_invisible))
    parts.append(_block(f"Response ({lang})", response.text, lang, show_invisible))
    if response.back_translation:
        parts.append(
            _block("Back-translation (English)", response.back_translation, "en", show_invisible)
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_item_html(
    item: Item, *, show_invisible: bool = False, directory: Path | None = None
) -> Path:
    """Write the page to a new temporary file (readable by the user only) and return its path."""
    fd, name = tempfile.mkstemp(
        prefix="polyjudge-item-", suffix=".html", dir=str(directory) if directory else None
    )
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(item_html(item, show_invisible=show_invisible))
    return Path(name)
