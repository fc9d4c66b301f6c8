"""`polyjudge generate`: ask the model under test the imported prompts (MultiJail's scenarios,
XSafety's conditions) and store its answers as responses."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from polyjudge.console import echo, echo_json
from polyjudge.options import with_project

from .batch_options import BatchOptions, batch_options, submit_batches
from .llm_options import (
    LlmOptions,
    generate_endpoint_options,
    print_adaptations,
    raise_for_errors,
)

SCENARIOS = ("unintentional", "intentional")
CONDITIONS = ("none", "safe_prompt", "xling_prompt")
FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option(
    "--model",
    default=None,
    metavar="M",
    help="The model under test (required but with --batch-status).",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Choice(SCENARIOS),
    help="MultiJail's scenarios: the prompt as it is (unintentional, the default) or inside "
    "the jailbreak template of --template (intentional); repeatable.",
)
@click.option(
    "--condition",
    "conditions",
    multiple=True,
    type=click.Choice(CONDITIONS),
    help="XSafety's conditions: no system prompt (none, the default), or the system prompt "
    "of --safe-prompt / --xling-prompt; repeatable.",
)
@click.option(
    "--template",
    type=FILE,
    default=None,
    metavar="FILE",
    help="The jailbreak template of the intentional scenario, with a {prompt} placeholder "
    "(and optionally {language}); polyjudge ships none.",
)
@click.option(
    "--safe-prompt",
    type=FILE,
    default=None,
    metavar="FILE",
    help="The system prompt of the safe_prompt condition ({language} allowed).",
)
@click.option(
    "--xling-prompt",
    type=FILE,
    default=None,
    metavar="FILE",
    help="The system prompt of the xling_prompt condition ({language} allowed).",
)
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    metavar="NAME",
    help="Only prompts of this dataset (`multijail`, `xsafety`, ...; repeatable).",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Only the first N prompts (by id) of each language.",
)
@click.option(
    "--n",
    "samples",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="Responses per prompt, scenario and condition.",
)
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option(
    "--max-tokens",
    type=click.IntRange(1),
    default=None,
    help="Cap on each response's length (default: the server's).",
)
@batch_options(
    no_probe_help="With --batch: do not send the first request online before uploading (by "
    "default it checks the model, key and parameters at once; its response is kept).",
    batch_status_help="Resume polling a generate batch started earlier (all open ones without "
    "an id) and store its responses.",
)
@generate_endpoint_options
@with_project
def generate(
    project: Any,
    model: str | None,
    scenarios: tuple[str, ...],
    conditions: tuple[str, ...],
    template: Path | None,
    safe_prompt: Path | None,
    xling_prompt: Path | None,
    datasets: tuple[str, ...],
    limit: int | None,
    samples: int,
    temperature: float,
    max_tokens: int | None,
    batches: BatchOptions,
    llm: LlmOptions,
) -> None:
    """Ask the model under test the imported prompts; store its answers as responses.

    Each response records its scenario and condition (for `report --by scenario,condition`
    and `--compare scenario`), its model, the endpoint and the call it came from. Cached and
    resumable like `judge`: a response already generated is not asked for again."""
    from polyjudge.judge.generation import run_generate
    from polyjudge.judge.generation_prompts import arms, load_jailbreak, load_system_prompt
    from polyjudge.judge.generation_settings import GenerateSettings

    if batches.batch_status is not None:
        return _collect(project, llm, batches.batch_status, batches.poll_interval)
    if not model:
        from polyjudge.store import PolyjudgeError

        raise PolyjudgeError("generate: --model is required (or --batch-status)")

    jailbreak = load_jailbreak(template) if template is not None else None
    systems = {
        name: load_system_prompt(path)
        for name, path in (("safe_prompt", safe_prompt), ("xling_prompt", xling_prompt))
        if path is not None
    }
    chosen = arms(scenarios or ("unintentional",), conditions or ("none",), jailbreak, systems)
    endpoint = llm.endpoint()
    settings = GenerateSettings(
        model=model,
        arms=tuple(chosen),
        languages=llm.languages,
        datasets=datasets,
        limit=limit,
        samples=samples,
        concurrency=llm.concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        quiet=llm.quiet,
    )
    if batches.batch:
        from polyjudge.judge import generation_batch

        data = submit_batches(
            project, generation_batch.submit, endpoint, settings, batches, "generate-batch"
        )
        return _print_batch(data, llm.as_json)
    data = asyncio.run(run_generate(project, endpoint, settings)).as_dict()
    project.log_event("generate", **data)
    print_adaptations(data)
    if llm.as_json:
        echo_json(data)
    else:
        _print(data)
    raise_for_errors(data)


def _print(data: dict[str, Any]) -> None:
    in_batch = f", {data['in_batch']} in batches" if data.get("in_batch") else ""
    echo(
        f"{data['run']}: {data['generated']} generated, {data['cached']} from the cache, "
        f"{data['already']} already there, {data['requested']} requests, "
        f"{data['errors']} failed{in_batch}"
    )
    for name, cell in sorted(data["cells"].items()):
        language, scenario, condition = name.split("/", 2)
        in_batch = f", {cell['in_batch']} in batches" if cell.get("in_batch") else ""
        echo(
            f"  {language} {scenario} {condition}: {cell['generated']} generated, "
            f"{cell['cached']} cached, {cell['already']} already, {cell['failed']} failed"
            f"{in_batch}"
        )


def _collect(project: Any, llm: LlmOptions, batch_id: str, poll_interval: float) -> None:
    from polyjudge.judge import batch_collect
    from polyjudge.store import PolyjudgeError

    endpoint = llm.endpoint()  # a missing key is the first error, as for a new run
    if batch_id == "*":
        batches = project.batches.open("generate")
        if not batches:
            raise PolyjudgeError("--batch-status: no open generate batch in this project")
    else:
        found = project.batches.get(batch_id)
        run = project.judging.run(found.run_id) if found is not None else None
        if run is None or run.kind != "generate":
            raise PolyjudgeError(
                f"--batch-status: batch {batch_id!r} is no generate batch of this project"
            )
        batches = [found]
    reports = asyncio.run(
        batch_collect.collect(project, endpoint, [b.id for b in batches], poll_interval, llm.quiet)
    )
    data = {"collected": reports}
    project.log_event("generate-batch-status", **data)
    _print_batch(data, llm.as_json)


def _print_batch(data: dict[str, Any], as_json: bool) -> None:
    """What a batch submission or collection did; a batch that ended short is an error."""
    from polyjudge.store import PolyjudgeError

    print_adaptations(data)
    if as_json:
        echo_json(data)
    else:
        if "run" in data:
            _print(data)
        for batch_id in data.get("batches", []):
            echo(
                f"batch {batch_id} submitted (collect with: polyjudge generate "
                f"--batch-status {batch_id})"
            )
        for report in data.get("collected", []):
            echo(
                f"batch {report['batch']} {report['status']}: {report['verdicts']} responses, "
                f"{report['errors']} failed, {report['unanswered']} unanswered"
            )
    for report in data.get("collected", []):
        missing = report["errors"] + report["unanswered"]
        if report["status"] != "completed" or missing:
            reason = f" ({report['failure']})" if report.get("failure") else ""
            raise PolyjudgeError(
                f"batch {report['batch']} ended {report['status']}{reason}: {missing} "
                "request(s) have no response; run the same generate command again to send them"
            )


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(generate)
