"""`polyjudge judge`: LLM judges (online, through the Batch API, or the offline baseline)."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from polyjudge.options import with_project

from .batch_options import BatchOptions, batch_options, submit_batches
from .judge_summary import print_summary, raise_for_batches
from .llm_options import LlmOptions, endpoint_options, raise_for_errors

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
@batch_options(
    no_probe_help="With --batch: do not send the first request online first (it checks the "
    "model, key and parameters before the upload; its verdict is kept).",
    batch_status_help="Resume polling a batch started earlier (all open batches without an id) "
    "and store its verdicts.",
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
    batches: BatchOptions,
    llm: LlmOptions,
) -> None:
    """Judge responses with an LLM (any OpenAI-compatible endpoint), cached and resumable.

    Re-running the same command sends no request twice; a run killed midway resumes where it
    stopped. Failed requests are logged, get no verdict, and are retried by the next run.

    Each answer is parsed whole, then stored once (in the call log, which the verdict links
    to): at most its first 64 KiB, with its full length in bytes and its SHA-256. An answer
    longer than that is not reused from the cache."""
    from polyjudge.store import PolyjudgeError

    if batches.batch_status is not None:
        return _batch_status(project, batches.batch_status, llm, batches.poll_interval)
    if not model:
        raise PolyjudgeError("judge: --model is required (or --batch-status)")
    if model == BASELINE:
        from polyjudge.judge.refusal import run_baseline

        if batches.batch:
            raise PolyjudgeError(f"--batch: the {BASELINE} runs offline, there is nothing to batch")
        source = click.get_current_context().get_parameter_source("template")
        if source is not click.core.ParameterSource.DEFAULT:
            raise PolyjudgeError(
                f"--template: the {BASELINE} matches refusal phrases, it "
                "sends no prompt; leave --template out"
            )
        summary = run_baseline(project, llm.languages, limit, llm.quiet)
        project.log_event("judge", **summary)
        return print_summary(summary, llm.as_json)

    from polyjudge.judge.judging import JudgeSettings
    from polyjudge.judge.templates import load_template

    endpoint = llm.endpoint()
    settings = JudgeSettings(
        model=model,
        template=load_template(template, project.label_set),
        languages=llm.languages,
        limit=limit,
        concurrency=llm.concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        logprobs=not no_logprobs,
        quiet=llm.quiet,
    )
    if batches.batch:
        from polyjudge.judge import batch as batch_api

        data = submit_batches(project, batch_api.submit, endpoint, settings, batches, "judge-batch")
        if "collected" in data:
            data["labels"] = project.judging.verdict_counts(
                project.batches.get(data["batches"][0]).run_id
            )
        print_summary(data, llm.as_json)
        return raise_for_batches(data.get("collected", []))

    from polyjudge.judge.judging import run_judge

    result = asyncio.run(run_judge(project, endpoint, settings))
    data = result.as_dict()
    project.log_event("judge", **data)
    print_summary(data, llm.as_json)
    raise_for_errors(data)


def _batch_status(project: Any, batch_id: str, llm: LlmOptions, poll_interval: float) -> None:
    from polyjudge.judge import batch_collect
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
    endpoint = llm.endpoint(fallback_url=run.base_url)
    reports = asyncio.run(
        batch_collect.collect(project, endpoint, [b.id for b in batches], poll_interval, llm.quiet)
    )
    data = {"run": run.name, "collected": reports, "labels": project.judging.verdict_counts(run.id)}
    project.log_event("judge-batch-status", **data)
    print_summary(data, llm.as_json)
    raise_for_batches(reports)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(judge)
