"""The report (`reconcile.report_model.Report`) as titled tables of plain strings: one model,
three renderers (terminal, Markdown, HTML). Cell text that came from the project (names,
languages) passes `plain`; each renderer still escapes for its own format. Numbers go through
`numbers.py`. This module has the header, the count tables and their order (`all_tables`);
the rate tables are in `report_rate_tables.py`, agreement, judges and comparisons in
`report_judge_tables.py`."""

from __future__ import annotations

from polyjudge.reconcile.report_model import Report

from .numbers import (
    fmt_count,
)
from .report_anchoring_table import anchoring_table
from .report_annotator_tables import annotator_tables
from .report_condition_tables import condition_tables
from .report_format import plain
from .report_judge_tables import agreement_tables, comparison_table, judge_tables
from .report_rate_tables import budget_table, rate_tables
from .report_reading_tables import reading_tables
from .report_table import ReportTable
from .report_trust_tables import confusion_tables, idle_run_lines, side_by_side_table


def header_lines(report: Report) -> list[str]:
    p = report.project
    run = p.estimator_run
    lines = [
        f"Project: {plain(p.path, 200)}",
        f"Labels: {', '.join(plain(x) for x in p.label_set)} · consensus rule: "
        f"{plain(p.consensus_rule)} · items: {fmt_count(p.items)} · human labels: "
        f"{fmt_count(p.human_labels)}",
    ]
    lines += [line + "." for line in idle_run_lines(report)]
    if run:
        kind = "BASELINE judge" if run.baseline else "judge"
        lines.append(
            f"Judge-corrected estimates use {kind} run {plain(run.name)} "
            f"({plain(run.model)}, id {run.id})."
        )
    return lines


def queue_table(report: Report) -> ReportTable:
    t = ReportTable(
        "Adjudication queue",
        ["language", "disagreements", "of which ties", "unsure", "judge conflicts", "items queued"],
        note="Judge conflicts keep their human label until adjudicated; baselines "
        "never route items.",
    )
    for name, b in report.queue.rows():
        t.rows.append(
            [
                plain(name),
                fmt_count(b.disagreements),
                fmt_count(b.ties),
                fmt_count(b.unsure),
                fmt_count(b.judge_conflicts),
                fmt_count(b.total),
            ]
        )
    return t


def final_table(report: Report) -> ReportTable:
    cols = [
        "adjudicated",
        "unanimous",
        "majority",
        "single",
        "judge-only",
        "queued",
        "needs_labels",
        "items",
    ]
    t = ReportTable("Final labels by language", ["language", *cols])
    for name, b in report.final.rows("language"):
        counts = (
            b.adjudicated,
            b.unanimous,
            b.majority,
            b.single,
            b.judge_only,
            b.queued,
            b.needs_labels,
            b.items,
        )
        t.rows.append([plain(name), *map(fmt_count, counts)])
    return t


def progress_table(report: Report) -> ReportTable | None:
    progress = report.progress
    annotators = progress.by_annotator
    if not annotators:
        return None
    languages = list(progress.items_by_language)
    t = ReportTable(
        "Labels per annotator", ["annotator", "labels", "unsure", *map(plain, languages)]
    )
    for name, p in annotators.items():
        t.rows.append(
            [plain(name), fmt_count(p.labels), fmt_count(p.unsure)]
            + [fmt_count(p.by_language.get(lang, 0)) for lang in languages]
        )
    items = progress.items_by_language
    t.rows.append(["(items)", "", "", *[fmt_count(items[lang]) for lang in languages]])
    return t


def all_tables(report: Report) -> list[ReportTable]:
    tables = [
        *condition_tables(report),
        side_by_side_table(report),
        *rate_tables(report),
        *agreement_tables(report),
        final_table(report),
        queue_table(report),
    ]
    progress = progress_table(report)
    if progress is not None:
        tables.append(progress)
    tables += annotator_tables(report)
    tables += reading_tables(report)
    tables += judge_tables(report)
    tables += confusion_tables(report)
    for extra in (anchoring_table(report), comparison_table(report), budget_table(report)):
        if extra is not None:
            tables.append(extra)
    return tables
