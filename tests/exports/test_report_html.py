"""`polyjudge report --html FILE`: one self-contained file (no network, no scripts), escaped,
with an SVG bar chart of unsafe rate per language that a real browser renders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.exports.png import decode_png
from tests.reconcile.helpers import build_project, cli_ok

HOSTILE_LANGUAGE = '<img src=x onerror="alert(1)">'
HOSTILE_MODEL = "</title><script>alert('x')</script>"
LANGUAGES = ("ar", "bn", "th", "zh", "sw", HOSTILE_LANGUAGE)


def make(tmp_path: Path) -> str:
    items = []
    for k, language in enumerate(LANGUAGES):
        for i in range(40):
            label = "unsafe" if i % (k + 2) == 0 else "safe"
            spec = {
                "language": language,
                "model": HOSTILE_MODEL if i % 2 else "plain",
                "verdict": {"judge": label if i % 6 else "unsafe"},
            }
            if i < 30 or k % 2:  # some languages keep judge-only items: corrected bars
                spec["labels"] = [("a", label)]
            items.append(spec)
    db = tmp_path / "p.db"
    build_project(db, items).close()
    return str(db)


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = tmp_path / "report.html"
    text = cli_ok("report", "--html", str(out), "--db", db, "--by", "model")
    assert str(out) in text
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert forbidden not in html, forbidden
    # No tag loads anything or runs anything (escaped text may still *show* such words).
    assert re.search(r"<[a-zA-Z][^>]*\s(src|href|on\w+)\s*=", html) is None
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    svg = re.search(r"<svg.*?</svg>", html, flags=re.S).group(0)
    assert svg.count("<rect") == len(LANGUAGES)  # one bar per language
    assert svg.count('stroke-width="2"') == 3 * len(LANGUAGES)  # whisker + two caps
    assert "BASELINE" not in html  # no baseline run here; see the terminal tests for one


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and number of distinct colours of a PNG (every 4th row, every 2nd pixel)."""
    width, height, rows = decode_png(path)
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 6)}
    return width, height, len(colours)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_headless_chromium_renders_the_chart(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = tmp_path / "report.html"
    cli_ok("report", "--html", str(out), "--db", db)
    png = tmp_path / "report.png"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            "--hide-scrollbars",
            out.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert png.exists(), result.stderr[-2000:]
    width, height, colours = _png_size_and_colours(png)
    assert (width, height) == (1200, 900)
    # Text, the red and blue bars, their whiskers and grid lines: far more than a blank page.
    assert colours > 20
    keep = Path(__file__).parent / "__screenshots__"
    if keep.is_dir():  # a place to look at the last rendering by eye
        shutil.copy(png, keep / "report.png")
