"""Judging through the OpenAI Batch API.

`submit`: the same selection and cache as an online run. The first request is sent online (the
probe: a wrong model, key or refused parameter shows at once, not a day later; `--no-probe`
skips it); the requests that remain are written as
JSONL (one line per distinct input, `custom_id` = `r<first response id>`), uploaded with
`purpose="batch"`, and a batch is created for `/v1/chat/completions` with a 24 h window. The
batch id, and which responses each custom_id answers, are stored in the project
(`judge_batches`, `judge_batch_items`, and `judge_runs.batch_id`) before anything else happens,
so `polyjudge judge --batch-status` can resume polling from another process.

`collect` (in `batch_collect.py`): poll until the batch ends and store its answers.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from polyjudge.store import BatchItem, JudgeBatch, JudgeRun, PolyjudgeError, Project

from .client import Endpoint
from .engine import Outcome
from .judging import (
    JudgeSettings,
    JudgeSummary,
    Pending,
    judge_loop,
    make_verdict,
    select_items,
    start_run,
)
from .requests import RequestLoop

MAX_REQUESTS = 50_000  # the Batch API's limits per batch: requests ...
MAX_BYTES = 190_000_000  # ... and input file size (200 MB), with a margin


class _Chunk:
    """The requests of the batch being assembled: one JSONL line per distinct input."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.custom_ids: dict[str, str] = {}  # input hash -> custom_id
        self.items: list[BatchItem] = []

    def add(self, pending: Pending, settings: JudgeSettings, params: dict[str, Any]) -> None:
        custom_id = self.custom_ids.get(pending.input_hash)
        if custom_id is None:
            custom_id = self.custom_ids[pending.input_hash] = f"r{pending.response_id}"
            body = {
                "model": settings.model,
                "messages": settings.template.render(pending.values),
                **params,
            }
            line = json.dumps(
                {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": body,
                },
                ensure_ascii=False,
            )
            self.lines.append(line)
            self.size += len(line.encode("utf-8")) + 1
        self.items.append(
            BatchItem(custom_id, pending.response_id, pending.input_hash, pending.input_source)
        )


async def _probe(
    loop: RequestLoop[Pending],
    answers: dict[str, Outcome],
    run: JudgeRun,
    settings: JudgeSettings,
    summary: JudgeSummary,
    items: Iterator[Pending],
) -> Iterator[Pending]:
    """Send the first request online, before a batch of thousands is uploaded to wait for up
    to a day: the parameters the model refuses (see `engine.adapt_params`) are learnt from its
    answer and left out of the batch (`loop.params`), and a wrong model name or key shows at
    once. Its verdict is kept. If it fails, it goes into the batch with the rest."""
    first = next(items, None)
    if first is None:
        return items
    template = settings.template
    await loop.send([first])
    summary.adapted, summary.logprobs_refused = loop.adapted, loop.logprobs_refused
    if loop.errors:
        summary.probe_error = loop.last_error
        return itertools.chain([first], items)
    answer = answers[first.input_hash]

    def same_input_answered(rest: Iterator[Pending]) -> Iterator[Pending]:
        # Responses with the probe's input (later on its page, where the cache was read
        # before the probe) take its answer instead of a batch line.
        for pending in rest:
            if pending.input_hash == first.input_hash:
                loop.writer.add(verdicts=[make_verdict(run, template, pending, answer)])
                summary.cached += 1
            else:
                yield pending

    return same_input_answered(items)


async def submit(
    project: Project,
    endpoint: Endpoint,
    settings: JudgeSettings,
    max_requests: int = MAX_REQUESTS,
    probe: bool = True,
) -> tuple[JudgeSummary, list[str]]:
    """Create batches for what the cache cannot answer, streaming the selection into batches
    of at most `max_requests` requests (and MAX_BYTES); with `probe`, the first request is
    sent online first (see `_probe`). Returns the summary and batch ids."""
    run = start_run(project, endpoint, settings)
    summary = JudgeSummary(run=run.name)
    answers: dict[str, Outcome] = {}
    loop = judge_loop(project, endpoint, run, settings, concurrency=1, answers=answers)
    batch_ids: list[str] = []
    earlier: dict[str, tuple[str, str]] = {}  # input hash -> (batch id, custom_id) sent before
    late: dict[str, list[BatchItem]] = {}
    chunk = _Chunk()
    client = endpoint.client()
    try:
        items = loop.uncached(select_items(project, run, settings, summary, lambda n: None))
        if probe:
            items = await _probe(loop, answers, run, settings, summary, items)
        params = loop.params
        for pending in items:
            summary.in_batch += 1
            if pending.input_hash in earlier:
                batch_id, custom_id = earlier[pending.input_hash]
                late.setdefault(batch_id, []).append(
                    BatchItem(
                        custom_id, pending.response_id, pending.input_hash, pending.input_source
                    )
                )
                continue
            chunk.add(pending, settings, params)
            if len(chunk.lines) >= max_requests or chunk.size >= MAX_BYTES:
                batch_ids.append(await _create(project, client, endpoint, run.id, chunk))
                earlier.update((h, (batch_ids[-1], c)) for h, c in chunk.custom_ids.items())
                summary.requested += len(chunk.lines)
                chunk = _Chunk()
        if chunk.lines:
            batch_ids.append(await _create(project, client, endpoint, run.id, chunk))
            summary.requested += len(chunk.lines)
    finally:
        loop.writer.flush()
        await client.close()
    summary.cached += loop.hits
    summary.requested += loop.requested  # the probe
    for batch_id, batch_items in late.items():
        project.batches.add_items(batch_id, batch_items)
    if not batch_ids:
        project.judging.set_run_status(run.id, "finished" if not summary.in_batch else "batch")
    summary.labels = project.judging.verdict_counts(run.id)
    return summary, batch_ids


async def _create(
    project: Project, client: Any, endpoint: Endpoint, run_id: int, chunk: _Chunk
) -> str:
    batch, input_file_id = await upload_batch(client, endpoint, run_id, chunk.lines)
    project.batches.add(
        JudgeBatch(
            id=batch.id,
            run_id=run_id,
            status=batch.status,
            requests=len(chunk.lines),
            input_file_id=input_file_id,
        ),
        chunk.items,
    )
    return batch.id


async def upload_batch(
    client: Any, endpoint: Endpoint, run_id: int, lines: list[str]
) -> tuple[Any, str]:
    """Upload the JSONL request lines and create a batch on them (24 h window). Returns the
    batch object and the input file id; the caller records them before anything else."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        uploaded = await client.files.create(
            file=("polyjudge-batch.jsonl", data, "application/jsonl"), purpose="batch"
        )
        batch = await client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"polyjudge_run": str(run_id)},
        )
    except Exception as exc:
        from .client import describe_error

        raise PolyjudgeError(f"could not create a batch: {describe_error(exc, endpoint)}") from None
    return batch, uploaded.id


def batch_line_outcome(entry: dict[str, Any], endpoint: Endpoint, batch_id: str) -> Outcome:
    """What one line of a Batch API output file answered: the completion, or the error (the
    line's own, or a status other than 200), with the key redacted from its message."""
    from openai.types.chat import ChatCompletion

    from .engine import outcome_of

    response = entry.get("response") or {}
    error = entry.get("error")
    if error or response.get("status_code") != 200:
        body = response.get("body") or {}
        message = (error or body.get("error") or {}).get("message", "failed")
        return Outcome(
            error=endpoint.redact(
                f"HTTP {response.get('status_code', '?')} in batch {batch_id}: {message}"
            )
        )
    return outcome_of(ChatCompletion.model_validate(response["body"]))
