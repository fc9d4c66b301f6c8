"""The dataset card's sections that describe the export rather than its statistics: how the labels
were made, the fields, CSV formula safety, and the source data's provenance and licenses."""

from __future__ import annotations

from typing import Any

from .export_summary import ExportSummary


def md_cell(text: str) -> str:
    """Untrusted text inside a Markdown table cell or list item: one line, no bare pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


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
        "`safe_reply`, `source`, `license`, `source_file`, `id` (the same as `uid`), "
        "`sample_batch`, `sample_stratum`, `design_weight` (the weight of the final label in "
        "the design-based rates: per language, the sum of design_weight over unsafe rows over "
        "its sum over rows with a weight is the human-only rate). In CSV, `human_labels` and "
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
                f"- {md_cell(dataset)}: {md_cell(source or 'source not recorded')}; "
                f"license: {md_cell(lic or 'not recorded')}."
            )
    lines += [
        "",
        "Model responses are the user's own runs; they may contain harmful text, "
        "kept verbatim for safety evaluation.",
    ]
    return lines
