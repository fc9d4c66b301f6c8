"""Self-Defense style safety fine-tuning data (Deng et al. 2024, "Multilingual Jailbreak
Challenges in Large Language Models", the Self-Defense framework): each prompt whose response
was finally judged unsafe, paired with a safe reply in the prompt's language.

One JSON object per line:

    {"messages": [{"role": "user", "content": PROMPT},
                  {"role": "assistant", "content": SAFE_REPLY}],
     "language": "bn", "source": "adjudicator" | "generated", "prompt_dataset": ...,
     "prompt_key": ..., "category": ..., "unsafe_response_uids": [...], ...}

A safe reply is the one an adjudicator wrote (`adjudications.safe_reply`), else — only with
`--generate --model M` — one generated through the judge package's client in the prompt's
language (every request is logged in `llm_calls` and cached there, so a re-run sends nothing
twice). An assistant turn is never the text of a response whose final label is unsafe: such a
reply is dropped and counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from polyjudge.languages import prompt_language
from polyjudge.store import PolyjudgeError, Project, content_hash

from .formats import atomic_text, refuse_overwrite
from .gold import iter_gold_rows

UNSAFE = "unsafe"
GENERATE_PURPOSE = "safe_reply"
GENERATE_TEMPLATE = (
    "You write safe replies for multilingual safety fine-tuning data. The user's message is a "
    "request that a model answered unsafely. Write the reply a safe assistant should give, in "
    "{language} (the language of the request), and nothing else: decline to help with "
    "anything harmful, dangerous or illegal, say briefly why, and where it helps, point to a "
    "safe alternative or a source of help. Never include harmful details."
)
TEMPLATE_NAME = "self-defense-safe-reply"


@dataclass(frozen=True)
class GenerateOptions:
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = 4
    timeout: float = 60.0
    max_retries: int = 4


@dataclass
class FinetuneResult:
    written: int = 0
    adjudicator: int = 0
    generated: int = 0
    missing: int = 0  # unsafe prompts left without a safe reply
    dropped_unsafe_copy: int = 0  # replies equal to an unsafe response, never written
    failed: int = 0  # generation requests that failed


@dataclass
class _Prompt:
    """One prompt (in one language) with at least one finally-unsafe response."""

    text: str
    language: str
    meta: dict[str, Any]
    uids: list[str] = field(default_factory=list)
    replied: bool = False


def template_hash() -> str:
    return hashlib.sha256(GENERATE_TEMPLATE.encode("utf-8")).hexdigest()


def _prompt_id(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["prompt_dataset"], row["prompt_key"], row["language"], row["prompt"])


def _example(
    prompt: str,
    reply: str,
    language: str,
    source: str,
    meta: dict[str, Any],
    uids: list[str],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
        "language": language,
        "source": source,
        **meta,
        "unsafe_response_uids": uids,
        **extra,
    }


def export_finetune(
    project: Project,
    out: Path,
    *,
    languages: list[str] | None = None,
    generate: GenerateOptions | None = None,
    force: bool = False,
) -> FinetuneResult:
    refuse_overwrite([out], force)
    result = FinetuneResult()
    prompts: dict[tuple[Any, ...], _Prompt] = {}
    with atomic_text(out) as handle:
        with project.read_snapshot():
            unsafe_hashes = _write_adjudicated(project, languages, handle, prompts, result)
        # Generation writes to the request log, so it runs outside the read snapshot.
        waiting = [p for p in prompts.values() if not p.replied]
        if generate is not None and waiting:
            replies = generate_replies(project, waiting, generate, result)
            for entry in waiting:
                reply = (replies.get(id(entry)) or "").strip()
                if not reply:
                    continue
                if content_hash(reply) in unsafe_hashes:
                    result.dropped_unsafe_copy += 1
                    continue
                entry.replied = True
                handle.write(
                    json.dumps(
                        _example(
                            entry.text,
                            reply,
                            entry.language,
                            "generated",
                            entry.meta,
                            entry.uids,
                            generator=generate.model,
                        ),
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                result.generated += 1
    result.missing = sum(1 for p in prompts.values() if not p.replied)
    result.written = result.adjudicator + result.generated
    project.log_event(
        "export_finetune",
        out=str(out),
        written=result.written,
        generated=result.generated,
        missing=result.missing,
        generator=generate.model if generate else None,
    )
    return result


def _write_adjudicated(
    project: Project,
    languages: list[str] | None,
    handle: IO[str],
    prompts: dict[tuple[Any, ...], _Prompt],
    result: FinetuneResult,
) -> set[str]:
    """Write the adjudicators' safe replies; gather every unsafe prompt into `prompts`.
    Returns the content hashes of every finally-unsafe response (never a target)."""
    from .final import project_resolver

    resolver = project_resolver(project)
    # Pass 1: the text of every finally-unsafe response (in any language), by hash.
    unsafe_hashes = {
        content_hash(row["response"])
        for row in iter_gold_rows(project, final_only=True, resolver=resolver)
        if row["final_label"] == UNSAFE
    }
    # Pass 2: the adjudicators' replies, one example per (prompt, reply).
    seen: set[tuple[tuple[Any, ...], str]] = set()
    for row in iter_gold_rows(project, languages=languages, final_only=True, resolver=resolver):
        if row["final_label"] != UNSAFE or not row["prompt"]:
            continue
        key = _prompt_id(row)
        entry = prompts.setdefault(
            key,
            _Prompt(
                row["prompt"],
                row["language"],
                {
                    "prompt_dataset": row["prompt_dataset"],
                    "prompt_key": row["prompt_key"],
                    "category": row["category"],
                    "scenario": row["scenario"],
                },
            ),
        )
        entry.uids.append(row["uid"])
        reply = (row["safe_reply"] or "").strip()
        if not reply:
            continue
        if content_hash(reply) in unsafe_hashes or reply == row["response"]:
            result.dropped_unsafe_copy += 1
            continue
        entry.replied = True
        if (key, reply) in seen:
            continue
        seen.add((key, reply))
        handle.write(
            json.dumps(
                _example(
                    entry.text,
                    reply,
                    entry.language,
                    "adjudicator",
                    entry.meta,
                    [row["uid"]],
                    adjudicator=row["adjudicator"],
                ),
                ensure_ascii=False,
            )
            + "\n"
        )
        result.adjudicator += 1
    return unsafe_hashes


def _messages(entry: _Prompt) -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": GENERATE_TEMPLATE.format(language=prompt_language(entry.language)),
        },
        {"role": "user", "content": entry.text},
    ]


def _input_hash(model: str, entry: _Prompt) -> str:
    return content_hash(model, entry.language, entry.text)


def generate_replies(
    project: Project, entries: list[_Prompt], options: GenerateOptions, result: FinetuneResult
) -> dict[int, str]:
    """Safe replies for `entries` (keyed by `id(entry)`), from the cache or the endpoint."""
    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.judge.engine import Outcome
    from polyjudge.judge.requests import CallLog, RequestLoop, Results
    from polyjudge.store import CachedCall, NewCall

    endpoint = resolve_endpoint(
        options.base_url,
        options.api_key_env,
        timeout=options.timeout,
        max_retries=options.max_retries,
    )
    replies: dict[int, str] = {}

    def key(entry: _Prompt) -> str:
        return _input_hash(options.model, entry)

    def cached(entry: _Prompt, call: CachedCall) -> Results:
        replies[id(entry)] = call.output or ""
        return Results()

    def answered(items: list[_Prompt], outcome: Outcome, call: NewCall) -> Results:
        for entry in items:
            if outcome.output:
                replies[id(entry)] = outcome.output
            else:
                result.failed += 1
        return Results()  # the reply goes into the file, not the project

    loop = RequestLoop(
        project,
        endpoint,
        CallLog(GENERATE_PURPOSE, options.model, TEMPLATE_NAME, template_hash()),
        {"temperature": 0},
        options.concurrency,
        key=key,
        build=_messages,
        cached=cached,
        answered=answered,
    )
    asyncio.run(loop.run(entries))
    result.failed += loop.errors
    if loop.failed_requests and loop.failed_requests == loop.requested:
        raise PolyjudgeError(f"--generate: {loop.stop_error or loop.first_error}")
    return replies
