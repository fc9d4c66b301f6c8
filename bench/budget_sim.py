"""Does the budget planner ask for the right number of labels? Simulated languages with known
truth (prevalence, judge sensitivity/specificity), a pilot of human labels, then:

1. the planner (`reconcile.budget`, as `report --target-width` and `sample --target-width` use
   it) plans the more labels per verdict cell from the pilot;
2. the top-up is drawn (simple random sample within each cell) and the report's own interval
   (`reconcile.poststratified.poststratified_rate`, the judge-corrected headline) is computed;
3. the labels actually needed: after the same pilot, the fewest more labels (Neyman placement
   at the true rates) whose interval is under the target width in at least half of the fresh
   draws; over-asking is the ratio of total labels (pilot included), planned / needed, the
   median over the first five pilots of a setting.

The judge is a calibrated binormal score (x ~ N(0, 1) safe, N(μ, 1) unsafe, verdict x > t,
p(unsafe) = P(unsafe | x) by Bayes at the prevalence; bench/efficiency_sim.py's `Project`).
Each pilot is planned twice: from the verdicts alone (the estimate a proportion per cell), and
with p(unsafe) (`budget.residual_plan`: the difference estimator's planning variance, which
`report --target-width` plans where the estimator run has scores); the second is drawn,
estimated (`poststratified_rate(prediction=)`) and compared with the labels needed by that
estimator (Neyman placement at the true residual s.d.); and with p(unsafe) as `report
--target-width` plans it, anchored to the pilot's own interval where that is wider than the
plan's formula (`budget.budget_entry`).

It prints, per setting, how often the planned labels reached the target, the planned / needed
ratio, and the ratio the old planner (Wilson at the interval end nearest ½) gave; then the same
with p(unsafe), and the total labels planned with the score / without it (same pilot).

    python bench/budget_sim.py [--n REPLICATES]

Last line: JSON with reach_min, reach_mean, overask_median, overask_max, old_overask_median,
old_overask_max, and with p(unsafe) reach_min_p_unsafe, reach_mean_p_unsafe,
overask_median_p_unsafe, overask_max_p_unsafe, saving_median_p_unsafe, saving_min_p_unsafe,
and anchored reach_min_anchored, reach_mean_anchored, overask_median_anchored,
overask_max_anchored.

Tenth session (the interval counts its plug-in variance only beyond the noise it has under
calibration, and the plan discounts the residual's planning value by the same noise,
`budget.residual_plan`), `python bench/budget_sim.py --n 100` (5 min on one core): verdicts
alone, reach 67–100 % (mean 84 %), 1.17× (at most 1.43×); with p(unsafe), reach 65–100 % (mean
82 %), 1.09× (at most 1.84×), 0.83× the labels of the verdict-only plan (median; 0.53–0.96×);
anchored as `report` plans, reach 72–100 % (mean 87 %), 1.12× (at most 1.84×). With the
narrower interval but the plan left as it was: anchored reach 70–100 % (mean 89 %), 1.21× (at
most 2.90×: at 1 % prevalence a pilot's one false negative among the judge-safe labels planned
133 more labels where the interval needed 16).

`python bench/budget_sim.py --n 100` (ninth session, 5 min on one core; 16 settings, prevalence
1–30 %, widths 0.05 and 0.03, a 100-label uniform pilot): verdicts alone, the planned labels
reached the width in 59–100 % of replicates (mean 83 %) and asked for 1.17× (median; at most
1.47×) the total labels needed, the old planner 3.42× (at most 5.57×); with p(unsafe), reach
68–100 % (mean 86 %), 1.30× the labels the difference estimator needed (median; at most 2.08×,
at 1–3 % prevalence, where the Jeffreys rule on a pilot's few large residuals (y − f)² is as
cautious as it is on a share of few positives, and the estimator needs a handful of labels
beyond the pilot), and 0.88× the labels planned from the verdicts alone (median; 0.77–0.96×);
anchored as `report` plans, reach 71–100 % (mean 88 %), 1.30× (at most 2.15×). (The helper's
run of the eighth-session code, before the anchored plan drew from the same random stream and
before the Platt fit's likelihood-ratio test: reach 68–100 % / 66–100 % with p(unsafe),
over-ask 1.17× / 1.17×; the over-ask medians rest on 5 pilots per setting, so they move.)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from simulated_judge import binormal_judge  # noqa: E402

from polyjudge.reconcile.budget import (  # noqa: E402
    PlanCell,
    allocate_more,
    budget_entry,
    labels_to_width,
    planning_value,
    residual_plan,
)
from polyjudge.reconcile.intervals import wilson, wilson_width  # noqa: E402
from polyjudge.reconcile.platt import recalibration  # noqa: E402
from polyjudge.reconcile.poststratified import poststratified_rate  # noqa: E402

N_ITEMS = 5000
PILOT = 100


def old_plan(x: int, n: int, width: float) -> int:
    lo, hi = wilson(x, n) or (0.0, 1.0)
    p = min(max(0.5, lo), hi)
    k = 1
    while wilson_width(p, k) > width:
        k *= 2
    a, b = k // 2, k
    while a < b:
        mid = (a + b) // 2
        if wilson_width(p, mid) <= width:
            b = mid
        else:
            a = mid + 1
    return a


def population(rng, prevalence, sens, spec):
    """(truth, verdict cell 0 judge-unsafe / 1 other, p(unsafe)) of N_ITEMS items judged by the
    benches' binormal judge (`simulated_judge`), as bench/efficiency_sim.py's `Project`."""
    y, unsafe, score = binormal_judge(rng, np.full(N_ITEMS, prevalence), sens, spec)
    return y, np.where(unsafe, 0, 1), score


def width_of(y, cells, chosen, f=None):
    """Width of the report's judge-corrected interval on the `chosen` labels; with p(unsafe)
    `f`, of its difference estimator (`poststratified_rate(prediction=)`)."""
    sample = np.zeros(y.size, bool)
    sample[chosen] = True
    est = poststratified_rate(
        y, np.ones(y.size), sample, np.ones(y.size, bool), cells, prediction=f
    )
    lo, hi = est["ci95"] if est["ci95"] else (0.0, 1.0)
    return hi - lo


def draw(rng, cells, counts, pilot):
    """Per cell: the pilot's items there plus SRS of the rest up to counts[c]."""
    chosen = list(pilot)
    taken = np.zeros(cells.size, bool)
    taken[pilot] = True
    for c, k in enumerate(counts):
        pool = np.flatnonzero((cells == c) & ~taken)
        more = max(0, k - int(np.count_nonzero(taken & (cells == c))))
        chosen += list(rng.choice(pool, size=min(more, pool.size), replace=False))
    return np.asarray(chosen, dtype=np.int64)


def plan_cells(y, cells, pilot, rates=None, f=None, residuals=None):
    """The planner's cells from the pilot; `rates` (and `residuals`): the truth instead. With
    p(unsafe) `f`, each cell also gets `budget.residual_plan`'s σ_h², the Platt fit on the
    pilot's labels (all the project's labels here) as the report's `Design.recalibration`."""
    out = []
    labelled = np.zeros(y.size, bool)
    labelled[pilot] = True
    fit = recalibration(f[pilot], y[pilot].astype(float)) if f is not None else None
    for c, name in enumerate(("judge-unsafe", "judge-other")):
        inside = pilot[cells[pilot] == c]
        x, m = int(y[inside].sum()), inside.size
        rate = rates[c] if rates is not None else planning_value(x, m, (0.5, 0.05)[c])
        residual = None
        if residuals is not None:
            residual = residuals[c]
        elif f is not None:
            residual = residual_plan(y, np.ones(y.size), cells == c, labelled, f, fit)
        out.append(PlanCell(name, int(np.count_nonzero(cells == c)), m, rate, residual))
    return out


def true_residuals(y, cells, f):
    """Per cell, σ_h² at the truth: the mean of (y − f)² over the cell (λ = 1), never below
    the mean of f(1 − f), the interval's floor (`cell_intervals.CellStats.variance`)."""
    return [
        max(float(((y[m] - f[m]) ** 2).mean()), float((f[m] * (1 - f[m])).mean()))
        for m in (cells == 0, cells == 1)
    ]


def needed(rng, y, cells, pilot, width, true_rates, reps=200, f=None):
    """Fewest more labels (Neyman placement at the true rates, and σ_h with p(unsafe) `f`) with
    median width ≤ target, the interval that of the estimator planned for."""
    residuals = true_residuals(y, cells, f) if f is not None else None
    truth = plan_cells(y, cells, pilot, true_rates, residuals=residuals)
    guess, _ = labels_to_width(truth, width)

    def ok(more):
        counts = allocate_more(truth, more)
        widths = [width_of(y, cells, draw(rng, cells, counts, pilot), f) for _ in range(reps)]
        return float(np.median(widths)) <= width

    lo, hi = max(0, int(guess * 0.5)), max(1, int(guess * 1.6))
    while not ok(hi):
        hi *= 2
    while hi - lo > max(2, hi // 100):
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="replicates per setting")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    settings = [
        (p, se, sp, w)
        for p in (0.01, 0.03, 0.1, 0.3)
        for se, sp in ((0.9, 0.95), (0.7, 0.9))
        for w in (0.05, 0.03)
    ]
    rows = []
    for prevalence, sens, spec, width in settings:
        y, cells, f = population(rng, prevalence, sens, spec)
        true_rates = [float(y[cells == c].mean()) for c in (0, 1)]
        reached, planned, old = [], [], []
        reached_p, planned_p = [], []
        reached_a, planned_a = [], []
        pilots = []
        for _ in range(args.n):
            pilot = rng.choice(N_ITEMS, size=PILOT, replace=False)
            plan = plan_cells(y, cells, pilot)
            more, _ = labels_to_width(plan, width)
            chosen = draw(rng, cells, allocate_more(plan, more), pilot)
            reached.append(width_of(y, cells, chosen) <= width)
            planned.append(more)
            old.append(max(0, old_plan(int(y[pilot].sum()), PILOT, width) - PILOT))
            # The same pilot with p(unsafe): planned, drawn and estimated with the score.
            plan_p = plan_cells(y, cells, pilot, f=f)
            more_p, _ = labels_to_width(plan_p, width)
            chosen = draw(rng, cells, allocate_more(plan_p, more_p), pilot)
            reached_p.append(width_of(y, cells, chosen, f) <= width)
            planned_p.append(more_p)
            # As `report --target-width` plans it: anchored to the pilot's shown interval.
            entry = budget_entry(plan_p, width, "stratified", width_of(y, cells, pilot, f))
            more_a = entry["more_labels"]
            chosen = draw(rng, cells, allocate_more(plan_p, more_a), pilot)
            reached_a.append(width_of(y, cells, chosen, f) <= width)
            planned_a.append(more_a)
            pilots.append(pilot)
        # Needed, for the first few pilots (the same pilot as the plan it is compared with).
        k = min(5, args.n)
        reps = max(50, args.n)
        needs = [needed(rng, y, cells, pilots[i], width, true_rates, reps) for i in range(k)]
        needs_p = [needed(rng, y, cells, pilots[i], width, true_rates, reps, f) for i in range(k)]
        ratios = [(planned[i] + PILOT) / (needs[i] + PILOT) for i in range(k)]
        old_ratios = [(old[i] + PILOT) / (needs[i] + PILOT) for i in range(k)]
        ratios_p = [(planned_p[i] + PILOT) / (needs_p[i] + PILOT) for i in range(k)]
        ratios_a = [(planned_a[i] + PILOT) / (needs_p[i] + PILOT) for i in range(k)]
        # What the score saves: total labels planned with it / without it, same pilot.
        saving = [(planned_p[i] + PILOT) / (planned[i] + PILOT) for i in range(args.n)]
        need, need_p = int(np.median(needs)), int(np.median(needs_p))
        row = {
            "prevalence": prevalence,
            "sens": sens,
            "spec": spec,
            "width": width,
            "reach": float(np.mean(reached)),
            "planned_median": float(np.median(planned)),
            "needed": need,
            # Ratios of total labels (pilot included): the n a project ends with.
            "overask": float(np.median(ratios)),
            "old_overask": float(np.median(old_ratios)),
            "reach_p": float(np.mean(reached_p)),
            "planned_median_p": float(np.median(planned_p)),
            "needed_p": need_p,
            "overask_p": float(np.median(ratios_p)),
            "saving_p": float(np.median(saving)),
            "reach_a": float(np.mean(reached_a)),
            "overask_a": float(np.median(ratios_a)),
        }
        rows.append(row)
        print(
            f"p={prevalence:<5} sens={sens} spec={spec} W={width}: reach {row['reach']:.2f}, "
            f"more planned {row['planned_median']:.0f} / needed {need}, total "
            f"{row['overask']:.2f}×, "
            f"old planner {row['old_overask']:.2f}×; with p(unsafe): reach "
            f"{row['reach_p']:.2f}, more planned {row['planned_median_p']:.0f} / needed "
            f"{need_p}, total {row['overask_p']:.2f}×, {row['saving_p']:.2f}× the labels "
            "planned without; anchored to the pilot's interval (as `report` plans): reach "
            f"{row['reach_a']:.2f}, total {row['overask_a']:.2f}×"
        )
    summary = {
        "reach_min": round(min(r["reach"] for r in rows), 3),
        "reach_mean": round(float(np.mean([r["reach"] for r in rows])), 3),
        "overask_median": round(float(np.median([r["overask"] for r in rows])), 3),
        "overask_max": round(max(r["overask"] for r in rows), 3),
        "old_overask_median": round(float(np.median([r["old_overask"] for r in rows])), 3),
        "old_overask_max": round(max(r["old_overask"] for r in rows), 3),
        "settings": len(rows),
        "replicates": args.n,
        "reach_min_p_unsafe": round(min(r["reach_p"] for r in rows), 3),
        "reach_mean_p_unsafe": round(float(np.mean([r["reach_p"] for r in rows])), 3),
        "overask_median_p_unsafe": round(float(np.median([r["overask_p"] for r in rows])), 3),
        "overask_max_p_unsafe": round(max(r["overask_p"] for r in rows), 3),
        "saving_median_p_unsafe": round(float(np.median([r["saving_p"] for r in rows])), 3),
        "saving_min_p_unsafe": round(min(r["saving_p"] for r in rows), 3),
        "reach_min_anchored": round(min(r["reach_a"] for r in rows), 3),
        "reach_mean_anchored": round(float(np.mean([r["reach_a"] for r in rows])), 3),
        "overask_median_anchored": round(float(np.median([r["overask_a"] for r in rows])), 3),
        "overask_max_anchored": round(max(r["overask_a"] for r in rows), 3),
    }
    assert all(math.isfinite(v) for v in summary.values())
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
