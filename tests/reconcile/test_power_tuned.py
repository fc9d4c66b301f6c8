"""The judge-corrected rate with p(unsafe): one power-tuned λ for all the verdict strata of a
group, and a variance that does not collapse in a stratum whose sample has no positive.
Checked by hand computation and by simulation with known truth (calibrated p(unsafe))."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import norm

from polyjudge.reconcile.cell_intervals import PSEUDO_POSITIVES
from polyjudge.reconcile.poststratified import poststratified_rate


def _language(rng: np.random.Generator, size: int, p: float, sens: float, spec: float):
    """A binormal judge: score N(0,1) for safe and N(μ,1) for unsafe items, verdict where
    score > t; p(unsafe) = P(unsafe | score) by Bayes' rule (calibrated by construction)."""
    t = norm.ppf(spec)
    mu = t + norm.ppf(sens)
    y = rng.random(size) < p
    x = rng.normal(size=size) + mu * y
    odds = p / (1 - p) * np.exp(mu * x - mu * mu / 2)
    return y, (x <= t).astype(np.int64), odds / (1 + odds)  # cells: 0 judge-unsafe, 1 other


def _platt_by_scipy(f: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The labelled items' p(unsafe) recalibrated as `platt` is documented to: the maximum a
    posteriori logistic fit of y on (1, logit f) with a N(0, 1) prior on (a, b − 1), here by
    scipy's BFGS rather than our Newton iterations."""
    x = np.log(f / (1 - f))

    def loss(t: np.ndarray) -> float:
        eta = t[0] + t[1] * x
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + (t[0] ** 2 + (t[1] - 1) ** 2) / 2)

    a, b = minimize(loss, [0.0, 1.0], method="BFGS", options={"gtol": 1e-10}).x
    return 1 / (1 + np.exp(-(a + b * x)))


def test_one_lambda_for_the_strata_by_hand() -> None:
    # Two strata of 400 and 1,600 items, 40 and 80 sampled with equal weights; λ is PPI++'s
    # Cov(y, f)/Var(f) over the labelled items, each weighted by its stratum's share N_c/N
    # over its n_c labels (the population's proportions, not the sample's). The variance floor
    # takes f(1 − f) at the score or at its Platt recalibration on the 120 labels, whichever
    # is larger (here the score is not calibrated: y is 2% + 0.6f), and is never below that of
    # PSEUDO_POSITIVES unseen positives among a stratum's labels.
    rng = np.random.default_rng(5)
    cells = np.repeat([0, 1], [400, 1600])
    f = np.where(cells == 0, rng.uniform(0.3, 0.9, 2000), rng.uniform(0.0, 0.05, 2000))
    y = rng.random(2000) < 0.02 + 0.6 * f  # p(unsafe) informative, not calibrated
    sample = np.zeros(2000, bool)
    sample[:40] = sample[400:480] = True
    est = poststratified_rate(y, np.ones(2000), sample, np.ones(2000, bool), cells, prediction=f)
    v = np.where(cells == 0, 0.2 / 40, 0.8 / 80)[sample]
    ys, fs = y[sample].astype(float), f[sample]
    g = np.zeros(2000)
    g[sample] = _platt_by_scipy(fs, ys)
    y_bar, f_bar = np.average(ys, weights=v), np.average(fs, weights=v)
    lam = np.sum(v * (ys - y_bar) * (fs - f_bar)) / np.sum(v * (fs - f_bar) ** 2)
    parts = [
        (y[m].astype(float), f[m], g[m], N, n)
        for c, (N, n) in enumerate(((400, 40), (1600, 80)))
        for m in [sample & (cells == c)]
    ]
    assert 0 < lam < 1
    rate = half2 = 0.0
    for c, (ys, fs, gs, N, n) in enumerate(parts):
        e = ys - lam * fs
        cell_rate = lam * f[cells == c].mean() + e.mean()
        plug_in = np.sum((e - e.mean()) ** 2) / n**2
        q = PSEUDO_POSITIVES / n  # a twentieth of a positive unseen among the n labels
        floor = max(np.sum(np.maximum(fs * (1 - fs), gs * (1 - gs))) / n**2, q * (1 - q) / n)
        rate += N / 2000 * cell_rate
        half2 += (N / 2000) ** 2 * max(plug_in, floor) * (1 - n / N)
        assert est["cells"][c].lam == pytest.approx(lam)
        assert est["cells"][c].estimate == pytest.approx(cell_rate)
    half = 1.959963984540054 * np.sqrt(half2)
    assert est["rate"] == pytest.approx(rate)
    assert est["ci95"] == pytest.approx([max(rate - half, 0.0), rate + half])


def test_a_judge_safe_stratum_without_a_sampled_positive_keeps_p_unsafe() -> None:
    # 3% unsafe, a judge of sensitivity 0.85 and specificity 0.9, 20,000 items, 50 labels in
    # each verdict stratum: the judge-safe stratum (~88% of the items, ~0.5% unsafe) rarely
    # shows a positive in its 50. Before, its λ was 0 there and its Wilson interval (upper
    # limit ≈ 3.8/54) set the language's width; with the group's λ and the calibrated floor
    # the interval is about 40% narrower and still covers the population's rate.
    rng = np.random.default_rng(20261201)
    hits, widths, verdict_only = 0, [], []
    reps = 200
    for _ in range(reps):
        y, cells, f = _language(rng, 20_000, 0.03, 0.85, 0.9)
        sample = np.zeros(y.size, bool)
        weight = np.ones(y.size)
        for c in (0, 1):
            members = np.flatnonzero(cells == c)
            sample[rng.choice(members, 50, replace=False)] = True
            weight[members] = members.size / 50
        everything = np.ones(y.size, bool)
        est = poststratified_rate(y, weight, sample, everything, cells, prediction=f)
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
        widths.append(high - low)
        plain = poststratified_rate(y, weight, sample, everything, cells)
        verdict_only.append(plain["ci95"][1] - plain["ci95"][0])
    # Monte Carlo: 200 replicates, standard error 0.015 at 0.95.
    assert hits / reps >= 0.92
    assert np.mean(widths) < 0.7 * np.mean(verdict_only)


def test_an_overconfident_p_unsafe_keeps_the_interval_valid() -> None:
    # Issue 9: logprob scores are often overconfident. The same binormal judge (sensitivity
    # 0.85, specificity 0.9) at 2% prevalence in 5,000 items, but p(unsafe) reported with its
    # logit × 3 − 1: the judge-safe stratum (~0.3% unsafe) is scored ~1e-6, so the calibrated
    # variance floor Σw²f(1 − f) vanishes and, when its 50 labels hold no positive, the
    # stratum's interval collapsed to a point. Simulation with known truth (the population's
    # unsafe share), 400 replicates at a fixed seed: 0.855 covered with the calibrated floor
    # alone (true coverage 0.8575 ± 0.008 over 2,000 replicates); the floor now also takes
    # f(1 − f) at the score as the 100 labels recalibrate it (`platt`). A false failure
    # (< 360 of 400 covered) has probability 1.4e-5 were the true coverage 0.95 (binomial
    # tail); the calibrated floor alone passes with probability 0.007.
    rng = np.random.default_rng(20261202)
    t = norm.ppf(0.9)
    mu = t + norm.ppf(0.85)
    size, p, reps = 5_000, 0.02, 400
    hits = 0
    for _ in range(reps):
        y = rng.random(size) < p
        x = rng.normal(size=size) + mu * y
        logit = np.log(p / (1 - p)) + mu * x - mu * mu / 2  # calibrated log-odds
        f = 1 / (1 + np.exp(-(3 * logit - 1)))  # overconfident and shifted down
        cells = (x <= t).astype(np.int64)  # 0 judge-unsafe, 1 other
        sample = np.zeros(size, bool)
        weight = np.ones(size)
        for c in (0, 1):
            members = np.flatnonzero(cells == c)
            sample[rng.choice(members, 50, replace=False)] = True
            weight[members] = members.size / 50
        est = poststratified_rate(y, weight, sample, np.ones(size, bool), cells, prediction=f)
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
    assert hits >= 360, f"{hits} of {reps} intervals covered the population's rate"


def test_an_active_samples_judge_safe_stratum_hides_its_pseudo_positives_as_the_design_draws() -> (
    None
):
    # A Poisson (active) sample: a judge-unsafe stratum of 20 items taken whole with p(unsafe)
    # 0.5 (10 unsafe), and a judge-safe stratum of 980 items scored 1e-9, 40 of them drawn with
    # π from 0.01 to 0.2 and none unsafe. Its plug-in and calibrated variances are ≈ 0; the
    # floor takes PSEUDO_POSITIVES unseen positives spread as π (q_i = c·π_i, c·Σ_S π =
    # PSEUDO_POSITIVES): c·Σ_S (w − 1)/(Σ_S w)². Before, 0.4 pseudo-positive at Kish's size of
    # the unequal weights charged this stratum (Σw)²/Σw² labels' worth of variance, several
    # times more (5.9× PPI++'s width in bench/efficiency_sim.py).
    from polyjudge.reconcile.cell_intervals import CellStats
    from polyjudge.reconcile.platt import recalibrated, recalibration

    cells = np.repeat([0, 1], [20, 980])
    y = np.zeros(1000, bool)
    y[:10] = True
    f = np.where(cells == 0, 0.5, 1e-9)
    sample = np.zeros(1000, bool)
    sample[:20] = True
    drawn = np.arange(20, 1000, 24)[:40]
    sample[drawn] = True
    pi = np.ones(1000)
    pi[drawn] = np.linspace(0.01, 0.2, 40)
    weight = 1 / pi
    strata = np.full(1000, -1)
    est = poststratified_rate(
        y, weight, sample, np.ones(1000, bool), cells, prediction=f, design_strata=strata
    )
    safe: CellStats = est["cells"][1]
    w = weight[drawn]
    pseudo = PSEUDO_POSITIVES / np.sum(pi[drawn]) * np.sum(w - 1) / np.sum(w) ** 2
    g = recalibrated(f[drawn], *recalibration(f[sample], y[sample].astype(float)))
    calibrated = np.sum((w * w - w) * np.maximum(g * (1 - g), 1e-9)) / np.sum(w) ** 2
    assert safe.lam > 0 and calibrated < pseudo / 100  # the pseudo-positive floor binds
    assert safe.variance() == pytest.approx(pseudo, rel=1e-9)


def test_the_plug_in_displaces_the_calibrated_floor_only_beyond_its_calibrated_noise() -> None:
    # A sample stratified by verdict (40 of 200 judge-unsafe items, 100 of 1,800 judge-safe
    # ones, equal weights in each). Each stratum's design variance is Σ a_i(e_i − ē)²,
    # a_i = n/(n − 1)·(1 − π)·(w/Σw)², e = y − λf. Were p(unsafe) calibrated (y_i ~
    # Bernoulli(f_i)), that sum would stray from the floor by a standard deviation of
    # sqrt(Σ a_i²·v_i·(1 − 2(λf_i + ē))²), v = f(1 − f) as the floor takes it. The variance
    # used is max(floor, design variance − that deviation): in the judge-unsafe stratum
    # (calibrated) the plug-in exceeds the floor by less, and the floor is used (before: the
    # plug-in, its noise widening the interval); in the judge-safe one (twice as unsafe as
    # scored) it exceeds it by more, and counts less that deviation.
    from polyjudge.reconcile.platt import recalibrated, recalibration

    rng = np.random.default_rng(2)
    cells = np.repeat([0, 1], [200, 1800])
    f = np.where(cells == 0, rng.uniform(0.4, 0.9, 2000), rng.uniform(0.01, 0.05, 2000))
    y = rng.random(2000) < np.where(cells == 0, f, 2 * f)
    sample = np.zeros(2000, bool)
    sample[:40] = sample[200:300] = True
    weight = np.where(cells == 0, 200 / 40, 1800 / 100)
    est = poststratified_rate(
        y, weight, sample, np.ones(2000, bool), cells, prediction=f, design_strata=cells
    )
    lam = est["cells"][0].lam
    g = recalibrated(f[sample], *recalibration(f[sample], y[sample].astype(float)))
    v = np.maximum(f[sample] * (1 - f[sample]), g * (1 - g))
    half2 = 0.0
    used = []
    for c, (N, n) in enumerate(((200, 40), (1800, 100))):
        at = cells[sample] == c
        ys, fs, vs, w = y[sample][at].astype(float), f[sample][at], v[at], N / n
        e = ys - lam * fs
        a = n / (n - 1) * (1 - 1 / w) * (w / (w * n)) ** 2
        design = np.sum(a * (e - e.mean()) ** 2)
        noise = np.sqrt(np.sum(a * a * vs * (1 - 2 * (lam * fs + e.mean())) ** 2))
        total = w * n
        pseudo = PSEUDO_POSITIVES / (n / w) * (total - n) / total**2
        floor = max(np.sum((w * w - w) * vs) / total**2, pseudo)
        used.append((design, noise, floor))
        half2 += (N / 2000) ** 2 * max(design - noise, floor)
        assert est["cells"][c].variance() == pytest.approx(max(design - noise, floor), rel=1e-9)
    (d0, noise0, floor0), (d1, noise1, floor1) = used
    assert floor0 < d0 < floor0 + noise0  # the floor, where max(plug-in, floor) took the plug-in
    assert d1 - noise1 > floor1  # the plug-in less its calibrated noise
    half = 1.959963984540054 * np.sqrt(half2)
    assert est["ci95"] == pytest.approx([est["rate"] - half, est["rate"] + half])
