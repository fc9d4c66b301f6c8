"""The report as Markdown (GitHub-flavoured tables). Every cell is escaped: text from the project
cannot start a link, an image, raw HTML or break a table."""

from __future__ import annotations

import datetime as dt
import re

from polyjudge.reconcile.report_model import Report

from .report_summary import summary_lines, summary_table
from .report_table import ReportTable
from .report_tables import all_tables, header_lines

# Inline specials: nothing of ours starts a line with project text, so line-start markers
# (#, -, +, >) need no escaping; [ ] are escaped, so no link or image can form.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _table(t: ReportTable) -> str:
    lines = [f"{'#' * t.level} {md_escape(t.title)}", ""]
    lines.append("| " + " | ".join(md_escape(h) for h in t.headers) + " |")
    lines.append("|" + "|".join(" --- " for _ in t.headers) + "|")
    for row in t.rows:
        lines.append("| " + " | ".join(md_escape(c) for c in row) + " |")
    if t.note:
        lines += ["", f"_{md_escape(t.note)}_"]
    return "\n".join(lines)


def render_markdown(report: Report, today: dt.date | None = None) -> str:
    parts = ["# polyjudge report", "", *[md_escape(x) + "  " for x in summary_lines(report, today)]]
    parts += ["", _table(summary_table(report)), "", "## Details", ""]
    parts += [md_escape(x) + "  " for x in header_lines(report)]
    for t in all_tables(report):
        parts += ["", _table(t)]
    parts += ["", "## Methods", ""]
    parts += [f"- **{md_escape(k)}**: {md_escape(v)}" for k, v in report.methods.items()]
    return "\n".join(parts) + "\n"
