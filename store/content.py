"""Prompts and responses: what is annotated. Importers call the `*_rows` writers inside their
single `transaction()`, so that a failed import leaves the project as it was."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .clock import now
from .gold import GoldSource, iter_gold_sources
from .records import Item, Prompt, Response
from .response_fill import fill_empty_fields
from .schema import PROMPT_COLUMNS, RESPONSE_COLUMNS
from .subject import Subject

# The columns an importer fills, in the order of the tuples it hands to `insert_response_rows`.
RESPONSE_IMPORT_COLUMNS = (*RESPONSE_COLUMNS, "created_at")
UID_INDEX = RESPONSE_IMPORT_COLUMNS.index("uid")
HASH_INDEX = RESPONSE_IMPORT_COLUMNS.index("content_hash")
# A prompt found for linking: (prompts.id, dataset, prompt_key, category, scenario).
PromptRef = tuple[int, str, str, str | None, str | None]
SQLITE_MAX_VARS = 30_000
# The tables `Content.count` counts.
COUNTED_TABLES = frozenset(
    {
        "prompts",
        "responses",
        "labels",
        "annotators",
        "verdicts",
        "adjudications",
        "judge_runs",
        "llm_calls",
        "events",
        "assignments",
        "claims",
    }
)


def content_hash(*parts: str | None) -> str:
    """A stable hash of text parts (used for response ids and cache keys)."""
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class Content(Subject):
    # -- writing -------------------------------------------------------------------------------

    def insert_prompts(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert prompts, ignoring ones already present (same dataset, key, language).
        Returns how many were new. Call inside `transaction()` to group with other writes."""
        with self._project.transaction():
            return self.insert_prompt_rows(rows)

    def insert_prompt_rows(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """`insert_prompts` in the caller's transaction (an importer's)."""
        created = now()
        sql = (
            f"INSERT OR IGNORE INTO prompts ({', '.join(PROMPT_COLUMNS)}, created_at) "
            f"VALUES ({', '.join('?' * len(PROMPT_COLUMNS))}, ?)"
        )
        before = self._conn.total_changes
        self._conn.executemany(
            sql, ([row.get(c) for c in PROMPT_COLUMNS] + [created] for row in rows)
        )
        return self._conn.total_changes - before

    def insert_responses(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert responses, ignoring ones whose `uid` is already present. Returns how many were
        new. Each row needs `uid`, `language`, `text`; `content_hash` is computed if absent."""
        created = now()
        sql = (
            f"INSERT OR IGNORE INTO responses ({', '.join(RESPONSE_COLUMNS)}, created_at) "
            f"VALUES ({', '.join('?' * len(RESPONSE_COLUMNS))}, ?)"
        )

        def values(row: Mapping[str, Any]) -> list[Any]:
            out = [row.get(c) for c in RESPONSE_COLUMNS]
            if out[7] is None:
                out[7] = content_hash(row["text"])
            out.append(created)
            return out

        before = self._conn.total_changes
        with self._project.transaction():
            self._conn.executemany(sql, (values(row) for row in rows))
        return self._conn.total_changes - before

    def insert_response_rows(self, rows: Sequence[Sequence[Any]]) -> tuple[int, list[int]]:
        """Insert response tuples (RESPONSE_IMPORT_COLUMNS order), ignoring uids already present.
        Returns (how many were new, indexes into `rows` of conflicts): rows whose uid is in the
        project with a different text (an id reused for another response)."""
        sql = (
            f"INSERT OR IGNORE INTO responses ({', '.join(RESPONSE_IMPORT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(RESPONSE_IMPORT_COLUMNS))})"
        )
        before = self._conn.total_changes
        self._conn.executemany(sql, rows)
        inserted = self._conn.total_changes - before
        if inserted == len(rows):
            return inserted, []
        stored = self.response_hashes([r[UID_INDEX] for r in rows])
        conflicts = [i for i, r in enumerate(rows) if stored.get(r[UID_INDEX]) != r[HASH_INDEX]]
        return inserted, conflicts

    def fill_empty_response_fields(
        self, rows: Sequence[Sequence[Any]], before_id: int, *, apply: bool
    ) -> Counter[str]:
        """{field: count} of the empty fields of existing responses these import rows could
        fill; written when `apply` (see `response_fill.py`)."""
        return fill_empty_fields(self._conn, rows, before_id, apply=apply)

    def ensure_user_prompt(
        self, text: str, language: str, category: str | None = None, scenario: str | None = None
    ) -> PromptRef:
        """A prompt in dataset `user` for prompt text that matches no imported prompt; its key
        is a hash of the text, so the same text in the same language is one prompt."""
        key = content_hash(text)[:16]
        self._conn.execute(
            "INSERT OR IGNORE INTO prompts (dataset, prompt_key, language, text, category,"
            " scenario, created_at) VALUES ('user', ?, ?, ?, ?, ?, ?)",
            (key, language, text, category, scenario, now()),
        )
        return self.prompts_by_key(key, language, "user")[0]

    @contextmanager
    def bulk_write(self, cache_mib: int = 64) -> Iterator[None]:
        """A larger page cache while a big import runs. Index inserts land all over the
        `responses_prompt` and `responses_language` indexes; with SQLite's default 2 MiB
        cache most of them would re-read a page. Bounded, so memory stays flat in N."""
        old = self._conn.execute("PRAGMA cache_size").fetchone()[0]
        self._conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mib)}")
        try:
            yield
        finally:
            self._conn.execute(f"PRAGMA cache_size = {int(old)}")

    # -- prompts -------------------------------------------------------------------------------

    def prompt(self, prompt_id: int) -> Prompt | None:
        row = self._conn.execute("SELECT * FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
        return Prompt.from_row(row) if row else None

    def find_prompt(
        self, prompt_key: str, language: str, dataset: str | None = None
    ) -> Prompt | None:
        sql = "SELECT * FROM prompts WHERE prompt_key = ? AND language = ?"
        params: list[Any] = [prompt_key, language]
        if dataset is not None:
            sql += " AND dataset = ?"
            params.append(dataset)
        row = self._conn.execute(sql + " ORDER BY id LIMIT 1", params).fetchone()
        return Prompt.from_row(row) if row else None

    def prompts_by_key(
        self, prompt_key: str, language: str, dataset: str | None = None
    ) -> list[PromptRef]:
        """Prompts with this key in this language (in one dataset, or in any), oldest first."""
        sql = (
            "SELECT id, dataset, prompt_key, category, scenario FROM prompts "
            "WHERE prompt_key = ? AND language = ?"
        )
        params: list[Any] = [prompt_key, language]
        if dataset is not None:
            sql += " AND dataset = ?"
            params.append(dataset)
        return [tuple(r) for r in self._conn.execute(sql + " ORDER BY id", params)]

    def prompt_by_text(self, text: str, language: str) -> PromptRef | None:
        row = self._conn.execute(
            "SELECT id, dataset, prompt_key, category, scenario FROM prompts "
            "WHERE language = ? AND text = ? ORDER BY id LIMIT 1",
            (language, text),
        ).fetchone()
        return tuple(row) if row else None

    def prompt_datasets(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT DISTINCT dataset FROM prompts")}

    # -- responses -----------------------------------------------------------------------------

    def response(self, response_id: int) -> Response | None:
        row = self._conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
        return Response.from_row(row) if row else None

    def response_by_uid(self, uid: str) -> Response | None:
        row = self._conn.execute("SELECT * FROM responses WHERE uid = ?", (uid,)).fetchone()
        return Response.from_row(row) if row else None

    def response_id_by_uid(self, uid: str) -> int | None:
        row = self._conn.execute("SELECT id FROM responses WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else None

    def item(self, response_id: int) -> Item | None:
        response = self.response(response_id)
        if response is None:
            return None
        prompt = self.prompt(response.prompt_id) if response.prompt_id is not None else None
        return Item(response=response, prompt=prompt)

    def has_responses(self) -> bool:
        """Is there anything to annotate at all? (Without counting a million rows.)"""
        return self._conn.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is not None

    def count_responses(self, languages: Sequence[str] = ()) -> int:
        sql, params = "SELECT count(*) FROM responses", list(languages)
        if languages:
            sql += f" WHERE language IN ({_in(languages)})"
        return self._conn.execute(sql, params).fetchone()[0]

    def max_response_id(self) -> int:
        """The highest `responses.id` (0 for none): rows above it were added after this call."""
        return self._conn.execute("SELECT coalesce(max(id), 0) FROM responses").fetchone()[0]

    def response_hashes(self, uids: Sequence[str]) -> dict[str, str]:
        """{uid: content_hash} of the responses among `uids` that exist."""
        return self._by_uid("content_hash", uids)

    def response_ids_after(self, uids: Sequence[str], after_id: int) -> dict[str, int]:
        """{uid: id} of the responses among `uids` whose id is above `after_id` (added since)."""
        return self._by_uid("id", uids, "id > ? AND ", (after_id,))

    def response_uids(self, response_ids: Sequence[int]) -> dict[int, str]:
        """{response id: uid} of the given responses (in chunks under SQLite's variable limit)."""
        out: dict[int, str] = {}
        ids = list(dict.fromkeys(int(i) for i in response_ids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            sql = f"SELECT id, uid FROM responses WHERE id IN ({_in(part)})"
            out.update(self._tuples(sql, part))
        return out

    def _by_uid(
        self, column: str, uids: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> dict[str, Any]:
        """{uid: column} of the responses among `uids` (and `where`), in chunks of bound
        variables. `column` and `where` are our own SQL, never input."""
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(uids))
        for start in range(0, len(unique), SQLITE_MAX_VARS - len(params)):
            part = unique[start : start + SQLITE_MAX_VARS - len(params)]
            sql = f"SELECT uid, {column} FROM responses WHERE {where}uid IN ({_in(part)})"
            found.update((r[0], r[1]) for r in self._conn.execute(sql, [*params, *part]))
        return found

    # -- both ----------------------------------------------------------------------------------

    def languages(self) -> list[str]:
        """ISO codes of every language with a prompt or a response, sorted."""
        rows = self._conn.execute(
            "SELECT language FROM prompts UNION SELECT language FROM responses ORDER BY 1"
        )
        return [r[0] for r in rows]

    def dataset_languages(self, dataset: str) -> list[str]:
        """Languages of the responses whose prompt came from `dataset` (e.g. `multijail`)."""
        return [
            row[0]
            for row in self._tuples(
                "SELECT DISTINCT r.language FROM responses r JOIN prompts p ON p.id = r.prompt_id"
                " WHERE p.dataset = ? ORDER BY 1",
                (dataset,),
            )
        ]

    def count(self, table: str) -> int:
        """Rows in one of the project's tables (`COUNTED_TABLES`)."""
        if table not in COUNTED_TABLES:
            raise ValueError(f"unknown table {table!r}")
        return self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def gold_sources(
        self, languages: Iterable[str] | None = None, chunk: int = 2000
    ) -> Iterator[list[GoldSource]]:
        """Every response (optionally only some languages) in id order, `chunk` at a time, with
        everything stored about it (see gold.py)."""
        return iter_gold_sources(self._project, languages, chunk)
