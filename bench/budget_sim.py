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

It prints, per setting, how often the planned labels reached the target, the planned / needed
ratio, and the ratio the old planner (Wilson at the interval end nearest ½) gave.

    python bench/budget_sim.py [--n REPLICATES]

Last line: JSON with reach_min, reach_mean, overask_median, overask_max, old_overask_median.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polyjudge.reconcile.budget import (  # noqa: E402
    PlanCell,
    allocate_more,
    labels_to_width,
    planning_value,
)
from polyjudge.reconcile.intervals import wilson, wilson_width  # noqa: E402
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
    y = rng.random(N_ITEMS) < prevalence
    flag = np.where(y, rng.random(N_ITEMS) < sens, rng.random(N_ITEMS) > spec)
    return y, np.where(flag, 0, 1)


def width_of(y, cells, chosen):
    sample = np.zeros(y.size, bool)
    sample[chosen] = True
    est = poststratified_rate(y, np.ones(y.size), sample, np.ones(y.size, bool), cells)
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


def plan_cells(y, cells, pilot, rates=None):
    out = []
    for c, name in enumerate(("judge-unsafe", "judge-other")):
        inside = pilot[cells[pilot] == c]
        x, m = int(y[inside].sum()), inside.size
        rate = rates[c] if rates is not None else planning_value(x, m, (0.5, 0.05)[c])
        out.append(PlanCell(name, int(np.count_nonzero(cells == c)), m, rate))
    return out


def needed(rng, y, cells, pilot, width, true_rates, reps=200):
    """Fewest more labels (Neyman placement at the true rates) with median width ≤ target."""
    truth = plan_cells(y, cells, pilot, true_rates)
    guess, _ = labels_to_width(truth, width)

    def ok(more):
        counts = allocate_more(truth, more)
        widths = [width_of(y, cells, draw(rng, cells, counts, pilot)) for _ in range(reps)]
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
        y, cells = population(rng, prevalence, sens, spec)
        true_rates = [float(y[cells == c].mean()) for c in (0, 1)]
        reached, planned, old = [], [], []
        pilots = []
        for _ in range(args.n):
            pilot = rng.choice(N_ITEMS, size=PILOT, replace=False)
            plan = plan_cells(y, cells, pilot)
            more, _ = labels_to_width(plan, width)
            chosen = draw(rng, cells, allocate_more(plan, more), pilot)
            reached.append(width_of(y, cells, chosen) <= width)
            planned.append(more)
            old.append(max(0, old_plan(int(y[pilot].sum()), PILOT, width) - PILOT))
            pilots.append(pilot)
        # Needed, for the first few pilots (the same pilot as the plan it is compared with).
        k = min(5, args.n)
        needs = [
            needed(rng, y, cells, pilots[i], width, true_rates, reps=max(50, args.n))
            for i in range(k)
        ]
        ratios = [(planned[i] + PILOT) / (needs[i] + PILOT) for i in range(k)]
        old_ratios = [(old[i] + PILOT) / (needs[i] + PILOT) for i in range(k)]
        need = int(np.median(needs))
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
        }
        rows.append(row)
        print(
            f"p={prevalence:<5} sens={sens} spec={spec} W={width}: reach {row['reach']:.2f}, "
            f"more planned {row['planned_median']:.0f} / needed {need}, total "
            f"{row['overask']:.2f}×, "
            f"old planner {row['old_overask']:.2f}×"
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
    }
    assert all(math.isfinite(v) for v in summary.values())
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
