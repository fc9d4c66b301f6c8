"""`project.labels`: the append-only label rows and the current label, each method called."""

from __future__ import annotations

import pytest

from polyjudge.store import ItemFull, PolyjudgeError

from .conftest import Filled


def test_add_edit_undo_and_the_current_label(filled: Filled) -> None:
    labels = filled.project.labels
    first = labels.add(filled.r1, filled.ana, "safe", note="n1")
    second = labels.add(filled.r1, filled.ana, "unsafe")
    assert second.supersedes == first.id
    assert labels.current(filled.r1, filled.ana) == second
    assert labels.current_value(filled.ana, filled.r1) == "unsafe"
    undo = labels.undo(filled.r1, filled.ana)
    assert undo is not None and undo.label == "safe" and undo.note == "n1"
    assert labels.current_value(filled.ana, filled.r1) == "safe"
    labels.undo(filled.r1, filled.ana)
    assert labels.current_value(filled.ana, filled.r1) is None  # back to no label
    assert labels.undo(filled.r1, filled.ana) is None  # nothing left to undo
    assert [x.label for x in labels.history(filled.r1)] == ["safe", "unsafe", "safe", None]
    assert labels.history(filled.r1, filled.ben) == []


def test_current_for_leaves_out_undone_labels(filled: Filled) -> None:
    labels = filled.project.labels
    labels.add(filled.r1, filled.ana, "safe")
    labels.add(filled.r1, filled.ben, "unsafe")
    labels.undo(filled.r1, filled.ben)
    assert [(x.annotator_id, x.label) for x in labels.current_for(filled.r1)] == [
        (filled.ana, "safe")
    ]


def test_uids_make_writes_idempotent(filled: Filled) -> None:
    labels = filled.project.labels
    row = labels.add(filled.r2, filled.ana, "safe", uid="u-1")
    assert labels.add(filled.r2, filled.ana, "unsafe", uid="u-1") == row
    assert labels.uid_exists("u-1") and not labels.uid_exists("u-2")


def test_check_refuses_labels_outside_the_set(filled: Filled) -> None:
    labels = filled.project.labels
    labels.check("safe")
    labels.check(None)
    with pytest.raises(PolyjudgeError, match="unknown label"):
        labels.check("maybe")


def test_overlap_refuses_one_annotator_too_many(filled: Filled) -> None:
    labels = filled.project.labels
    labels.add(filled.r1, filled.ana, "safe", overlap=1)
    with pytest.raises(ItemFull):
        labels.add(filled.r1, filled.ben, "safe", overlap=1)
    assert labels.current(filled.r1, filled.ben) is None
