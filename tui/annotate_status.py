"""The annotate screen's status line for a queued write that reached the file (or was
refused), and the uid it names, cut to fit."""

from __future__ import annotations

from polyjudge.safe_text import one_line
from polyjudge.store import PolyjudgeError

from .annotate_journal import LABEL, UNDO, Write
from .annotate_session import SAVED, AnnotationSession


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
