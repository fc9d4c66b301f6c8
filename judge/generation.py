"""`polyjudge generate`: ask the model under test the imported prompts, per language, scenario
and condition, and store its answers as responses to annotate and judge.

The same request loop as judging (requests.py): the cache in `llm_calls`, bounded concurrency,
retries, the call log, progress, and a killed run that resumes. Each (scenario, condition) is
an `Arm` (generation_prompts.py) with its own template hash, asked in turn. For every prompt
(by id, in `languages`, the first `limit`), arm and sample:

- a response with its uid exists (`generated_uid`: prompt, model, scenario, condition, sample,
  and the hash of the template / system prompt when the arm uses one): skipped, so a re-run
  or a resumed run asks nothing twice and writes no duplicate;
- the cache has the answer (same model, arm hash and input): the response is written from it;
- otherwise the request is sent; its call-log row and the response are written in one
  transaction as the answer arrives (text capped like every model output, `call_id` naming the
  row, `source_file` the endpoint).

A failed request writes no response; the next run asks again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from operator import attrgetter

from polyjudge.languages import language_name
from polyjudge.store import (
    CachedCall,
    JudgeRun,
    NewCall,
    NewResponse,
    Project,
    Prompt,
    content_hash,
    generated_uid,
)

from .client import Endpoint
from .engine import Outcome
from .generation_prompts import Arm
from .generation_settings import GenerateSettings, GenerateSummary, GenItem
from .progress import RunProgress
from .requests import CallLog, RequestLoop, Results


def _prompts(project: Project, settings: GenerateSettings) -> Iterator[Prompt]:
    """The selected prompts by id: in `languages` and `datasets`, the first `limit` of each
    language."""
    after, taken = 0, dict[str, int]()
    selection = (settings.languages, settings.datasets)
    while page := project.generated.prompts(*selection, after, 500):
        after = page[-1].id
        for prompt in page:
            n = taken.get(prompt.language, 0)
            if settings.limit is None or n < settings.limit:
                taken[prompt.language] = n + 1
                yield prompt


def count_missing(project: Project, settings: GenerateSettings) -> int:
    """How many responses of the selection (prompts × arms × samples) are not generated yet:
    the progress bar's total, so that a resumed run counts only what it still has to do."""
    scratch = GenerateSummary(run="")
    return sum(
        sum(1 for _ in arm_items(project, settings, arm, scratch, lambda n: None))
        for arm in settings.arms
    )


def arm_items(
    project: Project,
    settings: GenerateSettings,
    arm: Arm,
    summary: GenerateSummary,
    on_skip: Callable[[int], None],
) -> Iterator[GenItem]:
    """The items of one arm not generated yet, page by page (existing uids counted and
    skipped)."""
    params = json.dumps(settings.output_params, sort_keys=True)

    def item(prompt: Prompt, sample: int) -> GenItem:
        uid = generated_uid(
            prompt.dataset,
            prompt.prompt_key,
            prompt.language,
            settings.model,
            arm.scenario,
            arm.condition,
            sample,
            texts=arm.texts_hash,
        )
        key = content_hash(prompt.text, prompt.language, params, str(sample) if sample else "")
        return GenItem(prompt, arm, sample, uid, key)

    page: list[GenItem] = []

    def flush() -> Iterator[GenItem]:
        existing = project.generated.existing([i.uid for i in page])
        for i in page:
            summary.selected += 1
            summary.count(i, "selected")
            if i.uid in existing:
                summary.already += 1
                summary.count(i, "already")
                on_skip(1)
            else:
                yield i
        page.clear()

    for prompt in _prompts(project, settings):
        page.extend(item(prompt, s) for s in range(settings.samples))
        if len(page) >= 500:
            yield from flush()
    yield from flush()


def response_row(
    item: GenItem,
    text: str,
    model: str,
    source: str,
    call_id: int | None = None,
    call: NewCall | None = None,
) -> NewResponse:
    """The response an answer to `item` becomes (its call: `call_id`, or `call` written with
    it)."""
    p = item.prompt
    return NewResponse(
        uid=item.uid,
        prompt_id=p.id,
        language=p.language,
        model=model,
        category=p.category,
        scenario=item.arm.scenario,
        condition=item.arm.condition,
        text=text,
        source_file=source,
        call_id=call_id,
        call=call,
    )


def source_of(endpoint: Endpoint) -> str:
    """Where a generated response's text came from (its `source_file`)."""
    return f"generate:{endpoint.public_url}"


def start_run(project: Project, endpoint: Endpoint | None, settings: GenerateSettings) -> JudgeRun:
    return project.judging.find_or_create_run(
        name=settings.run_name,
        kind="generate",
        model=settings.model,
        base_url=endpoint.public_url if endpoint else None,
        template_name="generate",
        template_hash=content_hash(*(a.hash for a in settings.arms)),
        params=settings.run_params(),
    )


def arm_loop(
    project: Project,
    endpoint: Endpoint,
    run: JudgeRun,
    settings: GenerateSettings,
    arm: Arm,
    summary: GenerateSummary,
    progress: RunProgress | None = None,
) -> RequestLoop[GenItem]:
    """The request loop of one arm: each answer (cached or fresh) becomes a response."""
    source = source_of(endpoint)

    def cached(item: GenItem, call: CachedCall) -> Results:
        summary.count(item, "cached")
        return Results(responses=[response_row(item, call.output, settings.model, source, call.id)])

    def answered(items: list[GenItem], outcome: Outcome, call: NewCall) -> Results:
        # (items share an answer only when they share the key: the same prompt text)
        for item in items:
            summary.count(item, "generated")
        text = outcome.output or ""
        return Results(
            responses=[response_row(i, text, settings.model, source, None, call) for i in items]
        )

    def build(item: GenItem) -> list[dict[str, str]]:
        language = item.prompt.language
        return item.arm.messages(item.prompt.text, language_name(language) or language)

    return RequestLoop(
        project,
        endpoint,
        CallLog("generate", settings.model, arm.name, arm.hash, run.id),
        settings.output_params,
        settings.concurrency,
        key=attrgetter("key"),
        build=build,
        cached=cached,
        answered=answered,
        refs=lambda item: (None, item.prompt.id),
        check=rejected,
        progress=progress,
    )


def finish(project: Project, run: JudgeRun, summary: GenerateSummary, in_batch: int = 0) -> None:
    """Count what each cell is missing (asked for, not written) and set the run's status."""
    summary.generated = sum(c["generated"] for c in summary.cells.values())
    for cell in summary.cells.values():
        cell["failed"] = (
            cell["selected"]
            - cell["already"]
            - cell["generated"]
            - cell["cached"]
            - cell.get("in_batch", 0)
        )
    complete = not summary.errors and not summary.stop_error and not in_batch
    status = (
        "batch" if in_batch and not summary.errors else "finished" if complete else "incomplete"
    )
    project.judging.set_run_status(run.id, status)


def rejected(outcome: Outcome) -> str | None:
    """An answer with no text at all (a refusal field only, say) is no response."""
    return "the answer has no text" if outcome.output is None else None


async def run_generate(
    project: Project, endpoint: Endpoint, settings: GenerateSettings
) -> GenerateSummary:
    """Generate every missing response of the selection online, arm by arm."""
    run = start_run(project, endpoint, settings)
    summary = GenerateSummary(run=run.name)
    total = count_missing(project, settings)
    with RunProgress(f"generate {run.name}", total, quiet=settings.quiet) as progress:
        for arm in settings.arms:
            loop = arm_loop(project, endpoint, run, settings, arm, summary, progress)
            await loop.run(arm_items(project, settings, arm, summary, lambda n: None))
            summary.cached += loop.hits
            summary.requested += loop.requested
            summary.errors += loop.errors
            summary.last_error = loop.last_error or summary.last_error
            summary.adapted.extend(loop.adapted)
            if loop.stop_error:
                summary.stop_error = loop.stop_error
                break
    finish(project, run, summary)
    return summary
