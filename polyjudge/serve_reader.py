"""`serve`'s reader: beside each annotator's terminal, `/annotate/<token>/reader/` shows the
item on that annotator's screen as the browser shapes it (the page and script of
`tui/reader_server.py`, under the same strict policy).

The channel: each annotate session the server starts writes the id of the item on its screen to
a file in the server's private directory (`--reader-file`, one file per annotator, see
`tui/reader_file.py`); a poll of `item.json` reads that file until it changes (or `POLL_S`
passes) and loads the item from the project.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

from aiohttp import web

from polyjudge.store import Item, Project
from polyjudge.tui.reader_file import read_reader_file
from polyjudge.tui.reader_item import ReaderItem, payload_json
from polyjudge.tui.reader_server import ASSETS, HEADERS, POLL_S

CHECK_S = 0.2  # how often a waiting poll looks at the file again


def reader_file_of(directory: Path, annotator: str) -> Path:
    """The file an annotator's sessions publish to (the name hashed: any name is a safe file
    name)."""
    return directory / f"{hashlib.sha256(annotator.encode('utf-8')).hexdigest()[:32]}.json"


def _stamp(path: Path) -> tuple[int | None, int]:
    """(response id, version): the version is the file's modification time in microseconds
    (exact in a JavaScript number), so that a new session's first write is a new version."""
    found = read_reader_file(path)
    if found is None:
        return None, 0
    try:
        return found[0], path.stat().st_mtime_ns // 1000
    except OSError:
        return None, 0


class ServeReader:
    """The reader routes' answers for one project and one directory of reader files."""

    def __init__(self, db: Path, directory: Path) -> None:
        self.db = db
        self.directory = directory
        self.stopping = False  # set when the server stops: waiting polls answer at once

    def asset(self, name: str) -> web.Response:
        found = ASSETS.get(name)
        if found is None or name == "item.json":
            raise web.HTTPNotFound(text="404: Not Found\n")
        content_type, body = found
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    def _item(self, response_id: int) -> Item | None:
        with Project.open(self.db) as project:
            return project.content.item(response_id)

    async def item_json(self, annotator: str, after: int | None) -> web.Response:
        path = reader_file_of(self.directory, annotator)
        response_id, version = _stamp(path)
        end = time.monotonic() + POLL_S
        while after is not None and version == after and time.monotonic() < end:
            if self.stopping:
                break
            await asyncio.sleep(CHECK_S)
            response_id, version = _stamp(path)
        item = None
        if response_id is not None:
            item = await asyncio.to_thread(self._item, response_id)
        body = payload_json(ReaderItem(item, f"serve · {annotator}"), version)
        response = web.Response(body=body)
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        return response


def reader_headers(response: web.StreamResponse) -> None:
    """The reader's strict policy in place of the terminal page's."""
    response.headers.update(HEADERS)
