"""A judge run: which responses, what each request says, and how each answer is stored.

Run identity: `<model>/<template>@<hash8>`, where hash8 covers the template hash and the request
parameters, so re-running the same judge continues the same `judge_runs` row. For each
response (by id, filtered by language, the first `limit`):

- a verdict of this run exists: skipped;
- the cache (`llm_calls`, keyed by model, template hash, input hash) has the answer: the verdict
  is written from it, with no request;
- otherwise the request is sent; the call log row and the verdict are written together as soon
  as the answer arrives (the shared request loop: requests.py).

The judged text is the English back-translation when there is one (MultiJail's protocol), else
the response itself; the prompt is the English source prompt when known, else its
back-translation, else its text. Which was used is recorded in `verdicts.input_source`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from polyjudge.store import (
    CachedCall,
    JudgeItem,
    JudgeRun,
    NewCall,
    NewVerdict,
    Project,
    content_hash,
)

from .client import Endpoint
from .engine import Outcome
from .parsing import p_unsafe, parse_label
from .progress import RunProgress
from .requests import CallLog, RequestLoop, Results, RunSettings
from .templates import Template

ENGLISH = ("en", "eng")


def is_english(language: str) -> bool:
    return language.lower() in ENGLISH or language.lower().startswith("en-")


@dataclass(frozen=True, kw_only=True)
class JudgeSettings(RunSettings):
    template: Template
    limit: int | None = None
    max_tokens: int | None = 32  # a verdict is a word (reasoning models need more)
    logprobs: bool = True

    @property
    def request_params(self) -> dict[str, Any]:
        params = dict(self.output_params)
        if self.logprobs:
            params.update(logprobs=True, top_logprobs=5)
        return params

    @property
    def run_name(self) -> str:
        digest = content_hash(self.template.hash, json.dumps(self.output_params, sort_keys=True))
        return f"{self.model}/{self.template.name}@{digest[:8]}"

    def run_params(self) -> dict[str, Any]:
        """What `judge_runs.params` records: enough to parse a batch's answers later."""
        return {
            **self.output_params,
            "logprobs": self.logprobs,
            "answers": self.template.answers,
            "match": self.template.match,
            "template_origin": self.template.origin,
            "languages": list(self.languages),
            "limit": self.limit,
        }


@dataclass
class Pending:
    """A response that needs a request."""

    response_id: int
    input_hash: str
    input_source: str
    values: dict[str, str]


@dataclass
class JudgeSummary:
    run: str
    selected: int = 0
    already: int = 0
    in_batch: int = 0
    cached: int = 0
    requested: int = 0
    errors: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    stop_error: str | None = None
    last_error: str | None = None
    logprobs_refused: bool = False
    # answers (cached or fresh) that came without the logprobs the run asked for: their
    # verdicts have no p(unsafe)
    missing_logprobs: int = 0
    adapted: list[str] = field(default_factory=list)
    probe_error: str | None = None  # --batch: the online first request failed (see batch.py)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def judge_values(item: JudgeItem) -> tuple[dict[str, str], dict[str, str]]:
    """The template values for a response, and which texts they came from."""
    if item.back_translation and not is_english(item.language):
        response, response_source = item.back_translation, "back_translation"
    else:
        response, response_source = item.text, "original"
    if item.prompt_text_en:
        prompt, prompt_source = item.prompt_text_en, "text_en"
    elif item.prompt_back_translation:
        prompt, prompt_source = item.prompt_back_translation, "back_translation"
    elif item.prompt_text is not None:
        prompt, prompt_source = item.prompt_text, "original"
    else:
        prompt, prompt_source = "", "none"
    # An item with no category or scenario is judged "Under the general scenario" rather than
    # "Under the  scenario" (the XSafety template names one).
    scenario = (
        item.category or item.prompt_category or item.scenario or item.prompt_scenario or "general"
    )
    values = {
        "prompt": prompt,
        "response": response,
        "response_original": item.text,
        "scenario": scenario,
        "language": item.language,
    }
    return values, {"response": response_source, "prompt": prompt_source}


def input_hash(template: Template, values: dict[str, str], params: dict[str, Any]) -> str:
    used = {name: values.get(name) or "" for name in template.placeholders}
    return content_hash(
        json.dumps(used, sort_keys=True, ensure_ascii=False), json.dumps(params, sort_keys=True)
    )


def make_verdict(
    run: JudgeRun,
    template: Template,
    pending: Pending,
    outcome: Outcome | CachedCall,
    call: NewCall | None = None,
) -> NewVerdict:
    """The verdict parsed from the whole answer. It names the call the answer came from (the
    new `call` logged with it, or the cached call), so the store keeps the answer once."""
    return NewVerdict(
        run_id=run.id,
        response_id=pending.response_id,
        label=parse_label(template, outcome.output),
        p_unsafe=p_unsafe(template, outcome.logprobs),
        raw=outcome.output,
        template_name=run.template_name or template.name,
        template_hash=run.template_hash or template.hash,
        input_hash=pending.input_hash,
        tokens_in=outcome.tokens_in,
        tokens_out=outcome.tokens_out,
        latency_ms=outcome.latency_ms,
        input_source=pending.input_source,
        call_id=outcome.id if isinstance(outcome, CachedCall) else None,
        call=call,
    )


def start_run(project: Project, endpoint: Endpoint | None, settings: JudgeSettings) -> JudgeRun:
    template = settings.template
    return project.judging.find_or_create_run(
        name=settings.run_name,
        kind="judge",
        model=settings.model,
        base_url=endpoint.public_url if endpoint else None,
        template_name=template.name,
        template_hash=template.hash,
        params=settings.run_params(),
    )


def select_items(
    project: Project,
    run: JudgeRun,
    settings: JudgeSettings,
    summary: JudgeSummary,
    on_skip: Callable[[int], None],
) -> Iterator[Pending]:
    """Walk the selection page by page; count (and skip) the responses this run has judged or
    sent in a batch; yield the rest (the request loop answers what the cache knows)."""
    template = settings.template
    after, remaining = 0, settings.limit
    while remaining is None or remaining > 0:
        page = project.judging.items(run.id, settings.languages, after, 500)
        if not page:
            return
        if remaining is not None:
            page, remaining = page[:remaining], remaining - len(page[:remaining])
        after = page[-1].id
        summary.selected += len(page)
        todo: list[Pending] = []
        for item in page:
            if item.judged:
                summary.already += 1
            elif item.in_batch:
                summary.in_batch += 1
            else:
                values, source = judge_values(item)
                todo.append(
                    Pending(
                        item.id,
                        input_hash(template, values, settings.output_params),
                        json.dumps(source, sort_keys=True),
                        values,
                    )
                )
        on_skip(len(page) - len(todo))
        yield from todo


def judge_loop(
    project: Project,
    endpoint: Endpoint,
    run: JudgeRun,
    settings: JudgeSettings,
    progress: RunProgress | None = None,
    concurrency: int | None = None,
    answers: dict[str, Outcome] | None = None,
    summary: JudgeSummary | None = None,
) -> RequestLoop[Pending]:
    """The request loop of a judge run: each answer (cached or fresh) is a verdict for every
    response with its input; a failed request gives none. `answers`, when given, collects the
    fresh answers by input hash (the batch probe reuses its own); `summary`, when given, counts
    the verdicts whose answer came without the logprobs the run asked for."""
    template = settings.template

    def tally(outcome: Outcome | CachedCall, verdicts: int) -> None:
        if summary is not None and settings.logprobs and not outcome.logprobs:
            summary.missing_logprobs += verdicts

    def build(pending: Pending) -> list[dict[str, str]]:
        return template.render(pending.values)

    def cached(pending: Pending, call: CachedCall) -> Results:
        tally(call, 1)
        return Results(verdicts=[make_verdict(run, template, pending, call)])

    def answered(items: list[Pending], outcome: Outcome, call: NewCall) -> Results:
        if answers is not None:
            answers[items[0].input_hash] = outcome
        tally(outcome, len(items))
        return Results(verdicts=[make_verdict(run, template, p, outcome, call) for p in items])

    def refs(pending: Pending) -> tuple[int | None, int | None]:
        return pending.response_id, None

    return RequestLoop(
        project,
        endpoint,
        CallLog("judge", settings.model, template.name, template.hash, run.id, logprobs=True),
        settings.request_params,
        settings.concurrency if concurrency is None else concurrency,
        key=attrgetter("input_hash"),
        build=build,
        cached=cached,
        answered=answered,
        refs=refs,
        progress=progress,
    )


async def run_judge(project: Project, endpoint: Endpoint, settings: JudgeSettings) -> JudgeSummary:
    """Judge the selection online: concurrent requests, results written as they arrive."""
    run = start_run(project, endpoint, settings)
    summary = JudgeSummary(run=run.name)
    total = project.content.count_responses(settings.languages)
    if settings.limit is not None:
        total = min(total, settings.limit)

    with RunProgress(f"judge {run.name}", total, quiet=settings.quiet) as progress:
        loop = judge_loop(project, endpoint, run, settings, progress, summary=summary)
        await loop.run(select_items(project, run, settings, summary, progress.advance))
    summary.cached, summary.requested = loop.hits, loop.requested
    summary.errors, summary.last_error = loop.errors, loop.last_error
    summary.stop_error = loop.stop_error
    summary.logprobs_refused = loop.logprobs_refused
    summary.adapted = loop.adapted  # recorded with the summary's event
    complete = not summary.errors and not summary.in_batch and not loop.stop_error
    project.judging.set_run_status(run.id, "finished" if complete else "incomplete")
    summary.labels = project.judging.verdict_counts(run.id)
    return summary
