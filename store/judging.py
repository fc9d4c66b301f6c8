"""Judge runs, verdicts, back-translations, and the model-call log / cache (owned by the judge
work; the Batch API's bookkeeping is batches.py). How model output is stored (capped, once) is
described in judging_records.py."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .clock import now
from .errors import PolyjudgeError
from .generated import NewResponse
from .judging_records import (
    CachedCall,
    JudgeItem,
    LlmCall,
    NewCall,
    NewTranslation,
    NewVerdict,
    TranslationItem,
    in_marks,
    translation_where,
    verdict_call_join,
    verdict_columns,
    write_results,
)
from .records import JudgeRun, Verdict
from .subject import Subject


class Judging(Subject):
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
        with self._project.transaction():
            row = self._conn.execute(
                "SELECT id FROM judge_runs WHERE name = ? AND kind = ? ORDER BY id LIMIT 1",
                (name, kind),
            ).fetchone()
            if row is None:
                cursor = self._conn.execute(
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
                assert run_id is not None  # an INSERT's rowid
            else:
                run_id = row[0]
                self._conn.execute(
                    "UPDATE judge_runs SET status = 'running', base_url = coalesce(?, base_url),"
                    " finished_at = NULL WHERE id = ?",
                    (base_url, run_id),
                )
        run = self.run(run_id)
        assert run is not None
        return run

    def run(self, run_id: int) -> JudgeRun | None:
        row = self._conn.execute("SELECT * FROM judge_runs WHERE id = ?", (run_id,)).fetchone()
        return JudgeRun.from_row(row) if row else None

    def runs(self, kind: str | None = None) -> list[JudgeRun]:
        sql, params = "SELECT * FROM judge_runs", tuple[str, ...]()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind,)
        return [JudgeRun.from_row(r) for r in self._conn.execute(sql + " ORDER BY id", params)]

    def judge_runs(self) -> list[JudgeRun]:
        """Every judge run (kind 'judge'), oldest first."""
        return self.runs("judge")

    def find_run(self, name_or_id: str) -> JudgeRun:
        """A judge run by id or by name (the latest run of that name)."""
        row = None
        if name_or_id.isdigit():
            row = self._conn.execute(
                "SELECT * FROM judge_runs WHERE id = ?", (int(name_or_id),)
            ).fetchone()
        if row is None:
            row = self._conn.execute(
                "SELECT * FROM judge_runs WHERE name = ? ORDER BY id DESC LIMIT 1", (name_or_id,)
            ).fetchone()
        if row is None:
            raise PolyjudgeError(f"no judge run called {name_or_id!r}")
        return JudgeRun.from_row(row)

    def add_verdict_rows(
        self,
        run_name: str,
        model: str,
        rows: Iterable[tuple[int, str] | tuple[int, str, float | None]],
        *,
        is_baseline: bool = False,
    ) -> JudgeRun:
        """Create a finished judge run and store (response id, verdict label[, p(unsafe)]) rows
        for it. The full API (templates, raw output, p(unsafe)) is `record_results`; this
        minimal writer serves tests, benches and verdicts computed elsewhere."""
        created = now()
        with self._project.transaction():
            cur = self._conn.execute(
                "INSERT INTO judge_runs (name, kind, model, is_baseline, status, created_at,"
                " finished_at) VALUES (?, 'judge', ?, ?, 'finished', ?, ?)",
                (run_name, model, int(is_baseline), created, created),
            )
            run_id = cur.lastrowid
            self._conn.executemany(
                "INSERT INTO verdicts (run_id, response_id, label, p_unsafe, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (run_id, row[0], row[1], row[2] if len(row) > 2 else None, created)
                    for row in rows
                ),
            )
            row = self._conn.execute("SELECT * FROM judge_runs WHERE id = ?", (run_id,)).fetchone()
        return JudgeRun.from_row(row)

    def set_run_status(self, run_id: int, status: str, *, batch_id: str | None = None) -> None:
        finished = now() if status in ("finished", "incomplete", "failed") else None
        with self._project.transaction():
            self._conn.execute(
                "UPDATE judge_runs SET status = ?, finished_at = ?, "
                "batch_id = coalesce(?, batch_id) WHERE id = ?",
                (status, finished, batch_id, run_id),
            )

    # -- what to judge -------------------------------------------------------------------------

    def items(
        self, run_id: int, languages: Sequence[str] = (), after_id: int = 0, page: int = 500
    ) -> list[JudgeItem]:
        """One page of responses (by id, after `after_id`) with their prompt fields, flagged
        `judged` when the run already has a verdict and `in_batch` when an open batch of the
        run holds them."""
        where, params = "r.id > ?", list[Any]([run_id, run_id, after_id])
        if languages:
            where += f" AND r.language IN ({in_marks(languages)})"
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
        return [JudgeItem.from_row(row) for row in self._conn.execute(sql, params)]

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
        table, where, params = translation_where(kind, languages, overwrite)
        sql = (
            f"SELECT '{kind}' AS kind, id, language, text FROM {table} "
            f"WHERE id > ? AND {where} ORDER BY id LIMIT ?"
        )
        rows = self._conn.execute(sql, [after_id, *params, page])
        return [TranslationItem.from_row(r) for r in rows]

    def count_translation_items(
        self, kind: str, languages: Sequence[str] = (), overwrite: bool = False
    ) -> int:
        table, where, params = translation_where(kind, languages, overwrite)
        sql = f"SELECT count(*) FROM {table} WHERE {where}"
        return self._conn.execute(sql, params).fetchone()[0]

    # -- the cache and the log -----------------------------------------------------------------

    def cached_calls(
        self, model: str, template_hash: str, input_hashes: Iterable[str]
    ) -> dict[str, CachedCall]:
        """Finished requests (an output, no error) for these inputs: the cache."""
        hashes = sorted(set(input_hashes))
        found: dict[str, CachedCall] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            rows = self._conn.execute(
                "SELECT id, input_hash, output, logprobs, tokens_in, tokens_out, latency_ms,"
                " finish_reason FROM llm_calls WHERE model = ? AND template_hash = ?"
                f" AND input_hash IN ({in_marks(chunk)}) AND error IS NULL AND output IS NOT NULL"
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
        responses: Sequence[NewResponse] = (),
    ) -> None:
        """Write finished requests, their verdicts, back-translations and generated responses
        in one transaction. Outputs are capped (`cap_output`); a verdict linked to a call does
        not store its raw."""
        created = now()
        with self._project.transaction():
            write_results(self._conn, created, calls, verdicts, translations, responses)

    def llm_calls(self, run_id: int | None = None, limit: int | None = None) -> list[LlmCall]:
        sql, params = "SELECT * FROM llm_calls", []
        if run_id is not None:
            sql, params = sql + " WHERE run_id = ?", [run_id]
        sql += " ORDER BY id"
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, limit]
        return [LlmCall.from_row(r) for r in self._conn.execute(sql, params)]

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
        return [Verdict.from_row(r) for r in self._conn.execute(sql, params)]

    def verdict_input_source(self, verdict_id: int) -> dict[str, str]:
        row = self._conn.execute(
            "SELECT input_source FROM verdicts WHERE id = ?", (verdict_id,)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def verdict_counts(self, run_id: int) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT label, count(*) FROM verdicts WHERE run_id = ? GROUP BY label ORDER BY label",
            (run_id,),
        )
        return {label: n for label, n in rows}
