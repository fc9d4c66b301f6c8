"""`Project.adjudication_detail` (store/adjudication_view.py) returns what
`Project.item_detail` returns, for every item: current labels only (edits and undos applied),
notes, verdicts with their runs, the adjudication history."""

from __future__ import annotations

from pathlib import Path

from polyjudge.store import Project

from tests.tui.test_adjudicate_pilot import build_adjudication_project


def test_adjudication_detail_matches_item_detail(tmp_path: Path) -> None:
    path = build_adjudication_project(tmp_path / "a.db")
    with Project.open(path) as project:
        amina = project.annotator("amina")
        boss = project.ensure_annotator("boss", role="adjudicator")
        assert amina is not None
        # An edit, an undo back to nothing, and adjudication rows, so that "current" matters.
        project.add_label(1, amina.id, "invalid", note="changed my mind")
        project.add_label(3, amina.id, "unsafe")
        project.undo_label(3, amina.id)
        project.undo_label(3, amina.id)
        project.add_adjudication(2, boss.id, "unsafe", "steps", "a reply")
        project.add_adjudication(2, boss.id, None)
        for response_id in range(1, project.count("responses") + 1):
            fast = project.adjudication_detail(response_id)
            slow = project.item_detail(response_id)
            assert fast is not None and slow is not None
            assert fast.item == slow.item
            assert [(h.label, h.annotator.name) for h in fast.labels] == \
                [(h.label, h.annotator.name) for h in slow.labels]
            assert [(v.verdict, v.run.name, v.run.is_baseline) for v in fast.verdicts] == \
                [(v.verdict, v.run.name, v.run.is_baseline) for v in slow.verdicts]
            assert fast.adjudications == slow.adjudications
        labels_of_1 = project.adjudication_detail(1)
        assert labels_of_1 is not None
        assert [(h.annotator.name, h.label.label, h.label.note) for h in labels_of_1.labels] == [
            ("amina", "invalid", "changed my mind"),
            ("kofi", "safe", "It only refuses; the back-translation is clear."),
        ]
        assert project.adjudication_detail(999) is None
