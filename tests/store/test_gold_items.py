"""`project.gold_items`: gold items stored, offered to each annotator once, answered, and left
out of the queue and of every column read the statistics make."""

from __future__ import annotations

import pytest

from polyjudge.store import PolyjudgeError, Project

from tests.store.conftest import Filled


def test_add_is_idempotent_and_a_changed_row_corrects_the_item(filled: Filled) -> None:
    gold = filled.project.gold_items
    assert gold.add(filled.r1, "unsafe", "It explains how.", "gold.csv") == "inserted"
    assert gold.add(filled.r1, "unsafe", "It explains how.", "gold.csv") == "existing"
    assert gold.add(filled.r1, "safe", None, "gold2.csv") == "updated"
    item = gold.get(filled.r1)
    assert item is not None
    assert (item.uid, item.language, item.label, item.explanation, item.source_file) == (
        "r1",
        "it",
        "safe",
        None,
        "gold2.csv",
    )
    assert gold.count() == 1 and gold.is_gold(filled.r1) and not gold.is_gold(filled.r2)
    assert filled.project.status()["gold_items"] == 1
    assert gold.get(filled.r2) is None


def test_a_label_outside_the_label_set_is_refused(filled: Filled) -> None:
    with pytest.raises(PolyjudgeError, match="unknown label 'harmful'"):
        filled.project.gold_items.add(filled.r1, "harmful")
    assert filled.project.gold_items.count() == 0


def test_unseen_ids_by_language_and_never_again_once_labelled(filled: Filled) -> None:
    p, gold = filled.project, filled.project.gold_items
    gold.add(filled.r1, "unsafe")
    gold.add(filled.r3, "safe")
    assert gold.unseen_ids(filled.ana) == [filled.r1, filled.r3]
    assert gold.unseen_ids(filled.ana, ("sw",)) == [filled.r3]
    p.labels.add(filled.r1, filled.ana, "safe")
    p.labels.undo(filled.r1, filled.ana)  # labelled once, then undone: seen all the same
    assert gold.unseen_ids(filled.ana) == [filled.r3]
    assert gold.unseen_ids(filled.ben) == [filled.r1, filled.r3]


def test_rate_defaults_to_five_percent_once_there_are_gold_items(filled: Filled) -> None:
    gold = filled.project.gold_items
    assert gold.rate() == 0.0
    gold.add(filled.r1, "unsafe")
    assert gold.rate() == 0.05
    gold.set_rate(0.2)
    assert gold.rate() == 0.2
    gold.set_rate(0)
    assert gold.rate() == 0.0


def test_answers_pair_each_current_label_with_the_expected_one(filled: Filled) -> None:
    p = filled.project
    p.gold_items.add(filled.r1, "unsafe")
    p.gold_items.add(filled.r3, "safe")
    p.labels.add(filled.r1, filled.ana, "safe")
    p.labels.add(filled.r1, filled.ana, "unsafe")  # an edit: the newer label is current
    p.labels.add(filled.r3, filled.ana, "safe")
    p.labels.add(filled.r1, filled.ben, "safe")
    p.labels.add(filled.r3, filled.ben, "unsafe")
    p.labels.undo(filled.r3, filled.ben)  # undone: no current label, no answer
    p.labels.add(filled.r2, filled.ben, "unsafe")  # not a gold item
    got = [(a.annotator, a.uid, a.label, a.expected, a.correct) for a in p.gold_items.answers()]
    assert got == [
        ("ana", "r1", "unsafe", "unsafe", True),
        ("ana", "r3", "safe", "safe", True),
        ("ben", "r1", "safe", "unsafe", False),
    ]


def test_gold_items_are_not_in_the_queue_nor_its_progress(filled: Filled) -> None:
    p = filled.project
    p.gold_items.add(filled.r2, "unsafe")
    assert p.queue.open_ids(filled.ana, limit=10) == [filled.r1, filled.r3]
    p.labels.add(filled.r2, filled.ana, "unsafe")  # a gold item labelled: not progress
    p.labels.add(filled.r1, filled.ana, "safe")
    progress = p.queue.progress(filled.ana)
    assert (progress.done, progress.assigned) == (1, 2)
    assert p.queue.neighbour_id(filled.ana, None, filled.r1, step=1) == filled.r3


def _statistics_inputs(p: Project) -> tuple:
    run = p.judging.find_run("judge-a")
    assert run is not None
    return (
        p.columns.labels().rows,
        p.columns.adjudications(),
        p.columns.responses(("language", "category")).response_id,
        p.columns.responses(labelled_only=True).response_id,
        p.columns.prompt_ids(),
        p.columns.verdicts(run, p.label_set).rows,
        p.columns.p_unsafe(run),
    )


def test_gold_items_never_reach_the_columns_statistics_read(filled: Filled) -> None:
    p = filled.project
    for rid, label in ((filled.r1, "safe"), (filled.r2, "unsafe"), (filled.r3, "unsafe")):
        p.labels.add(rid, filled.ana, label)
        p.labels.add(rid, filled.ben, "unsafe")
    p.adjudications.add(filled.r2, filled.jo, "unsafe")
    p.judging.add_verdict_rows(
        "judge-a", "m", [(r, "unsafe", 0.9) for r in (filled.r1, filled.r2, filled.r3)]
    )
    before = _statistics_inputs(p)
    p.gold_items.add(filled.r2, "unsafe")
    labels, adjudications, responses, labelled, prompts, verdicts, p_unsafe = _statistics_inputs(p)
    r1, r3, ana, ben = filled.r1, filled.r3, filled.ana, filled.ben
    safe, unsafe = p.label_set.index("safe"), p.label_set.index("unsafe")
    assert labels == [(r1, ana, safe, 0), (r1, ben, unsafe, 0), (r3, ana, unsafe, 0)] + [
        (r3, ben, unsafe, 0)
    ]
    assert adjudications == ([], [])
    assert responses == labelled == [r1, r3]
    assert len(prompts) == 2
    assert [row[0] for row in verdicts] == [r1, r3]
    assert [row[0] for row in p_unsafe] == [r1, r3]
    assert before[2] == [r1, filled.r2, r3]  # without the gold item, everything was read
