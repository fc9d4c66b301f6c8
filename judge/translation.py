"""Back-translation into English with the same client, cache, retries and progress.

Responses not in English, and prompts with no English source text, get a back-translation
whose engine (`bt_engine`) is the model name and whose time is `bt_at`. Existing
back-translations (imported or earlier) are kept unless `overwrite`. The request and the update
of the text are written in one transaction as soon as the answer arrives; an answer cut short
(`finish_reason == "length"`) or empty is logged as an error and not stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polyjudge.store import (
    CachedCall,
    NewCall,
    NewTranslation,
    Project,
    TranslationItem,
    content_hash,
)

from .client import Endpoint, answer_params
from .engine import Engine, Job, Outcome
from .fence import strip_fence_lines
from .progress import RunProgress
from .templates import builtin
from .writer import ResultWriter

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "es": "Spanish",
    "sp": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "ja": "Japanese",
    "jv": "Javanese",
    "ko": "Korean",
    "ru": "Russian",
    "sw": "Swahili",
    "th": "Thai",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "pt": "Portuguese",
    "tr": "Turkish",
    "id": "Indonesian",
}


@dataclass(frozen=True)
class TranslateSettings:
    model: str
    languages: tuple[str, ...] = ()
    overwrite: bool = False
    concurrency: int = 8
    temperature: float = 0.0
    max_tokens: int | None = None
    quiet: bool = False

    @property
    def output_params(self) -> dict[str, Any]:
        return answer_params(self.temperature, self.max_tokens)


@dataclass
class TranslateSummary:
    run: str
    responses: int = 0
    prompts: int = 0
    cached: int = 0
    requested: int = 0
    errors: int = 0
    stop_error: str | None = None
    last_error: str | None = None
    by_kind: dict[str, int] = field(default_factory=dict)
    adapted: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def translation_text(outcome: Outcome | CachedCall) -> str | None:
    if outcome.output is None or outcome.finish_reason == "length":
        return None
    text = strip_fence_lines(outcome.output)
    return text or None


def _items(project: Project, settings: TranslateSettings) -> Iterator[TranslationItem]:
    for kind in ("response", "prompt"):
        after = 0
        while page := project.judging.translation_items(
            kind, settings.languages, settings.overwrite, after, 500
        ):
            after = page[-1].id
            yield from page


async def run_translate(
    project: Project, endpoint: Endpoint, settings: TranslateSettings
) -> TranslateSummary:
    template = builtin("translate")
    digest = content_hash(template.hash, json.dumps(settings.output_params, sort_keys=True))
    run = project.judging.find_or_create_run(
        name=f"{settings.model}/translate@{digest[:8]}",
        kind="translate",
        model=settings.model,
        base_url=endpoint.public_url,
        template_name=template.name,
        template_hash=template.hash,
        params={
            **settings.output_params,
            "languages": list(settings.languages),
            "overwrite": settings.overwrite,
        },
    )
    summary = TranslateSummary(run=run.name)
    total = sum(
        project.judging.count_translation_items(kind, settings.languages, settings.overwrite)
        for kind in ("response", "prompt")
    )
    writer = ResultWriter(project)
    client = endpoint.client()

    def values(item: TranslationItem) -> dict[str, str]:
        return {
            "text": item.text,
            "language": LANGUAGE_NAMES.get(item.language.lower(), item.language),
        }

    def key(item: TranslationItem) -> str:
        return content_hash(
            json.dumps(values(item), sort_keys=True, ensure_ascii=False),
            json.dumps(settings.output_params, sort_keys=True),
        )

    def store(items: list[TranslationItem], outcome: Outcome | CachedCall) -> bool:
        text = translation_text(outcome)
        if text is None:
            return False
        writer.add(translations=[NewTranslation(i.kind, i.id, text, settings.model) for i in items])
        for i in items:
            summary.by_kind[i.kind] = summary.by_kind.get(i.kind, 0) + 1
        return True

    with RunProgress(f"translate {run.name}", total, quiet=settings.quiet) as progress:

        def jobs() -> Iterator[Job]:
            batch: list[TranslationItem] = []
            for item in _items(project, settings):
                batch.append(item)
                if len(batch) >= 200:
                    yield from flush_batch(batch)
                    batch = []
            yield from flush_batch(batch)

        def flush_batch(batch: list[TranslationItem]) -> Iterator[Job]:
            keys = {i.id if i.kind == "response" else -i.id: key(i) for i in batch}
            writer.flush()
            cache = project.judging.cached_calls(settings.model, template.hash, keys.values())
            for item in batch:
                k = keys[item.id if item.kind == "response" else -item.id]
                if k in cache and store([item], cache[k]):
                    summary.cached += 1
                    progress.advance()
                    continue
                yield Job(k, lambda item=item: template.render(values(item)), item)

        def on_result(group: list[Job], outcome: Outcome) -> None:
            items: list[TranslationItem] = [job.context for job in group]
            error = outcome.error
            if error is None and translation_text(outcome) is None:
                error = (
                    "the answer was cut short (finish_reason=length); raise --max-tokens"
                    if outcome.finish_reason == "length"
                    else "empty translation"
                )
            first = items[0]
            call = NewCall(
                purpose="translate",
                model=settings.model,
                base_url=endpoint.public_url,
                template_name=template.name,
                template_hash=template.hash,
                input_hash=group[0].key,
                run_id=run.id,
                response_id=first.id if first.kind == "response" else None,
                prompt_id=first.id if first.kind == "prompt" else None,
                output=outcome.output,
                logprobs=None,
                tokens_in=outcome.tokens_in,
                tokens_out=outcome.tokens_out,
                latency_ms=outcome.latency_ms,
                finish_reason=outcome.finish_reason,
                error=error,
            )
            summary.requested += 1
            writer.add(call)
            if error is not None:
                summary.errors += len(items)
                summary.last_error = error
                progress.error(len(items))
                return
            store(items, outcome)
            progress.advance(len(items))

        engine = Engine(
            client,
            endpoint,
            settings.model,
            settings.output_params,
            settings.concurrency,
            on_result,
        )
        try:
            await engine.run(jobs())
        finally:
            writer.flush()
            await client.close()
        summary.stop_error = engine.stop_error
        summary.adapted = engine.adaptations  # recorded with the summary's event
    summary.responses = summary.by_kind.get("response", 0)
    summary.prompts = summary.by_kind.get("prompt", 0)
    project.judging.set_run_status(run.id, "finished" if not summary.errors else "incomplete")
    return summary
