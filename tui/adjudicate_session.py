"""The adjudicator's session, without widgets: the (filtered) queue, the selection, paging, the
writes and their undo.

The queue comes from `reconcile.queue.adjudication_queue` — the same rule as the report — read
in a worker; afterwards the session keeps it up to date itself: an item this session
adjudicates leaves it (an adjudicated item is never queued), an undone one comes back. `F5`
reads it again (another adjudicator may be at work on the same file).

Every write is an append (`Project.add_adjudication`): a final label carries the item's pending
safe reply forward, a safe reply carries the standing label and rationale forward, and an undo
appends a row that restores the state before the session's latest write (a NULL label when
there was none: the adjudication is withdrawn).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from polyjudge.reconcile.final import KINDS
from polyjudge.reconcile.queue import QueueEntry, adjudication_queue, entries_for
from polyjudge.store import Adjudication, Annotator, ItemDetail, PolyjudgeError, Project

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AdjudicationFilter:
    """Queue kinds (any of them) and languages; empty means all."""

    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    items: tuple[int, ...] = ()  # only these responses, queued or not (`--item`: reopen)

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise PolyjudgeError(
                f"unknown queue kind {unknown[0]!r} (choose from {', '.join(KINDS)})"
            )

    def matches(self, entry: QueueEntry) -> bool:
        if self.items:
            return entry.response_id in self.items
        if self.kinds and not set(self.kinds) & set(entry.kinds):
            return False
        return not self.languages or entry.language in self.languages

    def describe(self) -> str:
        if self.items:
            return f"{len(self.items)} chosen item(s)"
        parts = []
        if self.kinds:
            parts.append("kind " + ", ".join(k.replace("_", " ") for k in self.kinds))
        if self.languages:
            parts.append("language " + ", ".join(self.languages))
        return " · ".join(parts) or "everything"


def load_queue(project: Project, flt: AdjudicationFilter) -> list[QueueEntry]:
    """The queue under a filter, in response-id order (run it off the UI thread); with
    chosen items, those items whether queued or not."""
    if flt.items:
        return entries_for(project, flt.items)
    entries = adjudication_queue(project, kinds=flt.kinds or None)
    return [e for e in entries if flt.matches(e)]


@dataclass(frozen=True, slots=True)
class Review:
    """The selected item: its detail from the store, and its queue entry (kinds, and the human
    label a judge conflict keeps until adjudicated), from the reconcile rule."""

    detail: ItemDetail
    entry: QueueEntry

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.entry.kinds

    @property
    def final_label(self) -> str | None:
        return self.entry.final_label


@dataclass(frozen=True, slots=True)
class Written:
    """One write of this session, enough to undo it."""

    entry: QueueEntry
    row: Adjudication
    before: Adjudication | None  # the response's latest row before the write
    kind: str  # "label" | "reply"


class AdjudicationSession:
    def __init__(
        self,
        project: Project,
        adjudicator: Annotator,
        flt: AdjudicationFilter,
        *,
        strict: bool = False,
    ) -> None:
        self.project = project
        self.adjudicator = adjudicator
        self.strict = strict  # refuse deciding an item the adjudicator labelled (`--strict`)
        self.filter = flt
        self.entries: list[QueueEntry] = []
        self.index: int | None = None
        self.loaded = False
        self.history: list[Written] = []

    # -- the queue -----------------------------------------------------------------------------

    def set_entries(self, entries: Iterable[QueueEntry]) -> None:
        """A freshly read queue; the selection stays on the same response when it is there."""
        keep = self.selected.response_id if self.selected else None
        self.entries = list(entries)
        self.loaded = True
        self.index = 0 if self.entries else None
        if keep is not None:
            position, found = self._position(keep)
            if found:
                self.index = position

    def reset(self, flt: AdjudicationFilter) -> None:
        """A new filter: the queue is empty until it has been read again."""
        self.filter = flt
        self.entries = []
        self.index = None
        self.loaded = False

    @property
    def selected(self) -> QueueEntry | None:
        if self.index is None or not 0 <= self.index < len(self.entries):
            return None
        return self.entries[self.index]

    def select(self, index: int) -> bool:
        if not 0 <= index < len(self.entries) or index == self.index:
            return False
        self.index = index
        return True

    def page_start(self) -> int:
        return ((self.index or 0) // PAGE_SIZE) * PAGE_SIZE

    def page(self) -> list[QueueEntry]:
        start = self.page_start()
        return self.entries[start : start + PAGE_SIZE]

    def turn_page(self, delta: int) -> bool:
        """Select the first item of the next (or the last of the previous) page."""
        if not self.entries:
            return False
        start = self.page_start() + delta * PAGE_SIZE
        if start < 0 or start >= len(self.entries):
            return False
        self.index = start if delta > 0 else min(start + PAGE_SIZE, len(self.entries)) - 1
        return True

    def counts(self) -> dict[str, int]:
        """Queued items per kind under the current filter (an item may have several)."""
        out = {kind: 0 for kind in KINDS}
        for entry in self.entries:
            for kind in entry.kinds:
                out[kind] += 1
        return out

    def review(self) -> Review | None:
        entry = self.selected
        if entry is None:
            return None
        detail = self.project.adjudications.item_detail(entry.response_id)
        return Review(detail, entry) if detail is not None else None

    # -- writes --------------------------------------------------------------------------------

    def _latest(self, response_id: int) -> Adjudication | None:
        history = self.project.adjudications.history(response_id)
        return history[-1] if history else None

    def adjudicate(self, label: str, rationale: str | None) -> Adjudication:
        """Set the final label of the selected item; it leaves the queue and the selection
        moves to the item that followed it. On an item the adjudicator labelled themselves the
        store logs a self-adjudication, or refuses it (`SelfAdjudication`) when `strict`."""
        entry = self.selected
        if entry is None:
            raise PolyjudgeError("no item selected")
        before = self._latest(entry.response_id)
        row = self.project.adjudications.add(
            entry.response_id,
            self.adjudicator.id,
            label,
            rationale or None,
            before.safe_reply if before else None,
            strict=self.strict,
            judge_seen=True,  # this screen shows the judges' verdicts
        )
        self.history.append(Written(entry, row, before, "label"))
        self._remove(entry)
        return row

    def write_reply(self, text: str) -> Adjudication:
        """Store a safe reply for the selected item (with its standing label, if any)."""
        entry = self.selected
        if entry is None:
            raise PolyjudgeError("no item selected")
        before = self._latest(entry.response_id)
        row = self.project.adjudications.add(
            entry.response_id,
            self.adjudicator.id,
            before.label if before else None,
            before.rationale if before else None,
            text.strip() or None,
            decision=False,
            judge_seen=True,
        )
        self.history.append(Written(entry, row, before, "reply"))
        return row

    def undo(self) -> Written | None:
        """Undo this session's latest write by appending a row with the state before it."""
        if not self.history:
            return None
        written = self.history.pop()
        before = written.before
        self.project.adjudications.add(
            written.entry.response_id,
            self.adjudicator.id,
            before.label if before else None,
            before.rationale if before else None,
            before.safe_reply if before else None,
            decision=False,
            # the decision restored is carried forward as it was made
            judge_seen=before.judge_seen if before else None,
        )
        if written.kind == "label" and self.filter.matches(written.entry):
            self._insert(written.entry)
        return written

    def _position(self, response_id: int) -> tuple[int, bool]:
        """Where the response is (or would be) in the queue, which is in response-id order."""
        position = bisect.bisect_left(self.entries, response_id, key=_response_id)
        found = position < len(self.entries) and self.entries[position].response_id == response_id
        return position, found

    def _remove(self, entry: QueueEntry) -> None:
        position, found = self._position(entry.response_id)
        if not found:
            return
        del self.entries[position]
        self.index = min(position, len(self.entries) - 1) if self.entries else None

    def _insert(self, entry: QueueEntry) -> None:
        position, found = self._position(entry.response_id)
        if not found:
            self.entries.insert(position, entry)
        self.index = position


def _response_id(entry: QueueEntry) -> int:
    return entry.response_id
