"""Coverage of the Krippendorff's alpha interval (reconcile/alpha_interval.py) where agreement is
high and positives are rare: the corner bench/coverage_sim.py (annotator accuracy 0.9 only)
does not reach.

    python bench/alpha_coverage_sim.py            # 400 simulated samples per setting
    python bench/alpha_coverage_sim.py --n 100    # quicker

Each simulated sample: n items whose true label is unsafe with probability p, invalid with 2%,
else safe; each of `raters` annotators gives the true label with probability a (accuracy),
else one of the other two at random. The population alpha has a closed form (the truth):
D_o = 1 − (a² + 2((1 − a)/2)²), D_e = 1 − Σ_c π_c² with π the annotators' label shares, and
alpha = 1 − D_o / D_e. The interval is the one `polyjudge report` prints (`agreement.agreement`,
1,000 Bayesian-bootstrap draws). Coverage is the share of samples whose interval contains the
truth; `low` / `high` count the misses on each side. The last line is JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np

from polyjudge.reconcile.agreement import agreement

PREVALENCE = (0.01, 0.03, 0.1)
ACCURACY = (0.9, 0.95, 0.98, 0.99, 0.995)
ITEMS = (100, 300, 1000, 2000)
RATERS = (2, 3)
INVALID = 0.02
LABELS = ("safe", "unsafe", "invalid")


def true_alpha(p: float, a: float) -> float:
    shares = np.array([1 - p - INVALID, p, INVALID])
    confusion = np.full((3, 3), (1 - a) / 2) + np.eye(3) * (a - (1 - a) / 2)
    pi = shares @ confusion
    d_o = 1 - (a * a + 2 * ((1 - a) / 2) ** 2)
    return 1 - d_o / (1 - float((pi * pi).sum()))


def one_interval(p: float, a: float, n: int, raters: int, rng: np.random.Generator):
    u = rng.random(n)
    truth = np.where(u < p, 1, np.where(u < p + INVALID, 2, 0))
    correct = rng.random((n, raters)) < a
    shift = rng.integers(1, 3, size=(n, raters))
    labels = np.where(correct, truth[:, None], (truth[:, None] + shift) % 3)
    counts = np.stack([(labels == c).sum(axis=1) for c in range(3)], axis=1)
    return agreement(counts, LABELS, resamples=1000, rng=rng)["ci95"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="simulated samples per setting")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = []
    settings = list(itertools.product(PREVALENCE, ACCURACY, ITEMS, RATERS))
    print(
        f"{'p':>5} {'acc':>6} {'items':>6} {'raters':>6} {'alpha':>6} {'coverage':>9} "
        f"{'low':>4} {'high':>4} {'undef':>5}"
    )
    for index, (p, a, n, raters) in enumerate(settings):
        rng = np.random.default_rng([args.seed, index])
        truth = true_alpha(p, a)
        hits, low, high, undefined = 0, 0, 0, 0
        for _ in range(args.n):
            interval = one_interval(p, a, n, raters, rng)
            if interval is None:
                undefined += 1
            elif truth < interval[0] - 1e-12:
                low += 1
            elif truth > interval[1] + 1e-12:
                high += 1
            else:
                hits += 1
        defined = args.n - undefined
        coverage = hits / defined if defined else float("nan")
        rows.append(
            {
                "p": p,
                "accuracy": a,
                "items": n,
                "raters": raters,
                "alpha": round(truth, 3),
                "coverage": round(coverage, 3),
            }
        )
        print(
            f"{p:5.2f} {a:6.3f} {n:6d} {raters:6d} {truth:6.3f} {coverage:9.3f} "
            f"{low:4d} {high:4d} {undefined:5d}",
            flush=True,
        )
    values = [r["coverage"] for r in rows]
    worst = sorted(rows, key=lambda r: r["coverage"])[:6]
    print(f"{len(settings)} settings × {args.n} samples ({time.perf_counter() - start:.0f} s)")
    print(
        json.dumps(
            {
                "coverage_mean": round(float(np.mean(values)), 4),
                "coverage_min": round(float(np.min(values)), 4),
                "below_0.93": sum(v < 0.93 for v in values),
                "worst": worst,
                "settings": len(settings),
                "sims_per_setting": args.n,
            }
        )
    )


if __name__ == "__main__":
    main()
