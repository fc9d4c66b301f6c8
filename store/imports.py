"""Queries the importers need: prompt lookups for linking, bulk response inserts that detect
id conflicts, items and labels brought in from files (owned by the importers work).

Every method here is meant to run inside the importer's single `transaction()`, so that a
failed import leaves the project as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .base import ProjectBase, now
from .content import PROMPT_COLUMNS, content_hash
from .schema import migrations

# The columns an importer fills, in the order of the tuples it hands to `insert_response_rows`.
RESPONSE_IMPORT_COLUMNS = (
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
    "created_at",
)
UID_INDEX = RESPONSE_IMPORT_COLUMNS.index("uid")
HASH_INDEX = RESPONSE_IMPORT_COLUMNS.index("content_hash")

# A prompt found for linking: (prompts.id, dataset, prompt_key, category, scenario).
PromptRef = tuple[int, str, str, str | None, str | None]

SQLITE_MAX_VARS = 30_000


@migrations(name="0002_imports_prompt_text")
def _prompt_text_index(db: Any) -> None:
    # `import responses` links a response that carries its prompt's text (no id) to the
    # prompt with that exact text in that language.
    db.execute("CREATE INDEX IF NOT EXISTS prompts_language_text ON prompts (language, text)")


@migrations(name="0002_imports_prompt_key_index")
def _prompt_key_index(db: Any) -> None:
    # A plain `prompt_id` such as `12` is looked up by key and language in every dataset.
    db.execute("CREATE INDEX IF NOT EXISTS prompts_key_language ON prompts (prompt_key, language)")


class ImportsMixin(ProjectBase):
    @contextmanager
    def bulk_write(self, cache_mib: int = 64) -> Iterator[None]:
        """A larger page cache while a big import runs. Index inserts land all over the
        `responses_prompt` and `responses_language` indexes; with SQLite's default 2 MiB
        cache most of them would re-read a page. Bounded, so memory stays flat in N."""
        old = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mib)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(old)}")

    # -- prompts ------------------------------------------------------------------------------

    def prompt_datasets(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT dataset FROM prompts")}

    def insert_prompt_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert prompts (dicts with PROMPT_COLUMNS keys), ignoring ones already present by
        (dataset, prompt_key, language). Returns how many were new."""
        created = now()
        sql = (
            f"INSERT OR IGNORE INTO prompts ({', '.join(PROMPT_COLUMNS)}, created_at) "
            f"VALUES ({', '.join('?' * len(PROMPT_COLUMNS))}, ?)"
        )
        before = self.conn.total_changes
        self.conn.executemany(
            sql, ([row.get(c) for c in PROMPT_COLUMNS] + [created] for row in rows)
        )
        return self.conn.total_changes - before

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
        return [tuple(r) for r in self.conn.execute(sql + " ORDER BY id", params)]  # type: ignore[misc]

    def prompt_by_text(self, text: str, language: str) -> PromptRef | None:
        row = self.conn.execute(
            "SELECT id, dataset, prompt_key, category, scenario FROM prompts "
            "WHERE language = ? AND text = ? ORDER BY id LIMIT 1",
            (language, text),
        ).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def ensure_user_prompt(
        self, text: str, language: str, category: str | None = None, scenario: str | None = None
    ) -> PromptRef:
        """A prompt in dataset `user` for prompt text that matches no imported prompt; its key
        is a hash of the text, so the same text in the same language is one prompt."""
        key = content_hash(text)[:16]
        self.conn.execute(
            "INSERT OR IGNORE INTO prompts (dataset, prompt_key, language, text, category,"
            " scenario, created_at) VALUES ('user', ?, ?, ?, ?, ?, ?)",
            (key, language, text, category, scenario, now()),
        )
        found = self.prompts_by_key(key, language, "user")
        return found[0]

    # -- responses ----------------------------------------------------------------------------

    def insert_response_rows(self, rows: Sequence[Sequence[Any]]) -> tuple[int, list[int]]:
        """Insert response tuples (RESPONSE_IMPORT_COLUMNS order), ignoring uids already present.
        Returns (how many were new, indexes into `rows` of conflicts): rows whose uid is in the
        project with a different text (an id reused for another response)."""
        sql = (
            f"INSERT OR IGNORE INTO responses ({', '.join(RESPONSE_IMPORT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(RESPONSE_IMPORT_COLUMNS))})"
        )
        before = self.conn.total_changes
        self.conn.executemany(sql, rows)
        inserted = self.conn.total_changes - before
        if inserted == len(rows):
            return inserted, []
        stored = self.response_hashes([r[UID_INDEX] for r in rows])
        conflicts = [i for i, r in enumerate(rows) if stored.get(r[UID_INDEX]) != r[HASH_INDEX]]
        return inserted, conflicts

    def _by_uid(
        self, column: str, uids: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> dict[str, Any]:
        """{uid: column} of the responses among `uids` (and `where`), in chunks of bound
        variables. `column` and `where` are our own SQL, never input."""
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(uids))
        for start in range(0, len(unique), SQLITE_MAX_VARS - len(params)):
            part = unique[start : start + SQLITE_MAX_VARS - len(params)]
            sql = (
                f"SELECT uid, {column} FROM responses WHERE {where}"
                f"uid IN ({', '.join('?' * len(part))})"
            )
            found.update((r[0], r[1]) for r in self.conn.execute(sql, [*params, *part]))
        return found

    def response_hashes(self, uids: Sequence[str]) -> dict[str, str]:
        """{uid: content_hash} of the responses among `uids` that exist."""
        return self._by_uid("content_hash", uids)

    def max_response_id(self) -> int:
        """The highest `responses.id` (0 for none): rows above it were added after this call."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM responses").fetchone()[0]

    def response_ids_after(self, uids: Sequence[str], after_id: int) -> dict[str, int]:
        """{uid: id} of the responses among `uids` whose id is above `after_id` (added since)."""
        return self._by_uid("id", uids, "id > ? AND ", (after_id,))

    def response_id_by_uid(self, uid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM responses WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else None

    # -- labels -------------------------------------------------------------------------------

    def label_uid_exists(self, uid: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM labels WHERE uid = ?", (uid,)).fetchone()
        return row is not None
