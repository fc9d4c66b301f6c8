"""Sending chat requests with bounded concurrency.

`Engine.run(jobs)` takes jobs from a (synchronous) iterator, keeps at most `concurrency`
requests in flight, and hands each outcome to `on_result` as soon as it arrives. Jobs with the
same key (input hash) share one request. Retries, backoff with jitter and `Retry-After` are the
openai client's own (`max_retries`); a request that still fails is an outcome with an error.
After `max_consecutive_failures` failures in a row (a wrong URL, a bad key, a server that is
down) the run stops early: continuing would only repeat the same error for every item.
Every use goes through `requests.RequestLoop`, which adds the cache, the call log and the
accounting around it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .client import Endpoint, describe_error
from .parsing import compact_logprobs

if TYPE_CHECKING:
    from openai import AsyncOpenAI


@dataclass
class Job:
    """One input to send. `build` makes the messages (a fresh fence nonce per request)."""

    key: str
    build: Callable[[], list[dict[str, str]]]
    context: Any = None


@dataclass
class Outcome:
    output: str | None = None
    logprobs: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    error: str | None = None


@dataclass
class Engine:
    client: AsyncOpenAI
    endpoint: Endpoint
    model: str
    params: dict[str, Any]
    concurrency: int
    on_result: Callable[[list[Job], Outcome], None]
    max_consecutive_failures: int = 10
    stop_error: str | None = None
    logprobs_refused: bool = False
    adaptations: list[str] = field(default_factory=list)
    _pending: dict[str, list[Job]] = field(default_factory=dict)
    _failures: int = 0
    _fatal: BaseException | None = None

    async def run(self, jobs: Iterable[Job]) -> None:
        queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=self.concurrency * 2)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.concurrency)]
        try:
            for job in jobs:
                if self.stop_error is not None or self._fatal is not None:
                    break
                followers = self._pending.get(job.key)
                if followers is not None:
                    followers.append(job)
                    continue
                self._pending[job.key] = [job]
                await queue.put(job)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self._fatal is not None:
            raise self._fatal

    async def _worker(self, queue: asyncio.Queue[Job | None]) -> None:
        while (job := await queue.get()) is not None:
            if self.stop_error is not None or self._fatal is not None:
                self._pending.pop(job.key, None)
                continue  # draining after an early stop
            outcome = await self.send(job.build())
            jobs = self._pending.pop(job.key, [job])
            if outcome.error is None:
                self._failures = 0
            else:
                self._failures += 1
                if self._failures >= self.max_consecutive_failures:
                    self.stop_error = outcome.error
            try:
                self.on_result(jobs, outcome)
            except Exception as exc:  # a database error: stop, and raise it from run()
                self._fatal = exc

    async def send(self, messages: list[dict[str, str]]) -> Outcome:
        from openai import BadRequestError
        from openai.types.chat import ChatCompletion

        started = time.perf_counter()
        try:
            while True:
                params = self.params
                try:
                    response = await self._create(ChatCompletion, messages, params)
                    break
                except BadRequestError as exc:
                    # A parameter this model refuses: ask again without it, and from now on.
                    if self.params is params:  # (another request may have adapted already)
                        adapted = adapt_params(params, exc)
                        if adapted is None:
                            raise
                        self.params, note = adapted
                        self.adaptations.append(note)
                        self.logprobs_refused = "logprobs" not in self.params
            return outcome_of(response, started)
        except Exception as exc:
            return Outcome(
                error=describe_error(exc, self.endpoint),
                latency_ms=round((time.perf_counter() - started) * 1000),
            )

    async def _create(
        self, cast_to: type, messages: list[dict[str, str]], params: dict[str, Any]
    ) -> Any:
        """POST /chat/completions through the client's generic `post` (its documented way to
        send a request body as is): the same retries, timeouts and errors as
        `chat.completions.create`, without re-validating our plain-dict parameters on every
        call, which costs about a tenth of the client's time per request."""
        return await self.client.post(
            "/chat/completions",
            body={"model": self.model, "messages": messages, **params},
            cast_to=cast_to,
        )


UNSUPPORTED = ("unsupported_parameter", "unsupported_value")


def adapt_params(params: dict[str, Any], exc: Any) -> tuple[dict[str, Any], str] | None:
    """The request parameters without the one a model refused (an HTTP 400 naming it), and a
    note saying what changed; None when the refusal is about something else.

    - logprobs: many servers and OpenAI's reasoning models do not give them (p(unsafe) is then
      left empty);
    - `max_tokens`: OpenAI's reasoning models (o-series, gpt-5) take `max_completion_tokens`
      instead ("Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens' instead");
    - `temperature`: the same models accept only their default ("Unsupported value:
      'temperature' does not support 0 with this model").
    """
    body = getattr(exc, "body", None)
    body = body if isinstance(body, dict) else {}
    # OpenAI names the parameter and why: {"param": "max_tokens", "code": "unsupported_..."}.
    refused = body.get("param") if body.get("code") in UNSUPPORTED else None
    message = str(getattr(exc, "message", "") or exc).lower()
    if params.get("logprobs") and (refused in ("logprobs", "top_logprobs") or "logprob" in message):
        kept = {k: v for k, v in params.items() if k not in ("logprobs", "top_logprobs")}
        return kept, "logprobs refused: sent without them (p(unsafe) left empty)"
    if "max_tokens" in params and (refused == "max_tokens" or "max_completion_tokens" in message):
        kept = {k: v for k, v in params.items() if k != "max_tokens"}
        kept["max_completion_tokens"] = params["max_tokens"]
        return kept, (
            "max_tokens refused: sent as max_completion_tokens (reasoning models "
            "spend part of it on reasoning: raise --max-tokens if answers are empty)"
        )
    if "temperature" in params and (
        refused == "temperature" or ("temperature" in message and "unsupported" in message)
    ):
        kept = {k: v for k, v in params.items() if k != "temperature"}
        return kept, (
            f"temperature {params['temperature']:g} refused: sent without it (the model's default)"
        )
    return None


def outcome_of(response: Any, started: float | None = None) -> Outcome:
    """The parts of a chat.completion we keep (also used for Batch API output lines)."""
    latency = round((time.perf_counter() - started) * 1000) if started is not None else None
    choices = getattr(response, "choices", None) or []
    if not choices:
        return Outcome(error="the answer has no choices", latency_ms=latency)
    choice = choices[0]
    message = choice.message
    output = message.content
    if output is None:
        output = getattr(message, "refusal", None) or ""
    logprobs = getattr(choice, "logprobs", None)
    usage = getattr(response, "usage", None)
    return Outcome(
        output=output,
        logprobs=compact_logprobs(getattr(logprobs, "content", None) if logprobs else None),
        tokens_in=getattr(usage, "prompt_tokens", None),
        tokens_out=getattr(usage, "completion_tokens", None),
        latency_ms=latency,
        finish_reason=getattr(choice, "finish_reason", None),
    )
