"""The report in the terminal with rich: the same tables as Markdown/HTML, plus text bars.
Cells are `rich.text.Text` (never markup), so names from the project print as they are."""

from __future__ import annotations

import datetime as dt

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from polyjudge.reconcile.report_model import Report
from polyjudge.safe_console import SafeConsole

from .numbers import fmt_rate
from .report_format import plain
from .report_summary import summary_lines, summary_table
from .report_svg import language_chart_rows
from .report_table import ReportTable
from .report_tables import all_tables, header_lines

BAR_WIDTH = 40


def _table(t: ReportTable, whole_estimates: bool = False) -> Table:
    """`whole_estimates`: an estimate with its interval stays on one line (other columns wrap)."""
    table = Table(
        title=Text(t.title, style="bold"),
        title_justify="left",
        caption=Text(t.note, style="dim") if t.note else None,
        caption_justify="left",
        show_lines=False,
    )
    for h in t.headers:
        whole = whole_estimates and "CI]" in h
        table.add_column(Text(h), overflow="fold", no_wrap=whole, min_width=20 if whole else None)
    for row in t.rows:
        table.add_row(*[Text(c) for c in row])
    return table


def rate_bars(report: Report) -> Group | None:
    rows = language_chart_rows(report)
    if not rows:
        return None
    lines = [Text("Unsafe rate by language (bar = estimate, ├─┤ = 95% CI)", style="bold")]
    for name, rate, interval, corrected in rows:
        line = Text(f"{plain(name, 12):>12} ")
        cells = [" "] * (BAR_WIDTH + 1)
        if rate is not None:
            filled = round(rate * BAR_WIDTH)
            for i in range(filled):
                cells[i] = "█"
            if interval:
                lo, hi = round(interval[0] * BAR_WIDTH), round(interval[1] * BAR_WIDTH)
                for i in range(lo, hi + 1):
                    if cells[i] == " ":
                        cells[i] = "─"
                cells[lo] = "├" if cells[lo] != "█" else cells[lo]
                cells[hi] = "┤"
        line.append("".join(cells), style="blue" if corrected else "red")
        label = "no estimate" if rate is None else fmt_rate(rate).rjust(6)
        line.append(f" {label}" + (" (judge-corrected)" if corrected else ""))
        lines.append(line)
    return Group(*lines)


def print_report(
    report: Report, console: Console | None = None, today: dt.date | None = None
) -> None:
    console = console or SafeConsole()
    console.print(Text("polyjudge report", style="bold underline"))
    for line in summary_lines(report, today):
        console.print(Text(line))
    console.print(_table(summary_table(report), whole_estimates=True))
    console.print()
    for line in header_lines(report):
        console.print(Text(line))
    bars = rate_bars(report)
    if bars is not None:
        console.print()
        console.print(bars)
    for t in all_tables(report):
        console.print()
        console.print(_table(t))
