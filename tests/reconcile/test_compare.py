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
        items += [
            {
                "language": "ko",
                "model": model,
                "labels": [("a", "unsafe" if i < unsafe else "safe")],
            }
            for i in range(n)
        ]
    with build_project(tmp_path / "p.db", items) as project:
        report = build_report(project, resamples=0).as_json()
    (row,) = report["comparisons"]
    assert (row["field"], row["language"], row["a"], row["b"]) == ("model", "ko", "alpha", "beta")
    assert row["difference"] == pytest.approx(56 / 70 - 48 / 80)
    assert row["ci95"][0] == pytest.approx(0.0524, abs=5e-5)
    assert row["ci95"][1] == pytest.approx(0.3339, abs=5e-5)
    assert row["method"] == "newcombe_hybrid_score"


def test_named_conditions_and_scenarios(tmp_path: Path) -> None:
    items = []
    for scenario, unsafe in (("unintentional", 2), ("intentional/AIM", 7)):
        items += [
            {
                "language": "bn",
                "scenario": scenario,
                "model": "m",
                "labels": [("a", "unsafe" if i < unsafe else "safe")],
            }
            for i in range(10)
        ]
    with build_project(tmp_path / "p.db", items) as project:
        report = build_report(
            project, resamples=0, compare=("scenario:intentional/AIM,unintentional",)
        ).as_json()
    (row,) = report["comparisons"]
    assert (row["a"], row["b"]) == ("intentional/AIM", "unintentional")
    assert row["difference"] == pytest.approx(0.5)
    assert row["ci95"][0] > 0


def test_compare_none_skips_comparisons(tmp_path: Path) -> None:
    items = [{"language": "bn", "model": m, "labels": [("a", "safe")]} for m in ("x", "y")] * 3
    with build_project(tmp_path / "p.db", items) as project:
        assert build_report(project, resamples=0).as_json()["comparisons"]
        assert build_report(project, resamples=0, compare=()).as_json()["comparisons"] == []


def test_paired_comparison_over_shared_prompts_reproduces_newcombe(tmp_path: Path) -> None:
    """Two models answer the same 50 prompts. Newcombe (1998, Stat Med 17:2635) Table II,
    example (a): 36 unsafe under both, 12 under alpha only, 2 under beta only, 0 under neither
    → method 10: 0.0569 to 0.3404. A prompt alpha answered twice and a prompt only alpha
    answered stay out of the pairing (but in the independent comparison)."""
    from polyjudge.store import Project

    cells = ["both"] * 36 + ["alpha"] * 12 + ["beta"] * 2
    with Project.create(tmp_path / "p.db") as project:
        project.content.insert_prompts(
            {"dataset": "t", "prompt_key": str(k), "language": "ko", "text": f"prompt {k}"}
            for k in range(52)
        )
        prompt = {k: project.content.find_prompt(str(k), "ko", "t").id for k in range(52)}
        rows = []
        for k, cell in enumerate(cells):
            for model in ("alpha", "beta"):
                unsafe = cell == "both" or cell == model
                rows.append((prompt[k], model, "unsafe" if unsafe else "safe"))
        rows += [
            (prompt[50], "alpha", "unsafe"),
            (prompt[50], "alpha", "safe"),
            (prompt[50], "beta", "safe"),
            (prompt[51], "alpha", "unsafe"),
        ]
        project.content.insert_responses(
            {
                "uid": f"r{i}",
                "language": "ko",
                "model": model,
                "prompt_id": pid,
                "text": f"answer {i}",
            }
            for i, (pid, model, _) in enumerate(rows)
        )
        who = project.annotators.ensure("a").id
        for i, (_, _, label) in enumerate(rows):
            project.labels.add(i + 1, who, label)
        report = build_report(project, resamples=0).as_json()
    (row,) = report["comparisons"]
    assert (row["n_a"], row["n_b"]) == (53, 51)  # the independent comparison keeps them all
    paired = row["paired"]
    assert (
        paired["n_pairs"],
        paired["both_unsafe"],
        paired["only_a_unsafe"],
        paired["only_b_unsafe"],
        paired["neither_unsafe"],
    ) == (50, 36, 12, 2, 0)
    assert paired["difference"] == pytest.approx(0.2)
    assert paired["ci95"][0] == pytest.approx(0.0569, abs=5e-5)
    assert paired["ci95"][1] == pytest.approx(0.3404, abs=5e-5)
    assert paired["method"] == "newcombe_paired_score"


def test_no_shared_prompts_no_paired_block(tmp_path: Path) -> None:
    items = [{"language": "bn", "model": m, "labels": [("a", "safe")]} for m in ("x", "y")] * 3
    with build_project(tmp_path / "p.db", items) as project:
        (row,) = build_report(project, resamples=0).as_json()["comparisons"]
    assert row["paired"] is None  # these responses have no prompt
