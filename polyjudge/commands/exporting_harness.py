"""`polyjudge export inspect-scores|hf`: final labels in the files the harnesses and the Hugging
Face hub read."""

from __future__ import annotations

from pathlib import Path

import click

from polyjudge.console import echo
from polyjudge.options import comma_values, final_only_option, language_option, with_project
from polyjudge.store import Project


@click.command("inspect-scores")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The JSON Lines file to write.",
)
@click.option(
    "--eval-id",
    default=None,
    metavar="ID",
    help="The Inspect eval whose samples to write (needed when several logs were imported).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@with_project
def export_inspect_scores(project: Project, out: Path, eval_id: str | None, force: bool) -> None:
    """Final labels of an imported Inspect log as precomputed scores: one line per sample and
    epoch with a final label, {"id", "epoch", "value", "explanation"}. `value` is the final
    label (safe, unsafe, invalid), `explanation` the adjudication rationale or the annotators'
    consensus. Attach them to the original log with Inspect's
    inspect_ai.log.edit_score(log, id, "polyjudge", ScoreEdit(value=..., explanation=...),
    epoch=epoch)."""
    from polyjudge.exports.inspect_scores import export_inspect_scores as run

    result = run(project, out, eval_id=eval_id, force=force)
    counts = ", ".join(f"{label} {n:,}" for label, n in sorted(result.labels.items()))
    echo(
        f"Wrote {result.written:,} scores of eval {result.eval_id} to {out}"
        + (f" ({counts})" if counts else "")
        + f"; {result.without_final:,} samples without a final label left out"
    )


@click.command("hf")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The dataset folder to write (README.md card, data/LANG.jsonl).",
)
@language_option
@final_only_option
@click.option(
    "--force", is_flag=True, help="Replace files in the folder that polyjudge did not write."
)
@with_project
def export_hf(
    project: Project, out: Path, languages: tuple[str, ...], final_only: bool, force: bool
) -> None:
    """A Hugging Face dataset folder: one config per language plus `all` (the default), a
    dataset card with features and licenses, loadable with datasets.load_dataset(DIR) or
    load_dataset(DIR, "ar"). Exporting again into the folder replaces what the last export
    wrote and removes its files that are no longer current (never a file it did not write)."""
    from polyjudge.exports.hf_dataset import export_hf as run

    result = run(
        project, out, languages=comma_values(languages), final_only=final_only, force=force
    )
    per = ", ".join(f"{lang} {n:,}" for lang, n in sorted(result.rows.items()))
    echo(f"Wrote {result.summary.rows:,} rows to {out} ({per or 'no rows'})")
    if result.removed:
        echo(f"Removed files of the previous export: {', '.join(result.removed)}")


def register(group: click.Group) -> None:
    """Attach these exports to the `export` group."""
    group.add_command(export_inspect_scores)
    group.add_command(export_hf)
