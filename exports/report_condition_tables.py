"""Each model's (or scenario's) unsafe rate per language, pooled first, and the pooled
differences between them: the forest plots' numbers as tables (terminal and Markdown show
these where HTML draws the plots)."""

from __future__ import annotations

from polyjudge.reconcile.report_model import Report

from .numbers import MISSING, fmt_difference, fmt_estimate
from .report_format import plain
from .report_table import ReportTable

POOLED = "all (pooled)"


def condition_tables(report: Report) -> list[ReportTable]:
    tables = []
    for field_name, rates in report.unsafe_rate.conditions.items():
        values = rates.values
        t = ReportTable(
            f"Unsafe rate per {field_name} and language (headline estimate, 95% CI)",
            ["language", *(plain(v) for v in values)],
            note="Each cell is the report's headline estimate for that language and "
            f"{field_name}: judge-corrected where some items carry only a judge verdict.",
        )
        rows = [(POOLED, rates.pooled), *rates.by_language.items()]
        for name, cells in rows:
            out = [POOLED if name is POOLED else plain(name)]
            for v in values:
                b = cells.get(v)
                h = b.headline_estimate() if b else None
                out.append(fmt_estimate(h.rate, h.ci95) if h else MISSING)
            t.rows.append(out)
        tables.append(t)
        if rates.differences:
            d = ReportTable(
                f"Pooled differences between {field_name}s",
                ["A", "B", "A − B [95% CI]"],
                note="Pooled headline estimates; MOVER interval (Zou & Donner 2008). Per "
                "language: the comparison table.",
            )
            for x in rates.differences:
                d.rows.append([plain(x.a), plain(x.b), fmt_difference(x.difference, x.ci95)])
            tables.append(d)
    return tables
