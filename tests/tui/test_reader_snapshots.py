"""Named SVG snapshots of the screens with the reader on (the header says the item is shaped
in the reader) and off (it offers `--reader` for a Bengali response filed under `en`). The
reader's link is random, so each snapshot is taken after a key has replaced the status line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.app import PolyjudgeApp
from polyjudge.tui.reader_server import ReaderServer

from tests.tui.conftest import add_items, settle
from tests.tui.test_adjudicate_pilot import build_adjudication_project

WIDE = (120, 32)


@pytest.fixture
def reader() -> Iterator[ReaderServer]:
    with ReaderServer() as server:
        yield server


async def _status_cleared(pilot) -> None:
    await settle(pilot)
    await pilot.press("v", "v")  # redrawn without a status: the link leaves the screen
    await pilot.pause()


@pytest.mark.parametrize("language", ["ar", "bn", "th"])
def test_annotate_with_the_reader_snapshot(
    snap_compare, multilingual_db: Path, reader: ReaderServer, language: str
) -> None:
    options = {"annotator": "amina", "languages": [language]}
    app = PolyjudgeApp(multilingual_db, "annotate", options, reader=reader)
    assert snap_compare(app, terminal_size=WIDE, run_before=_status_cleared)


def test_bengali_under_an_english_tag_is_offered_the_reader_snapshot(
    snap_compare, tmp_path: Path
) -> None:
    path = tmp_path / "offer.db"
    with Project.create(path) as project:
        add_items(project, [("o-bn", "en", "Question", None, "দুঃখিত, আমি পারি না।", None)])
    app = PolyjudgeApp(path, "annotate", {"annotator": "amina"})
    assert snap_compare(app, terminal_size=WIDE, run_before=settle)


def test_adjudicate_with_the_reader_snapshot(
    snap_compare, tmp_path: Path, reader: ReaderServer
) -> None:
    path = build_adjudication_project(tmp_path / "adjudicate.db")
    app = PolyjudgeApp(path, "adjudicate", {"adjudicator": "boss"}, reader=reader)

    async def thai(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=thai)
