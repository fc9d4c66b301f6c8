"""The report (`reconcile.report_model.Report`) as titled tables of plain strings: one model,
three renderers (terminal, Markdown, HTML). Cell text that came from the project (names,
languages) passes `plain`; each renderer still escapes for its own format. Numbers go through
`numbers.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from polyjudge.reconcile.report_base import Grouped
from polyjudge.reconcile.report_estimates import DesignRow
from polyjudge.reconcile.report_model import Report
from polyjudge.reconcile.report_stats import AgreementBlock, CalibrationBlock

from .numbers import (
    MISSING,
    fmt_count,
    fmt_difference,
    fmt_estimate,
    fmt_num,
    fmt_points,
    fmt_rate,
)
from .report_format import ESTIMATOR_NAMES, plain, run_title


@dataclass
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    level: int = 2


def header_lines(report: Report) -> list[str]:
    p = report.project
    run = p.estimator_run
    lines = [
        f"Project: {plain(p.path, 200)}",
        f"Labels: {', '.join(plain(x) for x in p.label_set)} · consensus rule: "
        f"{plain(p.consensus_rule)} · items: {fmt_count(p.items)} · human labels: "
        f"{fmt_count(p.human_labels)}",
    ]
    idle = [
        f"{plain(name)} ({plain(r.model)})" for name, r in report.judges.items() if r.no_verdicts
    ]
    if idle:
        lines.append(
            f"Judge run{'s' if len(idle) > 1 else ''} with no verdicts (left out of "
            f"the judge tables): {', '.join(idle)}."
        )
    if run:
        kind = "BASELINE judge" if run.baseline else "judge"
        lines.append(
            f"Judge-corrected estimates use {kind} run {plain(run.name)} "
            f"({plain(run.model)}, id {run.id})."
        )
    return lines


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
                    corrected_text = (
                        f"{MISSING} (" + plain("; ".join(corrected.reasons.values()), 300) + ")"
                    )
            t.rows.append(
                [
                    plain(name),
                    fmt_count(b.n),
                    fmt_count(b.unsafe),
                    fmt_estimate(b.rate, b.ci95)
                    if b.rate is not None
                    else f"{MISSING} (" + plain(b.reasons.get("rate", ""), 300) + ")",
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


def agreement_tables(report: Report) -> list[ReportTable]:
    section = report.agreement
    tables = []
    for field_name in section.fields:
        t = ReportTable(
            f"Agreement by {field_name}",
            [
                field_name,
                "Krippendorff's α [95% CI]",
                "units",
                "pairable values",
                "observed agreement",
                "unsafe-specific agreement",
                "Fleiss' κ",
            ],
        )
        rows: list[tuple[str, AgreementBlock]] = section.rows(field_name)
        for name, b in rows:
            alpha = fmt_estimate(b.alpha, b.ci95, percent=False)
            fleiss = fmt_num(b.fleiss_kappa)
            if b.alpha is None:
                alpha = f"{MISSING} ({b.reasons.get('alpha', '')})"
            elif b.caveat:  # a handful of items: shown, never without the warning
                alpha += f" ({b.units} items: unstable)"
                fleiss += " (unstable)" if b.fleiss_kappa is not None else ""
            t.rows.append(
                [
                    plain(name),
                    alpha,
                    fmt_count(b.units),
                    fmt_count(b.pairable_values),
                    fmt_rate(b.observed_agreement),
                    fmt_rate(b.positive_agreement),
                    fleiss,
                ]
            )
        if any(b.caveat for _, b in rows):
            t.note = (
                "unstable: fewer than 10 items with two or more labels; alpha and Fleiss' "
                "κ of so few items can swing widely, and no interval is given."
            )
        tables.append(t)
    if section.pairwise:
        t = ReportTable(
            "Cohen's κ per annotator pair",
            ["annotators", "shared items", "κ", "observed agreement"],
        )
        for p in section.pairwise:
            kappa = fmt_num(p.kappa) if p.kappa is not None else f"{MISSING} ({p.reason})"
            t.rows.append(
                [
                    " × ".join(plain(a) for a in p.annotators),
                    fmt_count(p.shared_items),
                    kappa,
                    fmt_rate(p.observed_agreement),
                ]
            )
        tables.append(t)
    return tables


def _kappa_cell(b: CalibrationBlock) -> str:
    """Posterior median [95% interval], then the sample κ̂ labelled as such."""
    if b.kappa_median is None:
        return fmt_num(b.kappa)
    text = fmt_estimate(b.kappa_median, b.kappa_ci95, percent=False)
    return f"{text}; sample κ̂ {fmt_num(b.kappa)}"


def judge_tables(report: Report) -> list[ReportTable]:
    tables = []
    for name, run in report.judges.items():
        if run.calibration is None:
            continue  # no verdicts: said once in the header (`header_lines`)
        calibration: Grouped[CalibrationBlock] = run.calibration
        for field_name in ["overall", *calibration.fields]:
            if field_name != "overall" and field_name != "language":
                continue
            t = ReportTable(
                f"Judge {run_title(name, run.model, run.baseline)}"
                + (" by language" if field_name != "overall" else ""),
                [
                    "group",
                    "gold items",
                    "κ median [95% CI]",
                    "sensitivity [95% CI]",
                    "specificity [95% CI]",
                    "unparsed [95% CI]",
                ],
                level=3,
            )
            rows = (
                [("all", calibration.overall)]
                if field_name == "overall"
                else calibration.groups(field_name)
            )
            for group, b in rows:
                t.rows.append(
                    [
                        plain(group),
                        fmt_count(b.n_gold),
                        _kappa_cell(b),
                        fmt_estimate(b.sensitivity, b.sensitivity_ci95),
                        fmt_estimate(b.specificity, b.specificity_ci95),
                        fmt_estimate(b.share_unparsed, b.share_unparsed_ci95),
                    ]
                )
            if field_name == "overall":
                conf = calibration.overall.confusion
                t.note = "confusion (rows gold, columns verdict): " + "; ".join(
                    f"{plain(g)}: "
                    + ", ".join(f"{plain(v)} {c}" for v, c in zip(conf.verdict, row, strict=True))
                    for g, row in zip(conf.gold, conf.matrix, strict=True)
                )
                if run.baseline:
                    t.note = "BASELINE (phrase matching, not an LLM judge). " + t.note
                if run.warning:
                    t.note = "WARNING: " + run.warning + ". " + t.note
            else:
                empty = run.no_verdicts_in.get(field_name)
                if empty:
                    t.note = "No verdicts (left out): " + ", ".join(plain(x) for x in empty) + "."
            tables.append(t)
    return tables


def comparison_table(report: Report) -> ReportTable | None:
    if not report.comparisons:
        return None
    t = ReportTable(
        "Comparing conditions",
        [
            "field",
            "language",
            "A",
            "B",
            "rate A",
            "rate B",
            "A − B [95% CI]",
            "paired A − B [95% CI]",
        ],
        note="A − B: Newcombe (1998) hybrid score interval, conditions treated as independent "
        "(conservative when they answer the same prompts). Paired: only the prompts answered "
        "once under each condition, Newcombe (1998) paired score interval. Rows marked * compare "
        "the conditions' headline estimates (design-weighted or judge-corrected) with the MOVER "
        "interval (Zou & Donner 2008); their pairs are not shown (unweighted).",
    )
    for c in report.comparisons:
        diff = fmt_difference(c.difference, c.ci95)
        if c.method == "mover_design":
            diff += " *"
        paired = c.paired
        paired_diff = (
            f"{fmt_difference(paired.difference, paired.ci95)} ({paired.n_pairs} prompts)"
            if paired
            else "–"
        )
        t.rows.append(
            [
                plain(c.field),
                plain(c.language),
                plain(c.a),
                plain(c.b),
                f"{fmt_rate(c.rate_a)} (n={c.n_a})" if c.rate_a is not None else MISSING,
                f"{fmt_rate(c.rate_b)} (n={c.n_b})" if c.rate_b is not None else MISSING,
                diff,
                paired_diff,
            ]
        )
    return t


def budget_table(report: Report) -> ReportTable | None:
    b = report.budget
    if not b:
        return None
    t = ReportTable(
        f"Human-final items needed for a 95% CI width ≤ {fmt_points(b.target_width)}",
        ["language", "now", "current width", "planning rate", "needed", "more", "available"],
        note="Planned for the headline rate (judge-corrected where a judge run is there), its "
        "interval's variance at planning rates from the current labels; the more labels go to "
        "the judge-verdict strata by Neyman allocation, as `sample --stratify-by-judge "
        "--target-width W` draws them (budget.by_cell in the JSON).",
    )
    for name, x in b.by_language.items():
        more = fmt_count(x.more_labels) + ("" if x.reachable else " (more than left)")
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
        *rate_tables(report),
        *agreement_tables(report),
        final_table(report),
        queue_table(report),
    ]
    progress = progress_table(report)
    if progress is not None:
        tables.append(progress)
    tables += judge_tables(report)
    for extra in (comparison_table(report), budget_table(report)):
        if extra is not None:
            tables.append(extra)
    return tables
