"""The annotate screen's work off the UI thread: counting progress, and searching the texts for
a free-text filter's first item.

Each runs in a thread worker of the screen, on a connection of the thread's own (sqlite3
connections belong to their thread), and posts its result back as a message; a generation
number tells the latest result from a stale one.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from textual.screen import Screen
from textual.timer import Timer

from polyjudge.store import Progress, Project, QueueFilter

from .annotate_messages import FilterSearched, ProgressCounted
from .annotate_session import AnnotationSession
from .item_header import HeaderState

# Progress is recounted (off the UI thread) at most this often while labelling.
RECOUNT_EVERY_S = 5.0


class ProgressCounter:
    """Done / assigned and the pace, counted for the header."""

    def __init__(self, screen: Screen[Any], session: AnnotationSession) -> None:
        self.screen = screen
        self.session = session
        self.generation = 0
        self._last_count = 0.0
        self._recount_timer: Timer | None = None

    def count(self, *, soon: bool = False) -> None:
        """Count done / assigned in a worker; with `soon`, at most every few seconds (the
        header is adjusted locally in between, so labelling never waits for a count)."""
        if soon:
            wait = self._last_count + RECOUNT_EVERY_S - time.monotonic()
            if wait > 0:
                if self._recount_timer is None:
                    self._recount_timer = self.screen.set_timer(wait, self.count)
                return
        if self._recount_timer is not None:
            self._recount_timer.stop()
            self._recount_timer = None
        self._last_count = time.monotonic()
        self.generation += 1
        session = self.session
        self.screen.run_worker(
            partial(
                self._count, self.generation, session.annotator.id, session.filter, session.overlap
            ),
            name="_count",
            group="progress",
            exclusive=True,
            exit_on_error=False,
            thread=True,
        )

    def _count(
        self, generation: int, annotator_id: int, flt: QueueFilter, overlap: int | None
    ) -> None:
        with Project.open(self.session.project.path) as project:
            progress = project.queue.progress(annotator_id, flt, overlap=overlap)
            pace = project.queue.pace(annotator_id)
        self.screen.post_message(ProgressCounted(generation, progress, pace))

    def adjust(self, state: HeaderState, done_delta: int) -> None:
        """Count a write's change to the items done in the header at once. A count read before
        the write may still be on its way: it is dropped (the next count reads after it)."""
        progress = state.progress
        if progress is not None and done_delta:
            self.generation += 1
            state.progress = Progress(
                progress.done + done_delta, progress.assigned, progress.sample_items
            )


class FilterSearch:
    """The first item still to label under a free-text filter (a scan of the texts, which
    takes a while on a large project). While it runs, `pending` is the filter: the item on
    screen is about to change, so the keys that act on it wait."""

    def __init__(self, screen: Screen[Any], session: AnnotationSession) -> None:
        self.screen = screen
        self.session = session
        self.pending: QueueFilter | None = None
        self.generation = 0

    def start(self, flt: QueueFilter) -> None:
        self.pending = flt
        self.generation += 1
        session = self.session
        self.screen.run_worker(
            partial(self._search, self.generation, flt, session.annotator.id, session.overlap),
            name="_search",
            group="filter",
            exclusive=True,
            exit_on_error=False,
            thread=True,
        )

    def _search(
        self, generation: int, flt: QueueFilter, annotator_id: int, overlap: int | None
    ) -> None:
        try:
            found = AnnotationSession.first_open_id(
                self.session.project.path, annotator_id, flt, overlap
            )
        except Exception as exc:  # the keys must not stay blocked
            self.screen.post_message(FilterSearched(generation, flt, None, error=str(exc)))
            return
        self.screen.post_message(FilterSearched(generation, flt, found))

    def finished(self, message: FilterSearched) -> bool:
        """The search ended; False when it is a stale one (a newer filter is being searched)."""
        if message.generation != self.generation:
            return False
        self.pending = None
        return True
