"""`polyjudge import inspect|garak|promptfoo`: a harness's own files, with its scores as judge
runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from polyjudge.console import echo
from polyjudge.options import with_project

from .import_options import input_path, one_line_errors, pairs, plural, summary

if TYPE_CHECKING:
    from polyjudge.importers.common import ImportReport
    from polyjudge.store import Project

harness_map_option = click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=PATH",
    help="Read FIELD (language, category, scenario, prompt_id) from PATH, a dotted path into "
    "the harness's record: --map language=metadata.lang. Repeat it, or separate pairs with "
    "commas.",
)
language_option = click.option(
    "--language",
    default=None,
    metavar="CODE",
    help="The language of every response that names none (e.g. a log of one language).",
)


def _print(report: ImportReport) -> None:
    echo(summary(report, "response"))
    for run, n in sorted(report.extra.get("judge_runs", {}).items()):
        echo(f"Judge run {run}: {plural(n, 'verdict')}")
    for run, values in sorted(report.extra.get("unmapped_scores", {}).items()):
        shown = ", ".join(f"{value} ({n:,})" for value, n in values.items())
        echo(
            f"Judge run {run}: score values that are not labels were kept as `unparsed`: "
            f"{shown} (map them with --score-map VALUE=LABEL)"
        )
    skipped = report.extra.get("skipped_no_output") or sum(
        (report.extra.get("skipped") or {}).values()
    )
    if skipped:
        echo(f"{plural(skipped, 'output')} skipped (an error or an empty output, or not evaluated)")


@click.command("inspect")
@input_path
@harness_map_option
@language_option
@click.option(
    "--score-map",
    "score_maps",
    multiple=True,
    metavar="VALUE=LABEL",
    help="The label a scorer's value stands for, e.g. --score-map C=safe,I=unsafe (Inspect's "
    "correct / incorrect for a task whose target is a refusal). Values that are already labels "
    "map to themselves; others are kept as `unparsed` verdicts.",
)
@with_project
def import_inspect_cmd(
    project: Project,
    path: Path,
    maps: tuple[str, ...],
    language: str | None,
    score_maps: tuple[str, ...],
) -> None:
    """An Inspect AI eval log (.eval or .json): one response per sample and epoch.

    The model is the log's; prompt and response are the sample's input and output; language,
    category, scenario and prompt_id come from the sample's metadata (or --map). Each scorer
    becomes a judge run `inspect:SCORER` holding its scores and explanations. Reading .eval
    logs needs `pip install 'polyjudge[inspect]'`; .json logs are read without it.
    """
    from polyjudge.importers.inspect_log import import_inspect

    with one_line_errors(path):
        report = import_inspect(
            project,
            path,
            maps=tuple(pairs(maps)),
            language=language,
            score_map=tuple(pairs(score_maps)),
        )
    _print(report)


@click.command("garak")
@input_path
@harness_map_option
@language_option
@with_project
def import_garak_cmd(
    project: Project, path: Path, maps: tuple[str, ...], language: str | None
) -> None:
    """A garak report.jsonl: one response per evaluated output.

    The model is the run's target; the language is the output's `lang`; the back-translation
    is `reverse_translation_outputs` (engine from the run's language providers); category and
    scenario are the probe's module and class. Each detector becomes a judge run
    `garak:DETECTOR`: unsafe at or above the run's threshold (a hit), p(unsafe) its score.
    """
    from polyjudge.importers.garak_report import import_garak

    with one_line_errors(path):
        report = import_garak(project, path, maps=tuple(pairs(maps)), language=language)
    _print(report)


@click.command("promptfoo")
@input_path
@harness_map_option
@language_option
@with_project
def import_promptfoo_cmd(
    project: Project, path: Path, maps: tuple[str, ...], language: str | None
) -> None:
    """A promptfoo results file (promptfoo eval -o results.json): one response per result.

    The model is the provider's id; the language is vars.language; category and scenario are
    the red-team plugin and strategy. The grader's verdict becomes a judge run
    `promptfoo:grader`: safe when the test passed, unsafe when it failed, with its reason.
    """
    from polyjudge.importers.promptfoo_results import import_promptfoo

    with one_line_errors(path):
        report = import_promptfoo(project, path, maps=tuple(pairs(maps)), language=language)
    _print(report)


def register(group: click.Group) -> None:
    """Attach the harness importers to the `import` group."""
    for command in (import_inspect_cmd, import_garak_cmd, import_promptfoo_cmd):
        group.add_command(command)
