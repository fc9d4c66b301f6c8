"""`polyjudge generate`: ask the model under test the imported prompts, per language, scenario
and condition, and store its answers as responses to annotate and judge.

The same request loop as judging (requests.py): the cache in `llm_calls`, bounded concurrency,
retries, the call log, progress, and a killed run that resumes. Each (scenario, condition) is
an `Arm` (generation_prompts.py) with its own template hash, asked in turn. For every prompt
(by id, in `languages`, the first `limit`), arm and sample:

- a response with its uid exists (`generated_uid`: prompt, model, scenario, condition, sample):
  skipped, so a re-run or a resumed run asks nothing twice and writes no duplicate;
- the cache has the answer (same model, arm hash and input): the response is written from it;
- otherwise the request is sent; its call-log row and the response are written in one
  transaction as the answer arrives (text capped like every model output, `call_id` naming the
  row, `source_file` the endpoint).

A failed request writes no response; the next run asks again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polyjudge.languages import language_name
from polyjudge.store import (
    CachedCall,
    NewCall,
    NewResponse,
    Project,
    Prompt,
    content_hash,
    generated_uid,
)

from .client import Endpoint, answer_params
from .engine import Outcome
from .generation_prompts import Arm
from .progress import RunProgress
from .requests import CallLog, RequestLoop, Results


@dataclass(frozen=True)
class GenerateSettings:
    model: str
    arms: tuple[Arm, ...]
    languages: tuple[str, ...] = ()
    limit: int | None = None
    samples: int = 1
    concurrency: int = 8
    temperature: float = 0.0
    max_tokens: int | None = None
    quiet: bool = False

    @property
    def output_params(self) -> dict[str, Any]:
        return answer_params(self.temperature, self.max_tokens)

    @property
    def run_name(self) -> str:
        digest = content_hash(
            *(arm.hash for arm in self.arms), json.dumps(self.output_params, sort_keys=True)
        )
        return f"{self.model}/generate@{digest[:8]}"

    def run_params(self) -> dict[str, Any]:
        return {
            **self.output_params,
            "arms": [
                {
                    "scenario": a.scenario,
                    "condition": a.condition,
                    "template": a.jailbreak.origin if a.jailbreak else None,
                    "system_prompt": a.system.origin if a.system else None,
                    "hash": a.hash,
                }
                for a in self.arms
            ],
            "languages": list(self.languages),
            "limit": self.limit,
            "samples": self.samples,
        }


@dataclass(frozen=True)
class GenItem:
    """One response to generate: a prompt, asked one way, the n-th time."""

    prompt: Prompt
    arm: Arm
    sample: int
    uid: str
    key: str


@dataclass
class GenerateSummary:
    run: str
    selected: int = 0
    already: int = 0
    generated: int = 0
    cached: int = 0
    requested: int = 0
    errors: int = 0
    stop_error: str | None = None
    last_error: str | None = None
    adapted: list[str] = field(default_factory=list)
    # "language/scenario/condition" -> {"selected", "already", "generated", "cached", "failed"}
    cells: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, item: GenItem, what: str, n: int = 1) -> None:
        name = f"{item.prompt.language}/{item.arm.scenario}/{item.arm.condition}"
        cell = self.cells.setdefault(
            name, {"selected": 0, "already": 0, "generated": 0, "cached": 0, "failed": 0}
        )
        cell[what] += n

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _prompts(project: Project, settings: GenerateSettings) -> Iterator[Prompt]:
    after, remaining = 0, settings.limit
    while remaining is None or remaining > 0:
        page = project.generated.prompts(settings.languages, after, 500)
        if not page:
            return
        after = page[-1].id
        if remaining is not None:
            page, remaining = page[:remaining], remaining - len(page[:remaining])
        yield from page


def _items(
    project: Project,
    settings: GenerateSettings,
    arm: Arm,
    summary: GenerateSummary,
    progress: RunProgress,
) -> Iterator[GenItem]:
    """The items of one arm not generated yet, page by page (existing uids skipped)."""
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
                progress.advance()
            else:
                yield i
        page.clear()

    for prompt in _prompts(project, settings):
        page.extend(item(prompt, s) for s in range(settings.samples))
        if len(page) >= 500:
            yield from flush()
    yield from flush()


def response_text(outcome: Outcome | CachedCall) -> str | None:
    return outcome.output


def rejected(outcome: Outcome) -> str | None:
    """An answer with no text at all (a refusal field only, say) is no response."""
    return "the answer has no text" if outcome.output is None else None


async def run_generate(
    project: Project, endpoint: Endpoint, settings: GenerateSettings
) -> GenerateSummary:
    """Generate every missing response of the selection, arm by arm."""
    run = project.judging.find_or_create_run(
        name=settings.run_name,
        kind="generate",
        model=settings.model,
        base_url=endpoint.public_url,
        template_name="generate",
        template_hash=content_hash(*(a.hash for a in settings.arms)),
        params=settings.run_params(),
    )
    summary = GenerateSummary(run=run.name)
    prompts = project.generated.count_prompts(settings.languages)
    if settings.limit is not None:
        prompts = min(prompts, settings.limit)
    total = prompts * len(settings.arms) * settings.samples
    source = f"generate:{endpoint.public_url}"

    def new_response(
        item: GenItem, text: str, call_id: int | None, call: NewCall | None
    ) -> Results:
        p = item.prompt
        return Results(
            responses=[
                NewResponse(
                    uid=item.uid,
                    prompt_id=p.id,
                    language=p.language,
                    model=settings.model,
                    category=p.category,
                    scenario=item.arm.scenario,
                    condition=item.arm.condition,
                    text=text,
                    source_file=source,
                    call_id=call_id,
                    call=call,
                )
            ]
        )

    def cached(item: GenItem, call: CachedCall) -> Results:
        summary.count(item, "cached")
        return new_response(item, call.output, call.id, None)

    def answered(items: list[GenItem], outcome: Outcome, call: NewCall) -> Results:
        # (one item per key: the key holds the prompt text, the arm is the loop's)
        results = Results()
        for item in items:
            summary.count(item, "generated")
            results.responses.extend(new_response(item, outcome.output or "", None, call).responses)
        return results

    def refs(item: GenItem) -> tuple[int | None, int | None]:
        return None, item.prompt.id

    with RunProgress(f"generate {run.name}", total, quiet=settings.quiet) as progress:
        for arm in settings.arms:
            loop = RequestLoop(
                project,
                endpoint,
                CallLog("generate", settings.model, arm.name, arm.hash, run.id),
                settings.output_params,
                settings.concurrency,
                key=lambda item: item.key,
                build=lambda item: item.arm.messages(
                    item.prompt.text, language_name(item.prompt.language) or item.prompt.language
                ),
                cached=cached,
                answered=answered,
                refs=refs,
                check=rejected,
                progress=progress,
            )
            await loop.run(_items(project, settings, arm, summary, progress))
            summary.cached += loop.hits
            summary.requested += loop.requested
            summary.errors += loop.errors
            summary.last_error = loop.last_error or summary.last_error
            summary.adapted.extend(loop.adapted)
            if loop.stop_error:
                summary.stop_error = loop.stop_error
                break
    summary.generated = sum(c["generated"] for c in summary.cells.values())
    for cell in summary.cells.values():  # asked for and not written: failed (or not sent)
        cell["failed"] = cell["selected"] - cell["already"] - cell["generated"] - cell["cached"]
    complete = not summary.errors and not summary.stop_error
    project.judging.set_run_status(run.id, "finished" if complete else "incomplete")
    return summary
