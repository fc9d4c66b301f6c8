"""`polyjudge export gold|finetune` (`export packet` and `merge` are in `packets.py`)."""

from __future__ import annotations

from pathlib import Path

import click

from polyjudge.console import echo
from polyjudge.options import comma_values, final_only_option, language_option, with_project
from polyjudge.store import Project

FORMAT_CHOICES = ("jsonl", "csv", "parquet", "label-studio")


@click.group("export")
def export_group() -> None:
    """Export gold labels, Self-Defense fine-tuning data, or an offline annotator packet."""


@export_group.command("gold")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default="jsonl",
    show_default=True,
    help="File format (parquet needs `polyjudge[parquet]`).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write; a README.md dataset card is written beside it.",
)
@language_option
@final_only_option
@click.option("--force", is_flag=True, help="Replace existing files.")
@click.option(
    "--raw-csv",
    is_flag=True,
    help="CSV: write text cells exactly as they are. By default a cell beginning with "
    "=, +, -, @, TAB or CR (or ') gets a leading ' so that a spreadsheet does not run "
    "it as a formula; the dataset card says which columns.",
)
@with_project
def export_gold(
    project: Project,
    fmt: str,
    out: Path,
    languages: tuple[str, ...],
    final_only: bool,
    force: bool,
    raw_csv: bool,
) -> None:
    """One row per response: prompt, response, back-translation, final label and how it was
    reached, human labels, judge verdicts, adjudication, provenance, and the sample batch,
    stratum and design weight of the final label (per language, the design-weighted share of
    unsafe rows is the report's human-only rate). CSV cells hold nested lists as JSON text. A
    Hugging Face dataset card (README.md) is written beside the file; label-studio also writes
    label_config.xml."""
    from polyjudge.exports.card_sections import csv_note
    from polyjudge.exports.export_gold import export_gold as run

    if raw_csv and fmt != "csv":
        raise click.UsageError("--raw-csv applies to --format csv only")
    summary = run(
        project,
        fmt=fmt,
        out=out,
        languages=comma_values(languages),
        final_only=final_only,
        force=force,
        raw_csv=raw_csv,
    )
    extras = ", ".join(str(p.name) for p in summary.extra_files)
    note = csv_note(summary)
    echo(f"Wrote {summary.rows:,} rows to {out} (with {extras})" + (f"; {note}" if note else ""))


@export_group.command("finetune")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The chat-format JSONL file to write.",
)
@language_option
@click.option(
    "--generate",
    is_flag=True,
    help="Generate a safe reply (in the prompt's language) where none was written.",
)
@click.option("--model", default=None, metavar="M", help="Model for --generate.")
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="OpenAI-compatible endpoint for --generate (default: OpenAI).",
)
@click.option(
    "--api-key-env",
    default=None,
    metavar="NAME",
    help="Read the API key for --generate from this environment variable "
    "(default: OPENAI_API_KEY). The key is never stored or printed.",
)
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Requests in flight for --generate.",
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds per --generate request attempt.",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 50),
    default=4,
    show_default=True,
    help="Retries (backoff with jitter) on 429, 5xx, connection errors, timeouts.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@with_project
def export_finetune(
    project: Project,
    out: Path,
    languages: tuple[str, ...],
    generate: bool,
    model: str | None,
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int,
    timeout: float,
    max_retries: int,
    force: bool,
) -> None:
    """Self-Defense style safety fine-tuning data: each prompt whose response was finally
    judged unsafe, paired with a safe reply the adjudicator wrote (or, with --generate, one
    generated in the prompt's language and marked "generated"). An unsafe response is never
    written as an assistant turn."""
    from polyjudge.exports.finetune import GenerateOptions
    from polyjudge.exports.finetune import export_finetune as run

    if generate and not model:
        raise click.UsageError("--generate needs --model")
    options = (
        GenerateOptions(
            model=model or "",
            base_url=base_url,
            api_key_env=api_key_env,
            concurrency=concurrency,
            timeout=timeout,
            max_retries=max_retries,
        )
        if generate
        else None
    )
    result = run(project, out, languages=comma_values(languages), generate=options, force=force)
    echo(
        f"Wrote {result.written:,} examples to {out} ({result.adjudicator:,} written by an "
        f"adjudicator, {result.generated:,} generated); {result.missing:,} unsafe prompts "
        "without a safe reply"
        + ("" if generate or not result.missing else " (use --generate --model M)")
        + (
            f"; {result.failed:,} generation requests failed (run again to retry them)"
            if result.failed
            else ""
        )
        + (
            f"; {result.dropped_unsafe_copy:,} replies equal to an unsafe response were left out"
            if result.dropped_unsafe_copy
            else ""
        )
    )


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    from .exporting_harness import register as add_harness_exports

    add_harness_exports(export_group)
    cli.add_command(export_group)
