"""annotate --reveal-judge driven by Textual's pilot: the blind key press is written, the
judge's verdict is shown (with its run) on the same item, and the answer (a changed label, or
Enter keeping the blind one) is written as an after-reveal row; items without a verdict are
never revealed. Checked in the project file with a fresh `Project`."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.annotate_reveal import chosen
from polyjudge.tui.annotate_screen import AnnotateScreen

from tests.tui.conftest import add_items, make_app, plain_items, screen_text, settle

pytestmark = pytest.mark.anyio


@pytest.fixture
def reveal_db(tmp_path: Path) -> Path:
    path = tmp_path / "reveal.db"
    with Project.create(path) as project:
        ids = add_items(project, plain_items(4))
        project.judging.add_verdict_rows("old-judge", "m0", [(ids[0], "safe")])
        project.judging.add_verdict_rows("gpt-judge", "m1", [(ids[0], "unsafe"), (ids[1], "safe")])
    return path


def rows(path: Path) -> list[tuple[str, str, int, int]]:
    with Project.open(path) as project:
        return [
            tuple(r)  # type: ignore[misc]
            for r in project.conn.execute(
                "SELECT r.uid, l.label, l.after_reveal, l.judge_seen FROM labels l"
                " JOIN responses r ON r.id = l.response_id ORDER BY l.id"
            )
        ]


def shown_uid(app) -> str | None:
    screen = app.screen
    assert isinstance(screen, AnnotateScreen)
    return screen.session.item.response.uid if screen.session.item else None


async def test_blind_then_reveal_then_change_or_keep(reveal_db: Path) -> None:
    app = make_app(reveal_db, "ana", reveal_share=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "p-000"
        assert "judge (run" not in screen_text(app)  # nothing of the judge before the label
        await pilot.press("s")
        await pilot.pause()
        assert shown_uid(app) == "p-000"  # stays, with the verdict of the latest run
        assert "judge (run gpt-judge): unsafe · you: safe" in screen_text(app)
        assert rows(reveal_db) == [("p-000", "safe", 0, 0)]
        await pilot.press("u")  # changes it
        await pilot.pause()
        assert shown_uid(app) == "p-001"
        await pilot.press("s")
        await pilot.pause()
        assert "judge (run gpt-judge): safe" in screen_text(app)
        await pilot.press("enter")  # keeps it
        await pilot.pause()
        assert shown_uid(app) == "p-002"
        await pilot.press("u")  # no verdict: never revealed
        await pilot.pause()
        assert shown_uid(app) == "p-003"
    assert rows(reveal_db) == [
        ("p-000", "safe", 0, 0),
        ("p-000", "unsafe", 1, 1),
        ("p-001", "safe", 0, 0),
        ("p-001", "safe", 1, 1),
        ("p-002", "unsafe", 0, 0),
    ]
    with Project.open(reveal_db) as project:  # the blind labels stay the current ones
        ana = project.annotators.id_of("ana")
        assert project.labels.current_value(ana, 1) == "safe"  # type: ignore[arg-type]


async def test_without_the_flag_nothing_is_revealed(reveal_db: Path) -> None:
    app = make_app(reveal_db, "ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert shown_uid(app) == "p-001"
        assert "judge (run" not in screen_text(app)
    assert rows(reveal_db) == [("p-000", "safe", 0, 0)]


def test_the_items_revealed_are_the_same_in_every_session() -> None:
    uids = [f"p-{i:03d}" for i in range(2000)]
    first = [chosen("ana", uid, 0.1) for uid in uids]
    assert first == [chosen("ana", uid, 0.1) for uid in uids]
    assert first != [chosen("ben", uid, 0.1) for uid in uids]
    # 2000 draws at 0.1: 200 expected, sd 13.4; a hash within 4 sd of it.
    assert 146 <= sum(first) <= 254


def test_the_share_comes_from_the_flag_else_the_project_setting(reveal_db: Path) -> None:
    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    with Project.open(reveal_db) as project:
        assert AnnotationSession(project, Options("ana")).revealer.share == 0
        project.set_meta("reveal_share", "0.25")
        assert AnnotationSession(project, Options("ana")).revealer.share == 0.25
        session = AnnotationSession(project, Options("ana", reveal_share=1.0))
        assert session.revealer.share == 1.0
        session.release()


def test_a_bad_project_setting_is_one_line_and_registers_nobody(reveal_db: Path) -> None:
    from tests.conftest import run_cli

    with Project.open(reveal_db) as project:
        project.set_meta("reveal_share", "lots")
    result = run_cli("annotate", "--annotator", "zed", "--db", str(reveal_db))
    assert result.code == 1 and result.err.count("\n") == 1
    assert "reveal_share: expected a share between 0 and 1" in result.err
    with Project.open(reveal_db) as project:
        assert project.annotators.get("zed") is None


async def test_once_seen_the_blind_label_stays_fixed(reveal_db: Path) -> None:
    """Back on a revealed item (←), a label key writes another answer, never a new blind
    label, and the verdict is not revealed again."""
    app = make_app(reveal_db, "ana", reveal_share=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s", "u")  # blind safe, changed to unsafe after the reveal
        await pilot.pause()
        assert shown_uid(app) == "p-001"
        await pilot.press("left")
        await pilot.pause()
        assert shown_uid(app) == "p-000"
        await pilot.press("i")
        await pilot.pause()
        assert shown_uid(app) != "p-000"
        assert "judge (run" not in screen_text(app)
    assert rows(reveal_db) == [
        ("p-000", "safe", 0, 0),
        ("p-000", "unsafe", 1, 1),
        ("p-000", "invalid", 1, 1),
    ]


def test_a_label_again_after_an_undo_says_the_judge_was_seen(reveal_db: Path) -> None:
    from polyjudge.reconcile.report import build_report
    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    with Project.open(reveal_db) as project:
        session = AnnotationSession(project, Options("ana", reveal_share=1.0))
        session.start()
        session.label("safe", "both")  # blind; the verdict is shown
        session.label("unsafe", "both")  # the answer; next item
        session.undo()  # undoes the last change of the session: the blind label of p-000
        assert session.current_id == 1 and session.shown_label() is None
        session.label("unsafe", "both")  # a label again, with the judge seen: not revealed
        assert session.revealer.pending is None
        session.release()
        assert project.labels.current(1, session.annotator.id).judge_seen == 1  # type: ignore[union-attr]
        anchoring = build_report(project, resamples=10).anchoring
        assert anchoring is not None and anchoring.labels_judge_seen == 1
        assert anchoring.by_language == {}  # the answer stands on a blind label undone
