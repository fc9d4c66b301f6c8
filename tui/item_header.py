"""The annotate screen's header: which item, and how far along the annotator is."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from polyjudge.languages import language_name
from polyjudge.safe_text import one_line
from polyjudge.store import Item, Pace, Progress

from .reader_link import reader_hint
from .rich_text import plain


def duration(hours: float) -> str:
    minutes = round(hours * 60)
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h {minutes % 60:02d}m"
    return f"{minutes // (24 * 60)}d {(minutes // 60) % 24}h"


def progress_text(progress: Progress | None, pace: Pace | None) -> Text:
    if progress is None:
        return Text("counting…", style="dim")
    if progress.sample_items is not None:  # a sample drives the queue
        out = Text(f"sample {progress.done:,} / {progress.sample_items:,}", style="bold")
    else:
        out = Text(f"{progress.done:,} / {progress.assigned:,} done", style="bold")
    rate = pace.per_hour if pace else None
    if rate:
        out.append(f" · {rate:,.0f}/h")
        if progress.remaining:
            out.append(f" · ETA {duration(progress.remaining / rate)}")
    else:
        out.append(" · –/h", style="dim")
    return out


@dataclass(slots=True)
class HeaderState:
    item: Item | None = None
    my_label: str | None = None
    unsure_pending: bool = False
    note_pending: bool = False
    progress: Progress | None = None
    pace: Pace | None = None
    status: str = ""
    # The active filter, said on screen while it restricts the queue ("" for all items).
    filter: str = ""
    invisible_count: int = 0
    show_invisible: bool = False
    reader_on: bool = False


def header_text(state: HeaderState) -> Text:
    """Two lines: item id, language, model, category; progress and the annotator's flags."""
    line = Text(no_wrap=True, overflow="ellipsis")
    item = state.item
    if item is None:
        line.append("No item", style="bold")
    else:
        response = item.response
        line.append_text(plain(response.uid, style="bold"))
        code = plain(response.language, style="bold")
        name = language_name(response.language)
        line.append("  ")
        if name:
            line.append(f"{name} (", style="bold")
            line.append_text(code)
            line.append(")", style="bold")
        else:
            line.append_text(code)
        if response.model:
            line.append("  model ", style="dim")
            line.append_text(plain(response.model, style="bold"))
        prompt = item.prompt
        category = response.category or (prompt.category if prompt else None)
        scenario = response.scenario or (prompt.scenario if prompt else None)
        if category or scenario:
            line.append("  category ", style="dim")
            line.append_text(plain(" · ".join(x for x in (category, scenario) if x)))
    second = progress_text(state.progress, state.pace)
    second.no_wrap = True
    second.overflow = "ellipsis"
    if state.filter:
        second.append("  filter: ", style="dim")
        second.append_text(plain(one_line(state.filter, 48), style="bold cyan"))
    if item is not None:
        if state.my_label:
            second.append("  your label: ", style="dim")
            second.append_text(plain(state.my_label, style="bold reverse"))
        if state.unsure_pending:
            second.append("  [unsure]", style="bold yellow")
        if state.note_pending:
            second.append("  [note waits for a label]", style="yellow")
        if state.invisible_count:
            hidden = "shown" if state.show_invisible else "hidden, v shows"
            second.append(
                f"  {state.invisible_count} invisible chars ({hidden})", style="bold magenta"
            )
        hint = reader_hint(item, state.reader_on)
        if hint:
            second.append(f"  {hint}", style="italic")
    if state.status:
        second.append("  ")
        second.append_text(plain(state.status, style="green"))
    return Text("\n").join([line, second])


class ItemHeader(Static):
    """Shows a `HeaderState`; everything in it is plain text. Its height is fixed (two lines,
    `annotate.tcss`), so a new item or count repaints the header alone, without a layout pass
    over the whole screen."""

    def show(self, state: HeaderState) -> None:
        self.update(header_text(state), layout=False)
