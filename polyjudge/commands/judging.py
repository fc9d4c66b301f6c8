"""`polyjudge judge` and `polyjudge translate`: LLM judges and back-translation."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from polyjudge.console import echo, echo_json
from polyjudge.options import with_project

BASELINE = "refusal-baseline"


def endpoint_options(func: Any) -> Any:
    """Options shared by `judge` and `translate`: where to send requests and how."""
    for option in reversed(
        (
            click.option(
                "--base-url",
                default=None,
                metavar="URL",
                help="An OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 "
                "(default: $OPENAI_BASE_URL, else OpenAI).",
            ),
            click.option(
                "--api-key-env",
                default=None,
                metavar="NAME",
                help="Read the API key from this environment variable "
                "(default: OPENAI_API_KEY). The key is never stored or printed.",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 1024),
                default=8,
                show_default=True,
                help="Requests in flight at once.",
            ),
            click.option(
                "--timeout",
                type=float,
                default=60.0,
                show_default=True,
                help="Seconds per request attempt.",
            ),
            click.option(
                "--max-retries",
                type=click.IntRange(0, 50),
                default=4,
                show_default=True,
                help="Retries (exponential backoff with jitter) on 429, 5xx, "
                "connection errors and timeouts.",
            ),
            click.option(
                "--language",
                "languages",
                multiple=True,
                metavar="L",
                help="Only responses in this language (repeatable).",
            ),
            click.option("--quiet", is_flag=True, help="No progress bar."),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
        )
    ):
        func = option(func)
    return func


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
        return _print_summary(summary, as_json)

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
        _print_summary(data, as_json)
        return _raise_for_batches(data.get("collected", []))

    from polyjudge.judge.judging import run_judge

    result = asyncio.run(run_judge(project, endpoint, settings))
    data = result.as_dict()
    project.log_event("judge", **data)
    _print_summary(data, as_json)
    _raise_for_errors(data)


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
        batches = project.batches.open()
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
    _print_summary(data, as_json)
    _raise_for_batches(reports)


def _raise_for_batches(reports: list[dict[str, Any]]) -> None:
    """A batch that ended without answering everything is an error, like failed requests."""
    from polyjudge.store import PolyjudgeError

    for report in reports:
        missing = report["errors"] + report["unanswered"]
        if report["status"] != "completed" or missing:
            reason = f" ({report['failure']})" if report.get("failure") else ""
            raise PolyjudgeError(
                f"batch {report['batch']} ended {report['status']}{reason}: {missing} "
                "response(s) have no verdict; run the same judge command again to send them"
            )


def _print_summary(data: dict[str, Any], as_json: bool) -> None:
    _print_adaptations(data)  # on stderr, also beside --json
    if as_json:
        echo_json(data)
        return
    labels = ", ".join(f"{k} {v}" for k, v in data.get("labels", {}).items()) or "none"
    if "selected" in data:
        baseline = " (baseline: refusal-string matching)" if data.get("baseline") else ""
        echo(
            f"{data['run']}{baseline}: {data['selected']} selected, {data['already']} already "
            f"judged, {data['cached']} from the cache, {data['requested']} requests, "
            f"{data['errors']} failed, {data['in_batch']} in open batches"
        )
    for batch_id in data.get("batches", []):
        echo(
            f"batch {batch_id} submitted (collect with: polyjudge judge --batch-status {batch_id})"
        )
    for report in data.get("collected", []):
        echo(
            f"batch {report['batch']} {report['status']}: {report['verdicts']} verdicts, "
            f"{report['errors']} failed, {report['unanswered']} unanswered"
        )
    if "run" in data:
        echo(f"verdicts of {data['run']}: {labels}")


def _print_adaptations(data: dict[str, Any]) -> None:
    """Parameters the model refused and the run sent differently (see judge.engine)."""
    for note in data.get("adapted", []):
        echo(f"note: {note}", err=True)
    if data.get("probe_error"):
        echo(
            f"note: the online first request failed ({data['probe_error']}); it went "
            "into the batch with the rest",
            err=True,
        )


def _raise_for_errors(data: dict[str, Any]) -> None:
    from polyjudge.store import PolyjudgeError

    if data.get("stop_error"):
        raise PolyjudgeError(f"stopped after repeated failures: {data['stop_error']}")
    if data.get("errors"):
        raise PolyjudgeError(
            f"{data['errors']} request(s) failed after retries (last: {data['last_error']}); "
            "they have no verdict: run the same command again to retry them"
        )


@click.command()
@click.option("--model", required=True, metavar="M", help="The translation model.")
@click.option(
    "--overwrite", is_flag=True, help="Replace existing back-translations (imported ones too)."
)
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option(
    "--max-tokens",
    type=click.IntRange(1),
    default=None,
    help="Cap on each translation's length (default: the server's).",
)
@endpoint_options
@with_project
def translate(
    project: Any,
    model: str,
    overwrite: bool,
    temperature: float,
    max_tokens: int | None,
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int,
    timeout: float,
    max_retries: int,
    languages: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Back-translate responses (and prompts with no English source) into English.

    Existing back-translations are kept unless --overwrite; each records its engine (the
    model). Cached and resumable like `judge`."""
    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.judge.translation import TranslateSettings, run_translate

    endpoint = resolve_endpoint(base_url, api_key_env, timeout, max_retries)
    settings = TranslateSettings(
        model=model,
        languages=languages,
        overwrite=overwrite,
        concurrency=concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        quiet=quiet,
    )
    data = asyncio.run(run_translate(project, endpoint, settings)).as_dict()
    project.log_event("translate", **data)
    _print_adaptations(data)  # on stderr, also beside --json
    if as_json:
        echo_json(data)
    else:
        echo(
            f"{data['run']}: {data['responses']} responses and {data['prompts']} prompts "
            f"translated ({data['cached']} from the cache, {data['requested']} requests, "
            f"{data['errors']} failed)"
        )
    _raise_for_errors(data)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(judge)
    cli.add_command(translate)
