"""The report's unsafe-rate tables: rates per group with the sampling-design note, and the
labelling budget."""

from __future__ import annotations

from collections.abc import Mapping

from polyjudge.reconcile.report_estimates import DesignRow
from polyjudge.reconcile.report_model import Report

from .numbers import (
    MISSING,
    fmt_bounded,
    fmt_count,
    fmt_estimate,
    fmt_points,
    fmt_rate,
)
from .report_format import ESTIMATOR_NAMES, plain
from .report_table import ReportTable


def design_note(design: Mapping[str, DesignRow]) -> str:
    """What the estimates assume of how the human-labelled items were chosen."""
    unsampled = [plain(k) for k, v in design.items() if v.sample == "none" and v.used]
    outside = sum(v.outside_design for v in design.values())
    weighted = [plain(k) for k, v in design.items() if v.sample == "weighted"]
    parts = []
    if weighted:
        parts.append(
            f"Sampled with unequal probabilities in {', '.join(weighted)}: every "
            "rate weighs each sampled item by 1/π. "
        )
    if unsampled:
        parts.append(
            f"No sample in {', '.join(unsampled)}: the labelled items there are "
            "taken as a random sample (polyjudge sample makes them one). "
        )
    if outside:
        parts.append(
            f"{fmt_count(outside)} human-final item(s) were labelled outside the sample: "
            "shown, but in no estimate. "
        )
    return "".join(parts)


def _undefined(reason: str, bounds: tuple[float, float] | None) -> str:
    """A rate the report could not estimate: why, and what it can still be where some of its
    strata have labels (worst-case bounds, `poststratified._worst_case_bounds`)."""
    text = fmt_bounded(None, None, bounds) + " (" + plain(reason, 300) + ")"
    if bounds is not None:
        text += ": whatever the unlabelled strata hold"
    return text


def rate_tables(report: Report) -> list[ReportTable]:
    section = report.unsafe_rate
    tables = []
    for field_name in section.fields:
        t = ReportTable(
            f"Unsafe rate by {field_name}",
            [
                field_name,
                "human-final n",
                "unsafe",
                "rate [95% CI]",
                "invalid",
                "pending",
                "judge-only",
                "judge-corrected [95% CI]",
                "judge raw [95% CI]",
                "headline",
            ],
        )
        for name, b in section.rows(field_name):
            corrected, raw = b.judge_corrected, b.judge_raw
            corrected_text = MISSING
            if corrected:
                corrected_text = fmt_estimate(corrected.rate, corrected.ci95)
                if corrected.rate is None:
                    corrected_text = _undefined(
                        "; ".join(corrected.reasons.values()), corrected.bounds95
                    )
            t.rows.append(
                [
                    plain(name),
                    fmt_count(b.n),
                    fmt_count(b.unsafe),
                    fmt_estimate(b.rate, b.ci95)
                    if b.rate is not None
                    else _undefined(b.reasons.get("rate", ""), b.bounds95),
                    f"{fmt_count(b.invalid)} ({fmt_rate(b.invalid_rate)})",
                    fmt_count(b.pending),
                    fmt_count(b.judge_only),
                    corrected_text,
                    fmt_estimate(raw.rate, raw.ci95) if raw else MISSING,
                    "corrected" if b.is_corrected else "human",
                ]
            )
        look = section.sequential
        sequential = (
            f"--sequential look {look.look}: the rate intervals here are at level "
            f"{fmt_rate(look.level, digits=3)} so that those of every look hold at once with 95% "
            "(alpha spending). "
            if look
            else ""
        )
        t.note = (
            sequential
            + design_note(section.design)
            + (
                "rate: " + ESTIMATOR_NAMES["human_final_wilson"] + " with one language and equal "
                "weights, else " + ESTIMATOR_NAMES["human_design_weighted"] + " (unsafe / all "
                "human-final items of the design; invalid counted in the denominator and shown "
                "beside). judge-corrected: "
                + ESTIMATOR_NAMES["judge_corrected_stratified"]
                + ". judge raw: "
                + ESTIMATOR_NAMES["judge_raw_wilson"]
                + "."
            )
        )
        tables.append(t)
    return tables


def budget_table(report: Report) -> ReportTable | None:
    b = report.budget
    if not b:
        return None
    t = ReportTable(
        f"Human-final items needed for a 95% CI width ≤ {fmt_points(b.target_width)}",
        ["language", "now", "current width", "planning rate", "needed", "more", "available"],
        note="Planned for the headline rate (judge-corrected where a judge run is there), its "
        "interval's variance at planning rates from the current labels"
        + (
            " and, inside each judge-verdict stratum, the residual variance left by the judge "
            "run's p(unsafe)"
            if b.planned_variance == "p_unsafe_residual"
            else ""
        )
        + "; the more labels go to the judge-verdict strata by Neyman allocation, as `sample "
        "--stratify-by-judge --target-width W` draws them (budget.by_cell in the JSON). "
        "Drawn: sampled items not labelled yet, which give that many of them (`sample "
        "--target-width` draws only the rest).",
    )
    for name, x in b.by_language.items():
        more = fmt_count(x.more_labels) + ("" if x.reachable else " (more than left)")
        if x.drawn_unlabelled:
            more += f" ({fmt_count(min(x.drawn_unlabelled, x.more_labels))} drawn)"
        t.rows.append(
            [
                plain(name),
                fmt_count(x.n),
                fmt_rate(x.current_width),
                fmt_rate(x.planning_rate),
                fmt_count(x.labels_needed),
                more,
                fmt_count(x.available),
            ]
        )
    return t
