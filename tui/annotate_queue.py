"""Label writes that wait for the project's write lock, off the UI thread, and survive a kill.

A key on the annotate screen is first written at once with a short wait for the lock
(`INTERACTIVE_WAIT_MS`). When another process holds the lock (an import holds it for long
stretches), the write becomes a `Write` in a `WriteQueue`: appended to a journal file next to
the project (flushed and fsynced before the screen says "saving…"), then written by a thread of
the queue's own with its own connection as soon as the lock frees, in the order the keys were
pressed. A `Write` names its item (response id), label, annotator and times: it never depends
on what the screen shows when it is finally written. While writes wait, every new write of the
session joins the queue behind them, so that an undo queued after a label applies after it.

A session killed with writes still queued leaves them in its journal; the next session of the
same annotator replays them (`WriteQueue.replay`). Label and undo writes carry a `uid`, so a
write replayed after it reached the file is not written twice. No Textual here.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from polyjudge.store import Label, PolyjudgeError, Project, ProjectBusy, now

# How long a key waits for the write lock before its write is queued (the screen must answer
# within a quarter of a second; the rest of that budget is drawing).
INTERACTIVE_WAIT_MS = 100
# How long the queue's thread waits for the lock per attempt (it retries until stopped).
QUEUE_WAIT_MS = 500
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
    time_ms: int | None = None
    overlap: int | None = None
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
                time_ms=self.time_ms,
                uid=self.uid,
                created_at=self.created_at,
                overlap=self.overlap,
                wait_ms=wait_ms,
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


Callback = Callable[[Write, "Label | None", "PolyjudgeError | None"], None]


class WriteQueue:
    """Writes waiting for the lock, written in order by one thread with its own connection.
    `on_written(write, row, error)` is called from that thread after each write (`error`: it
    was refused, e.g. ItemFull; it is not retried)."""

    def __init__(
        self,
        db_path: Path,
        annotator_id: int,
        on_written: Callback | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.annotator_id = annotator_id
        self.on_written = on_written
        self._lock = threading.Lock()
        self._queue: queue.Queue[Write | None] = queue.Queue()
        self._waiting: Counter[int] = Counter()  # response id -> writes queued for it
        self._journal: Journal | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- state ---------------------------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """How many writes wait (durable in the journal, not yet in the project file)."""
        with self._lock:
            return sum(self._waiting.values())

    def waiting_for(self, response_id: int) -> bool:
        with self._lock:
            return self._waiting[response_id] > 0

    # -- queueing ------------------------------------------------------------------------------

    def submit(self, write: Write) -> None:
        """Journal the write (durable on return), then queue it behind the others."""
        with self._lock:
            self._open_journal().append(write)
            self._waiting[write.response_id] += 1
        self._start()
        self._queue.put(write)

    def replay(self) -> list[Write]:
        """Queue the writes a killed session of this annotator left in its journal (one that
        no running session holds), in their order; returns them. A draft whose item has a
        label write later in the same journal is dropped (the label carries its note)."""
        found: list[Write] = []
        prefix = journal_prefix(self.db_path, self.annotator_id)
        for path in sorted(self.db_path.parent.glob(prefix + "*.journal")):
            if self._journal is not None and path == self._journal.path:
                continue
            try:
                old = Journal(path)
            except OSError:  # a running session's journal
                continue
            writes = Journal.pending(path)
            labelled = {w.response_id for w in writes if w.kind == LABEL}
            for index, write in enumerate(writes):
                later = writes[index + 1 :]
                if (
                    write.kind == DRAFT
                    and write.response_id in labelled
                    and any(w.kind == LABEL and w.response_id == write.response_id for w in later)
                ):
                    continue
                self.submit(write)
                found.append(write)
            old.close(remove=True)
        return found

    def _open_journal(self) -> Journal:
        if self._journal is None:
            prefix = journal_prefix(self.db_path, self.annotator_id)
            name = f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}.journal"
            self._journal = Journal(self.db_path.parent / name)
        return self._journal

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="polyjudge-writes", daemon=True)
            self._thread.start()

    # -- the writing thread ----------------------------------------------------------------------

    def _run(self) -> None:
        with Project.open(self.db_path) as project:
            while not self._stop.is_set():
                write = self._queue.get()
                if write is None:
                    return
                row, error = None, None
                while not self._stop.is_set():
                    try:
                        row = write.apply(project, QUEUE_WAIT_MS)
                    except ProjectBusy:
                        continue
                    except PolyjudgeError as exc:  # refused (ItemFull): not retried
                        error = exc
                    break
                else:
                    return  # stopped: the write stays in the journal
                with self._lock:
                    assert self._journal is not None
                    self._journal.done(write.uid)
                    self._waiting[write.response_id] -= 1
                    if not any(self._waiting.values()):
                        self._waiting.clear()
                        self._journal.clear()
                if self.on_written is not None:
                    self.on_written(write, row, error)

    def wait_empty(self, timeout_s: float) -> bool:
        """Wait (polling) until every queued write is in the file; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self.backlog:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """Stop the thread; writes still queued stay in the journal for the next session."""
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=2 * QUEUE_WAIT_MS / 1000 + 1)
        with self._lock:
            if self._journal is not None:
                self._journal.close(remove=not any(self._waiting.values()))
                self._journal = None


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
