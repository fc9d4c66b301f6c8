"""`polyjudge translate`: back-translation into English by an LLM."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from polyjudge.console import echo, echo_json
from polyjudge.options import with_project

from .llm_options import LlmOptions, endpoint_options, print_adaptations, raise_for_errors


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
    llm: LlmOptions,
) -> None:
    """Back-translate responses (and prompts with no English source) into English.

    Existing back-translations are kept unless --overwrite; each records its engine (the
    model). Cached and resumable like `judge`."""
    from polyjudge.judge.translation import TranslateSettings, run_translate

    settings = TranslateSettings(
        model=model,
        languages=llm.languages,
        overwrite=overwrite,
        concurrency=llm.concurrency,
        temperature=temperature,
        max_tokens=max_tokens,
        quiet=llm.quiet,
    )
    data = asyncio.run(run_translate(project, llm.endpoint(), settings)).as_dict()
    project.log_event("translate", **data)
    print_adaptations(data)  # on stderr, also beside --json
    if llm.as_json:
        echo_json(data)
    else:
        echo(
            f"{data['run']}: {data['responses']} responses and {data['prompts']} prompts "
            f"translated ({data['cached']} from the cache, {data['requested']} requests, "
            f"{data['errors']} failed)"
        )
    raise_for_errors(data)


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(translate)
