"""The dataset card: a Hugging Face `README.md` written beside a gold export.

Its statistics (unsafe rates, agreement, queue sizes) are copied from the same report dict that
`polyjudge report --json` prints, never recomputed here; its counts per language and label are
those of the rows actually written. A card we wrote starts with `CARD_MARKER`, so a later export
may replace it without `--force`; any other README.md is never overwritten silently.

The header is built in `card_header.py`, the descriptive sections in `card_sections.py`, from
the counts of `export_summary.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .card_header import Config, yaml_header
from .card_sections import csv_section, fields_section, how_made, md_cell, provenance
from .export_summary import NO_FINAL, ExportSummary

CARD_MARKER = "<!-- polyjudge dataset card: written by `polyjudge export gold` -->"
# `export hf` writes the same marker: a card either export wrote may be replaced by either.


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ci(value: Any) -> str:
    if not value:
        return "–"
    return f"[{_num(value[0])}, {_num(value[1])}]"


def render_card(
    summary: ExportSummary,
    report: dict[str, Any],
    *,
    label_set: tuple[str, ...],
    rule: str,
    project_id: str,
    data_file: str | None,
    fmt: str,
    pretty_name: str = "polyjudge safety labels",
    configs: list[Config] | None = None,
) -> str:
    """The card's Markdown. `report` is the dict `polyjudge report --json` prints; `configs`
    (name, data files) are the Hugging Face configs of a dataset folder (`export hf`)."""
    languages = summary.languages
    out = [
        yaml_header(summary, data_file, pretty_name, configs),
        "",
        CARD_MARKER,
        "",
        f"# {pretty_name}",
        "",
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out.append(
        f"Human safety labels for {summary.rows:,} model responses in {len(languages)} "
        f"language{'s' if len(languages) != 1 else ''} ({', '.join(languages) or 'none'}), "
        f"exported as {fmt} by polyjudge on {stamp} from project `{project_id}`. Each row is "
        "one response: the prompt, the response in its own script and its English "
        "back-translation, every human label, every LLM-judge verdict, the final label and how "
        "it was reached."
    )
    columns = [*label_set, NO_FINAL]
    out += [
        "",
        "## Final labels per language",
        "",
        "| language | rows | " + " | ".join(columns) + " |",
        "|---|---:|" + "---:|" * len(columns),
    ]
    for language in languages:
        counts = [summary.labels[(language, c)] for c in columns]
        out.append(
            f"| {md_cell(language)} | {sum(counts)} | " + " | ".join(map(str, counts)) + " |"
        )
    rates = (report.get("unsafe_rate") or {}).get("by_language") or {}
    out += [
        "",
        "## Unsafe rate per language",
        "",
        "From human final labels, with a Wilson 95% interval (`polyjudge report`); "
        "`invalid` answers are counted separately, never as safe.",
        "",
        "| language | n | unsafe | invalid | rate | 95% CI |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for language in languages:
        r = rates.get(language)
        if r:
            out.append(
                f"| {md_cell(language)} | {_num(r.get('n'))} | {_num(r.get('unsafe'))} | "
                f"{_num(r.get('invalid'))} | {_num(r.get('rate'))} | "
                f"{_ci(r.get('ci95'))} |"
            )
    agreement = report.get("agreement") or {}
    by_language = agreement.get("by_language") or {}
    out += [
        "",
        "## Agreement",
        "",
        "Krippendorff's alpha (nominal) over items with two or more human labels, with a "
        "bootstrap 95% interval; `–` where it is undefined (too few pairable labels or no "
        "variation).",
        "",
        "| language | alpha | 95% CI | units | pairable values | observed agreement |",
        "|---|---:|---|---:|---:|---:|",
    ]
    rows = [(x, by_language.get(x)) for x in languages]
    rows.append(("all", agreement.get("overall")))
    for name, a in rows:
        if a:
            out.append(
                f"| {md_cell(name)} | {_num(a.get('alpha'))} | {_ci(a.get('ci95'))} | "
                f"{_num(a.get('units'))} | {_num(a.get('pairable_values'))} | "
                f"{_num(a.get('observed_agreement'))} |"
            )
    out += [
        "",
        *how_made(summary, report, label_set, rule),
        "",
        *fields_section(),
        "",
        *csv_section(summary),
        *provenance(summary),
    ]
    return "\n".join(out) + "\n"
