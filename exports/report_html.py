"""The report as one self-contained HTML file: inline CSS, inline SVG charts, no scripts, no
network. Everything from the project is HTML-escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from polyjudge.reconcile.report_model import Report

from .report_charts import condition_forests, estimator_forest
from .report_forest import forest_svg
from .report_format import plain
from .report_summary import summary_lines, summary_table
from .report_svg import BAR, BAR_CORRECTED, language_chart_rows, rate_chart
from .report_table import ReportTable
from .report_tables import all_tables, header_lines

# Nothing may load or run: no network, no scripts; only the inline style.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
       margin: 2rem auto; max-width: 1100px; color: #1d1d1d; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; font-size: 1.25rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .5rem; text-align: left;
         vertical-align: top; unicode-bidi: isolate; }
th { background: #f3f3f3; }
tr:nth-child(even) td { background: #fafafa; }
p.note { color: #555; font-size: .85rem; max-width: 70rem; }
.chart { border: 1px solid #e2e2e2; background: #fff; margin: .5rem 0; }
.chart-title { font: 600 14px system-ui, sans-serif; fill: #1d1d1d; }
.chart .label, .chart .value { font: 13px system-ui, sans-serif; fill: #1d1d1d; }
.chart .axis { font: 11px system-ui, sans-serif; fill: #666; }
.heat { text-align: right; }
.legend span { display: inline-block; width: .9rem; height: .9rem; margin: 0 .3rem 0 1rem;
               vertical-align: middle; }
dl.methods dt { font-weight: 600; margin-top: .5rem; }
"""


def _cell(text: str, shade: float | None) -> str:
    if shade is None:
        return f"<td>{escape(text)}</td>"
    # A heatmap cell: the darker, the larger the row's share (text stays readable).
    alpha = 0.08 + 0.6 * shade
    style = f"background: rgba(44, 127, 184, {alpha:.2f})"
    return f'<td class="heat" style="{style}">{escape(text)}</td>'


def _table(t: ReportTable) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.headers)
    shades = t.shades or [[None] * len(row) for row in t.rows]
    body = "".join(
        "<tr>" + "".join(_cell(c, s) for c, s in zip(row, shade, strict=True)) + "</tr>"
        for row, shade in zip(t.rows, shades, strict=True)
    )
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return (
        f"<h{t.level}>{escape(t.title)}</h{t.level}>\n<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}"
    )


def _legend(rows: Sequence[tuple[str, float | None, object, bool]]) -> str:
    """The bar chart's legend: an entry only for a kind of bar that is drawn."""
    drawn = [r for r in rows if r[1] is not None]
    entries = []
    if any(not corrected for *_, corrected in drawn):
        entries.append(f'<span style="background:{BAR}"></span>human-final (Wilson)')
    if any(corrected for *_, corrected in drawn):
        entries.append(
            f'<span style="background:{BAR_CORRECTED}"></span>judge-corrected '
            "(post-stratified by judge verdict)"
        )
    return f'<p class="legend">{"".join(entries)}</p>' if entries else ""


def render_html(report: Report, today: dt.date | None = None) -> str:
    rows = [
        (plain(name, 18), rate, ci, corrected)
        for name, rate, ci, corrected in language_chart_rows(report)
    ]
    chart = rate_chart(rows, "Unsafe rate by language (95% CI)") if rows else ""
    legend = _legend(rows)
    summary = "".join(f"<p>{escape(line)}</p>" for line in summary_lines(report, today))
    summary += _table(summary_table(report))
    forests = [*condition_forests(report)]
    estimators = estimator_forest(report)
    if estimators is not None:
        forests.append(estimators)
    plots = "\n".join(forest_svg(f) for f in forests)
    header = "".join(f"<p>{escape(line)}</p>" for line in header_lines(report))
    tables = "\n".join(_table(t) for t in all_tables(report))
    methods = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.methods.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>polyjudge report</title>
<style>{CSS}</style>
</head>
<body>
<h1>polyjudge report</h1>
{summary}
{chart}
{legend}
{plots}
<h2>Details</h2>
{header}
{tables}
<h2>Methods</h2>
<dl class="methods">{methods}</dl>
</body>
</html>
"""
