"""One write of the annotate screen (`Write`: complete in itself, it never depends on what the
screen shows when it is finally written) and the journal that keeps queued writes across a kill
(`Journal`: one JSON object a line, locked by its session while it is open). No Textual here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from polyjudge.store import Label, Project, now

LABEL, UNDO, DRAFT = "label", "undo", "draft"


@dataclass(slots=True)
class Write:
    """One write of the annotate screen, complete in itself."""

    kind: str  # LABEL, UNDO or DRAFT
    response_id: int
    annotator_id: int
    label: str | None = None
    unsure: bool = False
    note: str | None = None
    viewed: str | None = None
    view_assigned: str | None = None
    time_ms: int | None = None
    guideline_version: str | None = None
    overlap: int | None = None
    after_reveal: bool = False  # the answer to a reveal (`annotate_reveal.py`)
    judge_seen: bool = False  # the judge had been shown on the item
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: str = field(default_factory=now)

    def apply(self, project: Project, wait_ms: int | None) -> Label | None:
        """Write it (raises ProjectBusy when the lock stays taken for `wait_ms`, ItemFull when
        the item is full under `overlap`)."""
        if self.kind == LABEL:
            return project.labels.add(
                self.response_id,
                self.annotator_id,
                self.label,
                unsure=self.unsure,
                note=self.note,
                viewed=self.viewed,
                view_assigned=self.view_assigned,
                time_ms=self.time_ms,
                guideline_version=self.guideline_version,
                uid=self.uid,
                created_at=self.created_at,
                overlap=self.overlap,
                wait_ms=wait_ms,
                after_reveal=self.after_reveal,
                judge_seen=self.judge_seen or self.after_reveal,
            )
        if self.kind == UNDO:
            return project.labels.undo(
                self.response_id,
                self.annotator_id,
                uid=self.uid,
                overlap=self.overlap,
                wait_ms=wait_ms,
            )
        project.drafts.save(
            self.response_id, self.annotator_id, self.note, self.unsure, wait_ms=wait_ms
        )
        return None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Write:
        return cls(**{key: data[key] for key in cls.__slots__ if key in data})


def journal_prefix(db_path: Path, annotator_id: int) -> str:
    return f"{db_path.name}.annotate-{annotator_id}-"


class Journal:
    """An append-only file of queued writes (`{"write": {...}}`) and of writes done
    (`{"done": uid}`), one JSON object a line, locked by its session while it is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def append(self, write: Write) -> None:
        """Durable on return: flushed and fsynced."""
        self._file.write(json.dumps({"write": asdict(write)}, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def done(self, uid: str) -> None:
        # No fsync: a write replayed after a power cut is skipped by its uid.
        self._file.write(json.dumps({"done": uid}) + "\n")
        self._file.flush()

    def clear(self) -> None:
        self._file.truncate(0)
        self._file.flush()

    def close(self, *, remove: bool) -> None:
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._file.close()

    @staticmethod
    def pending(path: Path) -> list[Write]:
        """The writes of a journal not marked done, in order (a torn last line is skipped)."""
        writes: dict[str, Write] = {}
        with contextlib.suppress(OSError), open(path, encoding="utf-8") as file:
            for line in file:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if "write" in entry:
                    write = Write.from_json(entry["write"])
                    writes[write.uid] = write
                elif "done" in entry:
                    writes.pop(entry["done"], None)
        return list(writes.values())
