"""`polyjudge judge`: LLM judges (online, through the Batch API, or the offline baseline)."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from polyjudge.options import with_project

from .judge_summary import print_summary, raise_for_batches
from .llm_options import endpoint_options, raise_for_errors

BASELINE = "refusal-baseline"


@click.command()
@click.option(
    "--model",
    default=None,
    metavar="M",
    help=f"The judge model, or `{BASELINE}` for the offline refusal-string baseline.",
)
@click.option(
    "--template",
    default="multijail",
    show_default=True,
    metavar="multijail|xsafety|FILE",
    help="The judge prompt.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Only the first N selected responses (by id).",
)
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option(
    "--max-tokens",
    type=click.IntRange(1),
    default=32,
    show_default=True,
    help="Sent as max_tokens, or as max_completion_tokens to a model that refuses "
    "max_tokens (OpenAI's reasoning models; give them room to reason, e.g. 2000).",
)
@click.option(
    "--no-logprobs", is_flag=True, help="Do not ask for logprobs (then p(unsafe) stays empty)."
)
@click.option("--batch", is_flag=True, help="Use the OpenAI Batch API (upload, poll, download).")
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --batch: submit and exit; collect later with --batch-status.",
)
@click.option(
    "--no-probe",
    is_flag=True,
    help="With --batch: do not send the first request online first (it checks the "
    "model, key and parameters before the upload; its verdict is kept).",
)
@click.option(
    "--batch-status",
    "batch_status",
    is_flag=False,
    flag_value="*",
    default=None,
    metavar="[BATCH_ID]",
    help="Resume polling a batch started earlier (all open batches without an id) "
    "and store its verdicts.",
)
@click.option(
    "--poll-interval",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds between Batch API status checks.",
)
@endpoint_options
@with_project
def judge(
    project: Any,
    model: str | None,
    template: str,
    limit: int | None,
    temperature: float,
    max_tokens: int,
    no_logprobs: bool,
    batch: bool,
    no_wait: bool,
    no_probe: bool,
    batch_status: str | None,
    poll_interval: float,
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int,
    timeout: float,
    max_retries: int,
    languages: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Judge responses with an LLM (any OpenAI-compatible endpoint), cached and resumable.

    Re-running the same command sends no request twice; a run killed midway resumes where it
    stopped. Failed requests are logged, get no verdict, and are retried by the next run.

    Each answer is parsed whole, then stored once (in the call log, which the verdict links
    to): at most its first 64 KiB, with its full length in bytes and its SHA-256. An answer
    longer than that is not reused from the cache."""
    from polyjudge.store import PolyjudgeError

    if batch_status is not None:
        return _batch_status(
            project,
            batch_status,
            base_url,
            api_key_env,
            timeout,
            max_retries,
            poll_interval,
            quiet,
            as_json,
        )
    if not model:
        raise PolyjudgeError("judge: --model is required (or --batch-status)")
    if model == BASELINE:
        from polyjudge.judge.refusal import run_baseline

        if batch:
            raise PolyjudgeError(f"--batch: the {BASELINE} runs offline, there is nothing to batch")
        source = click.get_current_context().get_parameter_source("template")
        if source is not click.core.ParameterSource.DEFAULT:
            raise PolyjudgeError(
                f"--template: the {BASELINE} matches refusal phrases, it "
                "sends no prompt; leave --template out"
            )
        summary = run_baseline(project, languages, limit, quiet)
        project.log_event("judge", **summary)
        return print_summary(summary, as_json)

    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.judge.judging import JudgeSettings
    from polyjudge.judge.templates import load_template

    endpoint = resolve_endpoint(base_url, api_key_env, timeout, max_retries)
    settings = JudgeSettings(
        model=model,
        template=load_template(template, project.label_set),
        languages=languages,
        limit=limit,
        concurrency=concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        logprobs=not no_logprobs,
        quiet=quiet,
    )
    if batch:
        from polyjudge.judge import batch as batch_api
        from polyjudge.judge import batch_collect

        submitted, batch_ids = asyncio.run(
            batch_api.submit(project, endpoint, settings, probe=not no_probe)
        )
        data = {**submitted.as_dict(), "batches": batch_ids}
        project.log_event("judge-batch", **data)
        if batch_ids and not no_wait:
            data["collected"] = asyncio.run(
                batch_collect.collect(project, endpoint, batch_ids, poll_interval, quiet)
            )
            data["labels"] = project.judging.verdict_counts(
                project.batches.get(batch_ids[0]).run_id
            )
        print_summary(data, as_json)
        return raise_for_batches(data.get("collected", []))

    from polyjudge.judge.judging import run_judge

    result = asyncio.run(run_judge(project, endpoint, settings))
    data = result.as_dict()
    project.log_event("judge", **data)
    print_summary(data, as_json)
    raise_for_errors(data)


def _batch_status(
    project: Any,
    batch_id: str,
    base_url: str | None,
    api_key_env: str | None,
    timeout: float,
    max_retries: int,
    poll_interval: float,
    quiet: bool,
    as_json: bool,
) -> None:
    from polyjudge.judge import batch_collect
    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.store import PolyjudgeError

    if batch_id == "*":
        batches = project.batches.open("judge")
        if not batches:
            raise PolyjudgeError("--batch-status: no open batch in this project")
    else:
        found = project.batches.get(batch_id)
        if found is None:
            raise PolyjudgeError(
                f"--batch-status: batch {batch_id!r} was not started from this project"
            )
        batches = [found]
    run = project.judging.run(batches[0].run_id)
    endpoint = resolve_endpoint(base_url or run.base_url, api_key_env, timeout, max_retries)
    reports = asyncio.run(
        batch_collect.collect(project, endpoint, [b.id for b in batches], poll_interval, quiet)
    )
    data = {"run": run.name, "collected": reports, "labels": project.judging.verdict_counts(run.id)}
    project.log_event("judge-batch-status", **data)
    print_summary(data, as_json)
    raise_for_batches(reports)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(judge)
