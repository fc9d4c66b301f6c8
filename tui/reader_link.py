"""Between the screens and the reader: publish the item on screen, say what the reader offers.

A screen calls `publish` wherever its current item may have changed; without a reader (no
`--reader`) it does nothing. `reader_hint` is the one line that offers the reader for items a
terminal cannot draw properly (right-to-left and shaped scripts, by language tag or by the
text itself).
"""

from __future__ import annotations

from typing import Any

from polyjudge.languages import is_rtl, reader_helps
from polyjudge.store import Item

from .reader_file import ReaderFile
from .reader_item import ReaderItem
from .reader_server import ReaderServer


def reader_of(app: Any) -> ReaderServer | ReaderFile | None:
    """The app's reader (its own server, or the file `serve` reads), if it has one."""
    reader = getattr(app, "reader", None)
    return reader if isinstance(reader, ReaderServer | ReaderFile) else None


def publish(app: Any, item: Item | None, where: str) -> None:
    """Show `item` in the reader (a record swap and a notify; the JSON is made on request)."""
    reader = reader_of(app)
    if reader is not None:
        reader.publish(ReaderItem(item, where))


def reader_status(app: Any) -> str:
    """The status line that gives the reader's link, or ""."""
    reader = reader_of(app)
    return f"reader: {reader.url}" if reader is not None and reader.url else ""


def reader_hint(item: Item, reader_on: bool) -> str | None:
    """One line for an item a browser shows better than a terminal, else None."""
    response, prompt = item.response, item.prompt
    if not reader_helps(response.language, response.text, prompt.text if prompt else None):
        return None
    kind = "right-to-left" if is_rtl(response.language) else "complex script"
    if reader_on:
        return f"{kind}: see the reader"
    return f"{kind}: try --reader or o"
