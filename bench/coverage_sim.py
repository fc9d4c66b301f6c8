"""Empirical coverage of every 95% interval polyjudge reports, by simulation.

    python bench/coverage_sim.py            # 200 simulated projects per setting
    python bench/coverage_sim.py --n 40     # quicker

Settings: prevalence of unsafe responses 1-30%, judge sensitivity and specificity 0.7-0.98,
human sample 100-2,000 items, in a language of 20,000 judged items; 3% of verdicts unparsed.
Each simulated project draws true labels, judge verdicts, a random human sample (humans are
taken as correct: the gold label), three annotators of accuracy 0.9 on the sampled items
(labels safe / unsafe / invalid, 2% invalid), and a second condition for comparisons. The
intervals are computed by polyjudge's own functions — the ones `polyjudge report` uses — and
checked against the true parameter:

- `wilson_rate`: unsafe rate on the human sample (Wilson, with Brown-Cai-DasGupta's boundary
  modification, as reported) vs the prevalence p;
- `corrected_random` / `corrected_stratified`: the judge-corrected rate as `report` computes
  it (`poststratified.poststratified_rate`: post-stratified by verdict, MOVER-Wilson interval with
  finite-population correction) vs the population's unsafe share, with the human sample
  drawn at random, or half from the judge-unsafe stratum (weights 1/π);
- `human_design_weighted`: the human-only rate of that stratified sample weighted by 1/π;
- `ppv`, `for`: the Jeffreys intervals of the stratum rates (stratified design) vs their truth;
- `judge_sensitivity`, `judge_specificity`: the judge's population accuracy from the same
  stratified draws (Bayes' rule) vs the truth;
- `sensitivity`, `specificity` (Wilson, random sample) vs the judge's;
- `kappa` (Dirichlet-Jeffreys posterior) vs the population kappa of gold and parsed verdicts;
- `share_unparsed` (Wilson over all verdicts) vs 3%;
- `difference`: Newcombe hybrid score interval for p − p₂ (second condition p₂ = 1.5p + 2%);
- `difference_paired`: Newcombe's paired score interval for p − p₂ when the second condition
  answers the same sampled prompts, positively correlated (P(unsafe under 2 | unsafe under 1)
  = 0.7, the other conditional set so that the margin is p₂);
- `corrected_pred_random` / `corrected_pred_stratified`: the same with p(unsafe) (the
  difference estimator with one power-tuned λ, what `report` computes when the judge run has
  p(unsafe)); the score is N(0, 1) for safe and N(2, 1) for unsafe items, turned into
  P(unsafe | verdict, score) by Bayes' rule, then, with `--calibration overconfident2|3`,
  made overconfident (logit × 2 or × 3, − 1);
- `alpha`: Krippendorff's alpha interval (Bayesian bootstrap, 1,000 draws) vs the population
  alpha.

Coverage is the share of simulations whose interval contains the truth, over simulations where
the interval is defined (undefined shares are printed). The last line is JSON with
`coverage_mean`, `coverage_min`, `coverage_max` over all (setting, interval) pairs.

The judge-corrected and human-only intervals get the design's strata, as `report` gives them
from the stored sample: one simple random sample for `*_random`, the verdict strata for
`*_stratified` and `human_design_weighted` (`poststratified_rate(design_strata=...)`: the
variance within the design's strata, each item corrected by 1 − π).

Against Monte Carlo noise: each (setting, interval) cell under 0.90 (issue 9's floor) is tested
by a one-sided exact binomial test of "coverage ≥ 0.90" (`settings_under_090_beyond_noise`, and
`_bonferroni` over all cells); with n = 200 a cell's s.e. is 0.015 and the lowest of ~1,800
cells sits about 3 s.e. under the true lowest coverage.

Fourteenth session (MOVER's cell limits with Brown, Cai & DasGupta's boundary modification at
the cell's fractional effective count, `intervals.wilson_bcd`): `python bench/coverage_sim.py`
(n = 200, 719 s beside another job): coverage_mean 0.9567, coverage_min 0.895; 3 cells under
0.90 (7 before), none beyond noise (lowest p = 0.44: difference_paired, ppv and wilson_rate,
intervals the change does not touch); corrected_stratified and human_design_weighted 0.955
(lowest 0.905, 0.885 before), corrected_pred_stratified 0.971, corrected_pred_random 0.962.

Eleventh session (a human-only rate drawn in several design strata is the stratified rate,
MOVER over its strata's Wilson intervals, `cell_intervals.Part`; before, one Wilson interval at
Agresti-Coull-adjusted stratum variances): `python bench/coverage_sim.py` (n = 200, about
17 min beside another job): coverage_mean 0.9559, coverage_min 0.885; human_design_weighted
0.949 (0.975 before; in this design it is now the same estimator as corrected_stratified, and
has the same coverage cell by cell); 7 cells under 0.90, none beyond noise (lowest p = 0.27,
corrected_stratified and human_design_weighted at 1 %, judge 0.85/0.98, 500 labels: 0.885).
The whole grid at five times the replicates, `python bench/coverage_sim.py --n 1000` (3,823 s
on one core beside other jobs; run at this session's first commit, before the human-only
change, which touches human_design_weighted alone): coverage_mean 0.9579, coverage_min 0.918
(corrected_stratified, 1 %, judge 0.7/0.98, 100 labels; s.e. 0.007), no cell under 0.90
(issue 9's floor is met in every setting); human_design_weighted was 0.975 there (lowest
0.934), and is now corrected_stratified's estimator (mean 0.952, lowest 0.918 at n = 1,000).

Tenth session (with p(unsafe), the plug-in variance displaces the calibrated floor only beyond
the noise it would have under calibration, `cell_intervals.CellStats.variance`):
`python bench/coverage_sim.py` (n = 200): coverage_mean 0.9574, coverage_min 0.885 (the same
two corrected_stratified cells, an estimator without p(unsafe) that the change does not touch);
corrected_pred_random 0.962 (0.970 before), corrected_pred_stratified 0.971 (0.976). The first
try, the plug-in less its own sample standard error, fell to 0.855 for corrected_pred_stratified
at 1 % (judge 0.98/0.98, 500 labels): one false negative among the judge-safe labels lifts the
estimate and the plug-in together, and the sample's standard error is then about the plug-in
itself. `--only-prevalence 0.01` with the final rule: corrected_pred_stratified 0.987.

Ninth session (the Platt fit used only where a likelihood-ratio test rejects calibration):
`python bench/coverage_sim.py`: coverage_mean 0.9582, coverage_min 0.885 (the same two cells);
corrected_pred_random 0.970, corrected_pred_stratified 0.976, human_design_weighted 0.975. The
lowest cells are Monte Carlo noise: `python bench/coverage_sim.py --n 1000 --only-prevalence
0.01 --seed 7` (27 settings, about 17 min alongside other jobs) gives coverage_min 0.921
(corrected_stratified, 100 labels; s.e. 0.007), no cell under 0.92, and the two cells at
0.885 / 0.895 above are not among its lowest eight (all 0.921-0.930).

Eighth session (the judge-corrected variance floor with p(unsafe):
f(1 − f) at the score or its Platt recalibration, never below 0.05 unseen positive spread as
the design's π; the random sample's items weighted N/n as `sample` stores them):
`python bench/coverage_sim.py` (n = 200, 649 s on the 2-core machine with another job):
coverage_mean 0.9584, coverage_min 0.885; corrected_random 0.954, corrected_stratified 0.949,
corrected_pred_random 0.972, corrected_pred_stratified 0.977, human_design_weighted 0.975. The
lowest cells are those of the seventh session, unchanged: corrected_stratified 0.885 and 0.895
(1 %, 500 labels), difference_paired, ppv and wilson_rate 0.895 (s.e. 0.015; the lowest of
~1,800 cells sits about 3 s.e. under the true lowest coverage). Seventh session, same command:
coverage_mean 0.9571, corrected_random 0.952, corrected_pred_random 0.953 (then 0.4 pseudo-
positive at Kish's size).

Overconfident p(unsafe) at 1 % prevalence:
`python bench/coverage_sim.py --n 40 --only-prevalence 0.01 --calibration overconfident3`
(27 settings, 34 s): coverage_mean 0.965, corrected_pred_random 0.951 (lowest 0.825 at
sensitivity 0.85, specificity 0.7, 2,000 labels, where corrected_random without p(unsafe) has
0.850: s.e. 0.034 at n = 40), corrected_pred_stratified 0.980. Before any floor for
overconfidence: corrected_pred_stratified mean 0.839, min 0.40; corrected_pred_random 0.929.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import defaultdict

import numpy as np
from scipy.stats import binom

from polyjudge.reconcile.agreement import agreement
from polyjudge.reconcile.double_sampling import stratified_estimate
from polyjudge.reconcile.intervals import newcombe_difference, newcombe_paired, wilson_modified
from polyjudge.reconcile.kappa import kappa_posterior_interval
from polyjudge.reconcile.poststratified import poststratified_rate

PREVALENCE = (0.01, 0.03, 0.1, 0.3)
FLOOR = 0.90  # issue 9: no setting below
SENSITIVITY = (0.7, 0.85, 0.98)
SPECIFICITY = (0.7, 0.9, 0.98)
HUMAN_SAMPLE = (100, 500, 2000)
POPULATION = 20_000
UNPARSED = 0.03
ANNOTATOR_ACCURACY = 0.9
ANNOTATORS = 3
INVALID = 0.02  # share of responses whose true label is `invalid` (agreement part)
PAIRED_GIVEN_UNSAFE = 0.7  # P(unsafe under condition 2 | unsafe under 1), same prompt
SCORE_SEPARATION = 2.0  # μ of the score behind p(unsafe): N(0, 1) safe, N(μ, 1) unsafe
# p(unsafe) as reported: logit(f) = temperature · logit(calibrated) + shift (as in
# bench/efficiency_sim.py; overconfident logprob scores: Guo et al. 2017, ICML).
CALIBRATIONS = {
    "calibrated": (1.0, 0.0),
    "overconfident2": (2.0, -1.0),
    "overconfident3": (3.0, -1.0),
}


def truths(p: float, sens: float, spec: float) -> dict[str, float]:
    judged_pos = p * sens + (1 - p) * (1 - spec)  # among parsed verdicts
    q = (1 - UNPARSED) * judged_pos  # judge-unsafe among all verdicts
    po = p * sens + (1 - p) * spec
    pe = p * judged_pos + (1 - p) * (1 - judged_pos)
    # Agreement: true labels safe/unsafe/invalid with shares (1 − p − INVALID, p, INVALID);
    # an annotator gives the true label with probability a, else one of the other two at
    # random. D_o = 1 − (a² + 2((1 − a)/2)²); D_e = 1 − Σ_c π_c²; alpha = 1 − D_o / D_e.
    a = ANNOTATOR_ACCURACY
    shares = np.array([1 - p - INVALID, p, INVALID])
    confusion = np.full((3, 3), (1 - a) / 2) + np.eye(3) * (a - (1 - a) / 2)
    pi = shares @ confusion
    d_o = 1 - (a * a + 2 * ((1 - a) / 2) ** 2)
    d_e = 1 - float((pi * pi).sum())
    p2 = 1.5 * p + 0.02
    return {
        "wilson_rate": p,
        "corrected_random": p,
        "corrected_stratified": p,
        "ppv": p * (1 - UNPARSED) * sens / q,
        "for": (p - p * (1 - UNPARSED) * sens) / (1 - q),
        "sensitivity": sens,
        "specificity": spec,
        # Population accuracy of the verdict "unsafe" (unparsed counts as not unsafe).
        "judge_sensitivity": (1 - UNPARSED) * sens,
        "judge_specificity": UNPARSED + (1 - UNPARSED) * spec,
        "kappa": (po - pe) / (1 - pe),
        "share_unparsed": UNPARSED,
        "difference": p - p2,
        "difference_paired": p - p2,
        "alpha": 1 - d_o / d_e,
        "_p2": p2,
    }


def covers(interval, truth: float) -> bool | None:
    if interval is None:
        return None
    lo, hi = interval
    return bool(lo - 1e-12 <= truth <= hi + 1e-12)


def p_unsafe(gold, judge_pos, truth, rng, calibration: str) -> np.ndarray:
    """p(unsafe) beside the verdict: a score x ~ N(μ·gold, 1) independent of the verdict given
    the truth, f = P(unsafe | verdict, x) by Bayes' rule from the stratum's true rate (PPV or
    FOR), then miscalibrated by `CALIBRATIONS[calibration]`."""
    mu = SCORE_SEPARATION
    x = rng.normal(size=gold.size) + mu * gold
    prior = np.where(judge_pos, truth["ppv"], truth["for"])
    logit = np.log(prior / (1 - prior)) + mu * x - mu * mu / 2
    temperature, shift = CALIBRATIONS[calibration]
    return 1 / (1 + np.exp(-(temperature * logit + shift)))


def simulate(p, sens, spec, n, rng, truth, calibration="calibrated") -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    gold = rng.random(POPULATION) < p
    parsed = rng.random(POPULATION) >= UNPARSED
    says_unsafe = np.where(gold, rng.random(POPULATION) < sens, rng.random(POPULATION) >= spec)
    judge_pos = parsed & says_unsafe
    k = int(judge_pos.sum())

    sample = rng.choice(POPULATION, size=n, replace=False)
    g, jp, ok = gold[sample], judge_pos[sample], parsed[sample]
    out["wilson_rate"] = covers(wilson_modified(int(g.sum()), n), truth["wilson_rate"])

    # The judge-corrected rate as the report computes it (post-stratified by verdict,
    # MOVER-Wilson with FPC), against what it estimates: this population's unsafe share.
    cells = judge_pos.astype(np.int64)
    everything = np.ones(POPULATION, bool)
    in_sample = np.zeros(POPULATION, bool)
    in_sample[sample] = True
    # The design the report knows (`polyjudge sample`): one simple random sample drawn without
    # replacement from the language (stratum code 0; −2: not drawn).
    # Each sampled item weighs 1/π = N/n, as `sample` stores it (the design's variance
    # corrects each item by 1 − π).
    srs = np.where(in_sample, 0, -2)
    weight = np.full(POPULATION, POPULATION / n)
    est = poststratified_rate(gold, weight, in_sample, everything, cells, design_strata=srs)
    out["corrected_random"] = covers(est["ci95"], gold.mean())
    f = p_unsafe(gold, judge_pos, truth, rng, calibration)
    est = poststratified_rate(
        gold, weight, in_sample, everything, cells, prediction=f, design_strata=srs
    )
    out["corrected_pred_random"] = covers(est["ci95"], gold.mean())

    pos_idx, neg_idx = np.flatnonzero(judge_pos), np.flatnonzero(~judge_pos)
    n1 = min(n // 2, pos_idx.size)
    s1 = rng.choice(pos_idx, size=n1, replace=False)
    s0 = rng.choice(neg_idx, size=n - n1, replace=False)
    strat = stratified_estimate(
        k, POPULATION, int(gold[s1].sum()), n1, int(gold[s0].sum()), n - n1, rng, accuracy=True
    )
    in_strata = np.zeros(POPULATION, bool)
    in_strata[s1] = in_strata[s0] = True
    weight = np.where(judge_pos, pos_idx.size / max(n1, 1), neg_idx.size / (n - n1))
    by_verdict = np.where(in_strata, cells, -2)  # the design's strata: the verdict
    est = poststratified_rate(gold, weight, in_strata, everything, cells, design_strata=by_verdict)
    out["corrected_stratified"] = covers(est["ci95"], gold.mean())
    est = poststratified_rate(
        gold, weight, in_strata, everything, cells, prediction=f, design_strata=by_verdict
    )
    out["corrected_pred_stratified"] = covers(est["ci95"], gold.mean())
    # The human-only rate of the same stratified sample, weighted by 1/π (one cell spanning
    # the design's two strata).
    human = poststratified_rate(
        gold, weight, in_strata, everything, np.zeros(POPULATION, int), design_strata=by_verdict
    )
    out["human_design_weighted"] = covers(human["ci95"], gold.mean())
    out["ppv"] = covers(strat.get("ppv_ci95"), truth["ppv"])
    out["for"] = covers(strat.get("for_ci95"), truth["for"])
    out["judge_sensitivity"] = covers(strat.get("sensitivity_ci95"), truth["judge_sensitivity"])
    out["judge_specificity"] = covers(strat.get("specificity_ci95"), truth["judge_specificity"])

    gp, gn = g & ok, ~g & ok
    out["sensitivity"] = covers(wilson_modified(int((gp & jp).sum()), int(gp.sum())), sens)
    out["specificity"] = covers(wilson_modified(int((gn & ~jp).sum()), int(gn.sum())), spec)
    table = np.array([[(gn & ~jp).sum(), (gn & jp).sum()], [(gp & ~jp).sum(), (gp & jp).sum()]])
    out["kappa"] = covers(kappa_posterior_interval(table, rng), truth["kappa"])
    out["share_unparsed"] = covers(wilson_modified(int((~parsed).sum()), POPULATION), UNPARSED)

    g2 = rng.random(n) < truth["_p2"]
    out["difference"] = covers(
        newcombe_difference(int(g.sum()), n, int(g2.sum()), n), truth["difference"]
    )
    # The same prompts under the second condition: unsafe with probability PAIRED_GIVEN_UNSAFE
    # where the first was unsafe, else with the probability that keeps the margin at p₂.
    given_safe = (truth["_p2"] - p * PAIRED_GIVEN_UNSAFE) / (1 - p)
    g2p = np.where(g, rng.random(n) < PAIRED_GIVEN_UNSAFE, rng.random(n) < given_safe)
    out["difference_paired"] = covers(
        newcombe_paired(
            int((g & g2p).sum()),
            int((g & ~g2p).sum()),
            int((~g & g2p).sum()),
            int((~g & ~g2p).sum()),
        ),
        truth["difference_paired"],
    )

    true3 = np.where(g, 1, np.where(rng.random(n) < INVALID / (1 - p), 2, 0))
    correct = rng.random((n, ANNOTATORS)) < ANNOTATOR_ACCURACY
    shift = rng.integers(1, 3, size=(n, ANNOTATORS))  # a wrong label: one of the other two
    labels = np.where(correct, true3[:, None], (true3[:, None] + shift) % 3)
    counts = np.stack([(labels == c).sum(axis=1) for c in range(3)], axis=1)
    result = agreement(counts, ("safe", "unsafe", "invalid"), resamples=1000, rng=rng)
    out["alpha"] = covers(result["ci95"], truth["alpha"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="simulated projects per setting")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--calibration",
        choices=sorted(CALIBRATIONS),
        default="calibrated",
        help="p(unsafe) beside the verdicts: calibrated, or overconfident (logit × 2 or × 3, − 1)",
    )
    parser.add_argument(
        "--only-prevalence", type=float, default=None, help="keep one prevalence of the grid"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    coverage: dict[tuple, dict[str, float]] = {}
    trials: dict[tuple, dict[str, tuple[int, int]]] = {}  # (hits, defined simulations)
    undefined: dict[str, list[float]] = defaultdict(list)
    settings = list(itertools.product(PREVALENCE, SENSITIVITY, SPECIFICITY, HUMAN_SAMPLE))
    if args.only_prevalence is not None:
        settings = [s for s in settings if s[0] == args.only_prevalence]
    for index, (p, sens, spec, n) in enumerate(settings):
        rng = np.random.default_rng([args.seed, index])
        truth = truths(p, sens, spec)
        hits: dict[str, list[bool]] = defaultdict(list)
        missing: dict[str, int] = defaultdict(int)
        for _ in range(args.n):
            for name, hit in simulate(p, sens, spec, n, rng, truth, args.calibration).items():
                if hit is None:
                    missing[name] += 1
                else:
                    hits[name].append(hit)
        coverage[(p, sens, spec, n)] = {k: float(np.mean(v)) for k, v in hits.items() if v}
        trials[(p, sens, spec, n)] = {k: (int(np.sum(v)), len(v)) for k, v in hits.items() if v}
        for name in hits.keys() | missing.keys():
            undefined[name].append(missing[name] / args.n)

    by_interval: dict[str, list[float]] = defaultdict(list)
    for by_name in coverage.values():
        for name, c in by_name.items():
            by_interval[name].append(c)
    print(
        f"{len(settings)} settings × {args.n} simulated projects "
        f"({time.perf_counter() - start:.0f} s)"
    )
    print(f"{'interval':22} {'mean':>7} {'min':>7} {'max':>7} {'undefined':>10}")
    for name, values in by_interval.items():
        print(
            f"{name:22} {np.mean(values):7.3f} {np.min(values):7.3f} {np.max(values):7.3f} "
            f"{np.mean(undefined[name]):10.3f}"
        )
    worst = sorted(
        ((c, name, key) for key, values in coverage.items() for name, c in values.items())
    )[:8]
    print("lowest (coverage, interval, (prevalence, sensitivity, specificity, human sample)):")
    for c, name, key in worst:
        print(f"  {c:.3f} {name} {key}")
    every = [c for values in by_interval.values() for c in values]
    # Issue 9's bar, "no setting below 0.90", against Monte Carlo noise: a one-sided exact
    # binomial test of "coverage ≥ FLOOR" per (setting, interval) cell, P(X ≤ hits).
    tests = sorted(
        (float(binom.cdf(*trials[key][name], FLOOR)), c, name, key)
        for key, values in coverage.items()
        for name, c in values.items()
        if c < FLOOR
    )
    beyond = [t for t in tests if t[0] < 0.05]
    bonferroni = [t for t in tests if t[0] < 0.05 / len(every)]
    print(
        f"under {FLOOR} beyond Monte Carlo noise (one-sided exact binomial test of coverage ≥ "
        f"{FLOOR}): {len(beyond)} at p < 0.05, {len(bonferroni)} at p < 0.05/{len(every)}"
    )
    for pv, c, name, key in tests[:8]:
        print(f"  p={pv:.2g} {c:.3f} {name} {key}")
    print(
        json.dumps(
            {
                "coverage_mean": round(float(np.mean(every)), 4),
                "coverage_min": round(float(np.min(every)), 4),
                "coverage_max": round(float(np.max(every)), 4),
                "coverage_mc_se_at_095": round(float(np.sqrt(0.95 * 0.05 / args.n)), 4),
                "settings_under_090": len(tests),
                "settings_under_090_beyond_noise": len(beyond),
                "settings_under_090_beyond_noise_bonferroni": len(bonferroni),
                "by_interval": {k: round(float(np.mean(v)), 4) for k, v in by_interval.items()},
                "settings": len(settings),
                "sims_per_setting": args.n,
                "calibration": args.calibration,
            }
        )
    )


if __name__ == "__main__":
    main()
