"""The screens publish their current item to the browser reader (driven by Textual's pilot,
with a real reader server), and offer the reader for items a terminal cannot draw."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.app import PolyjudgeApp
from polyjudge.tui.reader_server import ReaderServer

from tests.tui.conftest import add_items, screen_text, settle
from tests.tui.test_adjudicate_pilot import build_adjudication_project, selected_uid

pytestmark = pytest.mark.anyio


@pytest.fixture
def reader() -> Iterator[ReaderServer]:
    with ReaderServer() as server:
        yield server


def published_uid(reader: ReaderServer) -> str | None:
    item = reader.published.item
    return item.response.uid if item else None


async def test_annotate_publishes_the_item_on_screen(
    multilingual_db: Path, reader: ReaderServer
) -> None:
    app = PolyjudgeApp(multilingual_db, "annotate", {"annotator": "amina"}, reader=reader)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        assert published_uid(reader) == "t-ar"
        assert reader.published.where == "annotate · amina"
        text = screen_text(app)
        assert f"reader: {reader.url}" in text  # the link, on screen at start
        assert "right-to-left: see the reader" in text
        version = reader.version
        await pilot.press("right")
        assert published_uid(reader) == "t-bn" and reader.version == version + 1
        assert "complex script: see the reader" in screen_text(app)
        await pilot.press("s")  # labelled: the next item follows
        assert published_uid(reader) == "t-th"
        await pilot.press("left")
        assert published_uid(reader) == "t-bn"
        await pilot.press("v")  # the same item redrawn: nothing new for the page
        assert reader.version == version + 3


async def test_without_a_reader_the_header_offers_it(tmp_path: Path) -> None:
    path = tmp_path / "offer.db"
    with Project.create(path) as project:
        add_items(
            project,
            [
                ("o-sw", "sw", "Swali", "Question", "Samahani, siwezi.", "Sorry, I can't."),
                # Bengali text under an English tag: offered by its script.
                ("o-bn", "en", "Question", None, "দুঃখিত, আমি পারি না।", None),
            ],
        )
    app = PolyjudgeApp(path, "annotate", {"annotator": "amina"})
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        assert "--reader" not in screen_text(app)  # Swahili: a terminal draws it well
        await pilot.press("right")
        assert "complex script: try --reader or o" in screen_text(app)


async def test_adjudicate_publishes_the_selected_item(tmp_path: Path, reader: ReaderServer) -> None:
    path = build_adjudication_project(tmp_path / "adjudicate.db")
    app = PolyjudgeApp(path, "adjudicate", {"adjudicator": "boss"}, reader=reader)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert selected_uid(app) == "t-ar" and published_uid(reader) == "t-ar"
        assert reader.published.where == "adjudicate · boss"
        assert "right-to-left: see the reader" in screen_text(app)
        await pilot.press("down")
        await pilot.pause()
        assert selected_uid(app) == "t-bn" and published_uid(reader) == "t-bn"
        await pilot.press("down")
        await pilot.pause()
        assert published_uid(reader) == "t-th"
