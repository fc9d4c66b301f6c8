"""Where the judge can be trusted: per language the human-final, judge-raw and judge-corrected
unsafe rates side by side (with the estimator run's κ there), and each judge run's confusion
matrix per language (rows: human-final label, columns: verdict; in HTML a heatmap)."""

from __future__ import annotations

from polyjudge.reconcile.report_model import Report

from .numbers import MISSING, fmt_count, fmt_estimate, fmt_num, fmt_rate
from .report_format import plain, run_title
from .report_table import ReportTable


def side_by_side_table(report: Report) -> ReportTable:
    run = report.project.estimator_run
    judge = report.judges.get(run.name) if run else None
    calibration = judge.calibration if judge else None
    kappas = dict(calibration.groups("language")) if calibration else {}
    t = ReportTable(
        "Human-final, judge-raw and judge-corrected rates side by side",
        [
            "language",
            "human-final n",
            "human-final [95% CI]",
            "judge raw [95% CI]",
            "judge-corrected [95% CI]",
            "judge κ vs humans",
        ],
        note="Where the judge's raw rate sits inside the human-final interval and κ is high, "
        "the judge can stand in for people in that language; where they part, only the "
        "judge-corrected rate (judge verdicts corrected by the human sample) is fair."
        + (f" Judge: {run_title(run.name, run.model, run.baseline)}." if run else " No judge."),
    )
    rows = report.unsafe_rate.rows("language")
    for i, (name, b) in enumerate(rows):
        raw, corrected = b.judge_raw, b.judge_corrected
        # The first row is the overall one, whatever a language is called.
        cal = (calibration.overall if i == 0 else kappas.get(name)) if calibration else None
        t.rows.append(
            [
                plain(name),
                fmt_count(b.n),
                fmt_estimate(b.rate, b.ci95),
                fmt_estimate(raw.rate, raw.ci95) if raw else MISSING,
                fmt_estimate(corrected.rate, corrected.ci95) if corrected else MISSING,
                fmt_num(cal.kappa) if cal else MISSING,
            ]
        )
    return t


def confusion_tables(report: Report) -> list[ReportTable]:
    """Per judge run with verdicts, one table: a row per language and human-final label, the
    count of each verdict and the row's share (the heatmap's shade)."""
    tables = []
    for name, run in report.judges.items():
        if run.calibration is None:
            continue
        groups = [("all", run.calibration.overall), *run.calibration.groups("language")]
        verdicts = run.calibration.overall.confusion.verdict
        t = ReportTable(
            f"Judge {run_title(name, run.model, run.baseline)}: confusion per language",
            ["language", "human-final", *(f"verdict {plain(v)}" for v in verdicts)],
            note="Rows: the human-final label; cells: items with that verdict (share of the "
            "row). The diagonal is where judge and people agree.",
            level=3,
        )
        t.shades = []
        for group, block in groups:
            conf = block.confusion
            index = {v: i for i, v in enumerate(conf.verdict)}
            for gold, row in zip(conf.gold, conf.matrix, strict=True):
                total = sum(row)
                cells, shades = [], []
                for v in verdicts:
                    count = row[index[v]] if v in index else 0
                    share = count / total if total else None
                    cells.append(f"{fmt_count(count)} ({fmt_rate(share, digits=0)})")
                    shades.append(share)
                t.rows.append([plain(group), plain(gold), *cells])
                t.shades.append([None, None, *shades])
        tables.append(t)
    return tables


def idle_run_lines(report: Report) -> list[str]:
    """A judge run with no verdicts is one line, not a table of dashes."""
    return [
        f"judge run {plain(name)} ({plain(run.model)}): no verdicts"
        for name, run in report.judges.items()
        if run.no_verdicts
    ]
