"""`polyjudge sample`: a reproducible sample for human labelling, and its summary."""

from __future__ import annotations

import click

from polyjudge.console import echo_json, out_console
from polyjudge.options import with_project
from polyjudge.store import Project


def _unit(name: str):
    def check(ctx, param, value):
        if value is not None and not 0 < value < 1:
            raise click.BadParameter("must be between 0 and 1", param_hint=name)
        return value

    return check


@click.command()
@click.option(
    "--per-language",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="New items to sample in each language.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="New labels in all, split across languages to make the widest planned 95% interval "
    "of the headline rate as narrow as possible (items drawn earlier and not labelled yet "
    "count as labels to come).",
)
@click.option(
    "--target-width",
    type=float,
    default=None,
    metavar="W",
    callback=_unit("--target-width"),
    help="Sample, per language, the fewest new items that bring the planned 95% width of the "
    "headline rate under W.",
)
@click.option(
    "--design",
    type=click.Choice(["uniform", "stratified", "active"]),
    default=None,
    help="uniform: a simple random sample per language (default); stratified: by the judge "
    "verdict with Neyman allocation; active: Poisson sampling with probability rising with "
    "the judge's uncertainty (p(unsafe), disagreement between runs), floored at 0.2·n/N.",
)
@click.option(
    "--stratify-by-judge",
    is_flag=True,
    help="Same as --design stratified.",
)
@click.option(
    "--judge",
    default=None,
    metavar="RUN",
    help="Judge run to stratify by or to plan with (default: the latest non-baseline run "
    "with verdicts).",
)
@click.option(
    "--prior-ppv",
    type=float,
    default=None,
    callback=_unit("--prior-ppv"),
    help="Planning unsafe share among judge-unsafe items where none is labelled yet "
    "[default: 0.5].",
)
@click.option(
    "--prior-for",
    type=float,
    default=None,
    callback=_unit("--prior-for"),
    help="Planning unsafe share among the judge's other verdicts where none is labelled yet "
    "[default: 0.05].",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--batch",
    default=None,
    metavar="NAME",
    help="Name of the sample batch (default: derived from the options).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON summary, with the chosen items' uids and π.",
)
@with_project
def sample(
    project: Project,
    per_language: int | None,
    budget: int | None,
    target_width: float | None,
    design: str | None,
    stratify_by_judge: bool,
    judge: str | None,
    prior_ppv: float | None,
    prior_for: float | None,
    seed: int,
    batch: str | None,
    as_json: bool,
) -> None:
    """Choose a reproducible sample for human labelling, with a known inclusion probability
    for every item (see the README: designs)."""
    from polyjudge.reconcile.sample_command import SampleRequest, run_sample

    sizes = [
        n
        for n, v in (
            ("--per-language", per_language),
            ("--budget", budget),
            ("--target-width", target_width),
        )
        if v is not None
    ]
    if len(sizes) != 1:
        raise click.UsageError("give exactly one of --per-language, --budget, --target-width")
    if stratify_by_judge and design not in (None, "stratified"):
        raise click.UsageError(f"--stratify-by-judge contradicts --design {design}")
    chosen = "stratified" if stratify_by_judge else (design or "uniform")
    planning = chosen != "uniform" or per_language is None
    if not planning and judge is not None:
        raise click.UsageError(
            "--judge has no effect on a uniform --per-language sample (use --design)"
        )
    if not planning and (prior_ppv is not None or prior_for is not None):
        raise click.UsageError(
            "--prior-ppv/--prior-for only plan stratified or active samples and budgets"
        )
    request = SampleRequest(
        per_language=per_language,
        budget=budget,
        target_width=target_width,
        design=chosen,
        judge=judge,
        seed=seed,
        batch=batch,
        prior_ppv=0.5 if prior_ppv is None else prior_ppv,
        prior_for=0.05 if prior_for is None else prior_for,
    )
    summary = run_sample(project, request)
    if as_json:
        echo_json(summary, indent=2)
        return
    _print_sample(summary)


def _print_sample(summary: dict) -> None:
    from rich.table import Table
    from rich.text import Text

    from polyjudge.exports.numbers import fmt_count, fmt_num
    from polyjudge.safe_text import one_line

    console = out_console()
    console.print(
        Text(
            f"Sampled {fmt_count(summary['new'])} new items into batch {summary['batch']} "
            f"({summary['design']} design)"
        )
    )
    run = summary["judge_run"]
    if run:
        verb = "Stratified by" if summary["design"] != "uniform" else "Planned with"
        line = f"{verb} judge run {run['name']} (id {run['id']})"
        if run["baseline"]:
            line += ": a refusal baseline (phrase matching), not a model judge"
        console.print(Text(line))
    if summary.get("planned_variance") == "p_unsafe_residual":
        console.print(
            Text(
                "Planned for the judge-corrected rate with the run's p(unsafe) (its residual "
                "variance inside each verdict stratum)"
            )
        )
    for language, count in summary.get("waiting", {}).items():
        console.print(
            Text(
                f"{one_line(language, 40)}: {fmt_count(count)} item(s) drawn before and not "
                "labelled yet count as labels to come"
            )
        )
    for short in summary["short"]:
        console.print(
            Text(
                f"{short['language']}: asked for {fmt_count(short['asked'])}, only "
                f"{fmt_count(short['available'])} items not yet sampled"
            )
        )
    table = Table("language", "stratum", "items", "earlier", "new", "π")
    for row in summary["strata"]:
        pi = (
            fmt_num(row["pi"])
            if row["pi"] is not None
            else f"{fmt_num(row['pi_min'])}–{fmt_num(row['pi_max'])}"
        )
        table.add_row(
            Text(one_line(row["language"], 20)),
            Text(one_line(row["stratum"], 40)),
            fmt_count(row["population"]),
            fmt_count(row["earlier"]),
            fmt_count(row["sampled"]),
            pi,
        )
    console.print(table)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(sample)
