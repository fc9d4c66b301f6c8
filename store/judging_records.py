"""Judging's records and the SQL shapes of its rows (see judging.py).

The cache is `llm_calls`: a row with an output and no error is a finished request, keyed by
(model, template_hash, input_hash). A request that failed after the client's retries is logged
with its error and gets *no* verdict row: it is not a judgement, it never counts in statistics,
and the next run retries it.

Model output is stored once, and bounded. `llm_calls.output` keeps the first `OUTPUT_CAP_BYTES`
(64 KiB) of an answer (cut at a character boundary), with the whole answer's length in UTF-8
bytes (`output_bytes`) and its SHA-256 (`output_sha256`); whatever parses the answer (the verdict,
the translation) sees all of it before it is stored. A verdict made from a logged call does not
copy the answer: `verdicts.call_id` names the call and `verdicts.raw` stays NULL (`verdicts()`
reads the call's output in its place); only a verdict with no call (the refusal baseline, the
demo) keeps its own `raw`, capped the same way. A call whose output was cut is not a cache hit:
the next run that needs it asks again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from .generated import NewResponse, write_responses
from .records import Record, Verdict

OUTPUT_CAP_BYTES = 64 * 1024


def cap_output(text: str | None) -> tuple[str | None, int | None, str | None]:
    """(what to store, the whole text's length in UTF-8 bytes, its SHA-256 hex) for a model's
    answer: the text itself up to OUTPUT_CAP_BYTES, else its first OUTPUT_CAP_BYTES bytes cut
    back to a character boundary. Unpaired surrogates (which SQLite cannot store) are hashed as
    they are and stored as U+FFFD."""
    if text is None:
        return None, None, None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
        text = data.decode("utf-8", "replace")
    size = len(data)
    digest = hashlib.sha256(data).hexdigest()
    if size <= OUTPUT_CAP_BYTES:
        return text, size, digest
    return data[:OUTPUT_CAP_BYTES].decode("utf-8", "ignore"), size, digest


@dataclass(frozen=True, slots=True)
class JudgeItem(Record):
    """A response to judge, with what the templates need from its prompt."""

    id: int
    language: str
    text: str
    back_translation: str | None = None
    category: str | None = None
    scenario: str | None = None
    prompt_id: int | None = None
    prompt_text: str | None = None
    prompt_text_en: str | None = None
    prompt_back_translation: str | None = None
    prompt_category: str | None = None
    prompt_scenario: str | None = None
    judged: int = 0
    in_batch: int = 0


@dataclass(frozen=True, slots=True)
class TranslationItem(Record):
    """A response or prompt text to back-translate into English."""

    kind: str  # "response" | "prompt"
    id: int
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class CachedCall(Record):
    input_hash: str
    output: str
    logprobs: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    id: int | None = None  # the llm_calls row: a verdict made from it links to it


@dataclass(frozen=True, slots=True)
class LlmCall(Record):
    """One model request (judge or translation), as logged."""

    id: int
    purpose: str
    model: str
    template_hash: str
    input_hash: str
    base_url: str | None = None
    template_name: str | None = None
    run_id: int | None = None
    response_id: int | None = None
    prompt_id: int | None = None
    output: str | None = None
    logprobs: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    error: str | None = None
    custom_id: str | None = None
    created_at: str | None = None
    output_bytes: int | None = None  # the whole answer (output keeps OUTPUT_CAP_BYTES of it)
    output_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class NewCall:
    """An `llm_calls` row to write (the log entry of one request)."""

    purpose: str
    model: str
    base_url: str | None
    template_name: str
    template_hash: str
    input_hash: str
    run_id: int | None
    response_id: int | None
    prompt_id: int | None
    output: str | None
    logprobs: str | None
    tokens_in: int | None
    tokens_out: int | None
    latency_ms: int | None
    finish_reason: str | None
    error: str | None
    custom_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewVerdict:
    run_id: int
    response_id: int
    label: str
    p_unsafe: float | None
    raw: str | None
    template_name: str | None
    template_hash: str | None
    input_hash: str | None
    tokens_in: int | None
    tokens_out: int | None
    latency_ms: int | None
    input_source: str | None
    # The call this verdict was parsed from: an earlier row (a cache hit) by id, or a NewCall
    # written in the same `record_results`. With either, `raw` is not stored again.
    call_id: int | None = None
    call: NewCall | None = None


@dataclass(frozen=True, slots=True)
class NewTranslation:
    kind: str  # "response" | "prompt"
    id: int
    text: str
    engine: str


def _values(cls: type) -> attrgetter:
    return attrgetter(*(f.name for f in fields(cls)))


CALL_COLUMNS = [f.name for f in fields(NewCall)]
CALL_SQL = (
    f"INSERT INTO llm_calls ({', '.join(CALL_COLUMNS)}, output_bytes, output_sha256,"
    f" created_at) VALUES ({', '.join('?' * (len(CALL_COLUMNS) + 3))})"
)
OUTPUT_AT = CALL_COLUMNS.index("output")
CALL_VALUES = _values(NewCall)
VERDICT_COLUMNS = [f.name for f in fields(NewVerdict) if f.name != "call"]
VERDICT_SQL = (
    f"INSERT INTO verdicts ({', '.join(VERDICT_COLUMNS)}, created_at)"
    f" VALUES ({', '.join('?' * (len(VERDICT_COLUMNS) + 1))})"
    " ON CONFLICT (run_id, response_id) DO NOTHING"
)
VERDICT_VALUES = attrgetter(*VERDICT_COLUMNS)
RAW_AT = VERDICT_COLUMNS.index("raw")
CALL_ID_AT = VERDICT_COLUMNS.index("call_id")


def verdict_columns(alias: str = "v", calls: str = "c") -> str:
    """The select list of a `Verdict` from `verdicts AS alias LEFT JOIN llm_calls AS calls ON
    calls.id = alias.call_id` (see VERDICT_CALL_JOIN): `raw` is the call's answer when the
    verdict does not keep its own."""
    return ", ".join(
        f"coalesce({alias}.raw, {calls}.output) AS raw" if f.name == "raw" else f"{alias}.{f.name}"
        for f in fields(Verdict)
    )


def verdict_call_join(alias: str = "v", calls: str = "c") -> str:
    return f" LEFT JOIN llm_calls {calls} ON {calls}.id = {alias}.call_id"


def verdict_values(verdict: NewVerdict, call_ids: dict[int, int]) -> list[Any]:
    """The row of a verdict: linked to its call (and then without `raw`) when it has one."""
    values = list(VERDICT_VALUES(verdict))
    call_id = verdict.call_id
    if call_id is None and verdict.call is not None and verdict.raw == verdict.call.output:
        call_id = call_ids.get(id(verdict.call))
    values[CALL_ID_AT] = call_id
    values[RAW_AT] = None if call_id is not None else cap_output(verdict.raw)[0]
    return values


def in_marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def translation_where(
    kind: str, languages: Sequence[str], overwrite: bool
) -> tuple[str, str, list[Any]]:
    table = {"response": "responses", "prompt": "prompts"}[kind]
    where = ["language NOT IN ('en', 'eng')", "language NOT LIKE 'en-%'"]
    params: list[Any] = []
    if kind == "prompt":
        where.append("text_en IS NULL")
    if not overwrite:
        where.append("back_translation IS NULL")
    if languages:
        where.append(f"language IN ({in_marks(languages)})")
        params.extend(languages)
    return table, " AND ".join(where), params


def write_results(
    conn: sqlite3.Connection,
    created: str,
    calls: Sequence[NewCall],
    verdicts: Sequence[NewVerdict],
    translations: Sequence[NewTranslation],
    responses: Sequence[NewResponse] = (),
) -> None:
    """The writes of `Judging.record_results`, inside its transaction (`created`: the time
    stamp of every row, taken before the transaction as it always was)."""
    call_ids: dict[int, int] = {}
    for c in calls:
        values = list(CALL_VALUES(c))
        stored, size, digest = cap_output(c.output)
        values[OUTPUT_AT] = stored
        cursor = conn.execute(CALL_SQL, (*values, size, digest, created))
        call_ids[id(c)] = cursor.lastrowid  # type: ignore[assignment]
    if verdicts:
        conn.executemany(VERDICT_SQL, [(*verdict_values(v, call_ids), created) for v in verdicts])
    for kind in ("response", "prompt"):
        rows = [(t.text, t.engine, created, t.id) for t in translations if t.kind == kind]
        if rows:
            table = "responses" if kind == "response" else "prompts"
            conn.executemany(
                f"UPDATE {table} SET back_translation = ?, bt_engine = ?, bt_at = ? WHERE id = ?",
                rows,
            )
    if responses:
        write_responses(conn, created, responses, call_ids, cap_output)
