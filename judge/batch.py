"""Judging through the OpenAI Batch API.

`submit`: the same selection and cache as an online run. The first request is sent online (the
probe: a wrong model, key or refused parameter shows at once, not a day later; `--no-probe`
skips it); the requests that remain are written as
JSONL (one line per distinct input, `custom_id` = `r<first response id>`), uploaded with
`purpose="batch"`, and a batch is created for `/v1/chat/completions` with a 24 h window. The
batch id, and which responses each custom_id answers, are stored in the project
(`judge_batches`, `judge_batch_items`, and `judge_runs.batch_id`) before anything else happens,
so `polyjudge judge --batch-status` can resume polling from another process.

`collect`: poll until the batch ends, then download the output and error files and store
verdicts and call-log rows exactly as an online run would. Answers that failed are logged with
their error and get no verdict; a later run sends them again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from polyjudge.store import BatchItem, JudgeBatch, JudgeRun, NewCall, PolyjudgeError, Project

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
from .progress import RunProgress
from .requests import RequestLoop
from .templates import Template, builtin, load_template
from .writer import ResultWriter

MAX_REQUESTS = 50_000  # the Batch API's limits per batch: requests ...
MAX_BYTES = 190_000_000  # ... and input file size (200 MB), with a margin
TERMINAL = ("completed", "failed", "expired", "cancelled")


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
    data = ("\n".join(chunk.lines) + "\n").encode("utf-8")
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
    project.batches.add(
        JudgeBatch(
            id=batch.id,
            run_id=run_id,
            status=batch.status,
            requests=len(chunk.lines),
            input_file_id=uploaded.id,
        ),
        chunk.items,
    )
    return batch.id


def template_of_run(project: Project, run_id: int) -> tuple[Template, str]:
    """The template that built a run's requests (to parse its batch answers), and its model."""
    run = project.judging.run(run_id)
    if run is None:
        raise PolyjudgeError(f"judge run {run_id} is not in this project")
    params = json.loads(run.params or "{}")
    origin = params.get("template_origin", "")
    if origin.startswith("builtin:"):
        template = builtin(origin.removeprefix("builtin:"))
    else:
        try:
            template = load_template(origin, project.label_set)
        except PolyjudgeError:
            template = Template(
                name=run.template_name or "template",
                body="",
                answers=params.get("answers", {}),
                match=params.get("match", "exact"),
                origin=origin,
            )
    if template.body and template.hash != run.template_hash:
        template = Template(
            name=template.name,
            body="",
            answers=params.get("answers", {}),
            match=params.get("match", "exact"),
            origin=origin,
        )
    return template, run.model


async def collect(
    project: Project,
    endpoint: Endpoint,
    batch_ids: list[str],
    poll_interval: float = 30.0,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    """Poll each batch until it ends; store its answers. Returns one report per batch."""
    client = endpoint.client()
    reports = []
    try:
        for batch_id in batch_ids:
            reports.append(
                await _collect_one(project, client, endpoint, batch_id, poll_interval, quiet)
            )
    finally:
        await client.close()
    return reports


async def _collect_one(
    project: Project,
    client: Any,
    endpoint: Endpoint,
    batch_id: str,
    poll_interval: float,
    quiet: bool,
) -> dict[str, Any]:
    from .client import describe_error

    record = project.batches.get(batch_id)
    if record is None:
        raise PolyjudgeError(f"batch {batch_id!r} was not started from this project")
    with RunProgress(f"batch {batch_id}", record.requests, quiet=quiet) as progress:
        while True:
            try:
                batch = await client.batches.retrieve(batch_id)
            except Exception as exc:
                raise PolyjudgeError(f"batch {batch_id}: {describe_error(exc, endpoint)}") from None
            counts = batch.request_counts
            if counts is not None:
                progress.set_completed(counts.completed + counts.failed)
                progress.errors = counts.failed
            progress.set_description(f"batch {batch_id} {batch.status}")
            project.batches.update(batch_id, status=batch.status)
            if batch.status in TERMINAL:
                break
            await asyncio.sleep(poll_interval)
    stored = errors = 0
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            try:
                content = await client.files.content(file_id)
            except Exception as exc:
                raise PolyjudgeError(f"batch {batch_id}: {describe_error(exc, endpoint)}") from None
            ok, bad = store_lines(project, endpoint, record, content.content.decode("utf-8"))
            stored, errors = stored + ok, errors + bad
    project.batches.update(
        batch_id,
        status=batch.status,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        done=True,
    )
    left = record.requests - stored - errors
    project.judging.set_run_status(
        record.run_id, "finished" if not errors and not left else "incomplete"
    )
    failure = None
    if batch.errors is not None and batch.errors.data:
        failure = endpoint.redact("; ".join(e.message or e.code or "" for e in batch.errors.data))
    return {
        "batch": batch_id,
        "status": batch.status,
        "verdicts": stored,
        "errors": errors,
        "unanswered": max(left, 0),
        "failure": failure,
    }


def store_lines(
    project: Project, endpoint: Endpoint, record: JudgeBatch, text: str
) -> tuple[int, int]:
    """Store the answers of an output or error file. Returns (verdicts, failed requests)."""
    from openai.types.chat import ChatCompletion

    from .engine import outcome_of

    run = project.judging.run(record.run_id)
    assert run is not None
    template, model = template_of_run(project, record.run_id)
    by_custom: dict[str, list[BatchItem]] = defaultdict(list)
    for item in project.batches.items(record.id):
        by_custom[item.custom_id].append(item)
    writer = ResultWriter(project, interval=0)
    stored = failed = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        items = by_custom.get(entry.get("custom_id", ""), [])
        if not items:
            continue
        response = entry.get("response") or {}
        error = entry.get("error")
        if error or response.get("status_code") != 200:
            body = response.get("body") or {}
            message = (error or body.get("error") or {}).get("message", "failed")
            outcome = Outcome(
                error=endpoint.redact(
                    f"HTTP {response.get('status_code', '?')} in batch {record.id}: {message}"
                )
            )
        else:
            outcome = outcome_of(ChatCompletion.model_validate(response["body"]))
        call = NewCall(
            purpose="judge",
            model=model,
            base_url=endpoint.public_url,
            template_name=run.template_name or template.name,
            template_hash=run.template_hash or template.hash,
            input_hash=items[0].input_hash,
            run_id=run.id,
            response_id=items[0].response_id,
            prompt_id=None,
            output=outcome.output,
            logprobs=outcome.logprobs,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            latency_ms=None,
            finish_reason=outcome.finish_reason,
            error=outcome.error,
            custom_id=entry.get("custom_id"),
        )
        if outcome.error is not None:
            writer.add(call)
            failed += 1
            continue
        verdicts = [
            make_verdict(
                run,
                template,
                Pending(i.response_id, i.input_hash, i.input_source or "{}", {}),
                outcome,
                call,
            )
            for i in items
        ]
        writer.add(call, verdicts)
        stored += len(verdicts)
    writer.flush()
    return stored, failed
