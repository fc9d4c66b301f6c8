"""The queue beside the item: one page of queue entries (never the whole queue as widgets).
Moving down from the last entry of a page, or up from the first, asks for the next or previous
page."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from polyjudge.reconcile.queue import QueueEntry
from polyjudge.safe_text import one_line

KIND_TAGS = {
    "disagreement": "disagree",
    "tie": "tie",
    "unsure": "unsure",
    "judge_conflict": "judge",
}


def entry_text(entry: QueueEntry, uid: str, width: int = 16) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{one_line(uid, width):<{width}} ", style="bold")
    out.append(f"{one_line(entry.language, 5):<5} ")
    out.append(" ".join(KIND_TAGS.get(k, k) for k in entry.kinds), style="magenta")
    return out


class QueueList(OptionList, inherit_bindings=False):
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    class PageTurn(Message):
        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def show_page(
        self, entries: list[QueueEntry], highlighted: int | None, uid_of: Callable[[int], str]
    ) -> None:
        uids = [uid_of(e.response_id) for e in entries]
        width = min(16, max([6, *(len(one_line(uid, 16)) for uid in uids)]))
        self.set_options(
            Option(entry_text(e, uid, width), id=f"r{e.response_id}")
            for e, uid in zip(entries, uids, strict=True)
        )
        if highlighted is not None and entries:
            self.highlighted = highlighted

    def action_cursor_down(self) -> None:
        if self.highlighted is not None and self.highlighted >= self.option_count - 1:
            self.post_message(self.PageTurn(+1))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted == 0:
            self.post_message(self.PageTurn(-1))
            return
        super().action_cursor_up()
