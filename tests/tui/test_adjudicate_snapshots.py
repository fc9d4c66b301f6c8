"""Named SVG snapshots of the adjudicate screen with multilingual and hostile content.

Fixed sizes, no times or durations on screen. Snapshots prove regressions, not legibility (a
browser shapes Arabic inside the SVG, a terminal does not). Update after a deliberate change
with `pytest tests/tui/test_adjudicate_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import settle
from tests.tui.test_adjudicate_pilot import build_adjudication_project, make_adjudicate_app

WIDE = (120, 36)
NARROW = (80, 40)
VERY_WIDE = (160, 40)


@pytest.fixture
def adjudication_db(tmp_path: Path) -> Path:
    return build_adjudication_project(tmp_path / "adjudicate.db")


def _select(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("keys", "size", "options"),
    [
        ((), WIDE, {}),  # Arabic tie, with a baseline and a judge verdict
        (("down",), NARROW, {}),  # Bengali disagreement, stacked
        (("down", "down"), WIDE, {"anonymous": True}),  # Thai unsure label, names hidden
        (("down", "down", "down"), VERY_WIDE, {}),  # Chinese + emoji, judge conflict, side by side
        (("end", "v"), WIDE, {}),  # hostile response and note, invisible characters shown
    ],
    ids=[
        "arabic-tie-wide",
        "bengali-disagreement-narrow",
        "thai-unsure-anonymous",
        "chinese-judge-conflict-very-wide",
        "hostile-invisible-wide",
    ],
)
def test_adjudicate_screen_snapshot(
    snap_compare, adjudication_db: Path, keys: tuple[str, ...], size: tuple[int, int], options: dict
) -> None:
    app = make_adjudicate_app(adjudication_db, **options)
    assert snap_compare(app, terminal_size=size, run_before=_select(*keys))


def test_rationale_dialog_snapshot(snap_compare, adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db)

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        from textual.widgets import Input

        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.press(*"off-topic")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_dialog)


def test_empty_queue_snapshot(snap_compare, adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db, languages=["sw"])
    assert snap_compare(app, terminal_size=NARROW, run_before=_select())
