"""The sample is the queue, in the annotate screen (Textual's pilot) and on the command line of
`annotate`, `serve` and `export packet`."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.commands.serving import serve_command
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.tui.conftest import add_items, make_app, plain_items, screen_text, settle
from tests.tui.test_annotate_pilot import labels_of, shown_uid

pytestmark = pytest.mark.anyio

SAMPLED = ("s-001", "s-004", "s-007")  # batch `b2`; `b1`, drawn earlier, holds s-002 and s-009


@pytest.fixture
def sampled_db(tmp_path: Path) -> Path:
    """Ten Swahili items and three Javanese ones; two sample batches of Swahili items."""
    path = tmp_path / "sampled.db"
    with Project.create(path) as project:
        ids = add_items(project, plain_items(10, "sw", "s"))
        add_items(project, plain_items(3, "jv", "j"))
        project.assignments.add("b1", [(ids[2], "language:sw", 5.0), (ids[9], "language:sw", 5.0)])
        project.assignments.add("b2", [(ids[int(u[2:])], "language:sw", 10 / 3) for u in SAMPLED])
    return path


async def test_the_latest_sample_is_the_queue_and_the_header_counts_it(sampled_db: Path) -> None:
    app = make_app(sampled_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "s-001"
        assert "sample 0 / 3" in screen_text(app)
        await pilot.press("u")
        assert shown_uid(app) == "s-004"
        await pilot.press("right")
        assert shown_uid(app) == "s-007"
        await pilot.press("right")
        assert shown_uid(app) == "s-007"  # the end of the sample
        await pilot.press("s", "left", "left")
        assert shown_uid(app) == "s-001"
        await pilot.press("right", "s")
        await settle(pilot)
        assert shown_uid(app) is None
        assert "sample 3 / 3" in screen_text(app)
        # A filter without sampled items offers every item under it.
        await pilot.press("slash", *"jv", "enter")
        await settle(pilot)
        assert shown_uid(app) == "j-000"
        assert "0 / 3 done" in screen_text(app) and "sample" not in screen_text(app)
    assert [row[:2] for row in labels_of(sampled_db, "amina")] == [
        ("s-001", "unsafe"),
        ("s-007", "safe"),
        ("s-004", "safe"),
    ]


async def test_a_named_sample_or_none(sampled_db: Path) -> None:
    app = make_app(sampled_db, sample="b1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "s-002"
        assert "sample 0 / 2" in screen_text(app)
        await pilot.press("s", "s")
        assert shown_uid(app) is None
    app = make_app(sampled_db, annotator="ben", no_sample=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "s-000"
        assert "0 / 13 done" in screen_text(app)


async def test_two_annotators_with_overlap_one_share_the_sample(sampled_db: Path) -> None:
    first, second = (
        make_app(sampled_db, annotator="ana", overlap=1),
        make_app(sampled_db, annotator="ben", overlap=1),
    )
    async with first.run_test(size=(120, 36)) as one, second.run_test(size=(120, 36)) as two:
        await settle(one)
        await settle(two)
        assert (shown_uid(first), shown_uid(second)) == ("s-001", "s-004")
        await one.press("u")
        assert shown_uid(first) == "s-007"
        await two.press("s")
        assert shown_uid(second) is None  # s-007 is on ana's screen
        await one.press("s")
        assert shown_uid(first) is None
    labelled = [u for who in ("ana", "ben") for u, *_ in labels_of(sampled_db, who)]
    assert sorted(labelled) == list(SAMPLED)


def test_an_unknown_batch_is_one_line_and_both_options_are_refused(sampled_db: Path) -> None:
    out = str(sampled_db.parent / "packet.db")
    for command in (["annotate"], ["serve"], ["export", "packet", "--out", out]):
        result = run_cli(*command, "--db", str(sampled_db), "--annotator", "a", "--sample", "b9")
        assert result.code == 1, command
        assert result.err.strip() == (
            "Error: --sample 'b9': no such sample batch (batches: b1, b2)"
        ), command
        both = run_cli(
            *command, "--db", str(sampled_db), "--annotator", "a", "--sample", "b1", "--no-sample"
        )
        assert both.code == 2 and "exclude each other" in both.err, command
    assert not Path(out).exists()


def test_serve_passes_the_sample_to_every_session(tmp_path: Path) -> None:
    command = serve_command(tmp_path / "p.db", "amina", [], 1, "b 1")
    assert command.endswith("--overlap 1 --sample 'b 1'")
    assert serve_command(tmp_path / "p.db", "amina", [], no_sample=True).endswith("--no-sample")
    assert "--sample" not in serve_command(tmp_path / "p.db", "amina", [])


async def test_a_count_read_before_a_label_does_not_undo_it_in_the_header(
    sampled_db: Path,
) -> None:
    from polyjudge.store import Pace, Progress
    from polyjudge.tui.annotate_screen import AnnotateScreen

    app = make_app(sampled_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        # a count in flight, read before the label below
        before = screen.progress_counter.generation
        await pilot.press("s")
        screen.post_message(AnnotateScreen.ProgressCounted(before, Progress(0, 3, 3), Pace(0, 0)))
        await pilot.pause()
        assert "sample 1 / 3" in screen_text(app)
