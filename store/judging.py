"""Judge runs, verdicts, back-translations, and the model-call log / cache (owned by the judge
work; the Batch API's bookkeeping is in batches.py).

The cache is `llm_calls`: a row with an output and no error is a finished request, keyed by
(model, template_hash, input_hash). A request that failed after the client's retries is logged
with its error and gets *no* verdict row: it is not a judgement, it never counts in statistics,
and the next run retries it.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class NewTranslation:
    kind: str  # "response" | "prompt"
    id: int
    text: str
    engine: str


def _insert_sql(table: str, cls: type) -> str:
    names = [f.name for f in fields(cls)]
    return (
        f"INSERT INTO {table} ({', '.join(names)}, created_at) "
        f"VALUES ({', '.join('?' * len(names))}, ?)"
    )


def _values(cls: type) -> attrgetter:
    return attrgetter(*(f.name for f in fields(cls)))


_CALL_SQL = _insert_sql("llm_calls", NewCall)
_CALL_VALUES = _values(NewCall)
_VERDICT_VALUES = _values(NewVerdict)
_VERDICT_SQL = _insert_sql("verdicts", NewVerdict) + " ON CONFLICT (run_id, response_id) DO NOTHING"


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class JudgingMixin(ProjectBase):
    # -- runs ----------------------------------------------------------------------------------

    def find_or_create_run(
        self, *, name: str, kind: str, model: str, base_url: str | None, template_name: str,
        template_hash: str, params: dict[str, Any], is_baseline: bool = False,
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
                    (name, kind, model, base_url, template_name, template_hash,
                     json.dumps(params, ensure_ascii=False, sort_keys=True), int(is_baseline),
                     now()),
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

    def _translation_where(self, kind: str, languages: Sequence[str],
                           overwrite: bool) -> tuple[str, str, list[Any]]:
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
        self, kind: str, languages: Sequence[str] = (), overwrite: bool = False,
        after_id: int = 0, page: int = 500,
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

    def count_translation_items(self, kind: str, languages: Sequence[str] = (),
                                overwrite: bool = False) -> int:
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
                "SELECT input_hash, output, logprobs, tokens_in, tokens_out, latency_ms,"
                " finish_reason FROM llm_calls WHERE model = ? AND template_hash = ?"
                f" AND input_hash IN ({_in(chunk)}) AND error IS NULL AND output IS NOT NULL"
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
        """Write finished requests, their verdicts and back-translations in one transaction."""
        created = now()
        with self.transaction():
            if calls:
                self.conn.executemany(_CALL_SQL, [(*_CALL_VALUES(c), created) for c in calls])
            if verdicts:
                self.conn.executemany(
                    _VERDICT_SQL, [(*_VERDICT_VALUES(v), created) for v in verdicts]
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
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return [
            Verdict.from_row(r)
            for r in self.conn.execute(f"SELECT * FROM verdicts{where} ORDER BY id", params)
        ]

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
