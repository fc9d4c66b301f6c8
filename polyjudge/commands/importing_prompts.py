"""`polyjudge import multijail|xsafety`: the prompts of a benchmark, in every language it has."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from polyjudge.console import echo, out_console
from polyjudge.options import err_console, with_project

from .import_options import input_path, one_line_errors, summary

if TYPE_CHECKING:
    from polyjudge.importers.common import ImportReport
    from polyjudge.store import Project


@click.command("multijail")
@input_path
@with_project
def import_multijail_cmd(project: Project, path: Path) -> None:
    """MultiJail prompts from MultiJail.csv (315 prompts x 10 languages).

    Each row becomes one prompt per language (en zh it vi ar ko th bn sw jv) in dataset
    `multijail`, keyed by the row id, with its English text, first tag as category, and tags.
    """
    from polyjudge.importers.multijail import import_multijail

    with one_line_errors(path):
        report = import_multijail(project, path)
    languages = report.extra.get("languages", [])
    where = f" in {len(languages)} languages ({' '.join(languages)})"
    echo(summary(report, "prompt", where))


@click.command("xsafety")
@click.argument("directory", type=click.Path(path_type=Path), metavar="DIR")
@with_project
def import_xsafety_cmd(project: Project, directory: Path) -> None:
    """XSafety prompts from the whole DIR/<lang>/<Issue>.csv|.xlsx tree.

    Rows are aligned across languages by position, so the same prompt shares one key in
    every language (e.g. `Insult:17`); `sp/` is stored as `es`. Blank rows and files that
    are not one of the 14 issues (e.g. Hindi's duplicate `commen_sense.csv`) are skipped and
    reported per language.
    """
    from polyjudge.importers.xsafety import import_xsafety

    with one_line_errors(directory):
        report = import_xsafety(project, directory)
    _print_xsafety(report)


def _print_xsafety(report: ImportReport) -> None:
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    table = Table(
        "language",
        "folder",
        "files",
        "prompts",
        "new",
        "blank rows skipped",
        "files skipped",
        title="XSafety import",
    )
    notes = []
    for language, r in report.extra["by_language"].items():
        skipped = [s["file"] for s in r["skipped_files"]]
        notes += [f"Skipped {r['folder']}/{s['file']}: {s['reason']}" for s in r["skipped_files"]]
        table.add_row(
            Text(language),
            Text(r["folder"] + "/"),
            str(r["files"]),
            f"{r['prompts']:,}",
            f"{r['inserted']:,}",
            str(r["blank"]),
            Text(", ".join(skipped) or "-"),
        )
    console.print(table)
    for note in notes:
        console.print(Text(note))
    echo(summary(report, "prompt"))
    for problem in report.extra["mismatches"]:
        err_console.print(Text(f"Warning: rows may not line up: {problem}", style="yellow"))


def register(group: click.Group) -> None:
    """Attach the prompt importers to the `import` group."""
    for command in (import_multijail_cmd, import_xsafety_cmd):
        group.add_command(command)
