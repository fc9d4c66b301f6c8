"""The adjudicate screen's lines that are not the item itself: the header, the queue's title,
what shows when no item is selected, and the status after an undo. Untrusted names and uids
are cut to one line and kept as plain `Text`."""

from __future__ import annotations

from rich.text import Text

from polyjudge.safe_text import one_line

from .adjudicate_detail import KIND_NAMES, label_text
from .adjudicate_session import AdjudicationSession, Written

BUSY_STATUS = "NOT SAVED: the project file is busy (an import?); your text is kept, try again"


def header_text(session: AdjudicationSession, anonymous: bool) -> Text:
    out = Text()
    out.append(f"adjudicate · {one_line(session.adjudicator.name, 24)}", style="bold")
    if anonymous:
        out.append(" · anonymous", style="dim")
    if session.loaded:
        counts = session.counts()
        out.append(f" · {len(session.entries):,} queued: ")
        out.append(" · ".join(f"{KIND_NAMES[k]} {n:,}" for k, n in counts.items()))
    out.append(f" · filter: {one_line(session.filter.describe(), 40)}", style="dim")
    return out


def queue_title(session: AdjudicationSession, start: int, shown: int) -> str:
    """The queue's border title: which entries the page shows (from `start`, `shown` of them)."""
    total = len(session.entries)
    if not session.loaded:
        return "Queue"
    if total:
        return f"Queue {start + 1:,}–{start + shown:,} of {total:,}"
    return "Queue empty"


def no_item_text(loaded: bool) -> Text:
    return Text(
        "Reading the queue…"
        if not loaded
        else "Nothing to adjudicate with these filters.\n\n"
        "/ changes the filters · z undoes your last adjudication · "
        "d opens the dashboard · q quits."
    )


def undo_status(written: Written, uid: str) -> Text:
    what = "final label" if written.kind == "label" else "safe reply"
    status = Text(f"undone: {what} ")
    if written.kind == "label":
        status.append_text(label_text(written.row.label))
    status.append(f" for {one_line(uid, 30)}")
    return status
