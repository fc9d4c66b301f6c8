"""The budget planner: plans for the headline (judge-corrected, post-stratified) estimate,
at the planning rate of the labels (not the interval end nearest ½), with Neyman placement of
the extra labels; split across languages to minimise the widest interval."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from scipy.stats import beta

from polyjudge.reconcile.budget import (
    Z95,
    PlanCell,
    allocate_more,
    labels_to_width,
    planned_width,
    split_budget,
)

from tests.reconcile.helpers import build_project, cli_ok


def test_one_cell_plan_is_the_smallest_n_under_the_variance_model() -> None:
    # An independent search: width = 2z·sqrt(p̃(1−p̃)/(n + 4)), p̃ = (x + 2)/(n + 4) (the
    # interval's adjusted share), no FPC in a huge population.
    def width(n: int) -> float:
        p = (0.02 * n + 2) / (n + 4)
        return 2 * Z95 * math.sqrt(p * (1 - p) / (n + 4))

    cells = [PlanCell("language", 10_000_000, 0, 0.02)]
    more, ok = labels_to_width(cells, 0.02, "uniform")
    exact = next(n for n in range(1, 10_000) if width(n) <= 0.02)
    assert ok and more == exact
    # The old planner planned at the Wilson upper end of 4/200 (0.050): ~1,840 labels.
    assert more < 900


def test_neyman_placement_beats_every_other_split_and_the_width_is_met() -> None:
    cells = [PlanCell("judge-unsafe", 100, 5, 0.6), PlanCell("judge-other", 900, 5, 0.03)]
    more, ok = labels_to_width(cells, 0.08)
    assert ok
    after = allocate_more(cells, more)
    assert planned_width(cells, after) <= 0.08
    assert planned_width(cells, allocate_more(cells, more - 1)) > 0.08
    # Brute force over every split of the same total (an independent search).
    best = min(planned_width(cells, [a, sum(after) - a]) for a in range(5, sum(after) - 4))
    assert planned_width(cells, after) == pytest.approx(best, rel=0.02)


def test_a_budget_split_minimises_the_widest_language() -> None:
    languages = {
        "ar": [PlanCell("language", 5000, 0, 0.3)],
        "bn": [PlanCell("language", 500, 0, 0.05)],
    }
    split = split_budget(languages, 400, "uniform")
    assert sum(split.values()) == 400

    def widest(a: int) -> float:
        return max(planned_width(languages["ar"], [a]), planned_width(languages["bn"], [400 - a]))

    best = min(widest(a) for a in range(1, 400))
    assert widest(split["ar"]) == pytest.approx(best, rel=1e-3)


def test_report_budget_plans_for_the_judge_corrected_headline(tmp_path: Path) -> None:
    # 2,000 items; the judge flags 200; 40 of the flagged and 60 of the rest are labelled:
    # 30/40 unsafe among flagged, 1/60 among the rest.
    items = []
    for i in range(2000):
        flagged = i < 200
        spec = {"language": "ar", "verdict": {"judge": "unsafe" if flagged else "safe"}}
        if flagged and i < 40:
            spec["labels"] = [("a", "unsafe" if i < 30 else "safe")]
        if not flagged and i < 260:
            spec["labels"] = [("a", "unsafe" if i == 200 else "safe")]
        items.append(spec)
    db = tmp_path / "p.db"
    build_project(db, items).close()
    report = json.loads(
        cli_ok("report", "--json", "--bootstrap", "0", "--target-width", "0.05", "--db", str(db))
    )
    plan = report["budget"]["by_language"]["ar"]
    assert report["budget"]["headline"] == "judge_corrected_stratified"
    cells = plan["by_cell"]
    # Planning values: the end nearest ½ of the central 35% Jeffreys interval.
    p1 = beta.ppf(0.325, 30.5, 10.5)
    p0 = beta.ppf(0.675, 1.5, 59.5)
    assert cells["judge-unsafe"]["planning_rate"] == pytest.approx(p1, abs=1e-4)
    assert cells["judge-other"]["planning_rate"] == pytest.approx(p0, abs=1e-4)
    more = cells["judge-unsafe"]["more_labels"] + cells["judge-other"]["more_labels"]
    assert more == plan["more_labels"] > 0
    # The planned width at the plan, by the formula (independently of the planner's code).
    n1 = 40 + cells["judge-unsafe"]["more_labels"]
    n0 = 60 + cells["judge-other"]["more_labels"]
    q1, q0 = (p1 * n1 + 1) / (n1 + 2), (p0 * n0 + 1) / (n0 + 2)
    var = 0.1**2 * q1 * (1 - q1) / (n1 + 2) * (1 - n1 / 200) + 0.9**2 * q0 * (1 - q0) / (n0 + 2) * (
        1 - n0 / 1800
    )
    assert 2 * Z95 * math.sqrt(var) <= 0.05
    # The human-only Wilson plan at the interval end nearest ½ asked for far more.
    assert plan["labels_needed"] < 600


def test_every_integer_split_is_no_better_than_neyman_small() -> None:
    cells = [PlanCell("a", 30, 2, 0.5), PlanCell("b", 60, 2, 0.1), PlanCell("c", 10, 2, 0.3)]
    after = allocate_more(cells, 12)
    assert sum(after) == 18 and all(a >= 2 for a in after)
    best = min(
        planned_width(cells, list(s))
        for s in itertools.product(range(2, 17), repeat=3)
        if sum(s) == 18
    )
    assert planned_width(cells, after) <= best * 1.02


def test_without_a_judge_the_plan_is_for_the_human_rate_in_one_cell(tmp_path: Path) -> None:
    items = [
        {
            "language": "bn",
            **({"labels": [("a", "unsafe" if i < 2 else "safe")]} if i < 100 else {}),
        }
        for i in range(3000)
    ]
    db = tmp_path / "p.db"
    build_project(db, items).close()
    report = json.loads(
        cli_ok("report", "--json", "--bootstrap", "0", "--target-width", "0.03", "--db", str(db))
    )
    assert report["budget"]["headline"] == "human"
    plan = report["budget"]["by_language"]["bn"]
    assert list(plan["by_cell"]) == ["language"]
    p = beta.ppf(0.675, 2.5, 98.5)
    n = plan["labels_needed"]
    q = (p * n + 2) / (n + 4)
    assert 2 * Z95 * math.sqrt(q * (1 - q) / (n + 4) * (1 - n / 3000)) <= 0.03
    q = (p * (n - 1) + 2) / (n + 3)
    assert 2 * Z95 * math.sqrt(q * (1 - q) / (n + 3) * (1 - (n - 1) / 3000)) > 0.03


def test_a_budget_larger_than_the_room_labels_everything() -> None:
    languages = {
        "ar": [PlanCell("language", 50, 10, 0.2)],
        "bn": [PlanCell("language", 30, 0, 0.1)],
    }
    assert split_budget(languages, 10_000) == {"ar": 40, "bn": 30}
