"""The project file's first schema step, `0001_core` (the tables every later step builds on).

The ordered list of every step is `migrations.py`.

`labels` and `adjudications` are append-only; triggers refuse UPDATE and DELETE so that nothing
an annotator or adjudicator wrote can be changed or lost, whoever holds the connection.
"""

from __future__ import annotations

import sqlite3

from ._sqlite_utils import Database


def run_script(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete statement in migration: {statement[:60]!r}")


def append_only(db: Database, table: str) -> None:
    for op in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
        )


def core(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        -- A benchmark prompt in one language. `prompt_key` is shared by the same prompt in every
        -- language (MultiJail row id, XSafety issue + line index), so translations line up.
        CREATE TABLE prompts (
            id INTEGER PRIMARY KEY,
            dataset TEXT NOT NULL,
            prompt_key TEXT NOT NULL,
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            text_en TEXT,
            category TEXT,
            tags TEXT,
            scenario TEXT,
            source TEXT,
            license TEXT,
            back_translation TEXT,
            bt_engine TEXT,
            bt_at TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (dataset, prompt_key, language)
        );
        CREATE INDEX prompts_language ON prompts (language);

        -- The unit of annotation. `uid` is the user's id or a stable content hash.
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            prompt_id INTEGER REFERENCES prompts (id),
            language TEXT NOT NULL,
            model TEXT,
            category TEXT,
            scenario TEXT,
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            back_translation TEXT,
            bt_engine TEXT,
            bt_at TEXT,
            source_file TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX responses_language ON responses (language, id);
        CREATE INDEX responses_model ON responses (model, id);
        CREATE INDEX responses_prompt ON responses (prompt_id);

        CREATE TABLE annotators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL DEFAULT 'annotator',
            languages TEXT,
            created_at TEXT NOT NULL
        );

        -- Append-only. The current label of (response, annotator) is the row with the highest id;
        -- a NULL label means "no label" (an undo of a first label). `supersedes` points at the row
        -- an edit or undo replaced; an undo row (`action = 'undo'`) also names the row whose state
        -- it `restores` (NULL: none). `uid` makes imports and merges idempotent.
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            uid TEXT UNIQUE,
            response_id INTEGER NOT NULL REFERENCES responses (id),
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            label TEXT,
            unsure INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            action TEXT NOT NULL DEFAULT 'label',
            supersedes INTEGER REFERENCES labels (id),
            restores INTEGER REFERENCES labels (id),
            viewed TEXT,
            guideline_version TEXT,
            time_ms INTEGER,
            source TEXT NOT NULL DEFAULT 'tui',
            created_at TEXT NOT NULL
        );
        CREATE INDEX labels_response_annotator ON labels (response_id, annotator_id, id);
        CREATE INDEX labels_annotator ON labels (annotator_id, id);

        CREATE TABLE judge_runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'judge',
            model TEXT NOT NULL,
            base_url TEXT,
            template_name TEXT,
            template_hash TEXT,
            params TEXT,
            is_baseline INTEGER NOT NULL DEFAULT 0,
            batch_id TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            created_at TEXT NOT NULL,
            finished_at TEXT
        );

        CREATE TABLE verdicts (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            response_id INTEGER NOT NULL REFERENCES responses (id),
            label TEXT NOT NULL,
            p_unsafe REAL,
            raw TEXT,
            template_name TEXT,
            template_hash TEXT,
            input_hash TEXT,
            tokens_in INTEGER,
            tokens_out INTEGER,
            latency_ms INTEGER,
            error TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (run_id, response_id)
        );
        CREATE INDEX verdicts_response ON verdicts (response_id);

        -- One row per model request (judge or translation), in the spirit of `llm`'s logs; rows
        -- with no error double as the cache keyed by (model, template_hash, input_hash).
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            purpose TEXT NOT NULL,
            model TEXT NOT NULL,
            base_url TEXT,
            template_hash TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            output TEXT,
            logprobs TEXT,
            tokens_in INTEGER,
            tokens_out INTEGER,
            latency_ms INTEGER,
            error TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX llm_calls_cache ON llm_calls (model, template_hash, input_hash);

        -- Append-only. The current adjudication of a response is the row with the highest id; a
        -- NULL label withdraws an earlier one. `safe_reply` is a safe answer the adjudicator wrote
        -- for Self-Defense style fine-tuning data.
        CREATE TABLE adjudications (
            id INTEGER PRIMARY KEY,
            uid TEXT UNIQUE,
            response_id INTEGER NOT NULL REFERENCES responses (id),
            adjudicator_id INTEGER NOT NULL REFERENCES annotators (id),
            label TEXT,
            rationale TEXT,
            safe_reply TEXT,
            supersedes INTEGER REFERENCES adjudications (id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX adjudications_response ON adjudications (response_id, id);

        -- Items chosen for human labelling by `polyjudge sample`.
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses (id),
            batch TEXT NOT NULL,
            stratum TEXT,
            weight REAL,
            created_at TEXT NOT NULL,
            UNIQUE (batch, response_id)
        );

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            detail TEXT,
            created_at TEXT NOT NULL
        );
        """,
    )
    append_only(db, "labels")
    append_only(db, "adjudications")


# The columns of a prompt and of a response that callers fill (the rest are ids and stamps).
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
