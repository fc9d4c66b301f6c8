"""The sample is the queue (`store/queue.py`): with a sample for the filter, only its items
are offered (per language, the latest batch holding that language), in the order the batch was
written (`polyjudge sample` writes it in a random order), with the same overlap and claim
rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from polyjudge.store import PolyjudgeError, Project, QueueFilter

from tests.tui.conftest import add_items, plain_items


@pytest.fixture
def sampled(tmp_path: Path):
    """Twenty Swahili and ten Javanese items; batch `first` holds every third Swahili item and
    two Javanese ones, written in a shuffled order (as `sample` writes a batch), batch `second`
    (drawn later, as a budget split across languages may) every fourth Swahili item after the
    first ten and no Javanese one."""
    with Project.create(tmp_path / "s.db") as project:
        sw = add_items(project, plain_items(20, "sw", "s"))
        jv = add_items(project, plain_items(10, "jv", "j"), model="model-b")
        first = [sw[9], jv[0], sw[0], sw[15], sw[3], jv[1], sw[6], sw[12], sw[18]]
        assert sorted(first) == sw[::3] + jv[:2]
        project.assignments.add("first", [(rid, "language:x", 2.0) for rid in first])
        second = sw[10::4]
        project.assignments.add("second", [(rid, "language:sw", 3.0) for rid in second])
        people = {name: project.annotators.ensure(name).id for name in ("ana", "ben")}
        yield project, sw, jv, first, second, people


def batch(project: Project, name: str, **kw: object) -> QueueFilter:
    """The filter `kw` with the batch `name` as its sample (`--sample NAME`)."""
    return project.queue.with_sample(QueueFilter(**kw), name)  # type: ignore[arg-type]


def test_only_the_batch_is_offered_in_the_order_it_was_written(sampled) -> None:
    project, sw, jv, first, _, people = sampled
    ana = people["ana"]
    flt = batch(project, "first")
    assert flt.sample == (("jv", "first"), ("sw", "first"))
    assert project.queue.open_ids(ana, flt, limit=100) == first
    key = {rid: project.queue.walk_key(flt, rid) for rid in first}
    assert project.queue.open_ids(ana, flt, after=key[first[2]], limit=2) == first[3:5]
    assert project.queue.open_ids(ana, replace(flt, languages=("jv",)), limit=100) == jv[:2]
    assert (
        project.queue.open_ids(ana, batch(project, "first", languages=("jv",)), limit=100) == jv[:2]
    )
    assert project.queue.open_ids(ana, replace(flt, languages=("sw", "jv")), limit=100) == first
    assert project.queue.open_ids(ana, replace(flt, model="model-b"), limit=100) == jv[:2]
    assert project.queue.walk_key(flt, sw[1]) is None  # not in the batch
    project.labels.add(first[1], ana, "safe")
    assert project.queue.open_ids(ana, flt, limit=2) == [first[0], first[2]]
    # Arrows walk the batch: what she labelled, and what is still open.
    assert project.queue.neighbour_id(ana, flt, key[first[0]], step=+1) == first[1]
    assert project.queue.neighbour_id(ana, flt, key[first[1]], step=+1) == first[2]
    assert project.queue.neighbour_id(ana, flt, key[first[2]], step=-1) == first[1]
    assert project.queue.neighbour_id(ana, flt, None, step=-1) == first[-1]
    assert project.queue.neighbour_id(ana, flt, key[first[-1]], step=+1) is None
    assert project.queue.matches_filter(first[0], flt) and not project.queue.matches_filter(
        sw[1], flt
    )


def test_progress_counts_the_batch_under_the_filter(sampled) -> None:
    project, sw, _, first, second, people = sampled
    ana = people["ana"]
    project.labels.add(first[0], ana, "safe")
    project.labels.add(sw[1], ana, "safe")  # outside the batch: not counted
    progress = project.queue.progress(ana, batch(project, "first"))
    assert (progress.done, progress.assigned, progress.sample_items) == (1, len(first), len(first))
    progress = project.queue.progress(ana, batch(project, "first", languages=("sw",)))
    assert (progress.done, progress.sample_items) == (1, 7)
    assert project.queue.progress(ana, batch(project, "second")).sample_items == 3
    # The default: Swahili's latest batch and Javanese's.
    progress = project.queue.progress(ana, project.queue.with_sample(QueueFilter()))
    assert (progress.done, progress.sample_items) == (0, 3 + 2)
    free = project.queue.progress(ana, QueueFilter())
    assert (free.done, free.assigned, free.sample_items) == (2, 30, None)


def test_per_language_the_latest_batch_under_the_filter_drives_the_queue(sampled) -> None:
    project, sw, jv, first, second, people = sampled
    both = (("jv", "first"), ("sw", "second"))
    assert project.queue.with_sample(QueueFilter()).sample == both
    assert project.queue.with_sample(QueueFilter()).describe() == "sample first, second"
    assert project.queue.with_sample(QueueFilter(languages=("sw",))).sample == (("sw", "second"),)
    # No Javanese item in the latest batch: the one before it.
    assert project.queue.with_sample(QueueFilter(languages=("jv",))).sample == (("jv", "first"),)
    assert project.queue.with_sample(QueueFilter(model="model-b")).sample == (("jv", "first"),)
    # A category without any sampled item: every item, as before.
    assert project.queue.with_sample(QueueFilter(category="Fraud")).sample is None
    # Free text is not part of the choice (it narrows the sample's items afterwards).
    chosen = project.queue.with_sample(QueueFilter(text="Jibu 1"))
    assert (chosen.sample, chosen.text) == (both, "Jibu 1")
    ana = people["ana"]
    # Javanese from `first`, Swahili from `second`, each in its batch's order (a batch written
    # later walks later).
    assert project.queue.open_ids(ana, project.queue.with_sample(QueueFilter()), limit=100) == [
        *jv[:2],
        *second,
    ]
    # A named batch without items under the filter offers nothing (not everything).
    empty = batch(project, "second", languages=("jv",))
    assert empty.sample == ()
    assert project.queue.open_ids(ana, empty, limit=100) == []
    assert project.queue.neighbour_id(ana, empty, None, step=+1) is None
    assert project.queue.progress(ana, empty).sample_items == 0


def test_a_named_batch_or_no_sample_at_all(sampled) -> None:
    project, sw, jv, first, _, people = sampled
    assert batch(project, "first").sample_batches == ["first"]
    # --no-sample: every item, whatever batches exist.
    free = project.queue.with_sample(batch(project, "first"), free=True)
    assert free.sample is None
    assert project.queue.open_ids(people["ana"], free, limit=100) == sw + jv
    with pytest.raises(
        PolyjudgeError,
        match=r"--sample 'nope': no such sample batch "
        r"\(batches: first, second\)",
    ):
        project.queue.with_sample(QueueFilter(), "nope")


def test_without_any_sample_nothing_changes(tmp_path: Path) -> None:
    with Project.create(tmp_path / "n.db") as project:
        ids = add_items(project, plain_items(5))
        ana = project.annotators.ensure("ana").id
        flt = project.queue.with_sample(QueueFilter())
        assert flt == QueueFilter()
        assert project.queue.open_ids(ana, flt, limit=10) == ids
        with pytest.raises(PolyjudgeError, match="none yet"):
            project.queue.with_sample(QueueFilter(), "x")


def test_overlap_and_claims_hold_inside_the_batch(sampled) -> None:
    project, _, _, first, _, people = sampled
    ana, ben = people["ana"], people["ben"]
    flt = batch(project, "first")
    project.labels.add(first[0], ana, "unsafe")
    assert project.claims.take(ana, first[1], overlap=1) is True
    assert project.queue.open_ids(ben, flt, overlap=1, limit=2) == first[2:4]
    assert project.queue.open_ids(ben, flt, limit=2) == first[:2]  # no overlap: claims do not count
    assert project.queue.progress(ben, flt, overlap=1).assigned == len(first) - 1
    # Ben's arrows skip what Ana labelled or holds, and stay inside the batch.
    assert project.queue.neighbour_id(ben, flt, None, step=+1, overlap=1) == first[2]
    key = project.queue.walk_key(flt, first[2])
    assert project.queue.neighbour_id(ben, flt, key, step=-1, overlap=1) is None


def test_a_sample_page_walks_the_assignments_index(sampled) -> None:
    project, _, _, _, _, people = sampled
    indexes = {row[1] for row in project.conn.execute("PRAGMA index_list(assignments)")}
    assert "assignments_response" in indexes
    for flt in (
        batch(project, "first"),
        batch(project, "first", languages=("sw", "jv")),
        batch(project, "first", model="model-a"),
        project.queue.with_sample(QueueFilter()),
    ):
        plan = " | ".join(project.queue.query_plans(people["ana"], flt, overlap=2))
        assert "SEARCH s USING COVERING INDEX assignments_walk (batch=? AND id>?)" in plan, plan
        assert "SEARCH r USING" in plan and "id=?" in plan, plan  # each item by its id
        assert "SCAN" not in plan, plan
        assert "USE TEMP B-TREE" not in plan, plan


def test_progress_leaves_out_gold_items_in_and_out_of_a_sample(sampled) -> None:
    """Progress counts every matching row and subtracts the gold items among them (a faster
    count than probing gold_items per row); the totals must equal the queue's own items."""
    project, sw, _, first, _, people = sampled
    ana = people["ana"]
    project.gold_items.add(first[0], "unsafe")  # a sampled item made gold after the sample
    project.gold_items.add(sw[1], "safe")  # and one outside it
    flt = batch(project, "first")
    progress = project.queue.progress(ana, flt)
    assert progress.sample_items == len(first) - 1
    assert progress.assigned == len(project.queue.open_ids(ana, flt, limit=1000))
    free = project.queue.progress(ana, QueueFilter())
    assert free.assigned == 30 - 2 == len(project.queue.open_ids(ana, QueueFilter(), limit=1000))
    sw_only = project.queue.progress(ana, QueueFilter(languages=("sw",)))
    assert sw_only.assigned == len(
        project.queue.open_ids(ana, QueueFilter(languages=("sw",)), limit=1000)
    )
