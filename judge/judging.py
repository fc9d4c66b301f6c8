"""A judge run: which responses, what each request says, and how each answer is stored.

Run identity: `<model>/<template>@<hash8>`, where hash8 covers the template hash and the request
parameters, so re-running the same judge continues the same `judge_runs` row. For each
response (by id, filtered by language, the first `limit`):

- a verdict of this run exists: skipped;
- the cache (`llm_calls`, keyed by model, template hash, input hash) has the answer: the verdict
  is written from it, with no request;
- otherwise the request is sent; the call log row and the verdict are written together as soon
  as the answer arrives (see writer.py).

The judged text is the English back-translation when there is one (MultiJail's protocol), else
the response itself; the prompt is the English source prompt when known, else its
back-translation, else its text. Which was used is recorded in `verdicts.input_source`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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

from .client import Endpoint, answer_params
from .engine import Engine, Job, Outcome
from .parsing import p_unsafe, parse_label
from .progress import RunProgress
from .templates import Template
from .writer import ResultWriter

ENGLISH = ("en", "eng")


def is_english(language: str) -> bool:
    return language.lower() in ENGLISH or language.lower().startswith("en-")


@dataclass(frozen=True)
class JudgeSettings:
    model: str
    template: Template
    languages: tuple[str, ...] = ()
    limit: int | None = None
    concurrency: int = 8
    temperature: float = 0.0
    max_tokens: int | None = 32
    logprobs: bool = True
    quiet: bool = False

    @property
    def output_params(self) -> dict[str, Any]:
        return answer_params(self.temperature, self.max_tokens)

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


def pending_items(
    project: Project,
    run: JudgeRun,
    settings: JudgeSettings,
    summary: JudgeSummary,
    writer: ResultWriter,
    on_done: Callable[[int], None],
) -> Iterator[Pending]:
    """Walk the selection page by page; answer what the cache knows; yield the rest."""
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
        on_done(len(page) - len(todo))
        writer.flush()  # so that answers that just arrived count as cached
        cache = project.judging.cached_calls(
            settings.model, template.hash, (p.input_hash for p in todo)
        )
        hits = [
            make_verdict(run, template, p, cache[p.input_hash])
            for p in todo
            if p.input_hash in cache
        ]
        if hits:
            writer.add(verdicts=hits)
            summary.cached += len(hits)
            on_done(len(hits))
        yield from (p for p in todo if p.input_hash not in cache)


def outcome_recorder(
    run: JudgeRun,
    settings: JudgeSettings,
    endpoint: Endpoint,
    summary: JudgeSummary,
    writer: ResultWriter,
    progress: RunProgress,
) -> Callable[[list[Job], Outcome], None]:
    """What happens to each answer: a call-log row, and a verdict for every response that
    shares its input (none when the request failed)."""
    template = settings.template

    def on_result(jobs: list[Job], outcome: Outcome) -> None:
        first: Pending = jobs[0].context
        call = NewCall(
            purpose="judge",
            model=settings.model,
            base_url=endpoint.public_url,
            template_name=template.name,
            template_hash=template.hash,
            input_hash=first.input_hash,
            run_id=run.id,
            response_id=first.response_id,
            prompt_id=None,
            output=outcome.output,
            logprobs=outcome.logprobs,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            latency_ms=outcome.latency_ms,
            finish_reason=outcome.finish_reason,
            error=outcome.error,
        )
        summary.requested += 1
        if outcome.error is not None:
            summary.errors += len(jobs)
            summary.last_error = outcome.error
            progress.error(len(jobs))
            writer.add(call)
            return
        writer.add(call, [make_verdict(run, template, job.context, outcome, call) for job in jobs])
        progress.advance(len(jobs))

    return on_result


async def run_judge(project: Project, endpoint: Endpoint, settings: JudgeSettings) -> JudgeSummary:
    """Judge the selection online: concurrent requests, results written as they arrive."""
    template = settings.template
    run = start_run(project, endpoint, settings)
    summary = JudgeSummary(run=run.name)
    total = project.content.count_responses(settings.languages)
    if settings.limit is not None:
        total = min(total, settings.limit)
    writer = ResultWriter(project)
    client = endpoint.client()

    with RunProgress(f"judge {run.name}", total, quiet=settings.quiet) as progress:
        on_result = outcome_recorder(run, settings, endpoint, summary, writer, progress)
        engine = Engine(
            client,
            endpoint,
            settings.model,
            settings.request_params,
            settings.concurrency,
            on_result,
        )
        items = pending_items(project, run, settings, summary, writer, progress.advance)
        try:
            await engine.run(
                Job(p.input_hash, lambda p=p: template.render(p.values), p) for p in items
            )
        finally:
            writer.flush()
            await client.close()
        summary.stop_error = engine.stop_error
        summary.logprobs_refused = engine.logprobs_refused
        summary.adapted = engine.adaptations  # recorded with the summary's event
    complete = not summary.errors and not summary.in_batch and not engine.stop_error
    project.judging.set_run_status(run.id, "finished" if complete else "incomplete")
    summary.labels = project.judging.verdict_counts(run.id)
    return summary
