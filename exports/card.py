"""The dataset card: a Hugging Face `README.md` written beside a gold export.

Its statistics (unsafe rates, agreement, queue sizes) are copied from the same report dict that
`polyjudge report --json` prints, never recomputed here; its counts per language and label are
those of the rows actually written. A card we wrote starts with `CARD_MARKER`, so a later export
may replace it without `--force`; any other README.md is never overwritten silently.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CARD_MARKER = "<!-- polyjudge dataset card: written by `polyjudge export gold` -->"

# https://huggingface.co/docs/hub/datasets-cards: `size_categories` buckets.
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)
NO_FINAL = "(no final label)"


@dataclass
class ExportSummary:
    """What was written: counted while the rows streamed past."""

    rows: int = 0
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (language, label)
    final_sources: Counter[str] = field(default_factory=Counter)
    annotators: set[str] = field(default_factory=set)
    adjudicators: set[str] = field(default_factory=set)
    judges: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # run: model, hash
    datasets: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # ds: (src, lic)
    extra_files: list[Any] = field(default_factory=list)
    # CSV only: None for other formats; True with --raw-csv. `neutralised`: cells per column
    # that got a leading `'` against formula injection (see `formats.neutralise_formula`).
    raw_csv: bool | None = None
    neutralised: Counter[str] = field(default_factory=Counter)

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        self.labels[(row["language"], row["final_label"] or NO_FINAL)] += 1
        self.final_sources[row["final_source"]] += 1
        for human in row["human_labels"]:
            self.annotators.add(human["annotator"])
        if row["adjudicator"]:
            self.adjudicators.add(row["adjudicator"])
        for verdict in row["verdicts"]:
            self.judges.setdefault(verdict["run"], (verdict["model"], verdict["template_hash"]))
        if row["prompt_dataset"]:
            self.datasets.setdefault(row["prompt_dataset"], set()).add(
                (row["source"] or "", row["license"] or "")
            )

    @property
    def languages(self) -> list[str]:
        return sorted({language for language, _ in self.labels})


def size_category(n: int) -> str:
    for bound, name in SIZE_BUCKETS:
        if n < bound:
            return name
    return "n>100M"


def hf_license(summary: ExportSummary) -> str:
    licenses = {
        lic.strip().lower()
        for pairs in summary.datasets.values()
        for _, lic in pairs
        if lic.strip()
    }
    if len(licenses) == 1:
        return licenses.pop()
    return "other" if licenses else "unknown"


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML): `no` stays a language code."""
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    """Untrusted text inside a Markdown table cell or list item: one line, no bare pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


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


def yaml_header(summary: ExportSummary, data_file: str | None, pretty_name: str) -> str:
    lines = ["---", "language:"]
    lines += [f"- {_q(language)}" for language in summary.languages]
    license_id = hf_license(summary)
    lines.append(f"license: {_q(license_id)}")
    if license_id == "other":
        details = "; ".join(
            f"{ds}: {lic}"
            for ds, pairs in sorted(summary.datasets.items())
            for _, lic in sorted(pairs)
            if lic
        )
        lines.append(f"license_details: {_q(details)}")
    lines += [
        f"pretty_name: {_q(pretty_name)}",
        "size_categories:",
        f"- {_q(size_category(summary.rows))}",
        "task_categories:",
        "- text-classification",
        "tags:",
        "- safety",
        "- multilingual",
        "- llm-evaluation",
        "- red-teaming",
    ]
    if data_file:
        lines += [
            "configs:",
            "- config_name: default",
            "  data_files:",
            "  - split: train",
            f"    path: {_q(data_file)}",
        ]
    lines.append("---")
    return "\n".join(lines)


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
) -> str:
    """The card's Markdown. `report` is the dict `polyjudge report --json` prints."""
    languages = summary.languages
    out = [
        yaml_header(summary, data_file, pretty_name),
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
        out.append(f"| {_cell(language)} | {sum(counts)} | " + " | ".join(map(str, counts)) + " |")
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
                f"| {_cell(language)} | {_num(r.get('n'))} | {_num(r.get('unsafe'))} | "
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
                f"| {_cell(name)} | {_num(a.get('alpha'))} | {_ci(a.get('ci95'))} | "
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


def how_made(
    summary: ExportSummary, report: dict[str, Any], label_set: tuple[str, ...], rule: str
) -> list[str]:
    queue = report.get("queue") or {}
    lines = [
        "## How the labels were made",
        "",
        f"- **Labels**: {', '.join(label_set)}.",
        f"- **Annotators**: {len(summary.annotators)} human annotators labelled these "
        "responses in polyjudge's terminal interface, blind to each other and to the judges, "
        "seeing the response in its own script beside its English back-translation.",
        f"- **Rule**: `{rule}` — a standing adjudication is final; otherwise the human labels "
        "decide under the rule; an item with an unsure label, a disagreement or a tie goes to "
        "an adjudicator and has no final label until adjudicated.",
        f"- **Adjudication**: {len(summary.adjudicators)} adjudicator(s); "
        f"{summary.final_sources.get('adjudicated', 0)} rows were adjudicated, with a "
        "rationale (`adjudication_rationale`). Queue at export: "
        f"{queue.get('disagreements', 0)} disagreements, {queue.get('judge_conflicts', 0)} "
        "judge conflicts.",
        "- **How each final label was reached** (`final_source`): "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.final_sources.items()))
        + ".",
    ]
    if summary.judges:
        lines.append(
            "- **LLM judges** (verdicts are in `verdicts`; they never set "
            "`final_label`): "
            + ", ".join(
                f"`{run}` ({model}" + (f", template {h[:12]}" if h else "") + ")"
                for run, (model, h) in sorted(summary.judges.items())
            )
            + "."
        )
    return lines


def fields_section() -> list[str]:
    return [
        "## Fields",
        "",
        "`uid`, `language`, `model`, `category`, `scenario`, `prompt_dataset`, `prompt_key`, "
        "`prompt`, `prompt_en`, `response`, `back_translation`, `bt_engine`, `final_label`, "
        "`final_source`, `human_labels` (list: annotator, role, label, unsure, note, viewed, "
        "time_ms, created_at), `verdicts` (list: run, model, label, p_unsafe, template_name, "
        "template_hash), `adjudicator`, `adjudication_label`, `adjudication_rationale`, "
        "`safe_reply`, `source`, `license`, `source_file`. In CSV, `human_labels` and "
        "`verdicts` are JSON text.",
    ]


def csv_note(summary: ExportSummary) -> str:
    """One sentence on formula neutralisation in a CSV export ("" for other formats)."""
    if summary.raw_csv is None:
        return ""
    if summary.raw_csv:
        return (
            "written with --raw-csv: cells beginning with =, +, -, @, TAB or CR were NOT "
            "neutralised (a spreadsheet may run them as formulas)"
        )
    if not summary.neutralised:
        return "no cell needed formula neutralisation"
    columns = ", ".join(f"{c} ({n:,})" for c, n in sorted(summary.neutralised.items()))
    return f"cells neutralised against formula injection (a leading ') in {columns}"


def csv_section(summary: ExportSummary) -> list[str]:
    """The card's note on CSV formula injection: which columns were neutralised, and why."""
    if summary.raw_csv is None:
        return []
    lines = [
        "## Spreadsheet safety (CSV)",
        "",
        "A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that begins with `=`, "
        "`+`, `-`, `@`, TAB or CR as a formula, and these cells hold text from imported files, "
        "annotators and models. Following OWASP "
        "(https://owasp.org/www-community/attacks/CSV_Injection), such a text cell, and one "
        "that already begins with `'`, is written with a leading `'`; numbers are left as "
        "they are. To get the original text back, remove one leading `'` from every cell that "
        "begins with one. `human_labels` and `verdicts` are JSON and never neutralised.",
        "",
    ]
    if summary.raw_csv:
        lines.append(
            "This file was written with `--raw-csv`: nothing was neutralised; open it "
            "in a spreadsheet only if you trust every text in it."
        )
    elif summary.neutralised:
        lines.append(
            "Neutralised cells per column: "
            + ", ".join(f"`{c}` {n:,}" for c, n in sorted(summary.neutralised.items()))
            + "."
        )
    else:
        lines.append("No cell in this file needed it.")
    return [*lines, ""]


def provenance(summary: ExportSummary) -> list[str]:
    lines = ["## Source data and licenses", ""]
    if not summary.datasets:
        lines.append("The prompts carry no dataset provenance.")
    for dataset, pairs in sorted(summary.datasets.items()):
        for source, lic in sorted(pairs):
            lines.append(
                f"- {_cell(dataset)}: {_cell(source or 'source not recorded')}; "
                f"license: {_cell(lic or 'not recorded')}."
            )
    lines += [
        "",
        "Model responses are the user's own runs; they may contain harmful text, "
        "kept verbatim for safety evaluation.",
    ]
    return lines
