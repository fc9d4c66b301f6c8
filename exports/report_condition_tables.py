"""Each model's (or scenario's) unsafe rate per language, pooled first, and the pooled
differences between them: the forest plots' numbers as tables (terminal and Markdown show
these where HTML draws the plots).

When the project has MultiJail prompts, the per-language table takes the layout of the papers'
tables (Deng et al. 2024, "Multilingual Jailbreak Challenges in Large Language Models", Tables 1
and 2): English first, then each resource tier's languages (high, medium, low) followed by the
tier's average, then the pooled rate; a column per condition; the unsafe rate, then the invalid
rate. Every number is one of the report's own rate blocks (the tier average is
`unsafe_rate.conditions.<field>.by_tier`: design-weighted, each language weighed by its
population), never recomputed here."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from polyjudge.languages import RESOURCE_TIERS, TIER_ORDER
from polyjudge.reconcile.report_base import POOLED, distinct_label
from polyjudge.reconcile.report_condition_model import ConditionRates
from polyjudge.reconcile.report_estimates import RateBlock
from polyjudge.reconcile.report_model import Report

from .numbers import MISSING, fmt_bounded, fmt_difference, fmt_estimate
from .report_format import plain
from .report_table import ReportTable

SOURCE_LANGUAGE = "en"
PAPER_COLUMNS = ("unintentional", "intentional", "none", "safe_prompt", "xling_prompt")


def condition_tables(report: Report) -> list[ReportTable]:
    """Per field: its rates per language (the papers' layout with MultiJail prompts), then per
    model when the field is not the model and there are several models (as the papers give a
    model's scenarios side by side), then the pooled differences."""
    tables = []
    for field_name, rates in report.unsafe_rate.conditions.items():
        scopes = [("", rates)] + [
            (f" — model {plain(model)}", within) for model, within in rates.by_model.items()
        ]
        for scope, scoped in scopes:
            if scoped.by_tier:
                tables += paper_tables(field_name, scoped, scope)
            else:
                tables.append(language_table(field_name, scoped, scope))
        if rates.differences:
            d = ReportTable(
                f"Pooled differences between {field_name}s",
                ["A", "B", "A − B [95% CI]"],
                note="Pooled headline estimates; MOVER interval (Zou & Donner 2008). Per "
                "language: the comparison table.",
            )
            for x in rates.differences:
                d.rows.append([plain(x.a), plain(x.b), fmt_difference(x.difference, x.ci95)])
            tables.append(d)
    return tables


def language_table(
    field_name: str, rates: ConditionRates[RateBlock], scope: str = ""
) -> ReportTable:
    values = rates.values
    t = ReportTable(
        f"Unsafe rate per {field_name} and language (headline estimate, 95% CI){scope}",
        ["language", *(plain(v) for v in values)],
        note="Each cell is the report's headline estimate for that language and "
        f"{field_name}: judge-corrected where some items carry only a judge verdict.",
    )
    rows = [(distinct_label(POOLED, rates.by_language), rates.pooled)]
    rows += [(plain(name), cells) for name, cells in rates.by_language.items()]
    for label, cells in rows:
        t.rows.append([label, *(_unsafe(cells.get(v)) for v in values)])
    return t


def paper_tables(
    field_name: str, rates: ConditionRates[RateBlock], scope: str = ""
) -> list[ReportTable]:
    """The unsafe rate, then the invalid rate, in the paper's layout (`scope`: which items,
    appended to the titles; "" for all)."""
    unsafe = paper_table(
        f"Unsafe rate per {field_name}, language and resource tier (95% CI){scope}",
        rates,
        _unsafe,
        note="The report's headline estimate (judge-corrected where some items carry only a "
        "judge verdict). A tier's average pools its languages, each weighed by its population "
        "(as the report's by-tier rates); tiers and layout as in MultiJail (Deng et al. 2024, "
        "Tables 1 and 2).",
    )
    invalid = paper_table(
        f"Invalid rate per {field_name}, language and resource tier (95% CI){scope}",
        rates,
        _invalid,
        note="The human-final labels' design-weighted rate of invalid answers.",
    )
    return [unsafe, invalid]


def paper_table(
    title: str,
    rates: ConditionRates[RateBlock],
    cell: Callable[[RateBlock | None], str],
    note: str,
) -> ReportTable:
    """Rows: English, each tier's languages then its average (the paper's order), languages
    without a tier, the pooled rate; a column per condition (the paper's order first)."""
    values = paper_order(rates.values)
    t = ReportTable(title, ["tier", "language", *(plain(v) for v in values)], note=note)

    def row(tier: str, language: str, cells: Mapping[str, RateBlock]) -> list[str]:
        return [tier, language, *(cell(cells.get(v)) for v in values)]

    by_language = rates.by_language
    if SOURCE_LANGUAGE in by_language:
        t.rows.append(row("source", SOURCE_LANGUAGE, by_language[SOURCE_LANGUAGE]))
    for tier in TIER_ORDER:
        if tier not in rates.by_tier:
            continue
        for lang in (x for x in RESOURCE_TIERS if RESOURCE_TIERS[x] == tier):
            if lang in by_language:
                t.rows.append(row(tier, lang, by_language[lang]))
        t.rows.append(row(tier, "average", rates.by_tier[tier]))
    for lang, cells in by_language.items():
        if lang != SOURCE_LANGUAGE and lang not in RESOURCE_TIERS:
            t.rows.append(row("other", plain(lang), cells))
    t.rows.append(row("", distinct_label(POOLED, by_language), rates.pooled))
    return t


def paper_order(values: tuple[str, ...]) -> list[str]:
    """The papers' column order (unintentional before intentional, no system prompt first),
    then any other value as the report sorts it."""
    known = [v for v in PAPER_COLUMNS if v in values]
    return [*known, *(v for v in values if v not in PAPER_COLUMNS)]


def _unsafe(block: RateBlock | None) -> str:
    h = block.headline_estimate() if block else None
    return fmt_bounded(h.rate, h.ci95, h.bounds95) if h else MISSING


def _invalid(block: RateBlock | None) -> str:
    return fmt_estimate(block.invalid_rate, block.invalid_ci95) if block else MISSING
