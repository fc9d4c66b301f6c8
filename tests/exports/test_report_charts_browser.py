"""Headless Chromium draws every chart of the HTML report (issue 13, part 3): the report's SVGs
are laid out one under another at known offsets, one screenshot is taken, and each chart's
area is checked for drawn pixels and for the colour of each series its legend lists. The crop
of each chart is saved under the test's tmp dir (and in $POLYJUDGE_SCREENSHOTS when set, to
look at by eye)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from polyjudge.exports.report_forest import PALETTE
from polyjudge.exports.report_html import CSS
from polyjudge.exports.report_svg import BAR, BAR_CORRECTED

from tests.exports.png import decode_png, encode_png
from tests.exports.test_report_present import make
from tests.reconcile.helpers import cli_ok

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 800


def _rgb(colour: str) -> bytes:
    return bytes.fromhex(colour.lstrip("#"))


def charts(html: str) -> list[tuple[str, int, int, str]]:
    """(id, width, height, svg) of each chart, the bar chart first."""
    out = []
    for m in re.finditer(r"<svg[^>]*>.*?</svg>", html, re.S):
        svg = m.group(0)
        width = int(re.search(r'width="(\d+)"', svg).group(1))
        height = int(re.search(r'height="(\d+)"', svg).group(1))
        found = re.search(r'id="([^"]+)"', svg)
        out.append((found.group(1) if found else "bars", width, height, svg))
    return out


def expected_colours(chart_id: str, svg: str) -> list[bytes]:
    """The colours a chart must show: a forest plot's drawn series (in its palette order), the
    bar chart's bar colours."""
    if chart_id == "bars":
        return [_rgb(c) for c in (BAR, BAR_CORRECTED) if f'fill="{c}"' in svg]
    series = list(dict.fromkeys(unescape(s) for s in re.findall(r'data-series="([^"]*)"', svg)))
    fills = dict.fromkeys(re.findall(r'<circle[^>]*fill="(#[0-9a-f]{6})"', svg))
    assert len(fills) == len(series) and set(fills) <= set(PALETTE)
    return [_rgb(c) for c in fills]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_chromium_draws_every_chart(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = tmp_path / "report.html"
    cli_ok("report", "--html", str(out), "--bootstrap", "0", "--db", db)
    found = charts(out.read_text(encoding="utf-8"))
    ids = [c[0] for c in found]
    assert ids == ["bars", "forest-model", "forest-model-differences", "forest-estimators"]
    top, blocks = 0, []
    for _, _, height, svg in found:
        blocks.append(f'<div style="position:absolute;left:0;top:{top}px">{svg}</div>')
        top += height + 20
    page = tmp_path / "charts.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{CSS} '
        "body{margin:0;padding:0;max-width:none} .chart{margin:0}</style></head><body>"
        + "".join(blocks)
        + "</body></html>",
        encoding="utf-8",
    )
    png = tmp_path / "charts.png"
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
            "--force-device-scale-factor=1",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            f"--window-size={WIDTH},{top}",
            "--hide-scrollbars",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert png.exists(), result.stderr[-2000:]
    width, height, rows = decode_png(png)
    assert (width, height) == (WIDTH, top)
    keep = os.environ.get("POLYJUDGE_SCREENSHOTS")
    y = 0
    for chart_id, w, h, svg in found:
        crop = [row[: 3 * w] for row in rows[y : y + h]]
        y += h + 20
        pixels = [row[i : i + 3] for row in crop for i in range(0, len(row), 3)]
        drawn = sum(1 for p in pixels if p != b"\xff\xff\xff")
        # Far more than a border and a title: points, intervals, axis, labels.
        assert drawn > 0.02 * len(pixels), chart_id
        present = set(pixels)
        for colour in expected_colours(chart_id, svg):
            assert colour in present, (chart_id, colour.hex())
        shot = tmp_path / f"{chart_id}.png"
        encode_png(shot, crop)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
