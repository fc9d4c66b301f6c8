"""Gold items in annotation sessions: mixed in silently at the gold rate (seeded per
annotator), each at most once per annotator, never held to `--overlap`, never in rates; their
expected label shown after labelling only with `--gold-feedback`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polyjudge.reconcile.report import build_report
from polyjudge.store import Project, QueueFilter
from polyjudge.tui.annotate_options import Options
from polyjudge.tui.annotate_session import AnnotationSession

from tests.tui.conftest import add_items, make_app, plain_items, screen_text, settle

REGULAR = 300
GOLD = 150


@pytest.fixture
def gold_project(tmp_path: Path) -> Path:
    """300 Swahili items, 150 Swahili gold items (expected `unsafe`) and 5 Arabic ones."""
    path = tmp_path / "gold.db"
    with Project.create(path) as project:
        add_items(project, plain_items(REGULAR))
        gold = add_items(project, plain_items(GOLD, prefix="gold"))
        gold += add_items(project, plain_items(5, language="ar", prefix="gold-ar"))
        for rid in gold:
            project.gold_items.add(rid, "unsafe", "It says how.")
    return path


def run_session(path: Path, options: Options) -> list[tuple[int, bool]]:
    """Label every item offered as `safe`: (response id, is gold) of each item shown."""
    shown = []
    with Project.open(path) as project:
        session = AnnotationSession(project, options)
        session.start()
        while session.item is not None:
            shown.append((session.item.response.id, session.gold_shown))
            session.label("safe", "both")
        session.release()
    return shown


def test_gold_items_come_at_the_rate_once_each_and_reproducibly(
    gold_project: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copyfile(gold_project, copy)  # the same project (id) in another file
    options = Options("ana", QueueFilter(languages=("sw",)), gold_rate=0.1, gold_seed="t")
    shown = run_session(gold_project, options)
    gold = [rid for rid, is_gold in shown if is_gold]
    regular = [rid for rid, is_gold in shown if not is_gold]
    assert len(regular) == REGULAR and len(set(regular)) == REGULAR  # the queue, whole
    assert len(set(gold)) == len(gold)  # each gold item at most once
    with Project.open(gold_project) as project:
        assert {project.content.response(rid).language for rid in gold} == {"sw"}
        assert all(project.gold_items.is_gold(rid) for rid in gold)
    # One draw per item shown, each gold with p = 0.1: 333 draws give 33 gold items
    # expected, sd 5.5; the seeded run must lie within 3 sd.
    assert 17 <= len(gold) <= 50, len(gold)
    assert run_session(copy, options) == shown  # seeded: the same session again
    other = run_session(copy, Options("ben", QueueFilter(languages=("sw",)), gold_rate=0.1))
    assert [rid for rid, g in other if g] != gold  # each annotator has their own draws


def test_gold_labels_never_enter_rates_or_final_labels(gold_project: Path) -> None:
    shown = run_session(gold_project, Options("ana", gold_rate=0.5, gold_seed="r"))
    assert sum(g for _, g in shown) > 0
    with Project.open(gold_project) as project:
        # Every gold item answered `safe` against an expected `unsafe`...
        answers = project.gold_items.answers()
        assert answers and not any(a.correct for a in answers)
        for answer in answers:  # ...and then labelled `unsafe` by a second annotator
            project.labels.add(answer.response_id, project.annotators.ensure("ben").id, "unsafe")
        report = build_report(project, resamples=10).as_json()
    overall = report["unsafe_rate"]["overall"]
    # Hand count: the 300 regular items, each labelled `safe` once; no gold item anywhere.
    assert (overall["items"], overall["n"], overall["unsafe"]) == (REGULAR, REGULAR, 0)
    assert report["final"]["overall"]["single"] == REGULAR
    assert report["final"]["overall"]["queued"] == 0


def test_without_gold_items_or_at_rate_zero_the_queue_is_unchanged(gold_project: Path) -> None:
    shown = run_session(gold_project, Options("ana", gold_rate=0.0))
    assert not any(g for _, g in shown) and len(shown) == REGULAR


def test_gold_items_do_not_count_towards_the_overlap(tmp_path: Path) -> None:
    path = tmp_path / "overlap.db"
    with Project.create(path) as project:
        add_items(project, plain_items(3))
        (gold,) = add_items(project, plain_items(1, prefix="gold"))
        project.gold_items.add(gold, "unsafe")
        ben = project.annotators.ensure("ben").id
        project.labels.add(gold, ben, "safe")  # K = 1 other annotator holds it already
    shown = run_session(path, Options("ana", overlap=1, gold_rate=1.0, gold_seed="k"))
    assert (gold, True) in shown
    with Project.open(path) as project:
        ana = project.annotators.get("ana")
        assert ana is not None
        assert project.labels.current_value(ana.id, gold) == "safe"
        assert project.claims.holds() == []


def _feedback_project(path: Path) -> None:
    with Project.create(path) as project:
        add_items(project, plain_items(3))
        (gold,) = add_items(project, plain_items(1, prefix="gold"))
        project.gold_items.add(gold, "unsafe", "It [bold]explains[/bold] the steps.")


@pytest.mark.anyio
@pytest.mark.parametrize("feedback", [True, False])
async def test_feedback_after_a_gold_item_only_with_the_flag(
    tmp_path: Path, feedback: bool
) -> None:
    path = tmp_path / "feedback.db"
    _feedback_project(path)
    # Rate 1: the first item offered is the gold item.
    app = make_app(path, gold_rate=1.0, gold_feedback=feedback, gold_seed="f")
    async with app.run_test(size=(160, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.session.item.response.uid == "gold-000"
        before = screen_text(app)
        assert "gold" not in before.replace("gold-000", "")  # nothing marks a gold item
        await pilot.press("s")
        await settle(pilot)
        status = screen.header_state.status
        text = screen_text(app)
        assert screen.session.item.response.uid == "p-000"
        await pilot.press("s")  # a queue item: no feedback line
        await settle(pilot)
        after_regular = screen.header_state.status
    expected = "gold: expected unsafe (you: safe) — It [bold]explains[/bold] the steps."
    if feedback:
        assert expected in status
        assert "gold: expected unsafe" in text  # on screen, markup shown literally
    else:
        assert "gold:" not in status and "gold: expected" not in text
    assert "gold:" not in after_regular
