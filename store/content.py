"""Prompts and responses: what is annotated."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from .base import ProjectBase, now
from .records import Item, Prompt, Response

PROMPT_COLUMNS = (
    "dataset",
    "prompt_key",
    "language",
    "text",
    "text_en",
    "category",
    "tags",
    "scenario",
    "source",
    "license",
    "back_translation",
    "bt_engine",
    "bt_at",
)
RESPONSE_COLUMNS = (
    "uid",
    "prompt_id",
    "language",
    "model",
    "category",
    "scenario",
    "text",
    "content_hash",
    "back_translation",
    "bt_engine",
    "bt_at",
    "source_file",
)


def content_hash(*parts: str | None) -> str:
    """A stable hash of text parts (used for response ids and cache keys)."""
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


class ContentMixin(ProjectBase):
    # -- writing -------------------------------------------------------------------------------

    def insert_prompts(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert prompts, ignoring ones already present (same dataset, key, language).
        Returns how many were new. Call inside `transaction()` to group with other writes."""
        created = now()
        sql = (
            f"INSERT OR IGNORE INTO prompts ({', '.join(PROMPT_COLUMNS)}, created_at) "
            f"VALUES ({', '.join('?' * len(PROMPT_COLUMNS))}, ?)"
        )
        before = self.conn.total_changes
        with self.transaction():
            self.conn.executemany(
                sql, ([row.get(c) for c in PROMPT_COLUMNS] + [created] for row in rows)
            )
        return self.conn.total_changes - before

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

        before = self.conn.total_changes
        with self.transaction():
            self.conn.executemany(sql, (values(row) for row in rows))
        return self.conn.total_changes - before

    # -- reading -------------------------------------------------------------------------------

    def prompt(self, prompt_id: int) -> Prompt | None:
        row = self.conn.execute("SELECT * FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
        return Prompt.from_row(row) if row else None

    def find_prompt(
        self, prompt_key: str, language: str, dataset: str | None = None
    ) -> Prompt | None:
        sql = "SELECT * FROM prompts WHERE prompt_key = ? AND language = ?"
        params: list[Any] = [prompt_key, language]
        if dataset is not None:
            sql += " AND dataset = ?"
            params.append(dataset)
        row = self.conn.execute(sql + " ORDER BY id LIMIT 1", params).fetchone()
        return Prompt.from_row(row) if row else None

    def response(self, response_id: int) -> Response | None:
        row = self.conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
        return Response.from_row(row) if row else None

    def response_by_uid(self, uid: str) -> Response | None:
        row = self.conn.execute("SELECT * FROM responses WHERE uid = ?", (uid,)).fetchone()
        return Response.from_row(row) if row else None

    def item(self, response_id: int) -> Item | None:
        response = self.response(response_id)
        if response is None:
            return None
        prompt = self.prompt(response.prompt_id) if response.prompt_id is not None else None
        return Item(response=response, prompt=prompt)

    def count(self, table: str) -> int:
        if table not in {
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
        }:
            raise ValueError(f"unknown table {table!r}")
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def languages(self) -> list[str]:
        """ISO codes of every language with a prompt or a response, sorted."""
        rows = self.conn.execute(
            "SELECT language FROM prompts UNION SELECT language FROM responses ORDER BY 1"
        )
        return [r[0] for r in rows]

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, tuple(params)))
