"""The report's summary: what a safety lead puts in front of management first. A few lines
(project, date, what was labelled, which judge) and one table of the headline unsafe rates
with their 95% intervals, overall, per language and per model; the same in the terminal,
Markdown and HTML."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from polyjudge.reconcile.report_model import Report

from .numbers import fmt_bounded, fmt_count
from .report_format import plain
from .report_table import ReportTable

SUMMARY_TITLE = "Summary: unsafe rate (headline estimate, 95% CI)"


def summary_lines(report: Report, today: dt.date | None = None) -> list[str]:
    """Project, date, what was labelled and by whom, and the judge the estimates lean on."""
    p = report.project
    day = today or dt.datetime.now(dt.UTC).date()
    languages = report.unsafe_rate.groups("language")
    final = report.final.overall
    human_final = final.adjudicated + final.unanimous + final.majority + final.single
    lines = [
        f"Project: {plain(PurePath(p.path).name, 120)} · report of {day.isoformat()}",
        f"Labelled: {fmt_count(p.items)} responses in {fmt_count(len(languages))} "
        f"language(s); {fmt_count(p.human_labels)} human labels by "
        f"{fmt_count(len(report.progress.by_annotator))} annotator(s); "
        f"{fmt_count(human_final)} items have a human-final label, "
        f"{fmt_count(final.judge_only)} only a judge verdict, {fmt_count(final.queued)} are "
        "queued for adjudication.",
    ]
    models = report.unsafe_rate.groups("model")
    if models:
        lines.append(f"Models: {', '.join(plain(name, 60) for name, _ in models)}.")
    run = p.estimator_run
    if run:
        kind = "baseline run" if run.baseline else "judge run"
        lines.append(
            f"Judge-corrected estimates use {kind} {plain(run.name)} ({plain(run.model)})."
        )
    else:
        lines.append("No judge run: every rate is from human-final labels alone.")
    return lines


def summary_table(report: Report) -> ReportTable:
    """One row overall, one per language, one per model (when split by model): the headline
    estimate (judge-corrected where some items carry only a judge verdict) and how many
    items it covers."""
    t = ReportTable(
        SUMMARY_TITLE,
        ["group", "items", "human-final", "unsafe rate [95% CI]", "estimate"],
        note="estimate: human = human-final labels (design-weighted under a sample); "
        "corrected = judge-corrected, every item's judge verdict corrected by the "
        "human-labelled sample.",
    )
    section = report.unsafe_rate
    rows = [("all", section.overall)]
    rows += [(f"language {plain(name)}", b) for name, b in section.groups("language")]
    rows += [(f"model {plain(name)}", b) for name, b in section.groups("model")]
    missing = []
    for name, b in rows:
        h = b.headline_estimate()
        if h.rate is None:
            reason = plain(h.reason or "no human-final label", 200)
            if h.bounds95 is not None:
                reason += " (bounds: whatever the unlabelled strata hold)"
            missing.append(f"{name}: {reason}")
        t.rows.append(
            [
                name,
                fmt_count(b.items),
                fmt_count(b.n),
                fmt_bounded(h.rate, h.ci95, h.bounds95),
                "corrected" if h.corrected else "human",
            ]
        )
    if missing:  # a dash says nothing by itself: why each row has no estimate
        t.note += " No estimate (—) for " + "; ".join(missing) + "."
    return t
