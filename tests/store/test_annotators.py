"""`project.annotators`: who labels, each method called directly."""

from __future__ import annotations

import pytest

from polyjudge.store import PolyjudgeError

from .conftest import Filled


def test_ensure_registers_once_and_checks_name_and_role(filled: Filled) -> None:
    a = filled.project.annotators
    assert a.ensure(" ana ").id == filled.ana
    kim = a.ensure("kim", languages=["sw", "it"])
    assert kim.role == "annotator" and kim.languages == '["it", "sw"]'
    with pytest.raises(PolyjudgeError):
        a.ensure("  ")
    with pytest.raises(PolyjudgeError):
        a.ensure("x", role="boss")


def test_lookups(filled: Filled) -> None:
    a = filled.project.annotators
    jo = a.get("jo")
    assert jo is not None and jo.role == "adjudicator"
    assert a.get("nobody") is None
    assert a.by_id(filled.ben) is not None and a.by_id(filled.ben).name == "ben"  # type: ignore[union-attr]
    assert a.id_of("ben") == filled.ben and a.id_of("nobody") is None
    assert [x.name for x in a.all()] == ["ana", "ben", "jo"]


def test_progress_counts_current_labels_and_row_counts_count_every_row(filled: Filled) -> None:
    project = filled.project
    project.labels.add(filled.r1, filled.ana, "safe")
    project.labels.add(filled.r1, filled.ana, "unsafe")  # an edit: still one label
    project.labels.add(filled.r2, filled.ana, "safe")
    project.labels.undo(filled.r2, filled.ana)  # undone: no label
    project.labels.add(filled.r1, filled.ben, "safe")
    progress = {p["annotator"]: p["labels"] for p in project.annotators.progress()}
    assert progress == {"ana": 1, "ben": 1, "jo": 0}
