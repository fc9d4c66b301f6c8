"""The report's back-translation tables (the `reading` block): per language and what the
annotator read, the unsafe share and agreement; then original against back-translation readers,
with one plain sentence per language saying whether they label differently, and whether the
reading conditions were assigned (an experiment) or chosen (a correlation)."""

from __future__ import annotations

from polyjudge.reconcile.report_model import Report
from polyjudge.reconcile.report_reading import Agreement, ReadingLanguage

from .numbers import fmt_count, fmt_difference, fmt_estimate, fmt_rate
from .report_format import plain
from .report_table import ReportTable

READ = {"original": "original", "back_translation": "back-translation", "both": "both"}
DESIGN = {
    "experiment": "Reading conditions were assigned (an experiment).",
    "observational": "Annotators chose what to read: a correlation, not an effect.",
}


def _agreement(a: Agreement) -> str:
    text = fmt_estimate(a.rate, a.ci95)
    return f"{text} (n={fmt_count(a.n)})" if a.rate is not None else text


def finding_sentence(language: str, block: ReadingLanguage, positive: str) -> str:
    """One plain sentence: do back-translation readers label differently in `language`?"""
    lang, what = plain(language), plain(positive, 24)
    original, back = block.conditions["original"], block.conditions["back_translation"]
    design = DESIGN.get(block.design, "")
    if block.finding == "no_data":
        return (
            f"In {lang}, no comparison: {fmt_count(original.labels)} label(s) read the "
            f"original only and {fmt_count(back.labels)} the back-translation only. {design}"
        )
    rates = f"{fmt_rate(back.unsafe_rate)} vs {fmt_rate(original.unsafe_rate)}"
    diff = fmt_difference(block.difference, block.difference_ci95)
    if block.finding == "different":
        return (
            f"In {lang}, back-translation readers labelled {what} {rates} for original readers "
            f"({diff}): they label differently. {design}"
        )
    n = fmt_count(back.labels + original.labels)
    return (
        f"In {lang}, no difference detected between back-translation and original readers "
        f"({what} {rates}, {diff}; n={n} labels). {design}"
    )


def reading_tables(report: Report) -> list[ReportTable]:
    section = report.reading
    if section is None or not section.by_language:
        return []
    positive = plain(section.positive, 24)
    by_condition = ReportTable(
        "Labels by what the annotator read",
        [
            "language",
            "read",
            "design",
            "labels (assigned)",
            f"{positive} [95% CI]",
            "agrees with final [95% CI]",
            "agrees with judge [95% CI]",
        ],
        note="Experiment: only labels read under an assigned condition (annotate --view) count; "
        "observational: the annotators chose. Final: the item's adjudication, else the label "
        "all other annotators agree on (never the label itself). Judge: the estimator run.",
    )
    comparison = ReportTable(
        "Original vs back-translation readers",
        [
            "language",
            "shared items",
            "agreement [95% CI]",
            "κ [95% CI]",
            f"{positive}: back-translation − original",
            "in plain words",
        ],
        note="Shared items: labelled by at least one reader of each; κ is the posterior median. "
        "The difference is over all their labels (Newcombe hybrid score interval).",
    )
    for language, block in section.by_language.items():
        left_out = []
        if block.left_out_chosen:
            left_out.append(f"{fmt_count(block.left_out_chosen)} chosen left out")
        if block.left_out_fallback:
            left_out.append(f"{fmt_count(block.left_out_fallback)} without back-translation")
        design = block.design + (f" ({', '.join(left_out)})" if left_out else "")
        for condition, c in block.conditions.items():
            if not c.labels:
                continue
            by_condition.rows.append(
                [
                    plain(language),
                    READ.get(condition, plain(condition)),
                    design,
                    f"{fmt_count(c.labels)} ({fmt_count(c.assigned)})",
                    fmt_estimate(c.unsafe_rate, c.unsafe_rate_ci95),
                    _agreement(c.final),
                    _agreement(c.judge),
                ]
            )
        comparison.rows.append(
            [
                plain(language),
                fmt_count(block.shared_items),
                fmt_estimate(block.agreement.rate, block.agreement.ci95),
                fmt_estimate(block.kappa, block.kappa_ci95, percent=False),
                fmt_difference(block.difference, block.difference_ci95),
                finding_sentence(language, block, section.positive),
            ]
        )
    return [by_condition, comparison]
