"""The dashboard's tables, drawn from the report (`reconcile.report.build_report`, the same
numbers as `polyjudge report --json`). Cells are `rich.text.Text`, never markup; names and
codes from the project go through `one_line`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text

from polyjudge.exports.numbers import (
    fmt_count,
    fmt_estimate,
    fmt_interval,
    fmt_num,
    fmt_rate,
    fmt_seconds,
)
from polyjudge.reconcile.report_counts import QueueCounts
from polyjudge.reconcile.report_estimates import Headline
from polyjudge.reconcile.report_model import Report
from polyjudge.reconcile.report_stats import AgreementBlock
from polyjudge.safe_text import one_line

BAR_WIDTH = 20


def interval_bar(
    value: float | None,
    interval: Sequence[float] | None,
    width: int = BAR_WIDTH,
    style: str = "red",
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


def dashboard_table(title: str, *headers: str) -> Table:
    """A dashboard table: a bold title on the left, no box, one column per header whose cells
    never wrap (the look every table of the dashboard shares, `dashboard_models` too)."""
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


def language_table(report: Report, bar_width: int = BAR_WIDTH, compact: bool = False) -> Table:
    """Per language (and overall): the headline unsafe rate with its 95% interval and the
    estimator that produced it, beside Krippendorff's alpha with its bootstrap interval.
    `compact` (narrow terminals) marks judge-corrected rates with `*` instead of a column and
    leaves out the alpha bar and the unit count."""
    if compact:
        table = dashboard_table(
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
        table = dashboard_table(
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
    for name, items, headline, agreement in _language_rows(report):
        style = "bold" if name == "all" else ""
        rate, interval, corrected = headline.rate, headline.ci95, headline.corrected
        alpha = agreement.alpha if agreement else None
        alpha_ci = agreement.ci95 if agreement else None
        cells = [
            Text(one_line(name, 8), style=style),
            Text(fmt_count(items), style=style),
            interval_bar(rate, interval, bar_width, style="blue" if corrected else "red"),
            Text(fmt_rate(rate) + ("*" if compact and corrected else ""), style=style),
            Text(fmt_interval(interval)),
        ]
        if not compact:
            cells.append(Text("corrected" if corrected else "human", style="dim"))
            cells.append(interval_bar(alpha, alpha_ci, bar_width, style="green"))
        cells.append(
            Text(fmt_num(alpha), style=style) if alpha is not None else Text("n/a", style="dim")
        )
        cells.append(Text(fmt_interval(alpha_ci, percent=False)))
        if not compact:
            cells.append(Text(fmt_count(agreement.units if agreement else 0)))
        table.add_row(*cells)
    return table


def _language_rows(report: Report) -> list[tuple[str, int, Headline, AgreementBlock | None]]:
    """(name, items, headline estimate, agreement block): overall, then languages. The rate is
    the report's headline estimate (as in its bar charts)."""
    agreement = dict(report.agreement.groups("language"))
    rows: list[tuple[str, int, Headline, AgreementBlock | None]] = [
        (
            "all",
            report.unsafe_rate.overall.items,
            report.unsafe_rate.overall.headline_estimate(),
            report.agreement.overall,
        )
    ]
    for name, block in report.unsafe_rate.groups("language"):
        rows.append((name, block.items, block.headline_estimate(), agreement.get(name)))
    return rows


def queue_table(report: Report) -> Table:
    table = dashboard_table(
        "Adjudication queue", "lang", "disagree", "tie", "unsure", "judge", "total"
    )

    def row(name: str, block: QueueCounts, style: str = "") -> None:
        plain_disagreements = block.disagreements - block.ties
        table.add_row(
            Text(one_line(name, 8), style=style),
            *(
                Text(fmt_count(v), style=style)
                for v in (
                    plain_disagreements,
                    block.ties,
                    block.unsure,
                    block.judge_conflicts,
                    block.total,
                )
            ),
        )

    row("all", report.queue.overall, "bold")
    for name, block in report.queue.by_language.items():
        row(name, block)
    return table


def progress_table(report: Report, name_of: Callable[[str], str]) -> Table:
    annotators = report.progress.by_annotator
    items = report.progress.items_by_language
    shown = [(name, name_of(name)) for name in annotators]
    table = dashboard_table(
        "Labels per annotator", "lang", "items", *(one_line(label, 12) for _, label in shown)
    )
    for language, count in items.items():
        table.add_row(
            Text(one_line(language, 8)),
            Text(fmt_count(count)),
            *(Text(fmt_count(annotators[name].by_language.get(language, 0))) for name, _ in shown),
        )
    table.add_row(
        Text("all", style="bold"),
        Text(fmt_count(sum(items.values())), style="bold"),
        *(Text(fmt_count(annotators[name].labels), style="bold") for name, _ in shown),
    )
    return table


def annotator_table(report: Report, name_of: Callable[[str], str]) -> Table:
    """Per language and annotator: accuracy against adjudications, κ against the others,
    median time, share of fast decisions, Dawid–Skene accuracy and the flag."""
    section = report.annotators
    fast = fmt_seconds(section.fast_decision_ms) if section else ""
    table = dashboard_table(
        "Annotator quality (flag: accuracy interval below "
        f"{fmt_rate(section.threshold) if section else '—'})",
        "lang",
        "annotator",
        "labels",
        "vs adjudicated",
        "κ vs others",
        "median",
        f"<{fast}",
        "Dawid–Skene",
        "",
    )
    for language, name, e in section.rows() if section else []:
        table.add_row(
            Text(one_line(language, 8)),
            Text(one_line(name_of(name), 12)),
            Text(fmt_count(e.labels)),
            Text(fmt_estimate(e.accuracy, e.accuracy_ci95)),
            Text(fmt_num(e.kappa)),
            Text(fmt_seconds(e.median_ms)),
            Text(fmt_rate(e.fast_share)),
            Text(fmt_rate(e.ds_accuracy)),
            Text("FLAGGED", style="bold red") if e.flagged else Text(""),
        )
    return table


def final_line(report: Report) -> Text:
    final = report.final.overall
    out = Text(f"{fmt_count(final.items)} items: ", style="bold")
    kinds = (
        ("adjudicated", final.adjudicated),
        ("unanimous", final.unanimous),
        ("majority", final.majority),
        ("single", final.single),
        ("judge-only", final.judge_only),
    )
    parts = [f"{fmt_count(n)} {kind}" for kind, n in kinds if n]
    parts.append(f"{fmt_count(final.queued)} queued")
    out.append(" · ".join(parts))
    out.append(f" · {fmt_count(report.project.human_labels)} human labels", style="dim")
    return out
