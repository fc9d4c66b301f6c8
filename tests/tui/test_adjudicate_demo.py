"""The demo project in the TUI: the adjudicate screen has a queue of every kind, and the
annotate screen still has items for a fresh annotator."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.demo import build_demo
from polyjudge.store import Project
from polyjudge.tui.annotate_screen import AnnotateScreen

from tests.tui.conftest import make_app, screen_text, settle
from tests.tui.test_adjudicate_pilot import adjudicate_screen, make_adjudicate_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    build_demo(path, with_labels=True)
    return path


async def test_the_demo_queue_shows_every_kind(demo_db: Path) -> None:
    app = make_adjudicate_app(demo_db, adjudicator="you")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        counts = adjudicate_screen(app).session.counts()
        assert all(counts[kind] > 0 for kind in counts), counts
        header = screen_text(app).splitlines()[0]
        for kind in ("disagreement", "tie", "unsure label", "judge conflict"):
            assert kind in header


async def test_the_demo_still_has_items_for_a_fresh_annotator(demo_db: Path) -> None:
    app = make_app(demo_db, annotator="demo")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        assert screen.session.item is not None
        # Every response but the gold items, which are mixed in silently (at the gold rate).
        with Project.open(demo_db) as project:
            queued = project.content.count("responses") - project.gold_items.count()
        assert f"0 / {queued} done" in screen_text(app)
