"""Do the judge's sensitivity, specificity and PPV in `report` cover the truth when an active
sample drew the labels?

An active sample (`polyjudge sample --design active`) draws items with probability
π ∝ sqrt(u(1 − u)) of p(unsafe), so inside each verdict stratum it labels the uncertain items
more often than the confident ones, which are more often what the judge said. The report's
judge accuracy (`judge_corrected.judge_sensitivity`, `judge_specificity`, `ppv`) weighs each
label by 1/π (`judge_rates._weighted_count`: the Hájek share at Kish's effective size). Here
one simulated language of 20,000 items per replicate (bench/efficiency_sim.py's `Project`:
a calibrated binormal judge), an active sample drawn by `sampling.draw_sample`, every sampled
item labelled with its truth, and `judge_rates.judge_rates` on it; beside it, the plain shares
of the labels (what the report gave before the thirteenth session: `stratified_estimate` on
the labelled counts). Truth: the language's own sensitivity TP/P, specificity TN/N and PPV.

    python bench/judge_accuracy_sim.py [--n REPLICATES]    # about 25 s at --n 100

Last line: JSON with, per estimator (`_weighted`, `_plain`), the lowest and mean coverage over
settings × the three figures and the largest |mean error| of the sensitivity.

Thirteenth session, `python bench/judge_accuracy_sim.py --n 100` (22 s):

    {"coverage_min_weighted": 0.95, "coverage_mean_weighted": 0.988,
     "sensitivity_bias_max_weighted": 0.0079, "coverage_min_plain": 0.0,
     "coverage_mean_plain": 0.667, "sensitivity_bias_max_plain": 0.1221, ...}

Plain shares: the sensitivity covered 0.01 at 30 % prevalence with a 0.98/0.98 judge (mean
error −0.122) and 0.59 at 10 % with 0.85/0.9 (−0.119); the PPV 0.00 at 30 %, 0.98/0.98.
Weighted: 0.95-1.00, mean 0.988 — valid, and cautious, as the human-only rate of an active
sample is in bench/efficiency_sim.py: Kish's size ignores that the weights follow the outcome.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from efficiency_sim import Project, draw

from polyjudge.reconcile.design import Design
from polyjudge.reconcile.double_sampling import stratified_estimate
from polyjudge.reconcile.final import NONE, FinalLabels
from polyjudge.reconcile.judge_rates import judge_rates

# (prevalence, (sensitivity, specificity), labels)
SETTINGS = (
    (0.03, (0.85, 0.9), 300),
    (0.1, (0.85, 0.9), 300),
    (0.1, (0.7, 0.7), 1000),
    (0.3, (0.98, 0.98), 300),
    (0.3, (0.85, 0.9), 100),
)
FIGURES = ("sensitivity", "specificity", "ppv")


def labelled(project: Project, sample: np.ndarray) -> FinalLabels:
    """Every sampled item human-final with its true label (1 unsafe, 0 safe)."""
    n = project.n_items
    return FinalLabels(
        label=np.where(sample, project.y.astype(np.int64), -1),
        how=np.where(sample, 1, NONE),
        queue=np.zeros(n, np.int64),
        n_labels=sample.astype(np.int64),
        needs_labels=np.zeros(n, bool),
        conflict_runs=[],
        estimator_run="judge",
    )


def one(project: Project, budget: int, seed: int) -> dict[str, dict[str, tuple]]:
    """Per estimator and figure: (estimate, low, high, truth)."""
    sample, weight, strata = draw(project, "active", budget, seed)
    y, flagged = project.y.astype(bool), project.verdict == 1
    truth = {
        "sensitivity": (y & flagged).sum() / y.sum(),
        "specificity": (~y & ~flagged).sum() / (~y).sum(),
        "ppv": (y & flagged).sum() / flagged.sum(),
    }
    design = Design(sample, weight, np.ones(project.n_items, bool), strata, project.language)
    everything = np.ones(project.n_items, bool)
    _, est = judge_rates(
        project.data,
        labelled(project, sample),
        project.run,
        everything,
        np.random.default_rng(seed),
        design=design,
    )
    assert est is not None
    counts = (
        int(flagged.sum()),
        project.n_items,
        int((sample & flagged & y).sum()),
        int((sample & flagged).sum()),
        int((sample & ~flagged & y).sum()),
        int((sample & ~flagged).sum()),
    )
    plain = stratified_estimate(*counts, np.random.default_rng(seed), accuracy=True)
    out: dict[str, dict[str, tuple]] = {"weighted": {}, "plain": {}}
    for figure in FIGURES:
        key = figure if figure == "ppv" else f"judge_{figure}"
        out["weighted"][figure] = (est[key], *est[f"{key}_ci95"], truth[figure])
        out["plain"][figure] = (plain[figure], *plain[f"{figure}_ci95"], truth[figure])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="simulated projects per setting")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    start = time.perf_counter()
    coverage: dict[str, list[float]] = {"weighted": [], "plain": []}
    bias: dict[str, float] = {"weighted": 0.0, "plain": 0.0}
    print(f"{'prev':>5} {'sens':>4} {'spec':>4} {'labels':>6}  coverage (mean error) per figure")
    for index, (p, judge, budget) in enumerate(SETTINGS):
        rng = np.random.default_rng([args.seed, index])
        runs = [
            one(Project(p, *judge, rng, sizes=(20_000,)), budget, int(rng.integers(2**31)))
            for _ in range(args.n)
        ]
        row = f"{p:5.2f} {judge[0]:4.2f} {judge[1]:4.2f} {budget:6d}"
        for estimator in ("weighted", "plain"):
            row += f"  {estimator}:"
            for figure in FIGURES:
                estimate, low, high, truth = np.array([r[estimator][figure] for r in runs], float).T
                hit = float(np.mean((low <= truth) & (truth <= high)))
                error = float(np.mean(estimate - truth))
                coverage[estimator].append(hit)
                if figure == "sensitivity":
                    bias[estimator] = max(bias[estimator], abs(error))
                row += f" {figure[:4]} {hit:.2f} ({error:+.3f})"
        print(row)
    summary = {
        f"{key}_{estimator}": value
        for estimator in ("weighted", "plain")
        for key, value in (
            ("coverage_min", round(min(coverage[estimator]), 3)),
            ("coverage_mean", round(float(np.mean(coverage[estimator])), 3)),
            ("sensitivity_bias_max", round(bias[estimator], 4)),
        )
    }
    summary |= {"settings": len(SETTINGS), "sims_per_setting": args.n}
    summary["seconds"] = round(time.perf_counter() - start)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
