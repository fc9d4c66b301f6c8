"""`polyjudge report`: agreement, final labels, calibration and unsafe rates."""

from __future__ import annotations

from pathlib import Path

import click

from polyjudge.console import echo, echo_json
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
    default=None,
    metavar="FIELDS",
    help="Split rates, agreement and calibration by these fields: language, model, category, "
    "scenario, condition, tier (comma-separated); guideline_version splits agreement and the human "
    "rate by the guidelines each label was given under. Default: language, and model when "
    "the project has more than one.",
)
@click.option(
    "--target-width",
    type=float,
    default=None,
    metavar="W",
    help="Also plan, per language, how many more human labels (and in which judge-verdict "
    "stratum) bring the headline rate's 95% interval under W (e.g. 0.05).",
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
    help="Compare unsafe rates between conditions per language: `model`, `scenario`, "
    "`condition`, or `model:A,B`; repeatable (default: each of them that has 2-6 values; "
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
@click.option(
    "--exclude-annotator",
    "exclude_annotators",
    multiple=True,
    metavar="NAME",
    help="Recompute everything without this annotator's labels (repeatable).",
)
@with_project
def report(
    project: Project,
    as_json: bool,
    as_markdown: bool,
    html_path: Path | None,
    by: str | None,
    target_width: float | None,
    judge: str | None,
    compare: tuple[str, ...],
    resamples: int,
    seed: int,
    sequential: bool,
    exclude_annotators: tuple[str, ...],
) -> None:
    """Agreement, final labels, judge calibration and unsafe rates with 95% intervals."""
    from polyjudge.reconcile.report import build_report

    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    compare_fields: tuple[str, ...] | None = None
    if compare:
        compare_fields = tuple(c for c in compare if c != "none")
    report = build_report(
        project,
        by=_fields(by) if by is not None else None,
        target_width=target_width,
        judge=judge,
        resamples=resamples,
        seed=seed,
        compare=compare_fields,
        sequential=sequential,
        exclude_annotators=exclude_annotators,
    )
    if html_path is not None:
        from polyjudge.exports.report_html import render_html

        html_path.write_text(render_html(report), encoding="utf-8")
    if as_json:
        echo_json(report.as_json(), indent=2)
    elif as_markdown:
        from polyjudge.exports.report_markdown import render_markdown

        echo(render_markdown(report), nl=False)
    elif html_path is not None:
        echo(f"Wrote {html_path}")
    else:
        from polyjudge.exports.report_terminal import print_report

        print_report(report)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(report)
