"""The dashboard's model view and its judge view, drawn from the report (the numbers of
`polyjudge report --json`): each model's headline unsafe rate per language (pooled first)
with the pooled differences, and per language the human-final, judge-raw and judge-corrected
rates side by side. Cells are `rich.text.Text`; names go through `one_line`."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from polyjudge.exports.numbers import (
    MISSING,
    fmt_bounded,
    fmt_count,
    fmt_difference,
    fmt_estimate,
    fmt_num,
)
from polyjudge.reconcile.report_base import OVERALL, distinct_label
from polyjudge.reconcile.report_model import Report
from polyjudge.safe_text import one_line

from .dashboard_tables import dashboard_table


def model_view(report: Report) -> Group | Text:
    """Per language (pooled first), each model's headline rate and 95% interval; then the
    pooled differences between models. One model: a line saying so."""
    rates = report.unsafe_rate.conditions.get("model")
    if rates is None:
        return Text("One model (or more than six): no model view.", style="dim")
    models = rates.values
    table = dashboard_table(
        "Per model — unsafe rate [95% CI] (* judge-corrected)",
        "lang",
        *(one_line(m, 24) for m in models),
    )
    pooled = distinct_label(OVERALL, rates.by_language)  # a language may be called "all"
    for i, (name, cells) in enumerate([(pooled, rates.pooled), *rates.by_language.items()]):
        row = [Text(one_line(name, 8), style="" if i else "bold")]
        for m in models:
            block = cells.get(m)
            if block is None:
                row.append(Text(MISSING, style="dim"))
                continue
            h = block.headline_estimate()
            row.append(Text(fmt_bounded(h.rate, h.ci95, h.bounds95) + ("*" if h.corrected else "")))
        table.add_row(*row)
    lines = [
        Text(f"{one_line(d.a, 24)} − {one_line(d.b, 24)} (pooled): ", style="bold").append(
            fmt_difference(d.difference, d.ci95), style=""
        )
        for d in rates.differences
    ]
    return Group(table, *lines)


def judge_view(report: Report) -> Table:
    """Per language: human-final, judge raw and judge-corrected rates side by side, with the
    estimator run's κ against the humans there."""
    run = report.project.estimator_run
    entry = report.judges.get(run.name) if run else None
    calibration = entry.calibration if entry else None
    kappas = dict(calibration.groups("language")) if calibration else {}
    title = "Human vs judge — unsafe rate [95% CI]"
    if run:
        title += f" (judge {one_line(run.name, 30)})"
    table = dashboard_table(title, "lang", "n", "human-final", "judge raw", "judge-corrected", "κ")
    for i, (name, b) in enumerate(report.unsafe_rate.rows("language")):
        # The first row is the overall one, whatever a language is called.
        cal = (calibration.overall if i == 0 else kappas.get(name)) if calibration else None
        raw, corrected = b.judge_raw, b.judge_corrected
        table.add_row(
            Text(one_line(name, 8), style="bold" if i == 0 else ""),
            Text(fmt_count(b.n)),
            Text(fmt_bounded(b.rate, b.ci95, b.bounds95)),
            Text(fmt_estimate(raw.rate, raw.ci95) if raw else MISSING),
            Text(
                fmt_bounded(corrected.rate, corrected.ci95, corrected.bounds95)
                if corrected
                else MISSING
            ),
            Text(fmt_num(cal.kappa) if cal else MISSING),
        )
    return table
