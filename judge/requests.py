"""The one request loop of every LLM use: judging, back-translation, response generation.

A use gives its work items and what is particular to it: the cache key of an item, the
messages of its request, what a cached answer gives, and what a fresh answer gives (verdicts,
back-translations, generated responses, or nothing to store). The loop does the rest, the same
way for all:

- the cache: items are read in pages; what `llm_calls` already answers (same model, template
  hash and key; a whole answer with no error) is used with no request;
- the requests: through `Engine` (bounded concurrency, one request per distinct key, the
  client's retries with backoff and Retry-After, refused parameters adapted, an early stop
  after repeated failures);
- the call log: each request is one `llm_calls` row, written with what its answer gave in one
  transaction as it arrives (`ResultWriter`); the store caps the stored output at 64 KiB;
- accounting: requests, failed requests, errors (per item), the last error, the progress bar;
- cancellation: a cancelled or failed run still writes what was answered and closes its client.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from polyjudge.store import CachedCall, NewCall, NewResponse, NewTranslation, NewVerdict, Project

from .client import Endpoint, answer_params
from .engine import Engine, Job, Outcome
from .progress import RunProgress
from .writer import ResultWriter

T = TypeVar("T")

Messages = list[dict[str, str]]


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """What every run of the loop (judge, translate, generate) is asked for: the model, the
    languages of the items it takes (none: all), requests in flight, the parameters that change
    an answer (`output_params`: part of the run's name and of each call's cache key), and
    whether to draw the progress bar."""

    model: str
    languages: tuple[str, ...] = ()
    concurrency: int = 8
    temperature: float = 0.0
    max_tokens: int | None = None
    quiet: bool = False

    @property
    def output_params(self) -> dict[str, Any]:
        return answer_params(self.temperature, self.max_tokens)


@dataclass(frozen=True)
class CallLog:
    """What every `llm_calls` row of one loop records besides its answer."""

    purpose: str
    model: str
    template_name: str
    template_hash: str
    run_id: int | None = None
    logprobs: bool = False  # keep the answer's logprobs (only the judge asks for them)


@dataclass
class Results:
    """What an answer gives, written in the transaction of its call-log row."""

    verdicts: list[NewVerdict] = field(default_factory=list)
    translations: list[NewTranslation] = field(default_factory=list)
    responses: list[NewResponse] = field(default_factory=list)


def no_refs(item: Any) -> tuple[int | None, int | None]:
    return None, None


def usable(outcome: Outcome) -> str | None:
    return None


@dataclass
class RequestLoop(Generic[T]):
    """Cache, requests, call log and accounting for items of type T (see the module doc).

    - `key(item)`: the input hash (cache key; items with the same key share one request);
    - `build(item)`: the request's messages (called once per request: a fresh fence nonce);
    - `cached(item, call)`: what a cached answer gives, or None to ask again;
    - `answered(items, outcome, call)`: what a fresh answer gives, for every item sharing it;
    - `refs(item)`: (response_id, prompt_id) for the call-log row of a request;
    - `check(outcome)`: why an answer cannot be used (it is then logged as an error), or None.
    """

    project: Project
    endpoint: Endpoint
    log: CallLog
    params: dict[str, Any]
    concurrency: int
    key: Callable[[T], str]
    build: Callable[[T], Messages]
    cached: Callable[[T, CachedCall], Results | None]
    answered: Callable[[list[T], Outcome, NewCall], Results]
    refs: Callable[[T], tuple[int | None, int | None]] = no_refs
    check: Callable[[Outcome], str | None] = usable
    progress: RunProgress | None = None
    page_size: int = 500
    max_consecutive_failures: int = 10
    writer: ResultWriter = field(init=False)
    # Accounting, read by each use's summary.
    hits: int = 0  # items answered from the cache
    requested: int = 0  # requests sent (call-log rows)
    failed_requests: int = 0
    errors: int = 0  # items whose request failed
    first_error: str | None = None
    last_error: str | None = None
    stop_error: str | None = None  # why the run stopped early
    logprobs_refused: bool = False
    adapted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.writer = ResultWriter(self.project)

    async def run(self, items: Iterable[T]) -> None:
        """Answer every item: from the cache, else by a request."""
        await self.send(self.uncached(items))

    def uncached(self, items: Iterable[T]) -> Iterator[T]:
        """Store what the cache answers, page by page; yield the items it does not."""
        it = iter(items)
        while page := list(itertools.islice(it, self.page_size)):
            self.writer.flush()  # so that answers that just arrived count as cached
            keys = [self.key(item) for item in page]
            cache = self.project.judging.cached_calls(self.log.model, self.log.template_hash, keys)
            found, missing = Results(), []
            for item, key in zip(page, keys, strict=True):
                hit = cache.get(key)
                results = self.cached(item, hit) if hit is not None else None
                if results is None:
                    missing.append(item)
                    continue
                found.verdicts.extend(results.verdicts)
                found.translations.extend(results.translations)
                found.responses.extend(results.responses)
                self.hits += 1
            if found.verdicts or found.translations or found.responses:
                self.writer.add(
                    verdicts=found.verdicts,
                    translations=found.translations,
                    responses=found.responses,
                )
            if self.progress is not None and len(missing) < len(page):
                self.progress.advance(len(page) - len(missing))
            yield from missing

    async def send(self, items: Iterable[T]) -> None:
        """Request an answer for every item (no cache lookup). Raises what writing raised."""
        it = iter(items)
        first = next(it, None)  # (no client at all when there is nothing to ask)
        if first is None:
            self.writer.flush()
            return
        client = self.endpoint.client()
        engine = Engine(
            client,
            self.endpoint,
            self.log.model,
            self.params,
            self.concurrency,
            self._on_result,
            self.max_consecutive_failures,
        )
        jobs = (
            Job(self.key(item), partial(self.build, item), item)
            for item in itertools.chain([first], it)
        )
        try:
            await engine.run(jobs)
        finally:
            self.params = engine.params
            self.stop_error = self.stop_error or engine.stop_error
            self.logprobs_refused = self.logprobs_refused or engine.logprobs_refused
            self.adapted.extend(engine.adaptations)
            try:
                self.writer.flush()
            finally:
                await client.close()

    def _on_result(self, jobs: list[Job], outcome: Outcome) -> None:
        items: list[T] = [job.context for job in jobs]
        error = outcome.error if outcome.error is not None else self.check(outcome)
        response_id, prompt_id = self.refs(items[0])
        call = NewCall(
            purpose=self.log.purpose,
            model=self.log.model,
            base_url=self.endpoint.public_url,
            template_name=self.log.template_name,
            template_hash=self.log.template_hash,
            input_hash=jobs[0].key,
            run_id=self.log.run_id,
            response_id=response_id,
            prompt_id=prompt_id,
            output=outcome.output,
            logprobs=outcome.logprobs if self.log.logprobs else None,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            latency_ms=outcome.latency_ms,
            finish_reason=outcome.finish_reason,
            error=error,
        )
        self.requested += 1
        if error is not None:
            self.failed_requests += 1
            self.errors += len(items)
            self.first_error = self.first_error or error
            self.last_error = error
            if self.progress is not None:
                self.progress.error(len(items))
            self.writer.add(call)
            return
        results = self.answered(items, outcome, call)
        self.writer.add(call, results.verdicts, results.translations, results.responses)
        if self.progress is not None:
            self.progress.advance(len(items))
