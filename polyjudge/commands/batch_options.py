"""What `polyjudge judge` and `polyjudge generate` share for the OpenAI Batch API: the options
`--batch`, `--no-wait`, `--no-probe`, `--batch-status` and `--poll-interval` (passed as one
`BatchOptions`), and a submission that waits for its batches unless told not to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import click

from polyjudge.options import grouped_options


@dataclass(frozen=True)
class BatchOptions:
    """`--batch` (submit through the Batch API), `--no-wait` (submit and exit), `--no-probe`
    (no online first request), `--batch-status` (collect a batch started earlier: its id, or
    `*` for every open one) and `--poll-interval` (seconds between status checks)."""

    batch: bool
    no_wait: bool
    no_probe: bool
    batch_status: str | None
    poll_interval: float


def batch_options(
    no_probe_help: str, batch_status_help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The Batch API options on a command, which receives them as one `batches`; the help of
    `--no-probe` and `--batch-status` names what the command's batches make."""
    return grouped_options(
        "batches",
        BatchOptions,
        click.option(
            "--batch",
            is_flag=True,
            help="Use the OpenAI Batch API (upload, poll, download).",
        ),
        click.option(
            "--no-wait",
            is_flag=True,
            help="With --batch: submit and exit; collect later with --batch-status.",
        ),
        click.option("--no-probe", is_flag=True, help=no_probe_help),
        click.option(
            "--batch-status",
            "batch_status",
            is_flag=False,
            flag_value="*",
            default=None,
            metavar="[BATCH_ID]",
            help=batch_status_help,
        ),
        click.option(
            "--poll-interval",
            type=float,
            default=30.0,
            show_default=True,
            help="Seconds between Batch API status checks.",
        ),
    )


def submit_batches(
    project: Any,
    submit: Callable[..., Coroutine[Any, Any, tuple[Any, list[str]]]],
    endpoint: Any,
    settings: Any,
    batches: BatchOptions,
    event: str,
) -> dict[str, Any]:
    """Submit a run's requests with `submit` (`judge.batch.submit`, `generation_batch.submit`),
    log the submission as `event`, then (unless `--no-wait`) wait for its batches and collect
    them. The summary, the batch ids (`batches`) and what was collected (`collected`)."""
    from polyjudge.judge import batch_collect

    submitted, batch_ids = asyncio.run(
        submit(project, endpoint, settings, probe=not batches.no_probe)
    )
    data = {**submitted.as_dict(), "batches": batch_ids}
    project.log_event(event, **data)
    if batch_ids and not batches.no_wait:
        data["collected"] = asyncio.run(
            batch_collect.collect(
                project, endpoint, batch_ids, batches.poll_interval, settings.quiet
            )
        )
    return data
