"""The dashboard's model view and human-vs-judge rates (issue 13, part 5): the numbers of
`polyjudge report --json`, shown when the project has more than one model, toggled with `m`;
a named SVG snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.tui.dashboard_screen import DashboardScreen

from tests.conftest import run_cli
from tests.reconcile.helpers import build_project
from tests.tui.conftest import screen_text, settle
from tests.tui.test_dashboard import lines_starting, make_dashboard_app

MODELS = ("gpt-a", "llama-b")


@pytest.fixture
def models_db(tmp_path: Path) -> Path:
    """ar, bn, th × two models, 10 items each; gpt-a unsafe on every 3rd item, llama-b on
    every 5th; a judge that calls item 1 unsafe too; items 8-9 in th only judged."""
    items = []
    for language in ("ar", "bn", "th"):
        for m, model in enumerate(MODELS):
            for j in range(10):
                label = "unsafe" if j % (3 if m == 0 else 5) == 0 else "safe"
                spec: dict = {"language": language, "model": model}
                spec["verdict"] = {"judge": "unsafe" if j == 1 else label}
                if not (language == "th" and j >= 8):
                    spec["labels"] = [("ana", label)]
                items.append(spec)
    db = tmp_path / "models.db"
    build_project(db, items).close()
    return db


def estimate(block: dict | None) -> str:
    """`12.3% [10.2, 14.9]%` written by hand from the JSON."""
    if not block or block.get("rate") is None:
        return "—"
    lo, hi = block["ci95"]
    return f"{100 * block['rate']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]%"


@pytest.mark.anyio
async def test_model_view_and_judge_view_show_the_report_numbers(models_db: Path) -> None:
    report = json.loads(run_cli("report", "--db", str(models_db), "--json", "--bootstrap", "0").out)
    app = make_dashboard_app(models_db, resamples=0)
    async with app.run_test(size=(150, 80)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        await pilot.press("m")
        await settle(pilot)
        hidden = screen_text(app)
    models = report["unsafe_rate"]["conditions"]["model"]
    view = text[text.index("Per model") :]
    for language, cells in models["by_language"].items():
        row = " ".join(lines_starting(view, language)[0].split())
        for model in MODELS:
            block = cells[model]
            shown = block["judge_corrected"] if block["headline"].startswith("judge") else block
            assert estimate(shown) in row, (language, model, row)
    assert "gpt-a − llama-b (pooled)" in view
    assert "Per model" not in hidden  # `m` hides the model view
    judge = text[text.index("Human vs judge") : text.index("Per model")]
    for language, block in report["unsafe_rate"]["by_language"].items():
        row = " ".join(lines_starting(judge, language)[0].split())
        assert estimate(block) in row and estimate(block["judge_raw"]) in row, row
        assert estimate(block["judge_corrected"]) in row, row
    kappa = report["judges"]["judge"]["by_language"]["ar"]["kappa"]
    assert f"{kappa:.3f}" in lines_starting(judge, "ar")[0]


def _ready(pilot):
    return settle(pilot)


def test_dashboard_snapshot_models(snap_compare, models_db: Path) -> None:
    assert snap_compare(
        make_dashboard_app(models_db, resamples=0), terminal_size=(130, 56), run_before=_ready
    )
