"""After-reveal label rows (annotate --reveal-judge): stored with their flags, never an
annotator's current label, outside the undo chain, carried and checked by packets; and
adjudications recording whether the judge was on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import PolyjudgeError, Project

from tests.tui.conftest import add_items, plain_items


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "p.db") as project:
        add_items(project, plain_items(3))
        yield project


def test_an_after_reveal_row_is_stored_but_never_current(project: Project) -> None:
    ana = project.annotators.ensure("ana").id
    blind = project.labels.add(1, ana, "safe")
    assert (blind.after_reveal, blind.judge_seen) == (0, 0)
    after = project.labels.add(1, ana, "unsafe", after_reveal=True)
    assert (after.after_reveal, after.judge_seen, after.supersedes) == (1, 1, blind.id)
    assert project.labels.current(1, ana).id == blind.id  # type: ignore[union-attr]
    assert project.labels.current_value(ana, 1) == "safe"
    assert [r.label for r in project.labels.current_for(1)] == ["safe"]
    assert project.columns.labels().rows == [(1, ana, 0, 0)]
    assert [r.id for r in project.labels.history(1, ana)] == [blind.id, after.id]
    # An edit after the reveal supersedes the blind row, not the answer.
    edit = project.labels.add(1, ana, "invalid")
    assert edit.supersedes == blind.id
    # Undo walks the blind chain: back to the blind label, then to nothing.
    assert project.labels.undo(1, ana).label == "safe"  # type: ignore[union-attr]
    assert project.labels.undo(1, ana).label is None  # type: ignore[union-attr]
    assert project.labels.current_value(ana, 1) is None
    assert project.reveals.pairs() == []  # its blind label is gone: the answer stands on none


def test_an_answer_needs_a_blind_label(project: Project) -> None:
    ana = project.annotators.ensure("ana").id
    with pytest.raises(PolyjudgeError, match="needs a label and a blind label"):
        project.labels.add(2, ana, "safe", after_reveal=True)
    assert project.labels.history(2) == []


def test_the_verdict_shown_is_the_latest_non_baseline_run_with_one(project: Project) -> None:
    project.judging.add_verdict_rows("first", "m1", [(1, "safe"), (2, "unsafe")])
    project.judging.add_verdict_rows("second", "m2", [(1, "unsafe"), (2, "unparsed")])
    project.judging.add_verdict_rows("base", "refusal", [(1, "safe")], is_baseline=True)
    shown = project.reveals.shown_verdict(1)
    assert shown is not None and (shown.run_name, shown.label) == ("second", "unsafe")
    shown = project.reveals.shown_verdict(2)
    assert shown is not None and (shown.run_name, shown.label) == ("first", "unsafe")
    assert project.reveals.shown_verdict(3) is None


def test_adjudications_record_judge_seen(project: Project) -> None:
    lead = project.annotators.ensure("lead", role="adjudicator").id
    assert project.adjudications.add(1, lead, "safe").judge_seen is None
    assert project.adjudications.add(2, lead, "safe", judge_seen=True).judge_seen == 1
    reply = project.adjudications.set_safe_reply(2, lead, "A safe reply.")
    assert reply.judge_seen == 1  # the decision carried forward as it was made
    seen = project.reveals.finals_judge_seen()
    assert (seen.seen, seen.not_seen, seen.unknown) == (1, 0, 1)


def test_packets_carry_reveal_rows_and_refuse_bad_ones(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from polyjudge.cli import cli

    parent = tmp_path / "parent.db"
    with Project.create(parent) as project:
        add_items(project, plain_items(3))
    packet = tmp_path / "ana.db"
    runner = CliRunner()
    out = runner.invoke(
        cli, ["export", "packet", "--annotator", "ana", "--db", str(parent), "--out", str(packet)]
    )
    assert out.exit_code == 0, out.output
    with Project.open(packet) as p:
        ana = p.annotators.ensure("ana").id
        ids = [row[0] for row in p.conn.execute("SELECT id FROM responses ORDER BY id")]
        p.labels.add(ids[0], ana, "safe")
        p.labels.add(ids[0], ana, "unsafe", after_reveal=True)
        p.labels.add(ids[1], ana, "safe")
        # A forged answer: after_reveal without judge_seen (no path writes it).
        p.conn.execute(
            "INSERT INTO labels (response_id, annotator_id, label, action, supersedes,"
            " source, created_at, after_reveal, judge_seen)"
            " SELECT response_id, annotator_id, 'unsafe', 'label', id, 'tui', created_at, 1, 0"
            " FROM labels WHERE response_id = ? AND after_reveal = 0",
            (ids[1],),
        )
    out = runner.invoke(cli, ["merge", "--skip-bad", "--db", str(parent), str(packet)])
    assert out.exit_code == 0, out.output
    with Project.open(parent) as project:
        rows = project.conn.execute(
            "SELECT label, after_reveal, judge_seen FROM labels ORDER BY id"
        ).fetchall()
        assert [tuple(r) for r in rows] == [("safe", 0, 0), ("unsafe", 1, 1), ("safe", 0, 0)]
        ana = project.annotators.id_of("ana")
        assert [r.blind for r in project.reveals.pairs()] == ["safe"]
        assert project.labels.current_value(ana, 1) == "safe"  # type: ignore[arg-type]
