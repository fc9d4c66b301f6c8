"""`polyjudge report` and `polyjudge sample` (the adjudicate screen lives with the TUI)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from polyjudge.options import with_project
from polyjudge.store import Project


def _fields(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(x.strip() for x in value.split(",") if x.strip())


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the report as Markdown.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a self-contained HTML report (inline CSS and SVG charts) to FILE.",
)
@click.option(
    "--by",
    "by",
    default="language",
    show_default=True,
    metavar="FIELDS",
    help="Split rates, agreement and calibration by these fields: language, model, category, "
    "scenario, tier (comma-separated).",
)
@click.option(
    "--target-width",
    type=float,
    default=None,
    metavar="W",
    help="Also show, per language, how many more human-final items bring the unsafe-rate 95% "
    "CI width under W (e.g. 0.05).",
)
@click.option(
    "--judge",
    default=None,
    metavar="RUN",
    help="Judge run (name or id) for the judge-corrected estimates (default: the run that "
    "stratified the latest sample, else the latest non-baseline run).",
)
@click.option(
    "--compare",
    "compare",
    multiple=True,
    metavar="FIELD[:A,B]",
    help="Compare unsafe rates between conditions per language: `model`, `scenario`, or "
    "`model:A,B`; repeatable (default: model and scenario when they have 2-6 values; "
    "`none` to skip).",
)
@click.option(
    "--bootstrap",
    "resamples",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Bayesian-bootstrap draws for the alpha intervals (0: none).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the bootstrap and Monte-Carlo intervals.",
)
@click.option(
    "--sequential",
    is_flag=True,
    help="Count this reading as a look and give unsafe-rate intervals that hold over every "
    "look (alpha spending), for labelling until the interval is narrow enough.",
)
@with_project
def report(
    project: Project,
    as_json: bool,
    as_markdown: bool,
    html_path: Path | None,
    by: str,
    target_width: float | None,
    judge: str | None,
    compare: tuple[str, ...],
    resamples: int,
    seed: int,
    sequential: bool,
) -> None:
    """Agreement, final labels, judge calibration and unsafe rates with 95% intervals."""
    from polyjudge.reconcile.report import build_report

    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    compare_fields: tuple[str, ...] | None = None
    if compare:
        compare_fields = tuple(c for c in compare if c != "none")
    data = build_report(
        project,
        by=_fields(by),
        target_width=target_width,
        judge=judge,
        resamples=resamples,
        seed=seed,
        compare=compare_fields,
        sequential=sequential,
    )
    if html_path is not None:
        from polyjudge.exports.report_html import render_html

        html_path.write_text(render_html(data), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif as_markdown:
        from polyjudge.exports.report_markdown import render_markdown

        click.echo(render_markdown(data), nl=False)
    elif html_path is not None:
        click.echo(f"Wrote {html_path}")
    else:
        from polyjudge.exports.report_terminal import print_report

        print_report(data)


@click.command()
@click.option(
    "--per-language",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="Items to sample in each language.",
)
@click.option(
    "--stratify-by-judge",
    is_flag=True,
    help="Oversample judge-unsafe items (half of each language's quota).",
)
@click.option(
    "--judge",
    default=None,
    metavar="RUN",
    help="Judge run to stratify by (default: the latest non-baseline run).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--batch",
    default=None,
    metavar="NAME",
    help="Name of the sample batch (default: derived from the options).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@with_project
def sample(
    project: Project,
    per_language: int,
    stratify_by_judge: bool,
    judge: str | None,
    seed: int,
    batch: str | None,
    as_json: bool,
) -> None:
    """Choose a random, reproducible sample of unlabelled items for human labelling."""
    from polyjudge.reconcile.sample_command import run_sample

    summary = run_sample(project, per_language, stratify_by_judge, judge, seed, batch)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(f"Sampled {summary['sampled']:,} items into batch {summary['batch']}"))
    table = Table("language", "stratum", "sampled", "weight")
    for row in summary["strata"]:
        table.add_row(
            Text(row["language"]),
            Text(row["stratum"]),
            f"{row['sampled']:,}",
            f"{row['weight']:.3f}",
        )
    console.print(table)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(report)
    cli.add_command(sample)
