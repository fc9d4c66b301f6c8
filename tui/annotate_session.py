"""One annotator's labelling session: where they are in the queue, and what a key press writes.

No Textual here: the annotate screen drives this object and only draws what it says. Every
label, note and undo is written to the project the moment it happens, waiting at most
`INTERACTIVE_WAIT_MS` for the write lock; when another process holds the lock longer (an
import), it joins the session's `WriteQueue` (journalled, written off the UI thread once the
lock frees, always on the item it was made on) and the session goes on with the next item.
Until the queue has written an item's writes, what the screen shows for that item comes from
the queue (`shown_label`). A note typed before its label is a durable draft (`store/drafts.py`).
"""

from __future__ import annotations

import time
from pathlib import Path

from polyjudge.store import READING_VIEW_KEY as META_KEY
from polyjudge.store import (
    VIEW_CHOICES,
    Annotator,
    Item,
    Label,
    PolyjudgeError,
    Project,
    ProjectBusy,
    QueueFilter,
    guideline_version,
)

from .annotate_cursor import QueueCursor
from .annotate_gold import GoldMixer, feedback_line
from .annotate_journal import DRAFT, LABEL, UNDO, Write
from .annotate_marks import ScreenMarks
from .annotate_options import Options
from .annotate_queue import INTERACTIVE_WAIT_MS, WriteQueue
from .annotate_reading import ReadingCondition
from .annotate_reveal import Revealer

# What became of a write: in the project file, or queued (durable in the journal) for the lock.
SAVED, QUEUED = "saved", "saving…"
# An item whose queued undo has not been written yet: its label is not known until then.
_UNKNOWN = object()


class AnnotationSession:
    def __init__(self, project: Project, options: Options) -> None:
        self.project = project
        self.annotator: Annotator = project.annotators.ensure(options.annotator)
        # The guidelines `g` shows (`--guidelines FILE`, else the project's): every label of
        # the session records which text it was given under.
        self.guideline_version = guideline_version(
            options.guidelines if options.guidelines is not None else project.meta("guidelines")
        )
        self.sample, self.no_sample = options.sample, options.no_sample
        self.filter = self.resolve(options.filter)
        self.overlap = options.overlap
        self.item: Item | None = None
        self.my_label: Label | None = None
        self.pending_unsure = False
        self.pending_note: str | None = None
        # Notes (and unsure marks) typed on items left before their label: kept per item
        # until the annotator comes back and labels it.
        self._waiting: dict[int, tuple[str | None, bool]] = {}
        self.labelled_this_session = 0
        self._history: list[int] = []  # responses changed this session, for undo
        self._shown_at = time.monotonic()
        self.writes = WriteQueue(project.path, self.annotator.id)
        # With an overlap: the item on screen, said in a file beside the project as well, for
        # sessions that cannot write claims while an import holds the lock (`ScreenMarks`).
        self.marks = ScreenMarks(project.path, self.annotator.id) if self.overlap else None
        self.cursor = QueueCursor(project, self.annotator.id, self.overlap, self.writes, self.marks)
        # Items with writes still queued: the label they will have (`_UNKNOWN` after an undo).
        self._queued: dict[int, object] = {}
        # Gold items, mixed in silently (`annotate_gold.py`); with `--gold-feedback` the line
        # saying the expected label after one is labelled.
        rate = options.gold_rate if options.gold_rate is not None else project.gold_items.rate()
        self.gold = GoldMixer(
            project, self.annotator.id, options.filter.languages, rate, options.gold_seed
        )
        self.gold_feedback = options.gold_feedback
        self.feedback: str | None = None
        self._gold_shown = False  # the item on screen is a gold item
        # The walk key (`Queue.walk_key`) of the last queue (not gold) item shown: where
        # `advance` goes on from.
        self._queue_position = 0
        # The reading condition assigned (`--view`, else a packet's `reading_view`), or none.
        packet_view = project.meta(META_KEY)
        self.reading = ReadingCondition(
            options.view or (packet_view if packet_view in VIEW_CHOICES else None),
            self.annotator.name,
        )
        # `--reveal-judge`: the judge's verdict after the blind label (`annotate_reveal.py`).
        self.revealer = Revealer(
            project, self.annotator, project.reveals.share(options.reveal_share)
        )

    # -- where we are --------------------------------------------------------------------------

    @property
    def current_id(self) -> int | None:
        return self.item.response.id if self.item else None

    @property
    def gold_shown(self) -> bool:
        """Is the item on screen a gold item? (Never shown to the annotator.)"""
        return self._gold_shown

    def show(self, response_id: int | None) -> Item | None:
        """Make `response_id` the current item (None: nothing left to show). A note or unsure
        mark still waiting for its label stays with the item left, and comes back with it."""
        if self.item is not None and (self.pending_note is not None or self.pending_unsure):
            self._waiting[self.item.response.id] = (self.pending_note, self.pending_unsure)
        self.revealer.pending = None  # a reveal left unanswered writes nothing more
        self._gold_shown = response_id is not None and self.project.gold_items.is_gold(response_id)
        # A gold item never counts towards K: no claim on it (the claim held is given back).
        self.cursor.hold(None if self._gold_shown else response_id)
        if not self._gold_shown and response_id is not None:
            key = self.project.queue.walk_key(self.filter, response_id)
            if key is not None:
                self._queue_position = key
        if self.marks is not None:
            self.marks.mark(response_id)
        self.item = self.project.content.item(response_id) if response_id is not None else None
        self._reload_mine()
        waiting = self._waiting.pop(response_id, None) if response_id is not None else None
        self.pending_note, self.pending_unsure = waiting or (None, False)
        self._shown_at = time.monotonic()
        return self.item

    def _reload_mine(self) -> None:
        response_id = self.current_id
        self.my_label = (
            self.project.labels.current(response_id, self.annotator.id)
            if response_id is not None
            else None
        )

    def shown_label(self) -> str | None:
        """The annotator's label of the current item as the screen shows it: the queued one
        while writes for the item wait, else the one in the file."""
        response_id = self.current_id
        if response_id is not None and response_id in self._queued:
            queued = self._queued[response_id]
            return queued if isinstance(queued, str) else None
        return self.my_label.label if self.my_label else None

    def session_labels(self) -> list[str]:
        """The label each item changed this session has now (queued ones included; items
        whose label was undone away are left out): the counts the done screen shows."""
        labels = []
        for response_id in dict.fromkeys(self._history):
            queued = self._queued.get(response_id)
            if response_id in self._queued:
                label = queued if isinstance(queued, str) else None
            else:
                label = self.project.labels.current_value(self.annotator.id, response_id)
            if label is not None:
                labels.append(label)
        return labels

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self._shown_at) * 1000)

    def start(self) -> Item | None:
        """Open on the first item still to label, after queueing the writes a killed session
        of this annotator left in its journal and reading back the annotator's drafts."""
        self._waiting.update(self.project.drafts.for_annotator(self.annotator.id))
        for write in self.writes.replay():
            self._note_queued(write)
        self._reset_page()
        return self.show(self._next_open(after=0, wrap=False))

    def resolve(self, flt: QueueFilter) -> QueueFilter:
        """`flt` with the sample that drives its queue (the sample is the queue): the batch
        asked for, none with `--no-sample`, else the latest batch with items under it."""
        return self.project.queue.with_sample(flt, self.sample, free=self.no_sample)

    def set_filter(self, flt: QueueFilter, *, found: int | None = None) -> Item | None:
        """Apply a filter (with its sample, see `resolve`) and open on its first item still to
        label. `found`: that item as a search off the UI thread found it (`first_open_id`), so
        the scan is not repeated; it is checked again (another annotator may have taken it
        meanwhile)."""
        self.filter = self.resolve(flt)
        self._reset_page()
        key = self.project.queue.walk_key(self.filter, found) if found is not None else None
        if key is None:
            return self.show(self._next_open(after=0, wrap=False))
        return self.show(self._next_open(after=key - 1, wrap=True))

    @staticmethod
    def first_open_id(
        path: Path, annotator_id: int, flt: QueueFilter, overlap: int | None
    ) -> int | None:
        """The first item still to label under `flt`, read through a connection of the calling
        thread's own: a free-text filter scans the texts, which takes a while on a large
        project, so the screen runs this in a worker."""
        with Project.open(path) as project:
            ids = project.queue.open_ids(annotator_id, flt, overlap=overlap, limit=1)
        return ids[0] if ids else None

    def _reset_page(self) -> None:
        self.cursor.reset()

    def _next_open(self, after: int, *, wrap: bool) -> int | None:
        """The first item still to label after `after` (see `QueueCursor.next_open`), passing
        over items whose writes are still queued; or, at the gold rate while the queue has
        items, a gold item in its place (`GoldMixer`)."""
        found = self.cursor.next_open(self.filter, after, wrap=wrap, skip=self._queued)
        if found is None:
            return None
        gold = self.gold.pick(self._queued)
        return found if gold is None else gold

    def release(self) -> None:
        """Give back what this session holds (on quit) and stop the write queue (writes still
        queued stay in its journal, for the next session)."""
        self.writes.close()
        if self.marks is not None:
            self.marks.clear()
        if self.overlap is None:
            return
        self.cursor.release()

    def advance(self) -> Item | None:
        """Move to the next item still to label (after the current one, then from the top;
        after a gold item, after the queue item shown before it)."""
        after = self._queue_position if self.item is not None else 0
        return self.show(self._next_open(after, wrap=True))

    def step(self, direction: int) -> bool:
        """`→`/`←`: the next or previous item this annotator can see (labelled by them, or
        still open). Returns False at either end (the current item stays)."""
        start = self._queue_position if self.item is not None else None
        if self._gold_shown:  # gold items are not in the queue: step from the queue item left
            start = self._queue_position + (1 if direction < 0 else 0) or None
        target = self.project.queue.neighbour_id(
            self.annotator.id, self.filter, start, step=direction, overlap=self.overlap
        )
        if target is None:
            return False
        self.show(target)
        return True

    # -- writing -------------------------------------------------------------------------------

    def _write(self, write: Write) -> tuple[str, Label | None]:
        """Write at once when the lock frees within `INTERACTIVE_WAIT_MS` and nothing waits
        before it: (SAVED, row). Otherwise queue it behind the waiting writes: (QUEUED, None).
        ItemFull (and other refusals) of an immediate write propagate."""
        if not self.writes.backlog:
            try:
                return SAVED, write.apply(self.project, INTERACTIVE_WAIT_MS)
            except ProjectBusy:
                pass
        self.writes.submit(write)
        self._note_queued(write)
        return QUEUED, None

    def _note_queued(self, write: Write) -> None:
        if write.kind == LABEL and not write.after_reveal:
            self._queued[write.response_id] = write.label
        elif write.kind == UNDO:
            self._queued[write.response_id] = _UNKNOWN
        elif write.kind == DRAFT and write.response_id != self.current_id:
            self._waiting[write.response_id] = (write.note, write.unsure)

    def written(self, write: Write, error: PolyjudgeError | None) -> None:
        """A queued write reached the file (or was refused): once nothing waits for its item,
        the item is shown from the file again. Call on the thread that owns the session."""
        if not self.writes.waiting_for(write.response_id):
            self._queued.pop(write.response_id, None)
            if write.response_id == self.current_id:
                self._reload_mine()
        if error is not None and write.kind == LABEL and self.labelled_this_session:
            self.labelled_this_session -= 1

    def label(self, label: str, viewed: str) -> tuple[str, Label | None]:
        """Write the label for the current item (with the pending unsure flag and note), then
        move on to the next item to label. Returns (SAVED, row) or (QUEUED, None). Raises
        ItemFull, staying on the item, when `--overlap` others hold it already.
        On an item chosen for a reveal the session stays on it with the verdict pending
        (`revealer.pending`); the next label is the answer to the reveal (`answer_reveal`)."""
        assert self.item is not None
        if self.revealer.pending is not None:
            return self.answer_reveal(label, viewed)
        gold = self._gold_shown
        seen = not gold and self.revealer.seen(self.item.response.id)
        if seen and self.shown_label() is not None:
            # The judge was shown on this item: the blind label stays, this is another answer.
            return self._answer(self.item.response.id, label, viewed)
        self.feedback = None
        if gold and self.gold_feedback:
            self.feedback = feedback_line(self.project, self.item.response.id, label)
        state, row = self._write(
            Write(
                LABEL,
                self.item.response.id,
                self.annotator.id,
                label,
                unsure=self.pending_unsure,
                note=self.pending_note,
                viewed=viewed,
                view_assigned=self.reading.assigned(self.item),
                time_ms=self.elapsed_ms(),
                guideline_version=self.guideline_version,
                overlap=None if gold else self.overlap,
                judge_seen=seen,  # (a label again after its blind one was undone)
            )
        )
        self.pending_note, self.pending_unsure = None, False  # written with the label
        self._history.append(self.item.response.id)
        self.labelled_this_session += 1
        response = self.item.response
        if not seen and self.revealer.after_blind(response.id, response.uid, label, gold=gold):
            self._shown_at = time.monotonic()  # the answer's time is the time on the verdict
            return state, row
        self.advance()
        return state, row

    def answer_reveal(self, label: str, viewed: str | None) -> tuple[str, Label | None]:
        """Keep (the blind label again) or change the label once the verdict is shown: an
        `after_reveal` row either way, then the next item."""
        pending = self.revealer.pending
        assert pending is not None
        self.revealer.pending = None
        return self._answer(pending.response_id, label, viewed)

    def _answer(self, response_id: int, label: str, viewed: str | None) -> tuple[str, Label | None]:
        """Write an after-reveal row for the item, then go to the next item."""
        state, row = self._write(
            Write(
                LABEL,
                response_id,
                self.annotator.id,
                label,
                viewed=viewed,
                time_ms=self.elapsed_ms(),
                guideline_version=self.guideline_version,
                after_reveal=True,
            )
        )
        self.advance()
        return state, row

    def _save_draft(self) -> str:
        assert self.item is not None
        state, _ = self._write(
            Write(
                DRAFT,
                self.item.response.id,
                self.annotator.id,
                note=self.pending_note,
                unsure=self.pending_unsure,
            )
        )
        return state

    def toggle_unsure(self) -> bool:
        """Mark the next label as unsure (kept as a draft until it is written)."""
        self.pending_unsure = not self.pending_unsure
        if self.item is not None:
            self._save_draft()
        return self.pending_unsure

    def note(self, text: str, viewed: str) -> tuple[str, Label | None] | None:
        """Attach a note. With a current label, a new row carries the label and the note at
        once: (SAVED, row) or (QUEUED, None); otherwise the note is kept as a durable draft
        until the label: (SAVED or QUEUED, None). None: an empty note, nothing written."""
        assert self.item is not None
        text = text.strip()
        if not text:
            return None
        current = self.shown_label()
        if current is None:
            self.pending_note = text
            return self._save_draft(), None
        unsure = self.pending_unsure or bool(
            self.my_label and self.my_label.label == current and self.my_label.unsure
        )
        state, row = self._write(
            Write(
                LABEL,
                self.item.response.id,
                self.annotator.id,
                current,
                unsure=unsure,
                note=text,
                viewed=viewed,
                view_assigned=self.reading.assigned(self.item),
                judge_seen=not self._gold_shown and self.revealer.seen(self.item.response.id),
                time_ms=self.elapsed_ms(),
                guideline_version=self.guideline_version,
                overlap=None if self._gold_shown else self.overlap,
            )
        )
        self._history.append(self.item.response.id)
        if row is not None:
            self.my_label = row
        self.pending_unsure = False
        return state, row

    def undo(self) -> tuple[str, Label | None] | None:
        """Undo the latest change of this session (or the current item's label when the
        session has none) by appending a row; the undone item becomes the current one.
        Returns (SAVED, row or None when there was nothing to undo), (QUEUED, None), or None
        when there is nothing this session could undo."""
        if self._history:
            target = self._history.pop()
        elif self.shown_label() is not None:
            assert self.current_id is not None
            target = self.current_id
        else:
            return None
        overlap = None if self.project.gold_items.is_gold(target) else self.overlap
        state, row = self._write(Write(UNDO, target, self.annotator.id, overlap=overlap))
        if state == SAVED and row is not None and row.label is None and self.labelled_this_session:
            self.labelled_this_session -= 1
        self._reset_page()
        self.show(target)
        return state, row
