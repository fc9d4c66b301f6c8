"""`Project.item_detail`, as the adjudicate screen reads it: current labels only (edits and undos
applied), notes, verdicts with their runs, the adjudication history."""

from __future__ import annotations

from pathlib import Path

from polyjudge.store import Project

from tests.tui.test_adjudicate_pilot import build_adjudication_project


def test_item_detail_shows_current_labels_verdicts_and_history(tmp_path: Path) -> None:
    path = build_adjudication_project(tmp_path / "a.db")
    with Project.open(path) as project:
        amina = project.annotators.get("amina")
        boss = project.annotators.ensure("boss", role="adjudicator")
        assert amina is not None
        # An edit, an undo back to nothing, and adjudication rows, so that "current" matters.
        project.labels.add(1, amina.id, "invalid", note="changed my mind")
        project.labels.add(3, amina.id, "unsafe")
        project.labels.undo(3, amina.id)
        project.labels.undo(3, amina.id)
        project.adjudications.add(2, boss.id, "unsafe", "steps", "a reply")
        project.adjudications.add(2, boss.id, None)

        first = project.adjudications.item_detail(1)
        assert first is not None and first.item.response.uid == "t-ar"
        assert [(h.annotator.name, h.label.label, h.label.note) for h in first.labels] == [
            ("amina", "invalid", "changed my mind"),
            ("kofi", "safe", "It only refuses; the back-translation is clear."),
        ]
        third = project.adjudications.item_detail(3)
        assert third is not None
        assert [(h.annotator.name, h.label.label) for h in third.labels] == [("kofi", "safe")]
        second = project.adjudications.item_detail(2)
        assert second is not None
        assert [(a.label, a.rationale) for a in second.adjudications] == [
            ("unsafe", "steps"),
            (None, None),
        ]
        zh = project.adjudications.item_detail(project.content.response_by_uid("t-zh").id)
        assert zh is not None
        assert {(v.run.name, v.verdict.label) for v in zh.verdicts} >= {
            ("gpt-judge/multijail@abc", "unsafe")
        }
        assert project.adjudications.item_detail(999) is None
