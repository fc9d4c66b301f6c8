"""The dashboard screen: the numbers of `polyjudge report --json`, from the adjudicate screen
and on its own (`polyjudge dashboard`); named SVG snapshots, wide and narrow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.tui.dashboard_screen import DashboardScreen

from tests.conftest import run_cli
from tests.tui.conftest import screen_text, settle
from tests.tui.test_adjudicate_pilot import build_adjudication_project, make_adjudicate_app


@pytest.fixture
def adjudication_db(tmp_path: Path) -> Path:
    return build_adjudication_project(tmp_path / "adjudicate.db")


def make_dashboard_app(path: Path, **options):
    from polyjudge.tui.app import PolyjudgeApp

    return PolyjudgeApp(path, "dashboard", options)


def lines_starting(text: str, word: str) -> list[str]:
    out = []
    for line in text.splitlines():
        cells = line.strip(" │").split()
        if cells and cells[0] == word:
            out.append(" ".join(cells))
    return out


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@pytest.mark.anyio
async def test_dashboard_shows_the_numbers_of_report_json(adjudication_db: Path) -> None:
    result = run_cli("report", "--db", str(adjudication_db), "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    app = make_dashboard_app(adjudication_db)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
    for language, block in report["unsafe_rate"]["by_language"].items():
        corrected = block["headline"] == "judge_corrected_stratified"
        rate = block["judge_corrected"]["rate"] if corrected else block["rate"]
        alpha = report["agreement"]["by_language"][language]["alpha"]
        rows = lines_starting(text, language)
        # The language table's row comes first, then the queue's, then the progress table's.
        assert rows and percent(rate) in rows[0], (language, rows)
        if alpha is not None:
            assert f"{alpha:.3f}" in rows[0]
    # Queue sizes per kind, known by construction: ties t-ar and t-en, disagreement t-bn,
    # unsure t-th, judge conflict t-zh.
    assert "all 1 2 1 1 5" in lines_starting(text, "all")
    # Labels per annotator (amina 5, kofi 5, mei 4 of 8 items).
    header = next(line for line in lines_starting(text, "lang") if "amina" in line)
    assert header.split()[-3:] == ["amina", "kofi", "mei"]
    assert lines_starting(text, "all")[-1].endswith("8 5 5 4")
    assert report["queue"]["total"] == 5


@pytest.mark.anyio
async def test_dashboard_from_the_adjudicate_screen_follows_the_adjudications(
    adjudication_db: Path,
) -> None:
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("u", *"steps", "enter")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "all 1 1 1 1 4" in lines_starting(screen_text(app), "all")
        assert "1 adjudicated" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, DashboardScreen)


def _ready(pilot):
    return settle(pilot)


def test_dashboard_snapshot_wide(snap_compare, adjudication_db: Path) -> None:
    assert snap_compare(
        make_dashboard_app(adjudication_db), terminal_size=(120, 40), run_before=_ready
    )


def test_dashboard_snapshot_narrow_anonymous(snap_compare, adjudication_db: Path) -> None:
    assert snap_compare(
        make_dashboard_app(adjudication_db, anonymous=True),
        terminal_size=(80, 50),
        run_before=_ready,
    )


def test_dashboard_cli_help() -> None:
    result = run_cli("dashboard", "--help")
    assert result.code == 0 and "--anonymous" in result.out and "r recompute" in result.out


@pytest.mark.anyio
@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_shows_annotator_quality(adjudication_db: Path, anonymous: bool) -> None:
    report = json.loads(run_cli("report", "--db", str(adjudication_db), "--json").out)
    entries = [
        (language, name, entry)
        for language, block in report["annotators"]["by_language"].items()
        for name, entry in block["annotators"].items()
    ]
    app = make_dashboard_app(adjudication_db, anonymous=anonymous)
    async with app.run_test(size=(120, 80)) as pilot:
        await settle(pilot)
        assert "Annotator quality" not in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(app)
    table = text[text.index("Annotator quality") :]
    assert len(entries) >= 3
    for language, name, entry in entries:
        rows = [r.split() for r in lines_starting(table, language)]
        if anonymous:
            assert name not in table
            assert any(r[1:4:2] == ["annotator", str(entry["labels"])] for r in rows), rows
        else:
            assert [language, name, str(entry["labels"])] in [r[:3] for r in rows]
