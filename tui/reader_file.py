"""The reader's channel under `serve`: the annotate process (one per browser tab, started by
the server) writes the id of the item on screen to a small file the server gave it; the server's
reader page reads it. No new IPC and nothing in the project file: one `os.replace` per move.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .reader_item import ReaderItem


class ReaderFile:
    """Publishes like `ReaderServer`, into `path`: `{"response_id": N or null, "version": V}`."""

    url = None  # the page is the server's (`/annotate/<token>/reader/`), not this process's

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = 0
        self._shown: int | None = -1

    def publish(self, published: ReaderItem) -> None:
        item = published.item
        response_id = item.response.id if item is not None else None
        if response_id == self._shown:
            return
        self._shown = response_id
        self.version += 1
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            partial.write_text(json.dumps({"response_id": response_id, "version": self.version}))
            os.replace(partial, self.path)  # a reader sees the old file or the new, never half
        except OSError:
            pass  # the server went away: the terminal goes on without its reader


def read_reader_file(path: Path) -> tuple[int | None, int] | None:
    """(response id, version) from a reader file, or None when there is none (yet)."""
    try:
        found = json.loads(path.read_text())
        response_id, version = found["response_id"], found["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (response_id is not None and not isinstance(response_id, int)) or not isinstance(
        version, int
    ):
        return None
    return response_id, version
