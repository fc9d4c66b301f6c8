"""The budget planner: plans for the headline (judge-corrected, post-stratified) estimate,
at the planning rate of the labels (not the interval end nearest ½), with Neyman placement of
the extra labels; split across languages to minimise the widest interval."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import beta

from polyjudge.reconcile.budget import (
    Z95,
    PlanCell,
    allocate_more,
    cell_plan,
    labels_to_width,
    planned_width,
    residual_plan,
    split_budget,
)
from polyjudge.reconcile.platt import recalibration
from polyjudge.reconcile.poststratified import poststratified_rate
from polyjudge.store import Project

from tests.reconcile.helpers import bench_module, build_project, cli_ok


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


def test_a_budget_split_weighs_each_language_by_the_interval_it_shows() -> None:
    # Two identical languages with 50 labels each; the report shows ar's interval 1.5 times
    # as wide as the plan's formula says, bn's as narrow as it. Minimising the widest shown
    # width gives ar more of the budget: by brute force, the split where
    # max(1.5·w_ar, w_bn) is least (without the anchor, half each).
    def cells() -> list[PlanCell]:
        return [PlanCell("language", 5000, 50, 0.2)]

    languages = {"ar": cells(), "bn": cells()}
    now = planned_width(cells())
    split = split_budget(languages, 400, "uniform", {"ar": 1.5 * now, "bn": now})
    assert sum(split.values()) == 400

    def widest(a: int) -> float:
        return max(1.5 * planned_width(cells(), [50 + a]), planned_width(cells(), [450 - a]))

    best = min(range(1, 400), key=widest)
    assert split["ar"] == pytest.approx(best, abs=2)
    assert split["ar"] > 250  # 292 of 400; 200 without the anchor


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


# --- p(unsafe): the difference estimator's planning variance -------------------------------


def _binormal(
    rng: np.random.Generator, n: int, prevalence: float, sens: float, spec: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(truth, verdict cell 0 judge-unsafe / 1 judge-other, calibrated p(unsafe)) of n items:
    the benches' binormal judge (bench/simulated_judge.py)."""
    judge = bench_module("simulated_judge").binormal_judge
    y, unsafe, f = judge(rng, np.full(n, prevalence), sens, spec)
    return y, np.where(unsafe, 0, 1), f


def test_a_residual_cell_is_planned_at_the_difference_estimators_variance_by_hand() -> None:
    # Cell a: σ² = 0.06 < p(1 − p) ≈ 0.21, so the plan is σ²/n·fpc (no +4/m); cell b: σ² =
    # 0.05 > p̃(1 − p̃) ≈ 0.03, so it stays a proportion's p̃(1 − p̃)/(n + 2)·fpc.
    cells = [
        PlanCell("judge-unsafe", 200, 30, 0.7, residual=0.06),
        PlanCell("judge-other", 1800, 70, 0.03, residual=0.05),
    ]
    n1, n0 = 50, 150
    q0 = (0.03 * n0 + 1) / (n0 + 2)
    var = (0.1**2) * 0.06 / n1 * (1 - n1 / 200) + (0.9**2) * q0 * (1 - q0) / (n0 + 2) * (
        1 - n0 / 1800
    )
    assert planned_width(cells, [n1, n0]) == pytest.approx(2 * Z95 * math.sqrt(var), rel=1e-12)
    # Neyman placement weighs N_h by σ_h = sqrt(0.06) in the first cell, sqrt(p(1 − p)) in the
    # second; it is the best split of its total (brute force), and the plan reaches the width.
    more, ok = labels_to_width(cells, 0.04)
    after = allocate_more(cells, more)
    assert ok and planned_width(cells, after) <= 0.04 < planned_width(
        cells, allocate_more(cells, more - 1)
    )
    total = sum(after)
    best = min(planned_width(cells, [a, total - a]) for a in range(30, min(200, total - 70) + 1))
    assert planned_width(cells, after) == pytest.approx(best, rel=0.01)
    # Without the residual the same cells need more labels.
    plain = [PlanCell(c.name, c.population, c.sampled, c.rate) for c in cells]
    assert labels_to_width(plain, 0.04)[0] > more


def test_residual_plan_is_the_jeffreys_rule_on_the_squared_residuals_less_noise_floored() -> None:
    # One cell of 6 items, 4 labelled with weights; p(unsafe) for every item. The Jeffreys
    # planning value of the weighted mean of (y − f)² at Kish's size, less the standard
    # deviation sqrt(Σw²v(1 − 2f)²)/Σw that mean has were f calibrated (v = f(1 − f), or the
    # larger with a recalibration), never below the mean of v over the cell.
    f = np.array([0.9, 0.2, 0.1, 0.6, 0.05, 0.3])
    y = np.array([True, False, True, True, False, False])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 1.0])
    labelled = np.array([True, True, True, True, False, False])
    inside = np.ones(6, bool)
    ws, fs, e2 = w[:4], f[:4], (y[:4] - f[:4]) ** 2
    mean = float((ws * e2).sum() / ws.sum())
    size = float(ws.sum() ** 2 / (ws**2).sum())
    a, b = mean * size + 0.5, size - mean * size + 0.5
    r = min(max(0.5, beta.ppf(0.325, a, b)), beta.ppf(0.675, a, b))
    noise = np.sqrt(np.sum(ws**2 * fs * (1 - fs) * (1 - 2 * fs) ** 2)) / ws.sum()
    floor = float((f * (1 - f)).mean())
    assert r - noise > floor  # the discount shows
    assert residual_plan(y, w, inside, labelled, f) == pytest.approx(r - noise, rel=1e-9)
    # An overconfident score: the recalibration (a, b) = (0, 0.3) flattens it, and the floor
    # and the noise take the larger Bernoulli variance per item.
    g = 1 / (1 + np.exp(-0.3 * np.log(f / (1 - f))))
    v = np.maximum(f * (1 - f), g * (1 - g))
    floor2 = float(v.mean())
    noise2 = np.sqrt(np.sum(ws**2 * v[:4] * (1 - 2 * fs) ** 2)) / ws.sum()
    assert residual_plan(y, w, inside, labelled, f, (0.0, 0.3)) == pytest.approx(
        max(r - noise2, floor2), rel=1e-9
    )
    # No label: the prior, the mean of f(1 − f); an item without a score: no residual plan.
    none = np.zeros(6, bool)
    assert residual_plan(y, w, inside, none, f) == pytest.approx(floor, rel=1e-12)
    assert residual_plan(y, w, inside, labelled, np.where(np.arange(6) == 5, np.nan, f)) is None


def _scored_project(
    path: Path,
    with_scores: bool,
    prevalence: float = 0.1,
    judge: tuple[float, float] = (0.9, 0.95),
    labelled_items: int = 200,
) -> None:
    """3,000 items of one language judged by a calibrated binormal score (by default
    prevalence 10%, sensitivity 0.9, specificity 0.95), 200 of them labelled at random."""
    rng = np.random.default_rng(11)
    y, cells, f = _binormal(rng, 3000, prevalence, *judge)
    labelled = set(rng.choice(3000, size=labelled_items, replace=False).tolist())
    items = [
        {
            "language": "ar",
            **({"labels": [("a", "unsafe" if y[i] else "safe")]} if i in labelled else {}),
        }
        for i in range(3000)
    ]
    project = build_project(path, items)
    rows = [
        (i + 1, "unsafe" if cells[i] == 0 else "safe", float(f[i]) if with_scores else None)
        for i in range(3000)
    ]
    project.judging.add_verdict_rows("judge", "model-judge", rows)
    project.close()


def test_informative_p_unsafe_plans_fewer_labels_than_the_verdicts_alone(tmp_path: Path) -> None:
    plans = {}
    for with_scores in (True, False):
        db = tmp_path / f"p{with_scores}.db"
        _scored_project(db, with_scores)
        report = json.loads(
            cli_ok(
                "report", "--json", "--bootstrap", "0", "--target-width", "0.03", "--db", str(db)
            )
        )
        plans[with_scores] = report["budget"]
        markdown = cli_ok(
            "report", "--markdown", "--bootstrap", "0", "--target-width", "0.03", "--db", str(db)
        )
        # the table's note says what was planned
        said = "residual variance left by the judge run's p(unsafe)" in " ".join(markdown.split())
        assert said == with_scores
    scored, plain = plans[True], plans[False]
    assert scored["planned_variance"] == "p_unsafe_residual"
    assert plain["planned_variance"] == "proportion"
    assert scored["headline"] == plain["headline"] == "judge_corrected_stratified"
    more_scored = scored["by_language"]["ar"]["more_labels"]
    more_plain = plain["by_language"]["ar"]["more_labels"]
    # The score explains about a fifth of the variance inside the cells here (the true Neyman
    # variance ratio, Σ W_h σ_h over Σ W_h sqrt(p_h(1 − p_h)) squared, is 0.78): 411 v 447.
    assert 0 < more_scored < 0.95 * more_plain
    for name, cell in scored["by_language"]["ar"]["by_cell"].items():
        assert cell["planning_residual"] is not None, name
        assert cell["planning_residual"] > 0
        assert plain["by_language"]["ar"]["by_cell"][name]["planning_residual"] is None


def test_sample_to_a_target_width_plans_with_p_unsafe(tmp_path: Path) -> None:
    # `sample --target-width` plans as `report --target-width` does: with the run's p(unsafe)
    # the judge-corrected rate needs fewer labels, and the summary says what it planned.
    drawn = {}
    for with_scores in (True, False):
        db = tmp_path / f"s{with_scores}.db"
        _scored_project(db, with_scores)
        summary = json.loads(
            cli_ok(
                "sample",
                "--design",
                "stratified",
                "--target-width",
                "0.03",
                "--json",
                "--db",
                str(db),
            )
        )
        drawn[with_scores] = summary
    assert drawn[True]["planned_variance"] == "p_unsafe_residual"
    assert drawn[False]["planned_variance"] == "proportion"
    assert 0 < drawn[True]["new"] < 0.95 * drawn[False]["new"]


def test_a_language_whose_shown_interval_is_wider_than_planned_is_not_called_done(
    tmp_path: Path,
) -> None:
    # 40 labels, 2% prevalence, a near-perfect judge: the report's interval (its variance
    # floors, its score limits) is wider than the plan's formula says. A target between the
    # two was "0 more labels" beside an interval wider than it; the plan is now anchored to
    # the interval shown, and says so (current_width is the shown width).
    db = tmp_path / "p.db"
    _scored_project(db, True, prevalence=0.02, judge=(0.98, 0.98), labelled_items=40)

    def budget(width: float) -> tuple[dict, list[float]]:
        report = json.loads(
            cli_ok(
                "report", "--json", "--bootstrap", "0", "--target-width", str(width),
                "--db", str(db),
            )
        )  # fmt: skip
        return report["budget"]["by_language"]["ar"], report["unsafe_rate"]["by_language"]["ar"][
            "judge_corrected"
        ]["ci95"]

    entry, (low, high) = budget(0.05)
    shown, planned = high - low, entry["planned_width_now"]
    assert entry["current_width"] == pytest.approx(shown, abs=1e-5)
    assert shown > 1.05 * planned  # what the case is about
    entry, _ = budget((shown + planned) / 2)
    assert entry["more_labels"] > 0


def test_sample_draws_what_the_report_says_is_needed(tmp_path: Path) -> None:
    # A pilot of 20, labelled; then `report --target-width W` says how many more labels the
    # language needs, and `sample --target-width W` draws that many: both plan alike, anchored
    # to the interval the report shows (here wider than the plan's formula, so without the
    # anchor `sample` drew fewer than the report asked for).
    db = tmp_path / "p.db"
    _scored_project(db, True, prevalence=0.02, judge=(0.98, 0.98), labelled_items=0)
    y, _, _ = _binormal(np.random.default_rng(11), 3000, 0.02, 0.98, 0.98)
    cli_ok("sample", "--per-language", "20", "--db", str(db))
    with Project.open(db) as project:
        rater = project.annotators.ensure("rater").id
        for a in project.assignments.all():
            project.labels.add(a.response_id, rater, "unsafe" if y[a.response_id - 1] else "safe")

    def report(width: float) -> dict:
        return json.loads(
            cli_ok(
                "report", "--json", "--bootstrap", "0", "--target-width", str(width),
                "--db", str(db),
            )
        )["budget"]["by_language"]["ar"]  # fmt: skip

    entry = report(0.05)
    shown, planned = entry["current_width"], entry["planned_width_now"]
    assert shown > 1.05 * planned  # what the case is about
    width = round((shown + planned) / 2, 4)
    more = report(width)["more_labels"]
    assert more > 0
    summary = json.loads(
        cli_ok(
            "sample", "--design", "stratified", "--target-width", str(width), "--seed", "1",
            "--json", "--db", str(db),
        )
    )  # fmt: skip
    assert summary["new"] == more
    # Asked again before any of them is labelled: they are the labels to come, nothing more is
    # drawn (before, the same number again).
    again = json.loads(
        cli_ok(
            "sample", "--design", "stratified", "--target-width", str(width), "--seed", "2",
            "--json", "--db", str(db),
        )
    )  # fmt: skip
    assert again["waiting"] == {"ar": more} and again["new"] == 0
    # The report says the same: the labels still needed, that many of them drawn.
    entry = report(width)
    assert (entry["more_labels"], entry["drawn_unlabelled"]) == (more, more)
    markdown = cli_ok(
        "report", "--markdown", "--bootstrap", "0", "--target-width", str(width), "--db", str(db)
    )
    assert f"| {more} ({more} drawn) |" in markdown
    printed = cli_ok(
        "sample", "--design", "stratified", "--target-width", str(width), "--seed", "3",
        "--db", str(db),
    )  # fmt: skip
    assert f"ar: {more} item(s) drawn before and not labelled yet count" in printed


def test_planned_labels_reach_the_width_with_the_prediction_estimator() -> None:
    # Known truth: a calibrated binormal score, a 100-label pilot; the planned labels are drawn
    # (simple random sample in each verdict cell) and the report's estimator with p(unsafe)
    # (`poststratified_rate(prediction=)`) computes the interval. The Jeffreys 35% rule reaches
    # the width more often than not (0.67-0.80 over six other seeds, verdict-only plans
    # 0.68-0.85); at least 0.55 of 60 replicates leaves margin.
    rng = np.random.default_rng(2026)
    n, width = 4000, 0.04
    y, cells, f = _binormal(rng, n, 0.1, 0.85, 0.9)
    w, everything = np.ones(n), np.ones(n, bool)
    names, priors = ["judge-unsafe", "judge-other"], [0.5, 0.05]
    reached, widths, saved = [], [], []
    for _ in range(60):
        pilot = np.zeros(n, bool)
        pilot[rng.choice(n, size=100, replace=False)] = True
        fit = recalibration(f[pilot], y[pilot].astype(float))
        plan = cell_plan(y, w, pilot, cells, everything, names, priors, None, f, fit)
        assert all(c.residual is not None for c in plan)
        more, ok = labels_to_width(plan, width)
        assert ok
        plain = labels_to_width(cell_plan(y, w, pilot, cells, everything, names, priors), width)
        saved.append(more - plain[0])
        chosen = pilot.copy()
        for c, k in enumerate(allocate_more(plan, more)):
            pool = np.flatnonzero((cells == c) & ~pilot)
            extra = k - int(np.count_nonzero(pilot & (cells == c)))
            chosen[rng.choice(pool, size=extra, replace=False)] = True
        est = poststratified_rate(y, w, chosen, everything, cells, prediction=f)
        assert est["cells"][0].lam > 0  # the difference estimator, as planned
        lo, hi = est["ci95"]
        widths.append(hi - lo)
        reached.append(hi - lo <= width)
    assert np.mean(reached) >= 0.55
    assert np.median(widths) <= width
    # Never more than the verdict-only plan, fewer in most pilots.
    assert max(saved) <= 0 and np.mean(np.array(saved) < 0) >= 0.8


def test_sample_plans_from_the_labels_and_weights_the_report_plans_from(tmp_path: Path) -> None:
    # 200 labels given freely (outside any sample), then a sample stratified by verdict
    # (weights 1/π by stratum) labelled. The report estimates from the sample alone, weighted,
    # and plans from the same (`budget.report_budget`); `sample --target-width` must plan from
    # those labels and weights too, not from every human-final label at weight 1, or it draws
    # a different number than the report asks for.
    db = tmp_path / "p.db"
    _scored_project(db, True, prevalence=0.1, judge=(0.85, 0.9), labelled_items=200)
    y, _, _ = _binormal(np.random.default_rng(11), 3000, 0.1, 0.85, 0.9)
    cli_ok(
        "sample", "--design", "stratified", "--per-language", "150", "--seed", "2",
        "--db", str(db),
    )  # fmt: skip
    with Project.open(db) as project:
        rater = project.annotators.ensure("rater").id
        for a in project.assignments.all():
            if not project.labels.current_for(a.response_id):
                project.labels.add(
                    a.response_id, rater, "unsafe" if y[a.response_id - 1] else "safe"
                )
    width = 0.04
    entry = json.loads(
        cli_ok(
            "report", "--json", "--bootstrap", "0", "--target-width", str(width),
            "--db", str(db),
        )
    )["budget"]["by_language"]["ar"]  # fmt: skip
    assert entry["more_labels"] > 0
    summary = json.loads(
        cli_ok(
            "sample", "--design", "stratified", "--target-width", str(width), "--seed", "1",
            "--json", "--db", str(db),
        )
    )  # fmt: skip
    assert summary["new"] == entry["more_labels"]
