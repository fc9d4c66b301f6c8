"""The real `polyjudge annotate --reader` in a real terminal (tmux): the reader's link is read
off the screen, its JSON fetched, a key typed in the terminal, and the JSON follows."""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.test_tmux import Tmux, _annotate, tmux, tmux_db  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

LINK = re.compile(r"reader: (http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]+/)")


def current(url: str) -> dict:
    with urllib.request.urlopen(f"{url}item.json", timeout=10) as response:
        return json.loads(response.read())


def test_the_reader_follows_key_presses_in_a_real_terminal(tmux: Tmux, tmux_db: Path) -> None:  # noqa: F811
    tmux.start(_annotate(tmux_db, "tess", "--reader"))
    tmux.wait(lambda: LINK.search(tmux.screen()) is not None, "the reader's link")
    found = LINK.search(tmux.screen())
    assert found is not None
    url = found[1]
    first = current(url)
    assert first["item"]["uid"] == "e-hostile" and first["where"] == "annotate · tess"
    tmux.keys("s")  # label it: the next item is Bengali
    tmux.wait(lambda: current(url)["item"]["uid"] == "e-bn", "the reader to follow")
    bengali = current(url)
    assert bengali["version"] > first["version"]
    assert bengali["item"]["lang"] == "bn" and bengali["item"]["complex"] is True
    tmux.wait_for_text("complex script: see the reader")
    tmux.keys("Right")
    tmux.wait(lambda: current(url)["item"]["uid"] == "e-th", "the reader to follow →")
    tmux.keys("q")
    tmux.wait(tmux.exited, "annotate to exit")
    assert tmux.exit_status() == "0"
    deadline = time.monotonic() + 30  # the server stopped with the app
    while True:
        try:
            current(url)
        except OSError:
            break
        assert time.monotonic() < deadline, "the reader still answers after the app exited"
        time.sleep(0.1)
