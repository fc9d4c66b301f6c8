"""Collecting Batch API results: poll until the batch ends, then download the output and error
files and store verdicts and call-log rows exactly as an online run would. Answers that failed
are logged with their error and get no verdict; a later run sends them again."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from polyjudge.store import BatchItem, JudgeBatch, NewCall, PolyjudgeError, Project

from . import generation_batch
from .batch import batch_line_outcome
from .client import Endpoint
from .judging import (
    Pending,
    make_verdict,
)
from .progress import RunProgress
from .templates import Template, builtin, load_template
from .writer import ResultWriter

TERMINAL = ("completed", "failed", "expired", "cancelled")


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
    run = project.judging.run(record.run_id)
    store = generation_batch.store_lines if run and run.kind == "generate" else store_lines
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            try:
                content = await client.files.content(file_id)
            except Exception as exc:
                raise PolyjudgeError(f"batch {batch_id}: {describe_error(exc, endpoint)}") from None
            ok, bad = store(project, endpoint, record, content.content.decode("utf-8"))
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
        outcome = batch_line_outcome(entry, endpoint, record.id)
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
