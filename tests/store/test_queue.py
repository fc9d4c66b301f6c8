"""`project.queue`: which items an annotator is offered, each method called directly."""

from __future__ import annotations

import pytest

from polyjudge.store import PolyjudgeError, QueueFilter

from .conftest import Filled


def test_open_ids_neighbours_and_is_open(filled: Filled) -> None:
    project = filled.project
    q = project.queue
    assert q.open_ids(filled.ana) == [filled.r1, filled.r2, filled.r3]
    project.labels.add(filled.r1, filled.ana, "safe")
    assert q.open_ids(filled.ana) == [filled.r2, filled.r3]
    assert q.open_ids(filled.ana, after=filled.r2, limit=5) == [filled.r3]
    assert not q.is_open(filled.ana, filled.r1) and q.is_open(filled.ben, filled.r1)
    # with --overlap 1, ana's label closes r1 for ben
    assert not q.is_open(filled.ben, filled.r1, overlap=1)
    assert q.open_ids(filled.ben, overlap=1) == [filled.r2, filled.r3]
    # visible: open or labelled by me
    assert q.neighbour_id(filled.ana, None, None, step=1) == filled.r1
    assert q.neighbour_id(filled.ana, None, filled.r3, step=-1) == filled.r2
    assert q.neighbour_id(filled.ben, None, None, step=1, overlap=1) == filled.r2
    assert q.neighbour_id(filled.ana, None, filled.r3, step=1) is None


def test_filters(filled: Filled) -> None:
    q = filled.project.queue
    assert q.open_ids(filled.ana, QueueFilter(languages=("sw",))) == [filled.r3]
    assert q.open_ids(filled.ana, QueueFilter(model="m2")) == [filled.r2]
    assert q.open_ids(filled.ana, QueueFilter(text="sì")) == [filled.r2]
    assert q.open_ids(filled.ana, QueueFilter(text="Hap")) == [filled.r3]
    assert q.matches_filter(filled.r1, QueueFilter(languages=("it",)))
    assert not q.matches_filter(filled.r1, QueueFilter(model="m2"))


def test_the_sample_drives_the_queue(filled: Filled) -> None:
    project = filled.project
    q = project.queue
    assert q.with_sample(QueueFilter()).sample is None  # no batch: every item
    project.assignments.add("b1", [(filled.r2, "it", 1.0)])
    flt = q.with_sample(QueueFilter())
    assert flt.sample == (("it", "b1"),)
    assert q.open_ids(filled.ana, flt) == [filled.r2]
    assert q.with_sample(QueueFilter(), "b1").sample == (("it", "b1"),)
    assert q.with_sample(flt, free=True).sample is None
    with pytest.raises(PolyjudgeError, match="no such sample batch"):
        q.with_sample(QueueFilter(), "b9")
    progress = q.progress(filled.ana, flt)
    assert (progress.done, progress.assigned, progress.sample_items) == (0, 1, 1)


def test_progress_pace_and_plans(filled: Filled) -> None:
    project = filled.project
    q = project.queue
    project.labels.add(filled.r1, filled.ana, "safe", time_ms=1000)
    project.labels.add(filled.r2, filled.ana, "unsafe", time_ms=3000)
    project.labels.undo(filled.r2, filled.ana)
    project.labels.add(filled.r3, filled.ben, "safe")
    progress = q.progress(filled.ana)
    assert (progress.done, progress.assigned, progress.remaining) == (1, 3, 2)
    # with --overlap 1, ben's r3 is closed to ana
    assert q.progress(filled.ana, overlap=1).assigned == 2
    pace = q.pace(filled.ana)
    # r2's label was undone: its 3 s are not labelling time that produced a label (issue 13)
    assert (pace.labels, pace.total_ms) == (1, 1000)
    assert pace.per_hour == pytest.approx(3600.0)
    plans = q.query_plans(filled.ana, QueueFilter(languages=("it",)), 2)
    assert any("responses_language" in step for step in plans)
