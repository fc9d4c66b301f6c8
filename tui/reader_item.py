"""What the browser reader shows of an item: a JSON-ready record of its texts.

Each text is sent twice, both made safe exactly as on screen (`safe_text`): `text` with
joiners kept (a browser needs them to shape Persian or Bengali) and bidi controls neutralised,
and `revealed` with every invisible character shown as a visible token, for the page's "show
invisible characters" switch. The page puts them into the document as text (`textContent`),
never as HTML, with the direction and language tag given here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from polyjudge.languages import base_code, is_rtl, language_name, reader_helps
from polyjudge.safe_text import count_invisible, safe_text
from polyjudge.store import Item


@dataclass(frozen=True, slots=True)
class ReaderItem:
    """The item on screen as published by a screen: the item itself (a frozen record) and
    where it is shown (`annotate · amina`). Turned into JSON only when a browser asks."""

    item: Item | None
    where: str = ""


def _block(kind: str, title: str, text: str, lang: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "lang": base_code(lang) or "und",
        "dir": "rtl" if is_rtl(lang) else "auto",
        "text": safe_text(text, keep_joiners=True),
        "revealed": safe_text(text, show_invisible=True),
        "invisible": count_invisible(text),
    }


def item_record(item: Item) -> dict[str, Any]:
    """The item's blocks (prompt, its English source, response, back-translation) and header."""
    response, prompt = item.response, item.prompt
    lang = response.language
    blocks = []
    if prompt is not None:
        blocks.append(_block("prompt", f"Prompt ({prompt.language})", prompt.text, prompt.language))
        if prompt.text_en and base_code(prompt.language) != "en":
            blocks.append(_block("prompt-en", "Prompt (English source)", prompt.text_en, "en"))
    blocks.append(_block("response", f"Response ({lang})", response.text, lang))
    if response.back_translation:
        blocks.append(_block("back", "Back-translation (English)", response.back_translation, "en"))
    return {
        "uid": safe_text(response.uid),
        "language": safe_text(lang),
        "language_name": language_name(lang) or "",
        "lang": base_code(lang) or "und",
        "dir": "rtl" if is_rtl(lang) else "auto",
        "model": safe_text(response.model or ""),
        "complex": reader_helps(lang, response.text, prompt.text if prompt else None),
        "blocks": blocks,
    }


def reader_payload(published: ReaderItem, version: int) -> dict[str, Any]:
    """The JSON the page polls for: a version (changes with every publish) and the item."""
    item = published.item
    return {
        "version": version,
        "where": safe_text(published.where),
        "item": item_record(item) if item is not None else None,
    }


_NO_MARKUP = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def payload_json(published: ReaderItem, version: int) -> bytes:
    """`reader_payload` as ASCII JSON: every non-ASCII character escaped, and no markup
    character even inside strings, should anything ever read it as HTML."""
    return json.dumps(reader_payload(published, version)).translate(_NO_MARKUP).encode("ascii")
