"""The report's agreement, judge-calibration and comparison tables."""

from __future__ import annotations

from polyjudge.reconcile.report_base import Grouped
from polyjudge.reconcile.report_model import Report
from polyjudge.reconcile.report_stats import AgreementBlock, CalibrationBlock

from .numbers import (
    MISSING,
    fmt_count,
    fmt_difference,
    fmt_estimate,
    fmt_num,
    fmt_rate,
)
from .report_format import plain, run_title
from .report_table import ReportTable


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
