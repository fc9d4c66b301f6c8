"""Typed records the store hands out. Small, frozen, and free of SQL or sqlite-utils objects."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self

DEFAULT_LABELS: tuple[str, ...] = ("safe", "unsafe", "invalid")


class Record:
    """Mixin: build a record from a row mapping, ignoring columns the record does not name."""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: row[k] for k in row.keys() if k in names})  # noqa: SIM118 (sqlite3.Row)


@dataclass(frozen=True, slots=True)
class Prompt(Record):
    id: int
    dataset: str
    prompt_key: str
    language: str
    text: str
    text_en: str | None = None
    category: str | None = None
    tags: str | None = None
    scenario: str | None = None
    source: str | None = None
    license: str | None = None
    back_translation: str | None = None
    bt_engine: str | None = None


@dataclass(frozen=True, slots=True)
class Response(Record):
    id: int
    uid: str
    language: str
    text: str
    content_hash: str
    prompt_id: int | None = None
    model: str | None = None
    category: str | None = None
    scenario: str | None = None
    back_translation: str | None = None
    bt_engine: str | None = None
    bt_at: str | None = None
    source_file: str | None = None
    created_at: str | None = None
    condition: str | None = None  # generated responses: none, safe_prompt, xling_prompt


@dataclass(frozen=True, slots=True)
class Item:
    """A response with its prompt: everything the annotate and adjudicate screens show."""

    response: Response
    prompt: Prompt | None


@dataclass(frozen=True, slots=True)
class Annotator(Record):
    id: int
    name: str
    role: str = "annotator"
    languages: str | None = None


@dataclass(frozen=True, slots=True)
class Label(Record):
    id: int
    response_id: int
    annotator_id: int
    label: str | None
    unsure: int = 0
    note: str | None = None
    action: str = "label"
    supersedes: int | None = None
    restores: int | None = None
    viewed: str | None = None
    guideline_version: str | None = None
    time_ms: int | None = None
    source: str = "tui"
    view_assigned: str | None = None  # the reading condition assigned; None: chosen
    created_at: str | None = None
    uid: str | None = None
    after_reveal: int = 0  # written after the judge's verdict was shown: never current
    judge_seen: int = 0  # any judge output had been shown on the item

    def __post_init__(self) -> None:
        # Rows are append-only, so a malformed one (written by a merge before packets were
        # checked, or by another tool) stays forever: read it as unsure, with no time, rather
        # than let it break every report and export.
        if self.unsure not in (0, 1):
            object.__setattr__(self, "unsure", 1)
        if not isinstance(self.time_ms, int) or isinstance(self.time_ms, bool):
            object.__setattr__(self, "time_ms", None)


@dataclass(frozen=True, slots=True)
class Adjudication(Record):
    id: int
    response_id: int
    adjudicator_id: int
    label: str | None
    rationale: str | None = None
    safe_reply: str | None = None
    supersedes: int | None = None
    created_at: str | None = None
    uid: str | None = None
    judge_seen: int | None = None  # decided with judge verdicts on screen (None: unknown)


@dataclass(frozen=True, slots=True)
class JudgeRun(Record):
    id: int
    name: str
    model: str
    kind: str = "judge"
    base_url: str | None = None
    template_name: str | None = None
    template_hash: str | None = None
    params: str | None = None
    is_baseline: int = 0
    batch_id: str | None = None
    status: str = "running"
    created_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict(Record):
    id: int
    run_id: int
    response_id: int
    label: str
    p_unsafe: float | None = None
    raw: str | None = None
    template_name: str | None = None
    template_hash: str | None = None
    input_hash: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    error: str | None = None
    created_at: str | None = None
