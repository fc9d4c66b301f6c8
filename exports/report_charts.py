"""Which forest plots the HTML report draws, built from the report model: each model's (or
scenario's) rate per language, the differences between them, and per language the
human-final, judge-raw and judge-corrected rates side by side."""

from __future__ import annotations

from polyjudge.reconcile.report_base import POOLED, Interval, distinct_label
from polyjudge.reconcile.report_model import Report

from .report_forest import Forest

HUMAN, RAW, CORRECTED = "human-final", "judge raw", "judge-corrected"

Point = tuple[float | None, Interval | None]


def condition_forests(report: Report) -> list[Forest]:
    """Per field (model, scenario): a plot of each value's headline rate per language, and one
    of the differences A − B (per language: the report's comparisons; pooled: MOVER)."""
    out = []
    for field_name, rates in report.unsafe_rate.conditions.items():
        pooled = distinct_label(POOLED, rates.by_language)
        rows = [pooled, *rates.by_language]
        points: dict[tuple[str, str], Point] = {}
        for row, cells in [(pooled, rates.pooled), *rates.by_language.items()]:
            for value, block in cells.items():
                h = block.headline_estimate()
                points[(row, value)] = (h.rate, h.ci95)
        out.append(
            Forest(
                f"forest-{field_name}",
                f"Unsafe rate per {field_name} and language (95% CI)",
                rows,
                list(rates.values),
                points,
            )
        )
        pairs = [f"{d.a} − {d.b}" for d in rates.differences]
        diff_points: dict[tuple[str, str], Point] = {
            (pooled, f"{d.a} − {d.b}"): (d.difference, d.ci95) for d in rates.differences
        }
        for c in report.comparisons:
            if c.field == field_name and c.language in rates.by_language:
                diff_points[(c.language, f"{c.a} − {c.b}")] = (c.difference, c.ci95)
        out.append(
            Forest(
                f"forest-{field_name}-differences",
                f"Difference in unsafe rate between {field_name}s (A − B, 95% CI)",
                rows,
                pairs,
                diff_points,
                difference=True,
            )
        )
    return out


def estimator_forest(report: Report) -> Forest | None:
    """Per language: human-final, judge raw and judge-corrected side by side (None: no
    language)."""
    groups = report.unsafe_rate.groups("language")
    if not groups:
        return None
    language_rows = report.unsafe_rate.rows("language")
    rows = [name for name, _ in language_rows]
    points: dict[tuple[str, str], Point] = {}
    for name, b in language_rows:
        points[(name, HUMAN)] = (b.rate, b.ci95)
        if b.judge_raw:
            points[(name, RAW)] = (b.judge_raw.rate, b.judge_raw.ci95)
        if b.judge_corrected:
            points[(name, CORRECTED)] = (b.judge_corrected.rate, b.judge_corrected.ci95)
    series = [s for s in (HUMAN, RAW, CORRECTED) if any(k[1] == s for k in points)]
    names = ", ".join(series[:-1]) + (" and " if len(series) > 1 else "") + series[-1]
    return Forest(
        "forest-estimators",
        f"{names[0].upper()}{names[1:]} unsafe rate per language (95% CI)",
        rows,
        series,
        points,
    )
