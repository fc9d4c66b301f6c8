"""Where an annotation session looks for its next item: a prefetched page of open ids, each
checked again before use, and with `--overlap` the claim that holds the item on screen.

No Textual here. `AnnotationSession` owns one `QueueCursor`; the filter and the items with
writes still queued (which the cursor passes over) stay the session's and are handed in.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Container

from polyjudge.store import Project, ProjectBusy, QueueFilter

from .annotate_marks import ScreenMarks
from .annotate_queue import WriteQueue

PAGE_SIZE = 20


class QueueCursor:
    def __init__(
        self,
        project: Project,
        annotator_id: int,
        overlap: int | None,
        writes: WriteQueue,
        marks: ScreenMarks | None,
    ) -> None:
        self.project = project
        self.annotator_id = annotator_id
        self.overlap = overlap
        self.writes = writes
        self.marks = marks
        # (walk key, response id) of open items after the key `_page_start`, in walk order
        # (`Queue.walk_key`: the response id, or the item's place in its sample's order).
        self._page: deque[tuple[int, int]] = deque()
        self._page_start = 0
        self._held: int | None = None  # the item this session claims (with an overlap)
        self._mark_skipped = False  # a scan passed over items only the marks made full
        self._ignore_marks = False
        self._marked: dict[int, int] | None = None

    def reset(self) -> None:
        self._page.clear()
        self._page_start = 0

    def next_open(
        self, flt: QueueFilter, after: int, *, wrap: bool, skip: Container[int]
    ) -> int | None:
        """The response id of the first open item after the walk key `after` (`_scan`); when
        it found nothing but passed over items that only other sessions' screen
        marks made full, scan again without the marks: a hint never hides the last items."""
        self._mark_skipped = False
        self._marked = None  # read once per scan, when first needed
        found = self._scan(flt, after, wrap=wrap, skip=skip)
        if found is None and self._mark_skipped:
            self._ignore_marks = True
            try:
                found = self._scan(flt, after, wrap=wrap, skip=skip)
            finally:
                self._ignore_marks = False
        return found

    def _scan(
        self, flt: QueueFilter, after: int, *, wrap: bool, skip: Container[int]
    ) -> int | None:
        """The first open item after the walk key `after` (not in `skip`, response ids), from a
        prefetched page (read again when `after` is outside it). Each candidate is checked
        again before use, since other annotators work at the same time. With `wrap`, start
        again from the top for items skipped earlier."""
        if self._page_start > after:
            self._page.clear()
        cursor = after
        while True:
            while self._page and self._page[0][0] <= cursor:
                self._page.popleft()
            if not self._page:
                self._page.extend(
                    self.project.queue.open_items(
                        self.annotator_id,
                        flt,
                        overlap=self.overlap,
                        after=cursor,
                        limit=PAGE_SIZE,
                    )
                )
                self._page_start = cursor
                if not self._page:
                    break
            key, candidate = self._page[0]
            if candidate not in skip and self._available(candidate):
                return candidate
            cursor = key
        if wrap and after > 0:
            return self._scan(flt, 0, wrap=False, skip=skip)
        return None

    # -- claims (with an overlap) ---------------------------------------------------------------

    def _available(self, response_id: int) -> bool:
        """Is the candidate still open for this annotator? With an overlap it is taken at once
        (a claim), so that an annotator starting at the same moment is offered another one."""
        if self.overlap is None:
            return self.project.queue.is_open(self.annotator_id, response_id)
        return self.hold(response_id)

    def hold(self, response_id: int | None) -> bool:
        """Claim `response_id` if it is open for this annotator, releasing the item left.
        Claims are best effort: when the file is locked (an import), or writes already wait in
        the queue, nothing is claimed and the item is checked with a read instead, so showing
        an item never fails nor waits long. K itself is enforced when the label is written
        (`add_label(overlap=...)`, `ItemFull`)."""
        if self.overlap is None or (response_id is None and self._held is None):
            return False
        if response_id is not None and response_id == self._held:
            return True
        if self.writes.backlog:  # the lock is taken: do not wait for it on every item
            return response_id is not None and self._open_unclaimed(response_id)
        try:
            held = self.project.claims.take(
                self.annotator_id, response_id, overlap=self.overlap, release=self._held
            )
        except ProjectBusy:
            return response_id is not None and self._open_unclaimed(response_id)
        self._held = response_id if held else None
        return held

    def _open_unclaimed(self, response_id: int) -> bool:
        """Is the item open, counting towards K — besides labels and claims in the file — the
        other sessions that show it or have a label for it queued (their screen marks and
        journals: no claim can be written while the lock is taken)?"""
        assert self.overlap is not None
        others = 0
        if self.marks is not None and not self._ignore_marks:
            if self._marked is None:
                self._marked = self.marks.others()
            others = self._marked.get(response_id, 0)
        open_ = others < self.overlap and self.project.queue.is_open(
            self.annotator_id, response_id, overlap=self.overlap - others
        )
        if not open_ and others:
            self._mark_skipped = True
        return open_

    def release(self) -> None:
        """Give back the claims of this annotator (on quit; if the file is locked, they expire
        on their own)."""
        self._held = None
        with contextlib.suppress(ProjectBusy):
            self.project.claims.release(self.annotator_id)
