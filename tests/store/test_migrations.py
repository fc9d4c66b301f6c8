"""One ordered list of schema steps: files made by the previous release open as they are, and a
file at an older step migrates to the latest."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from polyjudge.store import MIGRATIONS, Database, Project
from polyjudge.store.migrations import STEPS
from polyjudge.store.schema_check import schema_problems

# Made by `main` at 08ee1bb (the release before the store was composed): see the test below.
RELEASE_FILE = Path(__file__).parent / "fixtures" / "release_0_1.db"
# Steps appended after that release (a file of the release runs exactly these on open).
SINCE_RELEASE = (
    "0008_gold_items",
    "0009_reveal",
    "0010_reading_condition",
    "0011_generated_responses",
    "0012_back_translated_index",
    "0013_assignments_walk",
)
RELEASE_STEPS = [name for name, _ in STEPS if name not in SINCE_RELEASE]


def _applied(path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT rowid, name, applied_at FROM _sqlite_migrations ORDER BY rowid"
        ).fetchall()


def test_the_list_is_in_the_order_the_previous_release_recorded_its_steps() -> None:
    assert [name for _, name, _ in _applied(RELEASE_FILE)] == RELEASE_STEPS
    assert [name for name, _ in STEPS] == [*RELEASE_STEPS, *SINCE_RELEASE]  # appended, at the end


def test_a_file_of_the_previous_release_opens_with_its_data_and_runs_only_newer_steps(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(RELEASE_FILE, path)
    before = _applied(path)
    with Project.open(path) as project:
        assert MIGRATIONS.pending(project.db) == []
        status = project.status()
        assert (status["prompts"], status["responses"], status["labels"]) == (1, 2, 3)
        assert status["label_rows"] == 4 and status["adjudications"] == 1
        assert project.label_set == ("safe", "unsafe", "invalid")
        r2 = project.content.response_by_uid("r2")
        assert r2 is not None and r2.text == "Ecco come."
        ana = project.annotators.get("ana")
        assert ana is not None
        assert project.labels.current_value(ana.id, r2.id) == "unsafe"  # the edit stands
        assert sorted(x.label for x in project.labels.current_for(r2.id)) == ["safe", "unsafe"]
        run = project.judging.find_run("judge-a")
        assert project.judging.verdict_counts(run.id) == {"safe": 1, "unsafe": 1}
        detail = project.adjudications.item_detail(r2.id)
        assert detail is not None and detail.adjudication is not None
        assert detail.adjudication.label == "unsafe"
        assert project.assignments.batches() == ["batch-1"]
        ben = project.annotators.get("ben")
        assert ben is not None
        assert list(project.drafts.for_annotator(ben.id).values()) == [("draft note", False)]
        assert schema_problems(project.conn) == []
    after = _applied(path)
    assert after[: len(before)] == before  # none of its own steps ran again
    assert [name for _, name, _ in after[len(before) :]] == list(SINCE_RELEASE)


def test_a_file_at_the_first_step_migrates_to_the_latest(tmp_path: Path) -> None:
    path = tmp_path / "first-step.db"
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS.apply(Database(conn, execute_plugins=False), stop_before=STEPS[1][0])
    conn.execute("INSERT INTO meta (key, value) VALUES ('project_id', 'p-old')")
    conn.execute(
        "INSERT INTO responses (uid, language, text, content_hash, created_at)"
        " VALUES ('u1', 'sw', 'jibu', 'h', '2025-01-01T00:00:00.000Z')"
    )
    conn.close()
    assert [name for _, name, _ in _applied(path)] == ["0001_core"]
    with Project.open(path) as project:
        assert MIGRATIONS.pending(project.db) == []
        assert project.project_id == "p-old"
        assert project.content.response_by_uid("u1") is not None
        assert schema_problems(project.conn) == []
        assert project.drafts.for_annotator(1) == {}  # a table a later step made
    assert [name for _, name, _ in _applied(path)] == [name for name, _ in STEPS]


def test_a_batch_drawn_before_the_walk_order_is_written_again_in_a_random_order(
    tmp_path: Path,
) -> None:
    # Before step 0013, `sample` wrote a batch stratum by stratum in response-id order, and
    # the queue walked it so: a category-sorted import was labelled category by category. The
    # step writes each earlier batch again in a random order (the queue walks a batch by row
    # id), keeping its rows and the order of the batches.
    path = tmp_path / "before-walk.db"
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS.apply(Database(conn, execute_plugins=False), stop_before="0013_assignments_walk")
    conn.executemany(
        "INSERT INTO responses (uid, language, text, content_hash, created_at)"
        " VALUES (?, 'sw', 't', ?, '2025-01-01T00:00:00.000Z')",
        [(f"u{i}", f"h{i}") for i in range(60)],
    )
    rows = [(rid, "old", "language", 2.0, f"2025-01-0{1 + rid % 2}") for rid in range(1, 41)]
    rows += [(rid, "new", "language", 3.0, "2025-02-01") for rid in range(41, 61)]
    conn.executemany(
        "INSERT INTO assignments (response_id, batch, stratum, weight, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.close()
    with Project.open(path) as project:
        assert project.assignments.batches() == ["old", "new"]
        for batch in ("old", "new"):
            walked = project.assignments.all(batch)
            found = {(a.response_id, a.batch, a.stratum, a.weight, a.created_at) for a in walked}
            assert found == {r for r in rows if r[1] == batch}
            order = [a.response_id for a in walked]
            assert order != sorted(order)  # no longer in response-id order
        assert schema_problems(project.conn) == []
