"""The project file: settings, migrations, append-only tables, undo, concurrency safety."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from polyjudge.store import MIGRATIONS as migrations
from polyjudge.store import PolyjudgeError, Project, ProjectError


def _response(project: Project, uid: str = "r1", language: str = "bn") -> int:
    project.content.insert_responses([{"uid": uid, "language": language, "text": "উত্তর"}])
    found = project.content.response_by_uid(uid)
    assert found is not None
    return found.id


def test_new_file_has_wal_foreign_keys_and_every_migration(db_path: Path) -> None:
    with Project.create(db_path) as project:
        assert project.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert project.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert migrations.pending(project.db) == []
        assert project.label_set == ("safe", "unsafe", "invalid")


def test_opening_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project file"):
        Project.open(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def test_opening_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some text, not a database\n" * 100)
    with pytest.raises(ProjectError, match="not a polyjudge project"):
        Project.open(path)


def test_project_id_and_settings_survive_reopening(db_path: Path) -> None:
    with Project.create(db_path, labels=["yes", "no"], consensus_rule="majority:3") as project:
        project_id = project.project_id
    with Project.open(db_path) as project:
        assert project.project_id == project_id
        assert project.label_set == ("yes", "no")
        assert project.consensus_rule == "majority:3"


@pytest.mark.parametrize("table", ["labels", "adjudications"])
def test_append_only_tables_refuse_update_and_delete(project: Project, table: str) -> None:
    rid = _response(project)
    annotator = project.annotators.ensure("amina", role="adjudicator")
    if table == "labels":
        project.labels.add(rid, annotator.id, "unsafe")
    else:
        with project.transaction() as conn:
            conn.execute(
                "INSERT INTO adjudications (response_id, adjudicator_id, label, created_at)"
                " VALUES (?, ?, 'safe', 'now')",
                (rid, annotator.id),
            )
    for statement in (f"UPDATE {table} SET label = 'safe'", f"DELETE FROM {table}"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            project.conn.execute(statement)
    assert project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1


def test_relabel_supersedes_and_undo_walks_back_by_appending(project: Project) -> None:
    rid = _response(project)
    ann = project.annotators.ensure("kofi")
    first = project.labels.add(rid, ann.id, "safe", viewed="both", time_ms=1200)
    second = project.labels.add(rid, ann.id, "unsafe", note="gives steps")
    assert second.supersedes == first.id
    assert [x.label for x in project.labels.current_for(rid)] == ["unsafe"]

    undo1 = project.labels.undo(rid, ann.id)
    assert undo1 is not None and undo1.label == "safe" and undo1.restores == first.id
    assert [x.label for x in project.labels.current_for(rid)] == ["safe"]

    undo2 = project.labels.undo(rid, ann.id)
    assert undo2 is not None and undo2.label is None
    assert project.labels.current_for(rid) == []
    assert project.labels.undo(rid, ann.id) is None

    # Nothing was removed: four rows, oldest first, each one still readable.
    history = project.labels.history(rid, ann.id)
    assert [(x.action, x.label) for x in history] == [
        ("label", "safe"),
        ("label", "unsafe"),
        ("undo", "safe"),
        ("undo", None),
    ]


def test_labels_outside_the_project_label_set_are_refused(project: Project) -> None:
    rid = _response(project)
    ann = project.annotators.ensure("kofi")
    with pytest.raises(PolyjudgeError, match="unknown label 'harmful'"):
        project.labels.add(rid, ann.id, "harmful")
    assert project.content.count("labels") == 0


def test_a_label_uid_makes_a_repeated_write_a_no_op(project: Project) -> None:
    rid = _response(project)
    ann = project.annotators.ensure("kofi")
    a = project.labels.add(rid, ann.id, "safe", uid="import:1")
    b = project.labels.add(rid, ann.id, "safe", uid="import:1")
    assert a.id == b.id and project.content.count("labels") == 1


def test_failed_transaction_leaves_nothing_behind(project: Project) -> None:
    with pytest.raises(RuntimeError), project.transaction():
        project.content.insert_responses([{"uid": "x", "language": "th", "text": "สวัสดี"}])
        raise RuntimeError("bad row further down the file")
    assert project.content.count("responses") == 0


def test_status_counts_current_labels_per_language(project: Project) -> None:
    bn = _response(project, "r-bn", "bn")
    th = _response(project, "r-th", "th")
    a, b = project.annotators.ensure("a"), project.annotators.ensure("b")
    project.labels.add(bn, a.id, "safe")
    project.labels.add(bn, a.id, "unsafe")  # an edit, not a second label
    project.labels.add(bn, b.id, "unsafe")
    project.labels.add(th, a.id, "invalid")
    project.labels.undo(th, a.id)
    status = project.status()
    assert status["labels"] == 2 and status["label_rows"] == 5
    assert status["languages"] == ["bn", "th"]
    assert status["by_language"]["bn"] == {"prompts": 0, "responses": 1, "labels": 2}
    assert status["by_language"]["th"] == {"prompts": 0, "responses": 1, "labels": 0}


def test_threads_with_their_own_connections_lose_no_label(db_path: Path) -> None:
    with Project.create(db_path) as project:
        project.content.insert_responses(
            {"uid": f"r{i}", "language": "sw", "text": f"jibu {i}"} for i in range(50)
        )

    errors: list[BaseException] = []

    def annotate(name: str) -> None:
        try:
            with Project.open(db_path) as p:
                ann = p.annotators.ensure(name)
                for rid in range(1, 51):
                    p.labels.add(rid, ann.id, "safe" if rid % 2 else "unsafe")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=annotate, args=(f"ann{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Project.open(db_path) as p:
        assert p.content.count("labels") == 200
        assert p.status()["labels"] == 200
