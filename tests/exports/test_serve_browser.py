"""`polyjudge serve` in a real browser: one real server on 127.0.0.1 (a subprocess running
textual-serve) and one headless Chromium session. The annotator's one link opens the terminal
and, beside it, the reader (the item on that screen as the browser shapes it); a key typed into
the terminal labels as the link's annotator and the reader follows; a hostile response is text;
the link's separate reader page still works; the page's headers are what `serve_page.py` says.
A screenshot of the page is saved in the test's temporary directory (its path is printed)."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.browser import CHROMIUM, Page, browser
from tests.exports.conftest import Built
from tests.exports.test_serve import label_counts, serving
from tests.tui.conftest import add_items

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs it)"
)

HOSTILE = (
    "<script>window.pwned=1</script></title><img src=x onerror=window.pwned=2> \u202eevil\u202c"
)
HOSTILE_ITEM = ("x-ar-hostile", "ar", "سؤال عن الأمان", "A question about safety", HOSTILE, None)

RESPONSE = "document.querySelector('#reader section.response .text')"
SHOWN = f"""JSON.stringify({{
  uid: document.body.dataset.uid,
  dir: {RESPONSE}.dir, lang: {RESPONSE}.lang, text: {RESPONSE}.textContent,
  terminal: document.getElementById('terminal').getBoundingClientRect(),
  reader: document.getElementById('reader').getBoundingClientRect(),
  title: document.title, pwned: typeof window.pwned,
  scripts: [...document.scripts].map(s => s.getAttribute('src')),
  images: document.images.length,
}})"""


def headers_of(url: str) -> tuple[dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(response.headers), response.read().decode("utf-8")


async def shown(page: Page) -> dict:
    return json.loads(str(await page.evaluate(SHOWN)))


async def annotate_in_browser(link: str, tmp_path: Path) -> dict[str, dict]:
    """Label one item through the link's page; what the reader showed before and after, and
    what the link's own reader page shows at the end."""
    seen: dict[str, dict] = {}
    async with browser(link) as page:
        await page.wait_for("document.title === 'polyjudge — zoe'")
        await page.wait_for("document.body.classList.contains('-first-byte')")  # the app drew
        await page.wait_for("!!document.body.dataset.uid")  # ... and the reader its item
        seen["first"] = await shown(page)
        await page.press("1")  # typed into the terminal: a label, and the screen moves on
        await page.wait_for(
            f"document.body.dataset.uid && document.body.dataset.uid !== "
            f"{json.dumps(seen['first']['uid'])}"
        )
        seen["second"] = await shown(page)
        await page.evaluate("document.getElementById('invisible').click()")
        await page.wait_for(f"{RESPONSE}.textContent.includes('U+202E')")
        seen["revealed"] = await shown(page)
        shot = await page.screenshot(tmp_path / "serve-second-item-invisible-shown.png")
        print(f"serve screenshot: {shot}")
        # Hidden, the terminal takes the whole width; shown again, it shares it.
        width = "document.getElementById('terminal').getBoundingClientRect().width"
        await page.evaluate("document.getElementById('reader-hide').click()")
        await page.wait_for(f"{width} === window.innerWidth")
        seen["hidden"] = await shown(page)
        await page.evaluate("document.getElementById('reader-show').click()")
        await page.wait_for(f"{width} < window.innerWidth * 0.7")
        # A narrow window: the reader goes below the terminal.
        await page.call(
            "Emulation.setDeviceMetricsOverride",
            width=600,
            height=700,
            deviceScaleFactor=1,
            mobile=False,
        )
        await page.wait_for(
            "document.getElementById('reader').getBoundingClientRect().top >= "
            "document.getElementById('terminal').getBoundingClientRect().bottom - 1"
        )
        seen["narrow"] = await shown(page)
        # The separate reader page (a second screen) shows the same item.
        await page.call("Page.navigate", url=f"{link}/reader/")
        await page.wait_for(f"document.body.dataset.uid === {json.dumps(seen['second']['uid'])}")
        seen["reader page"] = json.loads(
            str(
                await page.evaluate(
                    "JSON.stringify({lang: document.querySelector('section.response .text')"
                    ".lang, title: document.title, pwned: typeof window.pwned})"
                )
            )
        )
    return seen


def test_the_link_shows_the_reader_beside_the_terminal_and_it_follows_key_presses(
    built: Built, tmp_path: Path
):
    pytest.importorskip("textual_serve")
    with Project.open(built.path) as project:
        add_items(project, [HOSTILE_ITEM])
    before = label_counts(built.path)
    args = ("--annotator", "zoe", "--annotator", "yusuf", "--language", "ar")
    with serving(built.path, tmp_path, *args) as served:
        link = served.links["zoe"]
        page_headers, page = headers_of(link)
        static_headers, _ = headers_of(f"{served.origin}/static/js/textual.js")
        script_headers, _ = headers_of(f"{link}/page/serve_page.js")
        seen = asyncio.run(annotate_in_browser(link, tmp_path))
        assert "refused" not in served.stderr()
    assert served.process.returncode == 0  # SIGTERM stopped it at once, its session with it

    # The page: scripts from this server only, framed nowhere, no Referer with the token.
    policy = dict(
        p.strip().split(" ", 1) for p in page_headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["connect-src"] == f"'self' ws://127.0.0.1:{served.port}"
    assert page_headers["X-Frame-Options"] == "DENY"
    assert page_headers["Referrer-Policy"] == "no-referrer"
    assert page_headers["X-Content-Type-Options"] == "nosniff"
    assert all(re.search(r"<script src=\S+", tag) for tag in re.findall(r"<script[^>]*>", page))
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page) and "<iframe" not in page
    for headers in (static_headers, script_headers):
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert script_headers["Content-Type"].startswith("text/javascript")

    # Side by side: the terminal on the left, the reader on the right, both a useful width.
    first, second = seen["first"], seen["second"]
    terminal, reader = first["terminal"], first["reader"]
    assert terminal["left"] == 0 and reader["left"] >= terminal["right"] - 1
    assert terminal["top"] == reader["top"] and terminal["width"] > 500 and reader["width"] > 350
    assert seen["hidden"]["reader"]["width"] == 0
    narrow = seen["narrow"]
    assert narrow["reader"]["width"] == narrow["terminal"]["width"] == 600
    assert narrow["reader"]["height"] > 200

    # Both Arabic items (the queue is in id order) are right to left and tagged Arabic; the key
    # moved from one to the next.
    assert (first["uid"], second["uid"]) == ("r-ar-1", "x-ar-hostile")
    for item in (first, second):
        assert (item["dir"], item["lang"]) == ("rtl", "ar")
    with Project.open(built.path) as project:
        zoe = project.annotators.get("zoe")
        labelled = project.content.response_id_by_uid(first["uid"])
        assert zoe is not None and labelled is not None
        assert project.labels.history(labelled, zoe.id)  # the key labelled as zoe
        arabic = project.content.response_by_uid("r-ar-1")
        assert arabic is not None
    assert first["text"] == arabic.text

    # The hostile response is text: its markup shown, its bidi override neutralised (and
    # shown by name on demand), nothing from it run or parsed.
    assert "<script>window.pwned=1</script></title><img src=x" in second["text"]
    assert "\u202e" not in second["text"] and "U+202E" in seen["revealed"]["text"]
    for state in seen.values():
        assert state["pwned"] == "undefined"
    for state in (first, second, seen["revealed"]):
        assert state["title"] == "polyjudge — zoe" and state["images"] == 0
        assert len(state["scripts"]) == 3 and all(state["scripts"])
    assert seen["reader page"]["lang"] == "ar"

    # Only zoe labelled, through her link.
    after = label_counts(built.path)
    assert after["zoe"] >= 1 and after.get("yusuf", 0) == 0
    assert {k: v for k, v in after.items() if k not in ("zoe", "yusuf")} == {
        k: v for k, v in before.items() if k not in ("zoe", "yusuf")
    }
