"""Comparing two conditions per language with Newcombe's hybrid score interval."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.reconcile.report import build_report

from tests.reconcile.helpers import build_project


def test_difference_between_two_models_reproduces_newcombe(tmp_path: Path) -> None:
    # Newcombe (1998b) Table II, example (a): 56/70 vs 48/80 → method 10: 0.0524 to 0.3339.
    items = []
    for model, unsafe, n in (("alpha", 56, 70), ("beta", 48, 80)):
        items += [{"language": "ko", "model": model,
                   "labels": [("a", "unsafe" if i < unsafe else "safe")]} for i in range(n)]
    with build_project(tmp_path / "p.db", items) as project:
        report = build_report(project, resamples=0)
    (row,) = report["comparisons"]
    assert (row["field"], row["language"], row["a"], row["b"]) == ("model", "ko", "alpha", "beta")
    assert row["difference"] == pytest.approx(56 / 70 - 48 / 80)
    assert row["ci95"][0] == pytest.approx(0.0524, abs=5e-5)
    assert row["ci95"][1] == pytest.approx(0.3339, abs=5e-5)
    assert row["method"] == "newcombe_hybrid_score"


def test_named_conditions_and_scenarios(tmp_path: Path) -> None:
    items = []
    for scenario, unsafe in (("unintentional", 2), ("intentional/AIM", 7)):
        items += [{"language": "bn", "scenario": scenario, "model": "m",
                   "labels": [("a", "unsafe" if i < unsafe else "safe")]} for i in range(10)]
    with build_project(tmp_path / "p.db", items) as project:
        report = build_report(project, resamples=0,
                              compare=("scenario:intentional/AIM,unintentional",))
    (row,) = report["comparisons"]
    assert (row["a"], row["b"]) == ("intentional/AIM", "unintentional")
    assert row["difference"] == pytest.approx(0.5)
    assert row["ci95"][0] > 0


def test_compare_none_skips_comparisons(tmp_path: Path) -> None:
    items = [{"language": "bn", "model": m, "labels": [("a", "safe")]} for m in ("x", "y")] * 3
    with build_project(tmp_path / "p.db", items) as project:
        assert build_report(project, resamples=0)["comparisons"]
        assert build_report(project, resamples=0, compare=())["comparisons"] == []
