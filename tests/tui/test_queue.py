"""Which items an annotator is offered (`store/queue.py`), on real project files."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project, QueueFilter

from tests.tui.conftest import ITEMS, add_items, plain_items


@pytest.fixture
def team(tmp_path: Path):
    """Ten Swahili items and three annotators."""
    with Project.create(tmp_path / "team.db") as project:
        ids = add_items(project, plain_items(10))
        people = {name: project.annotators.ensure(name).id for name in ("ana", "ben", "chi")}
        yield project, ids, people


def test_a_new_annotator_is_offered_everything_in_id_order(team) -> None:
    project, ids, people = team
    assert project.queue.open_ids(people["ana"], limit=100) == ids
    assert project.queue.open_ids(people["ana"], after=ids[3], limit=2) == ids[4:6]


def test_labelled_items_leave_the_queue_and_undo_brings_them_back(team) -> None:
    project, ids, people = team
    project.labels.add(ids[0], people["ana"], "safe")
    project.labels.add(ids[1], people["ana"], "unsafe")
    assert project.queue.open_ids(people["ana"], limit=3) == ids[2:5]
    project.labels.undo(ids[1], people["ana"])
    assert project.queue.open_ids(people["ana"], limit=3) == [ids[1], ids[2], ids[3]]
    assert project.labels.current_value(people["ana"], ids[1]) is None
    assert project.labels.current_value(people["ana"], ids[0]) == "safe"


def test_others_labels_never_remove_items_without_overlap(team) -> None:
    project, ids, people = team
    for item in ids[:5]:
        project.labels.add(item, people["ben"], "unsafe", note="ben's secret")
    assert project.queue.open_ids(people["ana"], limit=100) == ids
    assert project.queue.progress(people["ana"]).done == 0
    assert project.labels.current_value(people["ana"], ids[0]) is None


def test_overlap_two_with_three_annotators(team) -> None:
    project, ids, people = team
    ana, ben, chi = people["ana"], people["ben"], people["chi"]
    for item in ids[:4]:
        project.labels.add(item, ana, "safe")
    for item in ids[2:6]:
        project.labels.add(item, ben, "unsafe")
    # ids[2], ids[3] have two labels: closed for chi; ids[0,1,4,5] have one: still open.
    assert project.queue.open_ids(chi, overlap=2, limit=100) == [ids[0], ids[1], *ids[4:]]
    # Ana and Ben are not offered their own items again, but can still step back to them.
    assert project.queue.open_ids(ana, overlap=2, limit=100) == ids[4:]
    assert project.queue.neighbour_id(ana, None, ids[4], step=-1, overlap=2) == ids[3]
    assert project.queue.neighbour_id(chi, None, ids[4], step=-1, overlap=2) == ids[1]
    assert project.queue.neighbour_id(chi, None, ids[1], step=+1, overlap=2) == ids[4]
    assert project.queue.is_open(chi, ids[2], overlap=2) is False
    assert project.queue.is_open(chi, ids[2]) is True  # without overlap, nothing is closed
    # Once chi labels ids[0], it has two labels and leaves Ben's queue too.
    project.labels.add(ids[0], chi, "safe")
    assert ids[0] not in project.queue.open_ids(ben, overlap=2, limit=100)
    progress = project.queue.progress(chi, overlap=2)
    assert (progress.done, progress.assigned) == (1, 8)
    assert project.queue.progress(ben, overlap=2).assigned == 9  # ids[0] closed for him


def test_an_undone_label_does_not_count_towards_overlap(team) -> None:
    project, ids, people = team
    project.labels.add(ids[0], people["ana"], "safe")
    project.labels.add(ids[0], people["ben"], "safe")
    assert ids[0] not in project.queue.open_ids(people["chi"], overlap=2, limit=3)
    project.labels.undo(ids[0], people["ben"])
    assert project.queue.open_ids(people["chi"], overlap=2, limit=1) == [ids[0]]


def test_filters_by_language_model_category_and_text(tmp_path: Path) -> None:
    with Project.create(tmp_path / "f.db") as project:
        ids = add_items(project)
        extra = add_items(
            project, plain_items(3, language="bn", prefix="m"), model="model-b", category="Fraud"
        )
        me = project.annotators.ensure("ana").id
        by_uid = {uid: rid for (uid, *_), rid in zip(ITEMS, ids, strict=True)}

        def offered(**kw: object) -> list[int]:
            return project.queue.open_ids(me, QueueFilter(**kw), limit=100)  # type: ignore[arg-type]

        assert offered(languages=("th",)) == [by_uid["t-th"]]
        assert offered(languages=("th", "ar", "bn")) == sorted(
            [by_uid["t-th"], by_uid["t-ar"], by_uid["t-bn"], *extra]
        )
        assert offered(model="model-b") == extra
        assert offered(category="Fraud") == extra
        assert offered(category="Theft") == ids
        assert offered(text="car theft") == [by_uid["t-ko"]]  # in the back-translation
        assert offered(text="100%") == []  # LIKE wildcards are literal
        assert offered(languages=("bn",), model="model-a") == [by_uid["t-bn"]]
        assert project.queue.matches_filter(by_uid["t-th"], QueueFilter(languages=("th",)))
        assert not project.queue.matches_filter(by_uid["t-th"], QueueFilter(model="model-b"))
        progress = project.queue.progress(me, QueueFilter(languages=("bn", "th")))
        assert (progress.done, progress.assigned) == (0, 5)


def test_pages_merge_several_languages_in_id_order(tmp_path: Path) -> None:
    with Project.create(tmp_path / "m.db") as project:
        a = add_items(project, plain_items(5, "sw", "a"))
        b = add_items(project, plain_items(5, "jv", "b"))
        me = project.annotators.ensure("ana").id
        flt = QueueFilter(languages=("jv", "sw"))
        assert project.queue.open_ids(me, flt, limit=7) == (a + b)[:7]
        assert project.queue.open_ids(me, flt, after=a[-1], limit=3) == b[:3]
        assert project.queue.neighbour_id(me, flt, b[0], step=-1) == a[-1]


def test_pace_counts_recent_labels_and_caps_breaks(team) -> None:
    project, ids, people = team
    assert project.queue.pace(people["ana"]).per_hour is None
    project.labels.add(ids[0], people["ana"], "safe", time_ms=6_000)
    project.labels.add(ids[1], people["ana"], "safe", time_ms=3_600_000)  # a long break
    pace = project.queue.pace(people["ana"])
    assert pace.labels == 2 and pace.total_ms == 6_000 + 300_000


def test_queue_queries_walk_indexes_not_the_table(team) -> None:
    project, _, people = team
    for flt, index in [
        (QueueFilter(), "INTEGER PRIMARY KEY"),
        (QueueFilter(languages=("sw",)), "responses_language"),
        (QueueFilter(model="model-a"), "responses_model"),
    ]:
        plan = " | ".join(project.queue.query_plans(people["ana"], flt, overlap=2))
        assert f"SEARCH r USING {index}" in plan or f"SEARCH r USING COVERING INDEX {index}" in plan
        assert "SCAN r" not in plan
        assert "USE TEMP B-TREE" not in plan  # no sort: the index gives the order
        assert "SCAN l" not in plan  # label lookups are index searches


def test_a_claim_counts_towards_overlap_until_released_or_expired(team) -> None:
    project, ids, people = team
    ana, ben = people["ana"], people["ben"]
    assert project.claims.take(ana, ids[0], overlap=1) is True
    assert project.queue.open_ids(ben, overlap=1, limit=2) == ids[1:3]  # ana has ids[0] on screen
    assert project.queue.open_ids(ana, overlap=1, limit=1) == [ids[0]]  # her own claim is no bar
    assert project.queue.open_ids(ben, overlap=2, limit=1) == [ids[0]]  # one of two places taken
    assert project.queue.open_ids(ben, limit=1) == [ids[0]]  # without overlap, claims do not count
    assert project.claims.take(ben, ids[0], overlap=1) is False  # taken: nothing claimed
    assert project.claims.held_ids(ben) == []
    # Moving on releases the item left, in the same transaction.
    assert project.claims.take(ana, ids[1], overlap=1, release=ids[0]) is True
    assert project.claims.held_ids(ana) == [ids[1]]
    assert project.queue.open_ids(ben, overlap=1, limit=1) == [ids[0]]
    project.claims.release(ana)
    assert project.claims.held_ids(ana) == []
    assert project.queue.open_ids(ben, overlap=1, limit=1) == [ids[0]]
    # An expired claim (a crashed session) holds nothing.
    assert project.claims.take(ana, ids[0], overlap=1, ttl_s=-1) is True
    assert project.queue.open_ids(ben, overlap=1, limit=1) == [ids[0]]
    assert project.claims.held_ids(ana) == []


def test_a_claim_is_refused_on_an_item_already_labelled(team) -> None:
    project, ids, people = team
    project.labels.add(ids[0], people["ana"], "safe")
    assert project.claims.take(people["ana"], ids[0], overlap=2) is False  # her own label
    project.labels.add(ids[1], people["ben"], "safe")
    assert project.claims.take(people["chi"], ids[1], overlap=1) is False  # full
    assert project.claims.take(people["chi"], ids[1], overlap=2) is True


def test_two_sessions_at_once_with_overlap_one_never_label_the_same_item(tmp_path: Path) -> None:
    """Two annotators open the same file at the same moment (two connections, as two
    processes would) and label in turn: they are offered different items and, between
    them, label every item once."""
    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    path = tmp_path / "pair.db"
    with Project.create(path) as project:
        add_items(project, plain_items(9))
    with Project.open(path) as first, Project.open(path) as second:
        ana = AnnotationSession(first, Options("ana", overlap=1))
        ben = AnnotationSession(second, Options("ben", overlap=1))
        ana.start()
        ben.start()
        done: dict[str, list[str]] = {"ana": [], "ben": []}
        while ana.item is not None or ben.item is not None:
            for name, session in (("ana", ana), ("ben", ben)):
                if session.item is not None:
                    other = ben if session is ana else ana
                    assert other.current_id != session.current_id
                    done[name].append(session.item.response.uid)
                    session.label("safe", "both")
        ana.release()
        ben.release()
        assert (
            first.claims.held_ids(ana.annotator.id) == first.claims.held_ids(ben.annotator.id) == []
        )
    assert not set(done["ana"]) & set(done["ben"])
    assert sorted(done["ana"] + done["ben"]) == [f"p-{i:03d}" for i in range(9)]
    assert len(done["ana"]) >= 4 and len(done["ben"]) >= 4
