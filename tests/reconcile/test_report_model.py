"""The typed report (reconcile/report_model.py): `report --json` keeps its shape, the model
round-trips, and its typed fields say what the JSON says."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from polyjudge.console import json_text
from polyjudge.reconcile.report import build_report
from polyjudge.reconcile.report_model import Report

from tests.conftest import run_cli
from tests.reconcile.report_fixture import realistic_project
from tests.reconcile.report_shape import REPORT_OPTIONS, shape_lines

GOLDEN = Path(__file__).parent / "data" / "report_shape.txt"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    path = tmp_path_factory.mktemp("report") / "p.db"
    with realistic_project(path) as project:
        return {name: build_report(project, **kw) for name, kw in REPORT_OPTIONS.items()}


def test_json_shape_is_unchanged(reports: dict[str, Report]) -> None:
    """Keys, their order, nesting, nulls and value types of `report --json`, pinned by a golden
    file written from the output before the model existed (statistics left out)."""
    lines = []
    for name, report in reports.items():
        lines.append(f"# {name}")
        lines += shape_lines(report.as_json())
    assert lines == GOLDEN.read_text(encoding="utf-8").splitlines()


def test_json_round_trips_through_the_model(reports: dict[str, Report]) -> None:
    for report in reports.values():
        data = report.as_json()
        again = Report.from_json(json.loads(json_text(data)))
        assert again == report
        assert json_text(again.as_json(), indent=2) == json_text(data, indent=2)


def test_as_json_is_a_fresh_copy(reports: dict[str, Report]) -> None:
    report = reports["default"]
    data = report.as_json()
    data["unsafe_rate"]["overall"]["rate"] = 12.0
    data["agreement"]["overall"]["ci95"].append(3.0)
    assert report.as_json() != data
    assert report.as_json() == Report.from_json(report.as_json()).as_json()


def test_cli_json_is_the_model(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with realistic_project(db) as project:
        expected = build_report(project, resamples=20, compare=("model",)).as_json()
    result = run_cli("report", "--json", "--db", str(db), "--bootstrap", "20", "--compare", "model")
    assert result.code == 0, result.err
    assert result.out == json_text(expected, indent=2) + "\n"


def test_the_model_is_frozen(reports: dict[str, Report]) -> None:
    report = reports["default"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.unsafe_rate.overall.rate = 0.5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.project.items = 1  # type: ignore[misc]
    assert not hasattr(report.unsafe_rate.overall, "__dict__")  # slots


def test_typed_fields_say_what_the_json_says(reports: dict[str, Report]) -> None:
    report = reports["grouped"]
    data = report.as_json()
    assert report.unsafe_rate.fields == ("language", "model")
    assert report.agreement.fields == ("language", "model")
    for name, block in report.unsafe_rate.groups("language"):
        raw = data["unsafe_rate"]["by_language"][name]
        assert (block.n, block.unsafe, block.rate) == (raw["n"], raw["unsafe"], raw["rate"])
        assert block.ci95 == (tuple(raw["ci95"]) if raw["ci95"] else None)
        headline = block.headline_estimate()
        if raw["headline"] == "judge_corrected_stratified":
            assert headline.corrected
            assert headline.rate == raw["judge_corrected"]["rate"]
            assert headline.ci95 == tuple(raw["judge_corrected"]["ci95"])
        else:
            assert not headline.corrected and headline.rate == raw["rate"]
    # The project has judge-only items: some headline is judge-corrected.
    assert any(b.headline_estimate().corrected for _, b in report.unsafe_rate.groups("language"))
    assert report.final.overall.judge_only == data["final"]["overall"]["judge-only"] > 0
    assert report.queue.overall.total == data["queue"]["total"]
    assert [n for n, _ in report.queue.rows()] == ["all", *data["queue"]["by_language"]]
    llm = report.judges["llm"]
    assert llm.calibration is not None
    assert llm.calibration.overall.n_gold == data["judges"]["llm"]["overall"]["n_gold"]
    assert [c.a for c in report.comparisons] == [c["a"] for c in data["comparisons"]]
    assert report.budget is not None
    assert report.budget.target_width == 0.1
    assert set(report.budget.by_language) == set(data["budget"]["by_language"])
    look = reports["baseline_sequential"].unsafe_rate.sequential
    assert look is not None and look.look == 1 and 0.95 < look.level < 1
    run = reports["baseline_sequential"].project.estimator_run
    assert run is not None and run.baseline and run.name == "keyword baseline"


def test_a_run_without_verdicts_has_no_calibration(tmp_path: Path) -> None:
    with realistic_project(tmp_path / "p.db") as project:
        project.judging.add_verdict_rows("idle", "model-idle", [])
        report = build_report(project, resamples=0)
    idle = report.judges["idle"]
    assert idle.no_verdicts and idle.calibration is None
    assert idle.as_json() == {
        "run_id": idle.run_id,
        "model": "model-idle",
        "baseline": False,
        "template": None,
        "no_verdicts": True,
        "reason": "this run has no verdicts",
    }
