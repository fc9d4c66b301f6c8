"""Named SVG snapshots of the annotate screen with multilingual content, wide and narrow.

Snapshots prove regressions, not legibility (a browser shapes Arabic inside the SVG, a terminal
does not); the real-terminal check is `tests/e2e/test_tmux.py`. Update them after a deliberate
change with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import make_app, settle

WIDE = (120, 32)
NARROW = (80, 40)


async def _ready(pilot) -> None:
    await settle(pilot)


@pytest.mark.parametrize(
    ("language", "size"),
    [
        ("ar", WIDE),  # right-to-left, with the HTML hint
        ("bn", WIDE),  # spacing combining marks
        ("th", NARROW),  # stacked panes
        ("zh", NARROW),  # CJK and an emoji family (ZWJ sequence)
        ("ko", WIDE),
    ],
    ids=["arabic-wide", "bengali-wide", "thai-narrow", "chinese-emoji-narrow", "korean-wide"],
)
def test_annotate_screen_snapshot(
    snap_compare, multilingual_db: Path, language: str, size: tuple[int, int]
) -> None:
    app = make_app(multilingual_db, languages=[language])
    assert snap_compare(app, terminal_size=size, run_before=_ready)


def test_hostile_response_with_invisible_characters_shown(
    snap_compare, multilingual_db: Path
) -> None:
    app = make_app(multilingual_db, languages=["en"])

    async def show_invisible(pilot) -> None:
        await settle(pilot)
        await pilot.press("v")

    assert snap_compare(app, terminal_size=WIDE, run_before=show_invisible)


def test_javanese_and_swahili_back_translation_only(snap_compare, multilingual_db: Path) -> None:
    app = make_app(multilingual_db, languages=["jv", "sw"])

    async def back_translation_only(pilot) -> None:
        await settle(pilot)
        await pilot.press("b", "b")

    assert snap_compare(app, terminal_size=NARROW, run_before=back_translation_only)


def test_help_screen(snap_compare, multilingual_db: Path) -> None:
    app = make_app(multilingual_db)

    async def open_help(pilot) -> None:
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 40), run_before=open_help)


def test_a_sample_drives_the_queue(snap_compare, multilingual_db: Path) -> None:
    """The header counts the sample: `sample k / N`."""
    from polyjudge.store import Project

    with Project.open(multilingual_db) as project:
        ids = [project.content.response_by_uid(uid).id for uid in ("t-bn", "t-zh")]  # type: ignore
        project.assignments.add("pilot", [(rid, "language", 4.0) for rid in ids])
    app = make_app(multilingual_db)
    assert snap_compare(app, terminal_size=WIDE, run_before=_ready)


def test_long_panes_scrolled_in_step_narrow(snap_compare, tmp_path: Path) -> None:
    """80×24, stacked: after Page Down in the response, the back-translation has followed to
    the same share of its length; both bottom borders say how many lines are still below."""
    from tests.tui.test_annotate_screen_parts import long_db_at

    app = make_app(long_db_at(tmp_path))

    async def page_down(pilot) -> None:
        await settle(pilot)
        await pilot.press("pagedown")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=page_down)


def test_long_panes_scrolled_in_step_wide(snap_compare, tmp_path: Path) -> None:
    """120×40, side by side, with a language filter in the header."""
    from tests.tui.test_annotate_screen_parts import long_db_at

    app = make_app(long_db_at(tmp_path), languages=["sw"])

    async def page_down_twice(pilot) -> None:
        await settle(pilot)
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=page_down_twice)


def test_done_screen_narrow(snap_compare, tmp_path: Path, monkeypatch) -> None:
    """80×24: the session's counts and the next commands once nothing is left (the project
    opened by a relative name, so the commands shown do not depend on the test's directory)."""
    from polyjudge.store import Project

    from tests.tui.conftest import add_items, plain_items

    monkeypatch.chdir(tmp_path)
    with Project.create("done.db") as project:
        add_items(project, plain_items(3))
    app = make_app(Path("done.db"))

    async def label_all(pilot) -> None:
        await settle(pilot)
        await pilot.press("s", "u", "i")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=label_all)
