"""`polyjudge generate`: ask the model under test the imported prompts (MultiJail's scenarios,
XSafety's conditions) and store its answers as responses."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from polyjudge.console import echo, echo_json
from polyjudge.options import with_project

from .llm_options import endpoint_options, print_adaptations, raise_for_errors

SCENARIOS = ("unintentional", "intentional")
CONDITIONS = ("none", "safe_prompt", "xling_prompt")
FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option("--model", required=True, metavar="M", help="The model under test.")
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
    "--limit", type=click.IntRange(1), default=None, help="Only the first N prompts (by id)."
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
@endpoint_options
@with_project
def generate(
    project: Any,
    model: str,
    scenarios: tuple[str, ...],
    conditions: tuple[str, ...],
    template: Path | None,
    safe_prompt: Path | None,
    xling_prompt: Path | None,
    limit: int | None,
    samples: int,
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
    """Ask the model under test the imported prompts; store its answers as responses.

    Each response records its scenario and condition (for `report --by scenario,condition`
    and `--compare scenario`), its model, the endpoint and the call it came from. Cached and
    resumable like `judge`: a response already generated is not asked for again."""
    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.judge.generation import GenerateSettings, run_generate
    from polyjudge.judge.generation_prompts import arms, load_jailbreak, load_system_prompt

    jailbreak = load_jailbreak(template) if template is not None else None
    systems = {
        name: load_system_prompt(path)
        for name, path in (("safe_prompt", safe_prompt), ("xling_prompt", xling_prompt))
        if path is not None
    }
    chosen = arms(scenarios or ("unintentional",), conditions or ("none",), jailbreak, systems)
    endpoint = resolve_endpoint(base_url, api_key_env, timeout, max_retries)
    settings = GenerateSettings(
        model=model,
        arms=tuple(chosen),
        languages=languages,
        limit=limit,
        samples=samples,
        concurrency=concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        quiet=quiet,
    )
    data = asyncio.run(run_generate(project, endpoint, settings)).as_dict()
    project.log_event("generate", **data)
    print_adaptations(data)
    if as_json:
        echo_json(data)
    else:
        _print(data)
    raise_for_errors(data)


def _print(data: dict[str, Any]) -> None:
    echo(
        f"{data['run']}: {data['generated']} generated, {data['cached']} from the cache, "
        f"{data['already']} already there, {data['requested']} requests, "
        f"{data['errors']} failed"
    )
    for name, cell in sorted(data["cells"].items()):
        language, scenario, condition = name.split("/", 2)
        echo(
            f"  {language} {scenario} {condition}: {cell['generated']} generated, "
            f"{cell['cached']} cached, {cell['already']} already, {cell['failed']} failed"
        )


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(generate)
