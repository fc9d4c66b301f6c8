"""`--overlap K` holds while an import holds the write lock: never a (K+1)th annotator.

Real processes, each with its own `Project` connection, run the annotate screen's session
(`AnnotationSession`, the object the screen drives) over the same file while another process
holds BEGIN IMMEDIATE for a while, as an import does. Before the fix, a claim that could not be
written (the file locked) let the session show the item unclaimed, and the label was written
without looking at K again, so several annotators labelled the same item.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from polyjudge.store import ItemFull, Project, QueueFilter

from tests.tui.conftest import add_items, plain_items

ITEMS = 6
ANNOTATORS = 4


def annotate(path: str, name: str, overlap: int, go: Any, pressed: Any, results: Any) -> None:
    """One annotator: label every item the session offers, as fast as it can; say when every
    key is pressed, then wait for the queued labels to be written."""
    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    with Project.open(path) as project:
        session = AnnotationSession(
            project, Options(annotator=name, overlap=overlap, filter=QueueFilter(), no_sample=True)
        )
        go.wait(60)
        session.start()
        refused = 0
        while session.item is not None:
            try:
                session.label("safe", "both")
            except ItemFull:
                refused += 1
                session.advance()
        pressed.put(name)
        session.writes.wait_empty(120)
        session.release()
        results.put((name, refused))


def annotators_per_item(path: Path) -> dict[int, int]:
    with Project.open(path) as project:
        return {rid: len(project.labels.current_for(rid)) for rid in range(1, ITEMS + 1)}


@pytest.mark.parametrize("overlap", [1, 2])
def test_overlap_holds_while_an_import_holds_the_lock(tmp_path: Path, overlap: int) -> None:
    path = tmp_path / "overlap.db"
    with Project.create(path) as project:
        add_items(project, plain_items(ITEMS))
        for i in range(ANNOTATORS):
            project.annotators.ensure(f"ann{i}")
    # Fresh processes forked from a forkserver that has imported this module (and so the
    # store and the session) once: no process inherits the test run's state or connections,
    # and none pays the imports again.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    go, pressed, results = ctx.Event(), ctx.Queue(), ctx.Queue()
    workers = [
        ctx.Process(target=annotate, args=(str(path), f"ann{i}", overlap, go, pressed, results))
        for i in range(ANNOTATORS)
    ]
    for worker in workers:
        worker.start()
    importer = sqlite3.connect(path, isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # an import holds the lock while they start
    go.set()
    # Hold it until every annotator has pressed a key on every item it was offered: all
    # those labels wait for the lock, claims or not.
    for _ in workers:
        pressed.get(timeout=180)
    importer.execute("ROLLBACK")
    importer.close()
    done = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert len(done) == ANNOTATORS
    counts = annotators_per_item(path)
    assert max(counts.values()) <= overlap, counts
    # Nothing refused was lost silently: every item is labelled by exactly K annotators.
    assert sorted(counts.values()) == [overlap] * ITEMS


@pytest.mark.parametrize("overlap", [1, 2])
def test_the_label_write_itself_refuses_a_full_item(tmp_path: Path, overlap: int) -> None:
    """The K check is taken inside the label's own write transaction: labels written by
    `add_label` with an overlap never exceed K, claims or not."""
    path = tmp_path / "full.db"
    with Project.create(path) as project:
        [rid] = add_items(project, plain_items(1))
        ids = [project.annotators.ensure(f"a{i}").id for i in range(overlap + 2)]
        for who in ids[:overlap]:
            project.labels.add(rid, who, "safe", overlap=overlap)
        with pytest.raises(ItemFull):
            project.labels.add(rid, ids[overlap], "safe", overlap=overlap)
        # An annotator who has a label on the item may change it.
        project.labels.add(rid, ids[0], "unsafe", overlap=overlap)
        # A claim by another annotator counts like a label.
        project.labels.undo(rid, ids[0])  # back to "safe"
        project.labels.undo(rid, ids[0])  # no label
        assert project.claims.take(ids[-1], rid, overlap=overlap)
        with pytest.raises(ItemFull):
            project.labels.add(rid, ids[overlap], "safe", overlap=overlap)
        assert len(project.labels.current_for(rid)) <= overlap


def test_sessions_that_cannot_claim_are_offered_different_items(tmp_path: Path) -> None:
    # Both open while an import holds the lock, so neither can write a claim: the second is
    # still offered another item than the first (screen marks beside the project), and once
    # the first has labelled its item (queued behind the lock) and moved on, the second is not
    # offered that one either. With every other item taken, the last is still offered.
    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    path = tmp_path / "marks.db"
    with Project.create(path) as project:
        add_items(project, plain_items(3))
        for name in ("ann0", "ann1"):
            project.annotators.ensure(name)
    importer = sqlite3.connect(path, isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(path) as p0, Project.open(path) as p1:
            first, second = (
                AnnotationSession(
                    p, Options(annotator=name, overlap=1, filter=QueueFilter(), no_sample=True)
                )
                for p, name in ((p0, "ann0"), (p1, "ann1"))
            )
            first.start()
            second.start()
            assert first.current_id is not None and second.current_id is not None
            assert first.current_id != second.current_id
            labelled = first.current_id
            first.label("safe", "both")  # queued: the lock is held
            assert first.current_id not in (None, labelled, second.current_id)
            second.label("safe", "both")
            # Every item is now on a screen or queued: marks are hints, so the item on ann0's
            # screen is offered rather than a false "done" (K is checked when it is written).
            assert second.current_id == first.current_id
            first.release()
            second.release()
    finally:
        importer.execute("ROLLBACK")
        importer.close()
