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

from polyjudge.languages import language_name
from polyjudge.store import (
    CachedCall,
    NewCall,
    NewTranslation,
    Project,
    TranslationItem,
    content_hash,
)

from .client import Endpoint
from .engine import Outcome
from .fence import strip_fence_lines
from .progress import RunProgress
from .requests import CallLog, RequestLoop, Results, RunSettings
from .templates import builtin


@dataclass(frozen=True, kw_only=True)
class TranslateSettings(RunSettings):
    overwrite: bool = False  # replace existing back-translations (imported ones too)


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


def rejected(outcome: Outcome) -> str | None:
    """Why an answer is no translation (logged as the call's error), or None."""
    if translation_text(outcome) is not None:
        return None
    if outcome.finish_reason == "length":
        return "the answer was cut short (finish_reason=length); raise --max-tokens"
    return "empty translation"


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

    def values(item: TranslationItem) -> dict[str, str]:
        return {
            "text": item.text,
            "language": language_name(item.language) or item.language,
        }

    def key(item: TranslationItem) -> str:
        return content_hash(
            json.dumps(values(item), sort_keys=True, ensure_ascii=False),
            json.dumps(settings.output_params, sort_keys=True),
        )

    def build(item: TranslationItem) -> list[dict[str, str]]:
        return template.render(values(item))

    def stored(items: list[TranslationItem], text: str) -> Results:
        for i in items:
            summary.by_kind[i.kind] = summary.by_kind.get(i.kind, 0) + 1
        return Results(
            translations=[NewTranslation(i.kind, i.id, text, settings.model) for i in items]
        )

    def cached(item: TranslationItem, call: CachedCall) -> Results | None:
        text = translation_text(call)
        return None if text is None else stored([item], text)  # None: translate again

    def answered(items: list[TranslationItem], outcome: Outcome, call: NewCall) -> Results:
        # (never empty here: `rejected` logged such an answer as an error)
        return stored(items, translation_text(outcome) or "")

    def refs(item: TranslationItem) -> tuple[int | None, int | None]:
        return (item.id, None) if item.kind == "response" else (None, item.id)

    with RunProgress(f"translate {run.name}", total, quiet=settings.quiet) as progress:
        loop = RequestLoop(
            project,
            endpoint,
            CallLog("translate", settings.model, template.name, template.hash, run.id),
            settings.output_params,
            settings.concurrency,
            key=key,
            build=build,
            cached=cached,
            answered=answered,
            refs=refs,
            check=rejected,
            progress=progress,
            page_size=200,
        )
        await loop.run(_items(project, settings))
    summary.cached, summary.requested = loop.hits, loop.requested
    summary.errors, summary.last_error = loop.errors, loop.last_error
    summary.stop_error = loop.stop_error
    summary.adapted = loop.adapted  # recorded with the summary's event
    summary.responses = summary.by_kind.get("response", 0)
    summary.prompts = summary.by_kind.get("prompt", 0)
    project.judging.set_run_status(run.id, "finished" if not summary.errors else "incomplete")
    return summary
