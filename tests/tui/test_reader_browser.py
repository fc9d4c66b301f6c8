"""The reader in a real browser (headless Chromium over the DevTools protocol): it shows the
item on the annotate screen (driven by Textual's pilot) with its direction and language, follows
a key press, and runs no script from the content. Screenshots of the page are saved in the
test's temporary directory (their paths are printed; `pytest -s` shows them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.app import PolyjudgeApp
from polyjudge.tui.reader_server import ReaderServer

from tests.browser import CHROMIUM, Page, browser
from tests.tui.conftest import add_items, settle
from tests.tui.test_reader_server import HTML_ITEMS

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)"),
]

RESPONSE = "document.querySelector('section.response .text')"


async def shows(page: Page, uid: str) -> dict:
    """Wait until the page shows `uid`; return what its response block holds."""
    await page.wait_for(f"document.body.dataset.uid === {json.dumps(uid)}")
    found = await page.evaluate(
        f"JSON.stringify({{dir: {RESPONSE}.dir, lang: {RESPONSE}.lang, "
        f"text: {RESPONSE}.textContent, html: document.documentElement.lang, "
        f"title: document.title, blocks: document.querySelectorAll('section').length}})"
    )
    return json.loads(str(found))


async def test_the_reader_follows_the_annotate_screen_in_a_browser(
    multilingual_db: Path, tmp_path: Path
) -> None:
    with Project.open(multilingual_db) as project:
        add_items(project, HTML_ITEMS)
        texts = {
            uid: project.content.response_by_uid(uid).text  # type: ignore[union-attr]
            for uid in ("t-ar", "t-bn", "t-th")
        }
    shots = []
    # One browser for both sessions: the page stays open on the reader while the screens change.
    with ReaderServer() as reader:
        async with browser(reader.url) as page:
            app = PolyjudgeApp(multilingual_db, "annotate", {"annotator": "amina"}, reader=reader)
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(pilot)
                for uid, lang, direction in (
                    ("t-ar", "ar", "rtl"),
                    ("t-bn", "bn", "auto"),
                    ("t-th", "th", "auto"),
                ):
                    found = await shows(page, uid)
                    assert (found["dir"], found["lang"], found["html"]) == (direction, lang, lang)
                    assert found["text"] == texts[uid] and found["blocks"] == 4
                    shots.append(await page.screenshot(tmp_path / f"reader-{lang}.png"))
                    await pilot.press("s")  # labelled in the terminal: the page follows
            # The same reader, the English items: markup in a response is text, never run.
            app = PolyjudgeApp(
                multilingual_db,
                "annotate",
                {"annotator": "amina", "languages": ["en"]},
                reader=reader,
            )
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(pilot)
                await shows(page, "t-en")
                await pilot.press("right")
                found = await shows(page, "x-html")
                assert "<script>window.pwned=1" in found["text"] and "onerror" in found["text"]
                assert await page.evaluate("typeof window.pwned") == "undefined"
                assert await page.evaluate("document.querySelectorAll('img, b').length") == 0
                assert found["title"] == "polyjudge reader"
                await page.evaluate("document.getElementById('invisible').click()")
                await page.wait_for(f"{RESPONSE}.textContent.includes('U+202E')")
                shots.append(await page.screenshot(tmp_path / "reader-hostile-invisible-shown.png"))
                assert await page.evaluate("typeof window.pwned") == "undefined"
    for shot in shots:
        assert shot.read_bytes().startswith(b"\x89PNG")
        print(f"reader screenshot: {shot}")
