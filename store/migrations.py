"""Every schema step of a project file, in one ordered list.

Steps are applied on every open, in this order, each one once: sqlite-utils records the name of
each applied step in `_sqlite_migrations`, and only names not recorded there run. A step that
has shipped is never edited nor renamed: change the schema by appending a step at the end.

The order is the one earlier releases applied (and recorded) them in, which was the import order
of the modules that registered them; the numbers in the names are not the order.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable

from ._sqlite_utils import Database, Migrations
from .schema import core


def label_indexes(db: Database) -> None:
    # Covering indexes: "my current label of this response" and "how many annotators have a
    # current label on this response" are answered from the index alone, per response.
    db.execute(
        "CREATE INDEX IF NOT EXISTS labels_current ON labels (response_id, annotator_id, id, label)"
    )
    # Per-annotator progress: their current label of every response they touched.
    db.execute(
        "CREATE INDEX IF NOT EXISTS labels_annotator_current "
        "ON labels (annotator_id, response_id, id, label)"
    )


def assignments_by_response(db: Database) -> None:
    # "Which sample batches hold this response": the queue's and the report's lookups by item.
    # (batch, response_id) is indexed already by the table's UNIQUE constraint; the queue walks
    # a batch through it.
    db.execute(
        "CREATE INDEX IF NOT EXISTS assignments_response ON assignments (response_id, batch)"
    )


def assignments_walk(db: Database) -> None:
    # The queue walks a sample batch in the order `polyjudge sample` wrote its rows (a random
    # one, so that whatever part of a sample is labelled is a random part of it): by row id
    # within the batch, with the response id at hand (a covering index).
    db.execute(
        "CREATE INDEX IF NOT EXISTS assignments_walk ON assignments (batch, id, response_id)"
    )
    # Batches drawn before were written stratum by stratum in response-id order: each is
    # written again in a random order (seeded by its name, so every copy of a project gets the
    # same), oldest batch first, so that the batches keep their order. Nothing refers to an
    # assignment row by its id.
    batches = [
        row[0]
        for row in db.execute("SELECT batch FROM assignments GROUP BY batch ORDER BY min(id)")
    ]
    for batch in batches:
        rows = db.execute(
            "SELECT response_id, batch, stratum, weight, created_at FROM assignments"
            " WHERE batch = ? ORDER BY id",
            [batch],
        ).fetchall()
        random.Random(zlib.crc32(batch.encode("utf-8"))).shuffle(rows)
        db.execute("DELETE FROM assignments WHERE batch = ?", [batch])
        db.conn.executemany(
            "INSERT INTO assignments (response_id, batch, stratum, weight, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )


def claims(db: Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS claims ("
        " response_id INTEGER NOT NULL REFERENCES responses(id),"
        " annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
        " expires_at TEXT NOT NULL,"
        " kind TEXT NOT NULL DEFAULT 'screen' CHECK (kind IN ('screen', 'packet')),"
        " PRIMARY KEY (response_id, annotator_id)"
        ")"
    )


def drafts(db: Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS annotation_drafts ("
        " response_id INTEGER NOT NULL REFERENCES responses(id),"
        " annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
        " note TEXT,"
        " unsure INTEGER NOT NULL DEFAULT 0,"
        " updated_at TEXT NOT NULL,"
        " PRIMARY KEY (annotator_id, response_id)"
        ")"
    )


def prompt_text_index(db: Database) -> None:
    # `import responses` links a response that carries its prompt's text (no id) to the
    # prompt with that exact text in that language.
    db.execute("CREATE INDEX IF NOT EXISTS prompts_language_text ON prompts (language, text)")


def prompt_key_index(db: Database) -> None:
    # A plain `prompt_id` such as `12` is looked up by key and language in every dataset.
    db.execute("CREATE INDEX IF NOT EXISTS prompts_key_language ON prompts (prompt_key, language)")


def judge_batches(db: Database) -> None:
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


def output_cap(db: Database) -> None:
    for statement in (
        # The whole answer's length in UTF-8 bytes and its SHA-256; `output` keeps at most
        # OUTPUT_CAP_BYTES (judging_records.py) of it. NULL on rows written before this step.
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


def serve_tokens(db: Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS serve_tokens ("
        " id INTEGER PRIMARY KEY,"
        " annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
        " token_sha256 TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL,"
        " revoked_at TEXT"
        ")"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS serve_tokens_annotator ON serve_tokens (annotator_id, id)"
    )


def gold_items(db: Database) -> None:
    # A response with a known expected label, mixed silently into annotators' queues
    # (gold_items.py); one row per response.
    db.execute(
        "CREATE TABLE IF NOT EXISTS gold_items ("
        " id INTEGER PRIMARY KEY,"
        " response_id INTEGER NOT NULL UNIQUE REFERENCES responses(id),"
        " label TEXT NOT NULL,"
        " explanation TEXT,"
        " source_file TEXT,"
        " created_at TEXT NOT NULL"
        ")"
    )


def reveal(db: Database) -> None:
    for statement in (
        # `annotate --reveal-judge`: a row written after the judge's verdict was shown on the
        # item (never a current label, see current.py), and whether any judge output had been
        # shown when a label was given. Rows before this step were all given blind.
        "ALTER TABLE labels ADD COLUMN after_reveal INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE labels ADD COLUMN judge_seen INTEGER NOT NULL DEFAULT 0",
        # 1: decided on a screen that showed judge verdicts (the adjudicate screen); 0: not;
        # NULL: unknown (rows before this step, and paths that cannot tell).
        "ALTER TABLE adjudications ADD COLUMN judge_seen INTEGER",
        # The current-label rule seeks (response, annotator, blind rows after id); the old
        # covering indexes lack `after_reveal`, these replace them.
        "DROP INDEX IF EXISTS labels_current",
        "DROP INDEX IF EXISTS labels_annotator_current",
        "CREATE INDEX labels_current_blind"
        " ON labels (response_id, annotator_id, after_reveal, id, label)",
        "CREATE INDEX labels_annotator_current_blind"
        " ON labels (annotator_id, response_id, after_reveal, id, label)",
        # The reveals answering one blind row (`standing_reveal`).
        "CREATE INDEX labels_reveals ON labels (supersedes, id) WHERE after_reveal = 1",
    ):
        db.execute(statement)


def reading_condition(db: Database) -> None:
    # The reading condition a lead assigned (`annotate --view`): `original`, `back_translation`
    # or `both`; NULL when the annotator chose what to read. `viewed` keeps what was shown
    # (they differ when an assigned back-translation did not exist: the original was shown).
    db.execute("ALTER TABLE labels ADD COLUMN view_assigned TEXT")


def generated_responses(db: Database) -> None:
    # `polyjudge generate`: the condition a response was generated under (`none`,
    # `safe_prompt`, `xling_prompt`; NULL for imported responses), and the model call its text
    # came from (judge/generation.py).
    for statement in (
        "ALTER TABLE responses ADD COLUMN condition TEXT",
        "ALTER TABLE responses ADD COLUMN call_id INTEGER REFERENCES llm_calls (id)",
        # One row per request of a generate run's batch (`judge_batches` holds the batch):
        # what the answer becomes. custom_id is the response's uid.
        "CREATE TABLE generate_batch_items (batch_id TEXT NOT NULL REFERENCES judge_batches"
        " (id), custom_id TEXT NOT NULL, prompt_id INTEGER NOT NULL REFERENCES prompts (id),"
        " scenario TEXT NOT NULL, condition TEXT NOT NULL, template_name TEXT NOT NULL,"
        " template_hash TEXT NOT NULL, input_hash TEXT NOT NULL,"
        " PRIMARY KEY (batch_id, custom_id))",
        "CREATE INDEX generate_batch_items_uid ON generate_batch_items (custom_id)",
    ):
        db.execute(statement)


def back_translated_index(db: Database) -> None:
    # `status` counts the back-translated responses per language; without this partial index
    # that count read every response's text (7 s on a million responses), with it only the
    # index entries of the back-translated ones. The WHERE must stay the one STAGE_SQL uses
    # (status.py), or SQLite will not use the index.
    db.execute(
        "CREATE INDEX responses_back_translated ON responses (language)"
        " WHERE back_translation IS NOT NULL AND back_translation != ''"
    )


# (shipped name, step), in the order every earlier release applied them.
STEPS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_core", core),
    ("0002_annotation_label_indexes", label_indexes),
    ("0004_assignments_by_response", assignments_by_response),
    ("0003_annotation_claims", claims),
    ("0006_annotation_drafts", drafts),
    ("0002_imports_prompt_text", prompt_text_index),
    ("0002_imports_prompt_key_index", prompt_key_index),
    ("0002_judge_batches_and_call_links", judge_batches),
    ("0007_judging_output_cap", output_cap),
    ("0005_serve_tokens", serve_tokens),
    ("0008_gold_items", gold_items),
    ("0009_reveal", reveal),
    ("0010_reading_condition", reading_condition),
    ("0011_generated_responses", generated_responses),
    ("0012_back_translated_index", back_translated_index),
    ("0013_assignments_walk", assignments_walk),
)

MIGRATIONS = Migrations("polyjudge")
for _name, _step in STEPS:
    MIGRATIONS(name=_name)(_step)
