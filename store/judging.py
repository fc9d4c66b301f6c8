"""Judge runs, verdicts, back-translations, and the model-call log / cache (owned by the judge
work; the Batch API's bookkeeping is in batches.py).

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
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from ._sqlite_utils import Database
from .base import ProjectBase, now
from .records import JudgeRun, Record, Verdict
from .schema import migrations


@migrations(name="0002_judge_batches_and_call_links")
def _judge_batches(db: Database) -> None:
    for statement in (
        "ALTER TABLE llm_calls ADD COLUMN run_id INTEGER REFERENCES judge_runs (id)",
        "ALTER TABLE llm_calls ADD COLUMN response_id INTEGER",
        "ALTER TABLE llm_calls ADD COLUMN prompt_id INTEGER",
        "ALTER TABLE llm_calls ADD COLUMN template_name TEXT",
        "ALTER TABLE llm_calls ADD COLUMN finish_reason TEXT",
        "ALTER TABLE llm_calls ADD COLUMN custom_id TEXT",
        "CREATE INDEX llm_calls_run ON llm_calls (run_id, id)",
        # What the judge saw: {"response": "back_translation"|"original", "prompt": ...}.
        "ALTER TABLE verdicts ADD COLUMN input_source TEXT",
        "CREATE TABLE judge_batches (id TEXT PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES "
        "judge_runs (id), input_file_id TEXT, output_file_id TEXT, error_file_id TEXT, "
        "status TEXT NOT NULL, requests INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, "
        "created_at TEXT NOT NULL, finished_at TEXT)",
        # One row per response in a batch; responses with the same input share a custom_id.
        "CREATE TABLE judge_batch_items (batch_id TEXT NOT NULL REFERENCES judge_batches (id), "
        "custom_id TEXT NOT NULL, response_id INTEGER NOT NULL, input_hash TEXT NOT NULL, "
        "input_source TEXT, PRIMARY KEY (batch_id, response_id))",
        "CREATE INDEX judge_batch_items_custom ON judge_batch_items (batch_id, custom_id)",
        "CREATE INDEX judge_batch_items_response ON judge_batch_items (response_id)",
    ):
        db.execute(statement)


OUTPUT_CAP_BYTES = 64 * 1024


@migrations(name="0007_judging_output_cap")
def _output_cap(db: Database) -> None:
    for statement in (
        # The whole answer's length in UTF-8 bytes and its SHA-256; `output` keeps at most
        # OUTPUT_CAP_BYTES of it. NULL on rows written before this step (kept whole).
        "ALTER TABLE llm_calls ADD COLUMN output_bytes INTEGER",
        "ALTER TABLE llm_calls ADD COLUMN output_sha256 TEXT",
        # The call a verdict was parsed from; its answer is read from there (raw is NULL).
        "ALTER TABLE verdicts ADD COLUMN call_id INTEGER REFERENCES llm_calls (id)",
        # Earlier verdicts copied their call's answer into `raw`: link them to that call and
        # drop the copy (lossless: only where the texts are equal).
        "UPDATE verdicts SET call_id = (SELECT c.id FROM llm_calls c WHERE"
        " c.template_hash = verdicts.template_hash AND c.input_hash = verdicts.input_hash"
        " AND c.error IS NULL AND c.output = verdicts.raw ORDER BY c.id LIMIT 1)"
        " WHERE raw IS NOT NULL AND input_hash IS NOT NULL",
        "UPDATE verdicts SET raw = NULL WHERE call_id IS NOT NULL",
    ):
        db.execute(statement)


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


_CALL_COLUMNS = [f.name for f in fields(NewCall)]
_CALL_SQL = (
    f"INSERT INTO llm_calls ({', '.join(_CALL_COLUMNS)}, output_bytes, output_sha256,"
    f" created_at) VALUES ({', '.join('?' * (len(_CALL_COLUMNS) + 3))})"
)
_OUTPUT_AT = _CALL_COLUMNS.index("output")
_CALL_VALUES = _values(NewCall)
_VERDICT_COLUMNS = [f.name for f in fields(NewVerdict) if f.name != "call"]
_VERDICT_SQL = (
    f"INSERT INTO verdicts ({', '.join(_VERDICT_COLUMNS)}, created_at)"
    f" VALUES ({', '.join('?' * (len(_VERDICT_COLUMNS) + 1))})"
    " ON CONFLICT (run_id, response_id) DO NOTHING"
)
_VERDICT_VALUES = attrgetter(*_VERDICT_COLUMNS)
_RAW_AT = _VERDICT_COLUMNS.index("raw")
_CALL_ID_AT = _VERDICT_COLUMNS.index("call_id")


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


def _verdict_values(verdict: NewVerdict, call_ids: dict[int, int]) -> list[Any]:
    """The row of a verdict: linked to its call (and then without `raw`) when it has one."""
    values = list(_VERDICT_VALUES(verdict))
    call_id = verdict.call_id
    if call_id is None and verdict.call is not None and verdict.raw == verdict.call.output:
        call_id = call_ids.get(id(verdict.call))
    values[_CALL_ID_AT] = call_id
    values[_RAW_AT] = None if call_id is not None else cap_output(verdict.raw)[0]
    return values


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class JudgingMixin(ProjectBase):
    # -- runs ----------------------------------------------------------------------------------

    def find_or_create_run(
        self,
        *,
        name: str,
        kind: str,
        model: str,
        base_url: str | None,
        template_name: str,
        template_hash: str,
        params: dict[str, Any],
        is_baseline: bool = False,
    ) -> JudgeRun:
        """The run called `name` of this kind (reused, so a re-run continues it), or a new one."""
        with self.transaction():
            row = self.conn.execute(
                "SELECT id FROM judge_runs WHERE name = ? AND kind = ? ORDER BY id LIMIT 1",
                (name, kind),
            ).fetchone()
            if row is None:
                cursor = self.conn.execute(
                    "INSERT INTO judge_runs (name, kind, model, base_url, template_name, "
                    "template_hash, params, is_baseline, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                    (
                        name,
                        kind,
                        model,
                        base_url,
                        template_name,
                        template_hash,
                        json.dumps(params, ensure_ascii=False, sort_keys=True),
                        int(is_baseline),
                        now(),
                    ),
                )
                run_id = cursor.lastrowid
            else:
                run_id = row[0]
                self.conn.execute(
                    "UPDATE judge_runs SET status = 'running', base_url = coalesce(?, base_url),"
                    " finished_at = NULL WHERE id = ?",
                    (base_url, run_id),
                )
        run = self.judge_run(run_id)
        assert run is not None
        return run

    def judge_run(self, run_id: int) -> JudgeRun | None:
        row = self.conn.execute("SELECT * FROM judge_runs WHERE id = ?", (run_id,)).fetchone()
        return JudgeRun.from_row(row) if row else None

    def judge_runs(self, kind: str | None = None) -> list[JudgeRun]:
        sql, params = "SELECT * FROM judge_runs", ()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind,)
        return [JudgeRun.from_row(r) for r in self.conn.execute(sql + " ORDER BY id", params)]

    def set_run_status(self, run_id: int, status: str, *, batch_id: str | None = None) -> None:
        finished = now() if status in ("finished", "incomplete", "failed") else None
        with self.transaction():
            self.conn.execute(
                "UPDATE judge_runs SET status = ?, finished_at = ?, "
                "batch_id = coalesce(?, batch_id) WHERE id = ?",
                (status, finished, batch_id, run_id),
            )

    # -- what to judge -------------------------------------------------------------------------

    def count_responses(self, languages: Sequence[str] = ()) -> int:
        sql, params = "SELECT count(*) FROM responses", list(languages)
        if languages:
            sql += f" WHERE language IN ({_in(languages)})"
        return self.conn.execute(sql, params).fetchone()[0]

    def judge_items(
        self, run_id: int, languages: Sequence[str] = (), after_id: int = 0, page: int = 500
    ) -> list[JudgeItem]:
        """One page of responses (by id, after `after_id`) with their prompt fields, flagged
        `judged` when the run already has a verdict and `in_batch` when an open batch of the
        run holds them."""
        where, params = "r.id > ?", [run_id, run_id, after_id]
        if languages:
            where += f" AND r.language IN ({_in(languages)})"
            params.extend(languages)
        sql = (
            "SELECT r.id, r.language, r.text, r.back_translation, r.category, r.scenario,"
            " r.prompt_id, p.text AS prompt_text, p.text_en AS prompt_text_en,"
            " p.back_translation AS prompt_back_translation, p.category AS prompt_category,"
            " p.scenario AS prompt_scenario,"
            " EXISTS (SELECT 1 FROM verdicts v WHERE v.run_id = ? AND v.response_id = r.id)"
            " AS judged,"
            " EXISTS (SELECT 1 FROM judge_batch_items bi JOIN judge_batches b"
            " ON b.id = bi.batch_id WHERE b.run_id = ? AND b.done = 0"
            " AND bi.response_id = r.id) AS in_batch"
            f" FROM responses r LEFT JOIN prompts p ON p.id = r.prompt_id WHERE {where}"
            " ORDER BY r.id LIMIT ?"
        )
        params.append(page)
        return [JudgeItem.from_row(row) for row in self.conn.execute(sql, params)]

    def _translation_where(
        self, kind: str, languages: Sequence[str], overwrite: bool
    ) -> tuple[str, str, list[Any]]:
        table = {"response": "responses", "prompt": "prompts"}[kind]
        where = ["language NOT IN ('en', 'eng')", "language NOT LIKE 'en-%'"]
        params: list[Any] = []
        if kind == "prompt":
            where.append("text_en IS NULL")
        if not overwrite:
            where.append("back_translation IS NULL")
        if languages:
            where.append(f"language IN ({_in(languages)})")
            params.extend(languages)
        return table, " AND ".join(where), params

    def translation_items(
        self,
        kind: str,
        languages: Sequence[str] = (),
        overwrite: bool = False,
        after_id: int = 0,
        page: int = 500,
    ) -> list[TranslationItem]:
        """Responses (or prompts without an English source) not in English that have no
        back-translation yet (all of them with `overwrite`), one page by id."""
        table, where, params = self._translation_where(kind, languages, overwrite)
        sql = (
            f"SELECT '{kind}' AS kind, id, language, text FROM {table} "
            f"WHERE id > ? AND {where} ORDER BY id LIMIT ?"
        )
        rows = self.conn.execute(sql, [after_id, *params, page])
        return [TranslationItem.from_row(r) for r in rows]

    def count_translation_items(
        self, kind: str, languages: Sequence[str] = (), overwrite: bool = False
    ) -> int:
        table, where, params = self._translation_where(kind, languages, overwrite)
        sql = f"SELECT count(*) FROM {table} WHERE {where}"
        return self.conn.execute(sql, params).fetchone()[0]

    # -- the cache and the log -----------------------------------------------------------------

    def cached_calls(
        self, model: str, template_hash: str, input_hashes: Iterable[str]
    ) -> dict[str, CachedCall]:
        """Finished requests (an output, no error) for these inputs: the cache."""
        hashes = sorted(set(input_hashes))
        found: dict[str, CachedCall] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            rows = self.conn.execute(
                "SELECT id, input_hash, output, logprobs, tokens_in, tokens_out, latency_ms,"
                " finish_reason FROM llm_calls WHERE model = ? AND template_hash = ?"
                f" AND input_hash IN ({_in(chunk)}) AND error IS NULL AND output IS NOT NULL"
                # An answer cut to OUTPUT_CAP_BYTES is not the answer: not a cache hit.
                " AND (output_bytes IS NULL OR output_bytes = length(CAST(output AS BLOB)))"
                " ORDER BY id",
                [model, template_hash, *chunk],
            )
            for row in rows:
                found[row["input_hash"]] = CachedCall.from_row(row)
        return found

    def record_results(
        self,
        calls: Sequence[NewCall] = (),
        verdicts: Sequence[NewVerdict] = (),
        translations: Sequence[NewTranslation] = (),
    ) -> None:
        """Write finished requests, their verdicts and back-translations in one transaction.
        Outputs are capped (`cap_output`); a verdict linked to a call does not store its raw."""
        created = now()
        with self.transaction():
            call_ids: dict[int, int] = {}
            for c in calls:
                values = list(_CALL_VALUES(c))
                stored, size, digest = cap_output(c.output)
                values[_OUTPUT_AT] = stored
                cursor = self.conn.execute(_CALL_SQL, (*values, size, digest, created))
                call_ids[id(c)] = cursor.lastrowid  # type: ignore[assignment]
            if verdicts:
                self.conn.executemany(
                    _VERDICT_SQL, [(*_verdict_values(v, call_ids), created) for v in verdicts]
                )
            for kind in ("response", "prompt"):
                rows = [(t.text, t.engine, created, t.id) for t in translations if t.kind == kind]
                if rows:
                    table = "responses" if kind == "response" else "prompts"
                    self.conn.executemany(
                        f"UPDATE {table} SET back_translation = ?, bt_engine = ?, bt_at = ?"
                        " WHERE id = ?",
                        rows,
                    )

    def call_output_size(self) -> tuple[int, int]:
        """(bytes of model output stored in llm_calls and verdicts, bytes the answers had)."""
        stored = self.conn.execute(
            "SELECT coalesce(sum(length(CAST(output AS BLOB))), 0),"
            " coalesce(sum(coalesce(output_bytes, length(CAST(output AS BLOB)))), 0)"
            " FROM llm_calls"
        ).fetchone()
        raw = self.conn.execute(
            "SELECT coalesce(sum(length(CAST(raw AS BLOB))), 0) FROM verdicts"
        ).fetchone()[0]
        return stored[0] + raw, stored[1]

    def llm_calls(self, run_id: int | None = None, limit: int | None = None) -> list[LlmCall]:
        sql, params = "SELECT * FROM llm_calls", []
        if run_id is not None:
            sql, params = sql + " WHERE run_id = ?", [run_id]
        sql += " ORDER BY id"
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, limit]
        return [LlmCall.from_row(r) for r in self.conn.execute(sql, params)]

    # -- verdicts ------------------------------------------------------------------------------

    def verdicts(self, run_id: int | None = None, response_id: int | None = None) -> list[Verdict]:
        conditions, params = [], []
        if run_id is not None:
            conditions.append("run_id = ?")
            params.append(run_id)
        if response_id is not None:
            conditions.append("response_id = ?")
            params.append(response_id)
        where = f" WHERE {' AND '.join(f'v.{c}' for c in conditions)}" if conditions else ""
        sql = (
            f"SELECT {verdict_columns()} FROM verdicts v{verdict_call_join()}{where} ORDER BY v.id"
        )
        return [Verdict.from_row(r) for r in self.conn.execute(sql, params)]

    def verdict_input_source(self, verdict_id: int) -> dict[str, str]:
        row = self.conn.execute(
            "SELECT input_source FROM verdicts WHERE id = ?", (verdict_id,)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def verdict_counts(self, run_id: int) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT label, count(*) FROM verdicts WHERE run_id = ? GROUP BY label ORDER BY label",
            (run_id,),
        )
        return {label: n for label, n in rows}
