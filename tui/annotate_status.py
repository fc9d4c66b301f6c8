"""The annotate screen's status lines that take more than a phrase: after an undo, after a queued
write reached the file (or was refused), and the uid they name, cut to fit."""

from __future__ import annotations

from polyjudge.safe_text import one_line
from polyjudge.store import Label, PolyjudgeError

from .annotate_journal import LABEL, UNDO, Write
from .annotate_session import QUEUED, SAVED, AnnotationSession

HELP_INTRO = (
    "Labels are saved the moment you press their key; the next item follows. "
    "Only your own labels are ever shown."
)


def uid_of(session: AnnotationSession, response_id: int) -> str:
    item = session.item
    if item is not None and item.response.id == response_id:
        return one_line(item.response.uid, 24)
    response = session.project.content.response(response_id)
    return one_line(response.uid, 24) if response else str(response_id)


def written_status(write: Write, error: PolyjudgeError | None, uid: str) -> str:
    if error is not None:
        return f"NOT LABELLED {uid}: {one_line(str(error), 80)}"
    if write.kind == LABEL:
        return f"{SAVED} {one_line(write.label or '', 16)} for {uid}"
    if write.kind == UNDO:
        return f"undone {uid}"
    return f"note {SAVED}"


def undo_outcome(result: tuple[str, Label | None] | None) -> tuple[str, int] | None:
    """The status after an undo and the change it makes to the items done; None when there
    was nothing to undo."""
    if result is not None and result[0] == QUEUED:
        return f"undo {QUEUED}", 0
    row = result[1] if result is not None else None
    if row is None:
        return None
    if row.label:
        return f"undone: now {one_line(row.label, 16)}", 0
    return "undone", -1
