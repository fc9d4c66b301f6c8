"""Screen marks: which item each annotate session shows, in a small file beside the project, so
that sessions that cannot write claims (an import holds the lock) still spread over the queue.
No Textual here."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import time
import uuid
from pathlib import Path

from .annotate_journal import LABEL, Journal

# A screen mark older than this belongs to a session that died (as a claim expires).
SCREEN_MARK_TTL_S = 30 * 60


class ScreenMarks:
    """Claims that need no write lock: a small file per session beside the project naming the
    item on its screen (`<db>.screen-<annotator>-<pid>-<id>`, replaced atomically on every item
    shown). While an import holds the lock no claim reaches the project, and annotators who
    start together would walk the queue in step, most of their labels then refused as full; a
    session that cannot claim reads these marks, and the labels other sessions still have
    queued in their journals, and counts them towards K as claims. Marks are hints, never
    labels: K itself is enforced where a label is written."""

    def __init__(self, db_path: Path, annotator_id: int) -> None:
        self.folder, self.db_name = db_path.parent, db_path.name
        self.annotator_id = annotator_id
        self.path = self.folder / (
            f"{db_path.name}.screen-{annotator_id}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )

    def mark(self, response_id: int | None) -> None:
        """Say which item this session shows (None: none)."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(
                json.dumps({"annotator_id": self.annotator_id, "response_id": response_id}),
                encoding="utf-8",
            )
            os.replace(temporary, self.path)

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()

    def others(self) -> dict[int, int]:
        """{response id: how many other annotators show it or have a label for it queued}."""
        holders: dict[int, set[int]] = {}
        cutoff = time.time() - SCREEN_MARK_TTL_S

        def recent(path: Path) -> bool:
            try:
                return path.stat().st_mtime >= cutoff
            except OSError:
                return False

        prefix = glob.escape(self.db_name)
        for path in self.folder.glob(f"{prefix}.screen-*"):
            if path == self.path or path.name.endswith(".tmp"):
                continue
            if not recent(path):  # a session that died long ago: tidy its mark away
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            who, what = data.get("annotator_id"), data.get("response_id")
            if type(who) is int and type(what) is int and who != self.annotator_id:
                holders.setdefault(what, set()).add(who)
        for path in self.folder.glob(f"{prefix}.annotate-*.journal"):
            if not recent(path):
                continue
            for write in Journal.pending(path):
                if write.kind == LABEL and write.annotator_id != self.annotator_id:
                    holders.setdefault(write.response_id, set()).add(write.annotator_id)
        return {response_id: len(who) for response_id, who in holders.items()}
