"""The store's columns, adjudications (append-only) and item detail, on real project files."""

from __future__ import annotations

import sqlite3

import pytest

from polyjudge.store import PolyjudgeError, Project


def setup(project: Project) -> tuple[int, int, int]:
    project.content.insert_responses(
        [
            {"uid": "a", "language": "ar", "text": "نص"},
            {"uid": "b", "language": "th", "text": "ข้อความ"},
        ]
    )
    x = project.annotators.ensure("x").id
    y = project.annotators.ensure("y").id
    adj = project.annotators.ensure("lead", role="adjudicator").id
    return x, y, adj


def test_current_label_columns_take_the_latest_row_and_skip_undone(project: Project) -> None:
    x, y, _ = setup(project)
    project.labels.add(1, x, "safe")
    project.labels.add(1, x, "unsafe", unsure=True)  # edit: supersedes
    project.labels.add(1, y, "invalid")
    project.labels.undo(1, y)  # undone first label: no label
    project.labels.add(2, y, "safe")
    cols = project.columns.labels()
    rows = list(zip(cols.response_id, cols.annotator_id, cols.label, cols.unsure, strict=True))
    assert rows == [(1, x, 1, 1), (2, y, 0, 0)]


def test_adjudications_are_append_only_and_can_be_withdrawn(project: Project) -> None:
    _, _, adj = setup(project)
    first = project.adjudications.add(1, adj, "unsafe", "explicit instructions")
    assert project.columns.adjudications() == ([1], ["unsafe"])
    second = project.adjudications.add(1, adj, None, "withdrawn")
    assert second.supersedes == first.id
    assert project.columns.adjudications() == ([], [])
    assert [a.label for a in project.adjudications.history(1)] == ["unsafe", None]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.conn.execute("UPDATE adjudications SET label = 'safe'")
    with pytest.raises(PolyjudgeError, match="unknown label"):
        project.adjudications.add(1, adj, "harmless")
    with pytest.raises(PolyjudgeError, match="no response"):
        project.adjudications.add(99, adj, "safe")


def test_item_detail_has_labels_with_notes_and_names_and_verdicts(project: Project) -> None:
    x, y, adj = setup(project)
    project.labels.add(1, x, "unsafe", note="gives steps [bold]really[/bold]")
    project.labels.add(1, y, "safe")
    project.judging.add_verdict_rows("gpt-judge", "gpt", [(1, "unsafe")])
    project.judging.add_verdict_rows("refusal", "refusal-baseline", [(1, "safe")], is_baseline=True)
    project.adjudications.add(1, adj, "unsafe", "steps are actionable")
    detail = project.adjudications.item_detail(1)
    assert detail.item.response.text == "نص"
    assert [(h.annotator.name, h.label.label, h.label.note) for h in detail.labels] == [
        ("x", "unsafe", "gives steps [bold]really[/bold]"),
        ("y", "safe", None),
    ]
    assert [(v.run.name, v.verdict.label, bool(v.run.is_baseline)) for v in detail.verdicts] == [
        ("gpt-judge", "unsafe", False),
        ("refusal", "safe", True),
    ]
    assert detail.adjudication.rationale == "steps are actionable"
    assert project.adjudications.item_detail(12345) is None


def test_response_columns_fall_back_to_the_prompt_category(project: Project) -> None:
    project.content.insert_prompts(
        [
            {
                "dataset": "d",
                "prompt_key": "1",
                "language": "vi",
                "text": "p",
                "category": "violence",
                "scenario": "unintentional",
            }
        ]
    )
    project.content.insert_responses(
        [
            {"uid": "r", "language": "vi", "text": "t", "prompt_id": 1},
            {"uid": "s", "language": "vi", "text": "t", "category": "own"},
        ]
    )
    cols = project.columns.responses(("language", "category", "scenario"))
    assert cols.fields["category"] == ["violence", "own"]
    assert cols.fields["scenario"] == ["unintentional", None]
    with pytest.raises(PolyjudgeError, match="cannot group by"):
        project.columns.responses(("colour",))
