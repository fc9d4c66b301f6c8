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
write replayed after it reached the file is not written twice. The write and its journal are in
`annotate_journal.py`; the screen marks that stand in for claims in `annotate_marks.py`. No
Textual here.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from polyjudge.store import Label, PolyjudgeError, Project, ProjectBusy

from .annotate_journal import DRAFT, LABEL, Journal, Write, journal_prefix

# How long a key waits for the write lock before its write is queued (the screen must answer
# within a quarter of a second; the rest of that budget is drawing).
INTERACTIVE_WAIT_MS = 100
# How long the queue's thread waits for the lock per attempt (it retries until stopped).
QUEUE_WAIT_MS = 500

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
