"""`polyjudge generate --batch`: the requests of a generate run through the OpenAI Batch API.

`submit`: the same selection, skips and cache as an online run (generation.py); what remains,
and is in no batch waiting to be collected, is written as JSONL (one line per response to
make, `custom_id` = the response's uid) and sent as batches of at most MAX_REQUESTS lines
(and MAX_BYTES); each batch and what each line becomes are stored (`judge_batches`,
`generate_batch_items`) before anything else, so `generate --batch-status` (or `judge
--batch-status`) collects them from any process. As `judge --batch` does (batch.py), the first
request is sent online before anything is uploaded (`_probe`): a wrong model, key or refused
parameter shows at once, not a day later; its response is kept.

`store_lines`: a batch's output or error file, stored as an online run would store it (a
call-log row per line; a response per answer, written with it).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from polyjudge.languages import language_name
from polyjudge.store import (
    GenerateBatchItem,
    JudgeBatch,
    NewCall,
    Project,
)

from .batch import MAX_BYTES, MAX_REQUESTS, batch_line_outcome, upload_batch
from .client import Endpoint
from .generation import (
    arm_items,
    arm_loop,
    finish,
    rejected,
    response_row,
    source_of,
    start_run,
)
from .generation_prompts import Arm
from .generation_settings import GenerateSettings, GenerateSummary, GenItem
from .requests import RequestLoop
from .writer import ResultWriter


class _Chunk:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.items: list[GenerateBatchItem] = []

    def add(self, item: GenItem, model: str, params: dict[str, Any]) -> None:
        language = item.prompt.language
        body = {
            "model": model,
            "messages": item.arm.messages(item.prompt.text, language_name(language) or language),
            **params,
        }
        line = json.dumps(
            {"custom_id": item.uid, "method": "POST", "url": "/v1/chat/completions", "body": body},
            ensure_ascii=False,
        )
        self.lines.append(line)
        self.size += len(line.encode("utf-8")) + 1
        self.items.append(
            GenerateBatchItem(
                item.uid,
                item.prompt.id,
                item.arm.scenario,
                item.arm.condition,
                item.arm.name,
                item.arm.hash,
                item.key,
            )
        )


async def submit(
    project: Project,
    endpoint: Endpoint,
    settings: GenerateSettings,
    max_requests: int = MAX_REQUESTS,
    probe: bool = True,
) -> tuple[GenerateSummary, list[str]]:
    """Create batches for what is neither generated, cached nor in a batch already; with
    `probe`, the first of them is asked online first (`_probe`)."""
    run = start_run(project, endpoint, settings)
    summary = GenerateSummary(run=run.name)
    batch_ids: list[str] = []
    chunk = _Chunk()
    client = endpoint.client()

    async def send() -> None:
        nonlocal chunk
        batch, input_file_id = await upload_batch(client, endpoint, run.id, chunk.lines)
        project.generated.add_batch_items(
            JudgeBatch(
                id=batch.id,
                run_id=run.id,
                status=batch.status,
                requests=len(chunk.lines),
                input_file_id=input_file_id,
            ),
            chunk.items,
        )
        batch_ids.append(batch.id)
        summary.requested += len(chunk.lines)
        chunk = _Chunk()

    params: dict[str, Any] | None = None  # what the probe learnt the model accepts
    try:
        for arm in settings.arms:
            loop = arm_loop(project, endpoint, run, settings, arm, summary)
            if params is not None:
                loop.params = params
            try:
                selected = arm_items(project, settings, arm, summary, lambda n: None)
                todo = _not_in_batch(project, loop.uncached(selected), summary)
                if probe and params is None:
                    first = next(todo, None)
                    if first is not None:
                        todo = await _probe(loop, summary, first, todo)
                        params = loop.params
                for item in todo:
                    chunk.add(item, settings.model, loop.params)
                    if len(chunk.lines) >= max_requests or chunk.size >= MAX_BYTES:
                        await send()
            finally:
                loop.writer.flush()
            summary.cached += loop.hits
            summary.requested += loop.requested  # the probe
            summary.adapted.extend(loop.adapted)
        if chunk.lines:
            await send()
    finally:
        await client.close()
    finish(project, run, summary, in_batch=summary.in_batch)
    return summary, batch_ids


async def _probe(
    loop: RequestLoop[GenItem], summary: GenerateSummary, first: GenItem, rest: Iterator[GenItem]
) -> Iterator[GenItem]:
    """Ask `first` online, before a batch of thousands is uploaded to wait for up to a day: the
    parameters the model refuses are learnt from its answer and left out of the batch
    (`loop.params`), and a wrong model name or key shows at once. Its response is kept (and
    it leaves the batch count); if it fails, it goes into the batch with the rest."""
    await loop.send([first])
    if loop.errors:
        summary.probe_error = loop.last_error
        return itertools.chain([first], rest)
    summary.in_batch -= 1
    summary.count(first, "in_batch", -1)
    return rest


def _not_in_batch(project: Project, items: Any, summary: GenerateSummary) -> Iterator[GenItem]:
    """Count every item as in a batch; yield those no uncollected batch holds yet (they go
    into the new one), so that a re-run submits nothing twice."""
    page: list[GenItem] = []

    def flush() -> Any:
        pending = project.generated.pending_in_batches([i.uid for i in page])
        for item in page:
            summary.in_batch += 1
            summary.count(item, "in_batch")
            if item.uid not in pending:
                yield item
        page.clear()

    for item in items:
        page.append(item)
        if len(page) >= 200:
            yield from flush()
    yield from flush()


def store_lines(
    project: Project, endpoint: Endpoint, record: JudgeBatch, text: str
) -> tuple[int, int]:
    """Store the answers of an output or error file. Returns (responses, failed requests)."""
    run = project.judging.run(record.run_id)
    assert run is not None
    items = {i.custom_id: i for i in project.generated.batch_items(record.id)}
    writer = ResultWriter(project, interval=0)
    source = source_of(endpoint)
    stored = failed = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        item = items.get(entry.get("custom_id", ""))
        if item is None:
            continue
        outcome = batch_line_outcome(entry, endpoint, record.id)
        if not outcome.error:
            outcome.error = rejected(outcome)
        call = NewCall(
            purpose="generate",
            model=run.model,
            base_url=endpoint.public_url,
            template_name=item.template_name,
            template_hash=item.template_hash,
            input_hash=item.input_hash,
            run_id=run.id,
            response_id=None,
            prompt_id=item.prompt_id,
            output=outcome.output,
            logprobs=None,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            latency_ms=None,
            finish_reason=outcome.finish_reason,
            error=outcome.error,
            custom_id=item.custom_id,
        )
        prompt = project.content.prompt(item.prompt_id)
        if outcome.error is not None or prompt is None:
            writer.add(call)
            failed += 1
            continue
        gen = GenItem(
            prompt, Arm(item.scenario, item.condition), 0, item.custom_id, item.input_hash
        )
        writer.add(
            call, responses=[response_row(gen, outcome.output or "", run.model, source, None, call)]
        )
        stored += 1
    writer.flush()
    return stored, failed
