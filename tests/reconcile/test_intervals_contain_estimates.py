"""Every interval the report prints contains the estimate printed beside it.

Posterior and Monte Carlo intervals are pulled away from 0 and 1 by their priors; with perfect
agreement (alpha = 1, kappa = 1) the raw quantiles exclude the estimate. The report must never
show a point outside its own interval, whatever the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polyjudge.reconcile.report import build_report
from polyjudge.store import Project

from tests.reconcile.test_routing import build_random_project

# For a dict holding a bare "ci95", the estimate it belongs to.
ESTIMATE_KEYS = ("alpha", "rate", "kappa", "difference", "estimate")


def pairs(node: Any, path: str = ""):
    """Yield (path, estimate, interval) for every interval in the report."""
    if isinstance(node, list):
        for i, child in enumerate(node):
            yield from pairs(child, f"{path}/{i}")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(value, (dict, list)):
            yield from pairs(value, f"{path}/{key}")
        if not key.endswith("ci95") or not isinstance(value, list) or len(value) != 2:
            continue
        if key == "ci95":
            names = [k for k in ESTIMATE_KEYS if isinstance(node.get(k), (int, float))]
            if not names:
                continue
            name = names[0]
        else:
            name = key.removesuffix("_ci95")
            if f"{name}_rate" in node:  # "invalid_ci95" belongs to "invalid_rate"
                name = f"{name}_rate"
            if f"{name}_median" in node:  # "kappa_ci95" is printed with "kappa_median"
                name = f"{name}_median"
        estimate = node.get(name)
        if isinstance(estimate, (int, float)) and not isinstance(estimate, bool):
            yield f"{path}/{name}", estimate, value


def outside(report: dict[str, Any]) -> list[tuple[str, float, list[float]]]:
    found = list(pairs(report))
    assert found, "the report has no intervals at all"
    return [(p, e, ci) for p, e, ci in found if not ci[0] - 1e-9 <= e <= ci[1] + 1e-9]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_projects(tmp_path: Path, seed: int) -> None:
    project, _ = build_random_project(tmp_path / "p.db", "unanimous", 150, seed=seed)
    with project:
        assert outside(build_report(project, resamples=200).as_json()) == []


def test_perfect_agreement_and_a_perfect_judge(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db") as project:
        n = 40
        project.content.insert_responses(
            {"uid": f"r{i}", "language": "sw", "text": f"jibu {i}"} for i in range(n)
        )
        truth = {i + 1: ("unsafe" if i % 4 == 0 else "safe") for i in range(n)}
        for name in ("a", "b", "c"):
            annotator = project.annotators.ensure(name).id
            for rid, label in truth.items():
                project.labels.add(rid, annotator, label)
        project.judging.add_verdict_rows("perfect", "judge-x", truth.items())
        report = build_report(project, resamples=200).as_json()
        assert report["agreement"]["overall"]["alpha"] == pytest.approx(1.0)
        assert outside(report) == []
