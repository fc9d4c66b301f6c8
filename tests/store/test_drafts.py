"""`project.drafts`: notes confirmed before the label."""

from __future__ import annotations

from .conftest import Filled


def test_a_draft_is_kept_replaced_dropped_and_taken_by_the_label(filled: Filled) -> None:
    project = filled.project
    drafts = project.drafts
    drafts.save(filled.r1, filled.ana, "first")
    drafts.save(filled.r1, filled.ana, "second", unsure=True)
    drafts.save(filled.r2, filled.ana, "other")
    assert drafts.for_annotator(filled.ana) == {
        filled.r1: ("second", True),
        filled.r2: ("other", False),
    }
    assert drafts.for_annotator(filled.ben) == {}
    drafts.save(filled.r2, filled.ana, None)
    assert list(drafts.for_annotator(filled.ana)) == [filled.r1]
    project.labels.add(filled.r1, filled.ana, "safe", note="second")
    assert drafts.for_annotator(filled.ana) == {}
