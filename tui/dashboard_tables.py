"""The dashboard's tables, drawn from the report dict (`reconcile.report.build_report`, the
same numbers as `polyjudge report --json`). Cells are `rich.text.Text`, never markup; names and
codes from the project go through `one_line`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table
from rich.text import Text

from polyjudge.exports.report_format import ci, num, pct
from polyjudge.exports.report_svg import language_chart_rows
from polyjudge.safe_text import one_line

BAR_WIDTH = 20


def interval_bar(
    value: float | None, interval: list[float] | None, width: int = BAR_WIDTH, style: str = "red"
) -> Text:
    """`████──┤  ` on a 0..1 scale: the bar is the estimate, ├─┤ its 95% interval. Values
    below 0 (an alpha can be negative) are drawn at 0 with a `◂` mark."""
    cells = ["·"] * width
    if value is None:
        return Text("·" * width, style="dim")
    clamp = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    filled = round(clamp(value) * width)
    for i in range(filled):
        cells[i] = "█"
    if interval:
        lo = min(width - 1, int(clamp(interval[0]) * width))
        hi = min(width - 1, max(lo, round(clamp(interval[1]) * width) - 1))
        for i in range(lo, hi + 1):
            if cells[i] != "█":
                cells[i] = "─"
        if cells[lo] != "█":
            cells[lo] = "├"
        if cells[hi] != "█":
            cells[hi] = "┤"
    if value < 0:
        cells[0] = "◂"
    out = Text()
    for cell in cells:
        out.append(cell, style="dim" if cell == "·" else style)
    return out


def _table(title: str, *headers: str) -> Table:
    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=None,
        padding=(0, 1),
        show_edge=False,
        header_style="bold",
    )
    for header in headers:
        table.add_column(Text(header), no_wrap=True)
    return table


def language_table(
    report: dict[str, Any], bar_width: int = BAR_WIDTH, compact: bool = False
) -> Table:
    """Per language (and overall): the headline unsafe rate with its 95% interval and the
    estimator that produced it, beside Krippendorff's alpha with its bootstrap interval.
    `compact` (narrow terminals) marks judge-corrected rates with `*` instead of a column and
    leaves out the alpha bar and the unit count."""
    if compact:
        table = _table(
            "Per language — unsafe rate (* judge-corrected) and α",
            "lang",
            "items",
            "unsafe rate",
            "",
            "95% CI",
            "α",
            "95% CI",
        )
    else:
        table = _table(
            "Per language — unsafe rate (bar: estimate, ├─┤ 95% CI) and agreement "
            "(Krippendorff's α)",
            "lang",
            "items",
            "unsafe rate",
            "",
            "95% CI",
            "by",
            "agreement",
            "α",
            "95% CI",
            "units",
        )
    for name, items, (rate, interval, corrected), alpha_block in _language_rows(report):
        style = "bold" if name == "all" else ""
        alpha = alpha_block.get("alpha")
        cells = [
            Text(one_line(name, 8), style=style),
            Text(f"{items:,}" if isinstance(items, int) else "—", style=style),
            interval_bar(rate, interval, bar_width, style="blue" if corrected else "red"),
            Text(pct(rate) + ("*" if compact and corrected else ""), style=style),
            Text(ci(interval)),
        ]
        if not compact:
            cells.append(Text("corrected" if corrected else "human", style="dim"))
            cells.append(interval_bar(alpha, alpha_block.get("ci95"), bar_width, style="green"))
        cells.append(
            Text(num(alpha), style=style) if alpha is not None else Text("n/a", style="dim")
        )
        cells.append(Text(ci(alpha_block.get("ci95"), percent=False)))
        if not compact:
            cells.append(Text(f"{alpha_block.get('units', 0):,}"))
        table.add_row(*cells)
    return table


def _language_rows(report: dict[str, Any]) -> list[tuple[str, Any, tuple, dict[str, Any]]]:
    """(name, items, (rate, ci95, judge-corrected?), agreement block): overall, then languages.
    The rate is the report's headline estimate (as in its bar charts)."""
    rates = report["unsafe_rate"]
    agreement = report["agreement"]
    overall = rates["overall"]
    corrected = overall.get("headline") == "judge_corrected_stratified"
    source = overall["judge_corrected"] if corrected else overall
    rows = [
        (
            "all",
            overall.get("items"),
            (source.get("rate"), source.get("ci95"), corrected),
            agreement["overall"],
        )
    ]
    chart = {
        name: (rate, interval, corrected)
        for name, rate, interval, corrected in language_chart_rows(report)
    }
    for name, block in rates.get("by_language", {}).items():
        rows.append(
            (
                name,
                block.get("items"),
                chart.get(name, (None, None, False)),
                agreement.get("by_language", {}).get(name, {}),
            )
        )
    return rows


def queue_table(report: dict[str, Any]) -> Table:
    table = _table("Adjudication queue", "lang", "disagree", "tie", "unsure", "judge", "total")

    def row(name: str, block: dict[str, int], style: str = "") -> None:
        plain_disagreements = block["disagreements"] - block["ties"]
        table.add_row(
            Text(one_line(name, 8), style=style),
            *(
                Text(f"{v:,}", style=style)
                for v in (
                    plain_disagreements,
                    block["ties"],
                    block["unsure"],
                    block["judge_conflicts"],
                    block["total"],
                )
            ),
        )

    queue = report["queue"]
    row("all", queue, "bold")
    for name, block in queue.get("by_language", {}).items():
        row(name, block)
    return table


def progress_table(report: dict[str, Any], name_of: Callable[[str], str]) -> Table:
    progress = report.get("progress") or {}
    annotators = progress.get("by_annotator", {})
    items = progress.get("items_by_language", {})
    shown = [(name, name_of(name)) for name in annotators]
    table = _table(
        "Labels per annotator", "lang", "items", *(one_line(label, 12) for _, label in shown)
    )
    for language, count in items.items():
        table.add_row(
            Text(one_line(language, 8)),
            Text(f"{count:,}"),
            *(Text(f"{annotators[name]['by_language'].get(language, 0):,}") for name, _ in shown),
        )
    table.add_row(
        Text("all", style="bold"),
        Text(f"{sum(items.values()):,}", style="bold"),
        *(Text(f"{annotators[name]['labels']:,}", style="bold") for name, _ in shown),
    )
    return table


def final_line(report: dict[str, Any]) -> Text:
    final = report["final"]["overall"]
    out = Text(f"{final['items']:,} items: ", style="bold")
    parts = [
        f"{final[k]:,} {k}"
        for k in ("adjudicated", "unanimous", "majority", "single", "judge-only")
        if final.get(k)
    ]
    parts.append(f"{final.get('queued', 0):,} queued")
    out.append(" · ".join(parts))
    out.append(f" · {report['project']['human_labels']:,} human labels", style="dim")
    return out
