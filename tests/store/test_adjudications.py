"""`project.adjudications`, `project.assignments`, `project.columns`: each method called."""

from __future__ import annotations

import pytest

from polyjudge.store import PolyjudgeError

from .conftest import Filled


def test_adjudications_append_supersede_withdraw(filled: Filled) -> None:
    a = filled.project.adjudications
    first = a.add(filled.r1, filled.jo, "unsafe", "clear")
    second = a.add(filled.r1, filled.jo, "safe")
    assert second.supersedes == first.id
    reply = a.set_safe_reply(filled.r1, filled.jo, "  I can't help with that.  ")
    assert (reply.label, reply.safe_reply, reply.supersedes) == (
        "safe",
        "I can't help with that.",
        second.id,
    )
    with pytest.raises(PolyjudgeError):
        a.add(filled.r1, filled.jo, "maybe")
    with pytest.raises(PolyjudgeError):
        a.add(999, filled.jo, "safe")
    with pytest.raises(PolyjudgeError):
        a.set_safe_reply(filled.r1, filled.jo, "  ")
    again = a.add(filled.r2, filled.jo, "safe", uid="adj-1")
    assert a.add(filled.r2, filled.jo, "unsafe", uid="adj-1") == again
    a.add(filled.r2, filled.jo, None)  # withdrawn
    assert [x.label for x in a.history(filled.r2)] == ["safe", None]


def test_item_detail_has_current_labels_verdicts_and_adjudication(filled: Filled) -> None:
    project = filled.project
    project.labels.add(filled.r1, filled.ana, "safe")
    project.labels.add(filled.r1, filled.ana, "unsafe")
    project.labels.add(filled.r1, filled.ben, "safe")
    project.labels.undo(filled.r1, filled.ben)
    project.judging.add_verdict_rows("j", "m", [(filled.r1, "unsafe")])
    project.adjudications.add(filled.r1, filled.jo, "unsafe")
    detail = project.adjudications.item_detail(filled.r1)
    assert detail is not None
    assert [(h.annotator.name, h.label.label) for h in detail.labels] == [("ana", "unsafe")]
    assert [(v.run.name, v.verdict.label) for v in detail.verdicts] == [("j", "unsafe")]
    assert detail.adjudication is not None and detail.adjudication.label == "unsafe"
    assert project.adjudications.item_detail(999) is None


def test_assignments(filled: Filled) -> None:
    s = filled.project.assignments
    assert s.add("b1", [(filled.r1, "judge:7:unsafe", 2.0), (filled.r2, "it", 1.0)]) == 2
    assert s.add("b1", [(filled.r1, "judge:7:unsafe", 2.0)]) == 0
    s.add("b2", [(filled.r3, "judge:8:safe", 1.0)])
    assert [(x.batch, x.response_id) for x in s.all("b1")] == [
        ("b1", filled.r1),
        ("b1", filled.r2),
    ]
    assert len(s.all()) == 3
    assert s.batches() == ["b1", "b2"]
    assert s.latest_stratifying_run_id() == 8
    assert s.stratifying_run_ids() == {7, 8}


def test_columns(filled: Filled) -> None:
    project = filled.project
    cols = project.columns
    project.labels.add(filled.r1, filled.ana, "safe")
    project.labels.add(filled.r1, filled.ana, "invalid")
    project.labels.add(filled.r2, filled.ben, "unsafe", unsure=True)
    project.labels.add(filled.r3, filled.ben, "safe")
    project.labels.undo(filled.r3, filled.ben)
    labels = cols.labels(["safe", "unsafe"])
    assert labels.rows == [(filled.r1, filled.ana, -1, 0), (filled.r2, filled.ben, 1, 1)]
    assert labels.response_id == [filled.r1, filled.r2] and labels.unsure == [0, 1]
    project.adjudications.add(filled.r1, filled.jo, "safe")
    project.adjudications.add(filled.r2, filled.jo, "unsafe")
    project.adjudications.add(filled.r2, filled.jo, None)
    assert cols.adjudications() == ([filled.r1], ["safe"])
    responses = cols.responses(["language", "dataset"], labelled_only=True)
    assert responses.response_id == [filled.r1, filled.r2, filled.r3]
    assert responses.fields == {
        "language": ["it", "it", "sw"],
        "dataset": ["multijail"] * 2 + [None],
    }
    with pytest.raises(PolyjudgeError):
        cols.responses(["colour"])
    assert cols.prompt_ids()[2] == -1
    run = project.judging.add_verdict_rows("j", "m", [(filled.r1, "safe", 0.1), (filled.r3, "odd")])
    verdicts = cols.verdicts(run, ["safe", "unsafe"])
    assert verdicts.labels == ["safe", "unsafe", "odd"]
    assert verdicts.rows == [(filled.r1, 0), (filled.r3, 2)]
    assert cols.p_unsafe(run) == [(filled.r1, 0.1)]


def test_self_adjudication_is_logged_and_refused_when_strict(filled: Filled) -> None:
    """An adjudicator deciding an item they labelled: logged as `self_adjudication`; with
    `strict`, refused in the store itself (nothing written), so every path obeys it."""
    from polyjudge.store import SelfAdjudication

    project, a = filled.project, filled.project.adjudications
    project.labels.add(filled.r1, filled.jo, "unsafe")
    with pytest.raises(SelfAdjudication, match="yourself"):
        a.add(filled.r1, filled.jo, "safe", "mine", strict=True)
    assert a.history(filled.r1) == []
    assert project.events("self_adjudication") == []
    row = a.add(filled.r1, filled.jo, "safe", "mine")
    events = project.events("self_adjudication")
    assert len(events) == 1
    assert events[0]["detail"]["adjudication_id"] == row.id
    assert events[0]["detail"]["own_label"] == "unsafe"
    # Someone else's item, a withdrawal, and an undone own label are no self-adjudication.
    a.add(filled.r2, filled.jo, "safe", strict=True)
    a.add(filled.r1, filled.jo, None, strict=True)
    project.labels.undo(filled.r1, filled.jo)
    a.add(filled.r1, filled.jo, "safe", strict=True)
    assert len(project.events("self_adjudication")) == 1


def test_forget_unused_keeps_anyone_with_work(filled: Filled) -> None:
    project = filled.project
    project.annotators.ensure("fresh")
    project.serving.issue_token("fresh")
    project.labels.add(filled.r1, filled.ana, "safe")
    ana = project.annotators.by_id(filled.ana)
    jo = project.annotators.by_id(filled.jo)
    assert ana is not None and jo is not None
    project.adjudications.add(filled.r2, filled.jo, "safe")
    removed = project.annotators.forget_unused(["fresh", ana.name, jo.name, "nobody"])
    assert removed == ["fresh"]
    assert project.annotators.get("fresh") is None
    assert project.annotators.get(ana.name) is not None
    assert project.annotators.get(jo.name) is not None


def test_the_refusal_shows_a_stored_label_as_plain_text(filled: Filled) -> None:
    """A label row written by an old merge or another tool may hold any text: the refusal's
    message, shown on the adjudicate screen, carries it without control characters."""
    from polyjudge.store import SelfAdjudication

    project = filled.project
    with project.transaction() as conn:
        conn.execute(
            "INSERT INTO labels (response_id, annotator_id, label, action, created_at)"
            " VALUES (?, ?, ?, 'label', '2026-01-01T00:00:00.000Z')",
            (filled.r1, filled.jo, "\x1b[2J\x1b]0;owned\x07unsafe"),
        )
    with pytest.raises(SelfAdjudication) as refused:
        project.adjudications.add(filled.r1, filled.jo, "safe", "mine", strict=True)
    message = str(refused.value)
    assert "\x1b" not in message and "\x07" not in message
    assert "yourself" in message
