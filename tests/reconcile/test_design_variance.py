"""The interval follows the design that drew the labels: a sample drawn without replacement from
the N items of a language (`polyjudge sample`) carries the finite-population correction 1 − n/N
also when one cell is estimated (a language's human-only rate), and the variance between the
strata the design fixed is kept out. Labels with no sample behind them stay an infinite-
population (with-replacement) sample: the published Wilson examples are unchanged
(`test_published_examples.py`). Checked by hand computation and by simulation with known
truth."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from polyjudge.reconcile.allocation import active_probabilities
from polyjudge.reconcile.design import POISSON, Design, stratum_code
from polyjudge.reconcile.intervals import wilson_modified
from polyjudge.reconcile.platt import recalibration
from polyjudge.reconcile.poststratified import poststratified_rate
from polyjudge.store import Project

from tests.reconcile.helpers import build_project, cli_ok

Z = 1.959963984540054


def _wilson(p: float, n: float) -> tuple[float, float]:
    """Wilson (1927) score interval at a (fractional) size n, written out by hand."""
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def test_half_of_a_language_sampled_gets_the_finite_population_correction(
    tmp_path: Path,
) -> None:
    # 200 items in one language, every 5th unsafe; `sample --per-language 100` draws a simple
    # random sample without replacement (no judge: one stratum). The unbiased variance of the
    # sample share is v = (1 − n/N)·p̂(1 − p̂)/(n − 1) (Cochran 1977, "Sampling Techniques",
    # Theorem 3.2), i.e. the effective size p̂(1 − p̂)/v = (n − 1)/(1 − n/N) = 198 labels, and the
    # report gives the Wilson interval at it. Before, the interval ignored that half of the
    # language was labelled (Wilson at n = 100: about 1.4 times as wide).
    items = [{"language": "ar"} for _ in range(200)]
    truth = {i + 1: "unsafe" if i % 5 == 0 else "safe" for i in range(200)}
    db = tmp_path / "p.db"
    build_project(db, items).close()
    cli_ok("sample", "--per-language", "100", "--seed", "3", "--db", str(db))
    with Project.open(db) as project:
        annotator = project.annotators.ensure("rater").id
        for a in project.assignments.all():
            project.labels.add(a.response_id, annotator, truth[a.response_id])
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    block = report["unsafe_rate"]["by_language"]["ar"]
    n, x = block["n"], block["unsafe"]
    assert n == 100
    p = x / n
    assert block["rate"] == pytest.approx(p)
    # the report rounds to 5 decimals
    assert block["ci95"] == pytest.approx(_wilson(p, (n - 1) / (1 - n / 200)), abs=6e-6)


def test_a_stratified_sample_of_half_a_language_covers_as_stated() -> None:
    # Simulation with known truth (the language's own unsafe share): 1,000 items, 10% unsafe,
    # a judge of sensitivity 0.9 and specificity 0.9 splits them into two strata, and a
    # proportional sample takes half of each (250 + 250 labels of 1,000 with its two design
    # strata). The human-only rate over the language (one cell spanning both strata) has a
    # variance far under an unstratified sample's, and the correction 1 − n/N halves it again.
    # Before, its interval covered 400 of 400 (1.000 over 3,000 replicates at another seed,
    # half-width 1.8 times the estimate's standard deviation); now 386 (0.949 ± 0.004 over
    # those 3,000). A false failure (fewer than 364 or more than 392 of 400 covered) has
    # probability 4e-4 + 5e-4 at a true coverage of 0.949, at most 0.007 anywhere in
    # 0.94-0.96 (binomial tails; the seed is fixed, so the outcome is too).
    rng = np.random.default_rng(20261203)
    size, reps, hits = 1_000, 400, 0
    for _ in range(reps):
        y, sample, weight, strata = _half_of_each_stratum(rng, size)
        cells = np.zeros(size, np.int64)
        est = poststratified_rate(
            y, weight, sample, np.ones(size, bool), cells, design_strata=strata
        )
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
    assert 364 <= hits <= 392, f"{hits} of {reps} intervals covered the language's rate"


def _half_of_each_stratum(
    rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """10% unsafe; a judge of sensitivity and specificity 0.9 splits the items into two
    strata, and a proportional sample takes half of each: (y, sample, weight, design strata)."""
    y = rng.random(size) < 0.1
    flagged = np.where(y, rng.random(size) < 0.9, rng.random(size) < 0.1)
    strata = np.full(size, -2)
    sample = np.zeros(size, bool)
    weight = np.ones(size)
    codes: dict[tuple[str, str], int] = {}
    for name, members in (("unsafe", np.flatnonzero(flagged)), ("other", np.flatnonzero(~flagged))):
        chosen = rng.choice(members, members.size // 2, replace=False)
        sample[chosen] = True
        weight[members] = members.size / chosen.size
        strata[chosen] = stratum_code(codes, "ar", f"judge:1:{name}")
    return y, sample, weight, strata


def test_the_labelled_fifth_of_such_a_sample_covers_as_stated() -> None:
    # As above, but a report is read when the first fifth of the sample's walk (a random
    # order, `store.queue`) is labelled: 100 of the 500, as they fall in the two strata. Each
    # is weighted as the report weighs the labelled part of a sample (`labelled_weight`: its
    # stratum's N_h over the n'_h labelled). Now 388 of 400 (0.963 over 3,000 replicates at
    # another seed: MOVER over two Wilson intervals, a little conservative); with the
    # sample's stored weights (N_h/n_h and the correction 1 − n_h/N_h of the whole sample),
    # 325 (0.81).
    rng = np.random.default_rng(20261204)
    size, reps, hits = 1_000, 400, 0
    for _ in range(reps):
        y, sample, weight, strata = _half_of_each_stratum(rng, size)
        labelled = np.zeros(size, bool)
        labelled[rng.permutation(np.flatnonzero(sample))[: sample.sum() // 5]] = True
        design = Design(sample, weight, np.ones(size, bool), strata, np.zeros(size, np.int64))
        est = poststratified_rate(
            y,
            design.labelled_weight(labelled),
            labelled,
            np.ones(size, bool),
            np.zeros(size, np.int64),
            design_strata=strata,
        )
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
    assert 364 <= hits <= 396, f"{hits} of {reps} intervals covered the language's rate"


def test_an_active_sample_uses_each_items_own_inclusion_probability() -> None:
    # Poisson sampling (an `active` sample): π_i = 0.9 for 100 items, 0.1 for 900, 1,000
    # items in one cell. The linearised variance of the Hájek share is
    # Σ_S (1 − π_i)·w_i²(y_i − p̂)²/(Σ_S w)² (Särndal, Swensson & Wretman 1992, ch. 5: a
    # ratio's Taylor variance under Poisson sampling), by hand below; the interval is the
    # Wilson interval at p̂(1 − p̂)/v, capped at Kish's (Σw)²/Σw² over 1 − n/N.
    rng = np.random.default_rng(7)
    size = 1_000
    pi = np.where(np.arange(size) < 100, 0.9, 0.1)
    y = rng.random(size) < np.where(pi > 0.5, 0.5, 0.05)
    sample = rng.random(size) < pi
    weight = 1 / pi
    strata = np.where(sample, POISSON, -2)
    est = poststratified_rate(
        y,
        weight,
        sample,
        np.ones(size, bool),
        np.zeros(size, np.int64),
        design_strata=strata,
    )
    w, ys = weight[sample], y[sample].astype(float)
    p = float(np.sum(w * ys) / np.sum(w))
    v = float(np.sum((1 - 1 / w) * w * w * (ys - p) ** 2) / np.sum(w) ** 2)
    n = int(sample.sum())
    kish = np.sum(w) ** 2 / np.sum(w * w)
    effective = min(p * (1 - p) / v, kish / (1 - n / size))
    assert est["rate"] == pytest.approx(p, abs=1e-12)
    assert est["ci95"] == pytest.approx(_wilson(p, effective), abs=1e-9)


def _covered_of_400_active_draws(
    seed: int, unsafe_share: tuple[float, float], with_p_unsafe: bool
) -> int:
    """How many of 400 simulated active samples give a human-only interval covering the
    language's own unsafe share: 1,000 items, the 900 confident ones at the π floor 0.02 and the
    100 uncertain ones at π = 0.82, each unsafe with its group's `unsafe_share` (the calibrated
    p(unsafe), given as the variance model `with_p_unsafe`)."""
    rng = np.random.default_rng(seed)
    size, hits = 1_000, 0
    confident = np.arange(size) >= 100
    pi = np.where(confident, 0.02, 0.82)
    u = np.where(confident, *unsafe_share)
    for _ in range(400):
        y = rng.random(size) < u
        sample = rng.random(size) < pi
        est = poststratified_rate(
            y,
            1 / pi,
            sample,
            np.ones(size, bool),
            np.zeros(size, np.int64),
            design_strata=np.where(sample, POISSON, -2),
            variance_model=u if with_p_unsafe else None,
        )
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
    return hits


def test_an_active_sample_resting_on_few_heavy_items_covers_as_stated() -> None:
    # Simulation with known truth (the language's own unsafe share). An active sample by a
    # sharp p(unsafe) leaves the confident items at the π floor: here 900 of 1,000 at π = 0.02
    # (12% of them unsafe) and 100 uncertain ones at π = 0.82 (half unsafe). The human-only
    # rate rests on about 18 floor items of weight 50 and their 2 positives, and its plug-in
    # variance is as skewed as they are. Capped at n labels, the interval covered 0.865 over
    # 3,000 replicates (another seed); capped at the weights' Kish size, 0.972. A false
    # failure (fewer than 368 of 400 covered, 0.92) has probability under 1e-5 at 0.972.
    hits = _covered_of_400_active_draws(20261201, (0.12, 0.5), with_p_unsafe=False)
    assert hits >= 368, f"{hits} of 400 intervals covered the language's rate"


def test_an_active_samples_human_rate_has_the_anticipated_variance_of_all_its_items() -> None:
    # The human-only rate of an active sample, with the judge's p(unsafe) u for every item
    # (`variance_model`): the estimate is the labels' Hájek mean as before, and the variance
    # is never below its anticipated value over all N items, drawn or not (Isaki & Fuller
    # 1982, JASA 77:89), AV = Σ_U (1/π_i − 1)(p̂² + (1 − 2p̂)u_i)/N², by hand below. π is a
    # function of the uncertainty √(u(1 − u)), as `sample --design active` draws, so the
    # drawn items give 1/π of the others exactly. The plug-in variance v displaces AV only by
    # what it exceeds it beyond its noise were u calibrated, sqrt(Σ_S a_i²·u_i(1 − u_i)(1 − 2p̂)²)
    # with a_i = (1 − π_i)w_i²/(Σ_S w)², and the interval is the Wilson interval at
    # p̂(1 − p̂)/max(v − noise, AV), no longer capped at Kish's size. Before, p(unsafe) had no
    # part in a human-only rate.
    rng = np.random.default_rng(11)
    size = 1_000
    confident = np.arange(size) >= 100
    pi = np.where(confident, 0.02, 0.82)
    u = np.where(confident, 0.005, 0.3)  # positives sit where π is high
    y = rng.random(size) < u
    sample = rng.random(size) < pi
    # The labels do not reject u as calibrated (`platt`): u is taken as given.
    assert recalibration(u[sample], y[sample].astype(float)) == (0.0, 1.0)
    est = poststratified_rate(
        y,
        1 / pi,
        sample,
        np.ones(size, bool),
        np.zeros(size, np.int64),
        design_strata=np.where(sample, POISSON, -2),
        variance_model=u,
    )
    w, ys, us = 1 / pi[sample], y[sample].astype(float), u[sample]
    p = float(np.sum(w * ys) / np.sum(w))
    anticipated = float(np.sum((1 / pi - 1) * (p * p + (1 - 2 * p) * u)) / size**2)
    a = (1 - 1 / w) * w * w / np.sum(w) ** 2
    v = float(np.sum(a * (ys - p) ** 2))
    noise = math.sqrt(float(np.sum(a * a * us * (1 - us) * (1 - 2 * p) ** 2)))
    assert est["rate"] == pytest.approx(p, abs=1e-12)
    assert est["cells"][0].anticipated_variance == pytest.approx(anticipated, rel=1e-9)
    effective = p * (1 - p) / max(v - noise, anticipated)
    assert est["ci95"] == pytest.approx(_wilson(p, effective), abs=1e-9)


def test_an_active_samples_human_rate_with_p_unsafe_covers_as_stated() -> None:
    # Simulation with known truth (the language's own unsafe share): the active sample above,
    # its positives at high π (0.5% of the 900 items at the π floor 0.02, 30% of the 100 at
    # π = 0.82). Over 3,000 replicates (another seed) the interval with the anticipated
    # variance covered 0.983 at a mean width of 0.082 (its errors' 2·1.96·RMSE: 0.069); capped
    # at Kish's size without p(unsafe), 0.995 at 0.188 (bench/efficiency_sim.py has the widths
    # over its grid). A false failure (fewer than 376 of 400 covered, 0.94) has probability
    # under 1e-4 at 0.983.
    hits = _covered_of_400_active_draws(20261202, (0.005, 0.3), with_p_unsafe=True)
    assert hits >= 376, f"{hits} of 400 intervals covered the language's rate"


def test_an_active_sample_drawn_by_one_judge_and_reported_with_another_covers() -> None:
    # The report models the human-only rate's variance with its own judge run's p(unsafe),
    # which need not be the run the active sample was drawn by; the undrawn items' 1/π are
    # then read in bins of the report's judge's uncertainty, where π varies (a Hájek ratio per
    # bin, no longer exact). Simulation with known truth: 2,000 items, unsafe with probability
    # σ(−3.5 + 2.5x) (about 10%); two judges see x through independent noise, one draws 150
    # by `allocation.active_probabilities`, the other's p(unsafe) is the variance model. Over
    # 3,000 replicates (another seed) this covered 0.976. A false failure (fewer than 372 of
    # 400 covered, 0.93) has probability under 1e-4 at 0.97.
    rng = np.random.default_rng(20261204)
    size, hits = 2_000, 0
    for _ in range(400):
        x = rng.normal(size=size)
        y = rng.random(size) < 1 / (1 + np.exp(-(-3.5 + 2.5 * x)))
        drew, reports = (
            1 / (1 + np.exp(-(-3.5 + 2.5 * (x + 0.5 * rng.normal(size=size)) / math.sqrt(1.25))))
            for _ in range(2)
        )
        pi = active_probabilities(np.sqrt(drew * (1 - drew)), 150)
        sample = rng.random(size) < pi
        est = poststratified_rate(
            y,
            1 / pi,
            sample,
            np.ones(size, bool),
            np.zeros(size, np.int64),
            design_strata=np.where(sample, POISSON, -2),
            variance_model=reports,
        )
        low, high = est["ci95"]
        hits += low <= y.mean() <= high
    assert hits >= 372, f"{hits} of 400 intervals covered the language's rate"


def test_languages_never_sampled_pool_without_the_correction() -> None:
    """Two languages of 4 items each, no sample (every design stratum −2: labelled freely),
    every item labelled: 0 of 4 and 2 of 4 unsafe. Alone, each language's rate is the
    (Brown-Cai-DasGupta modified) Wilson interval of its 4 labels (no correction, as the
    published examples); pooled, the interval must be MOVER over those same two intervals, not
    the zero-width census interval the correction 1 − 4/4 gave (0.25 [0.25, 0.25])."""
    cells = np.repeat([0, 1], 4)
    y = np.array([0, 0, 0, 0, 1, 1, 0, 0], bool)
    everything = np.ones(8, bool)
    est = poststratified_rate(
        y, np.ones(8), everything, everything, cells, design_strata=np.full(8, -2)
    )
    (lo_a, hi_a), (lo_b, hi_b) = wilson_modified(0, 4), wilson_modified(2, 4)  # type: ignore[misc]
    rate = 0.5 * 0.0 + 0.5 * 0.5
    low = rate - math.sqrt((0.5 * (0.0 - lo_a)) ** 2 + (0.5 * (0.5 - lo_b)) ** 2)
    high = rate + math.sqrt((0.5 * (hi_a - 0.0)) ** 2 + (0.5 * (hi_b - 0.5)) ** 2)
    assert est["rate"] == pytest.approx(rate)
    assert est["ci95"] == pytest.approx([max(low, 0.0), high], abs=1e-9)


def test_a_project_without_any_sample_pools_without_the_correction(tmp_path: Path) -> None:
    """The same two languages through the real store and `report`, in a project where no
    `sample` was ever run: before, only a project with some sample knew its labels had no
    design, and this one pooled two Wilson intervals of up to 60 points into the zero-width
    census interval 0.25 [0.25, 0.25] (the demo's tier averages showed 0.0% [0.0, 0.0]%)."""
    labels = [0, 0, 0, 0, 1, 1, 0, 0]
    items = [
        {"language": lang, "labels": [("rater", "unsafe" if y else "safe")]}
        for lang, y in zip(["ar"] * 4 + ["bn"] * 4, labels, strict=True)
    ]
    db = tmp_path / "p.db"
    build_project(db, items).close()
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    rates = report["unsafe_rate"]
    (lo_a, hi_a), (lo_b, hi_b) = wilson_modified(0, 4), wilson_modified(2, 4)  # type: ignore[misc]
    rate = 0.25
    low = rate - math.sqrt((0.5 * (0.0 - lo_a)) ** 2 + (0.5 * (0.5 - lo_b)) ** 2)
    high = rate + math.sqrt((0.5 * (hi_a - 0.0)) ** 2 + (0.5 * (hi_b - 0.5)) ** 2)
    assert rates["overall"]["rate"] == pytest.approx(rate)
    # the report rounds to 5 decimals
    assert rates["overall"]["ci95"] == pytest.approx([max(low, 0.0), high], abs=6e-6)


@pytest.mark.parametrize("z", [Z, 2.8])
def test_a_language_spanning_two_strata_is_mover_over_the_strata_wilson_intervals(
    z: float,
) -> None:
    """A language's human-only rate after a sample stratified by verdict: strata of 100 and
    50 items, 10 labels each, 0 and 3 unsafe. The rate is the stratified Σ (N_h/N)·p̂_h, and its
    interval MOVER (Zou & Donner 2008) over each stratum's Wilson interval at its design-
    effective size: (n − 1)/(1 − n/N_h) labels where 0 < p̂_h < 1 (the unbiased variance
    (1 − n/N)p̂(1 − p̂)/(n − 1), Cochran 1977, Theorem 3.2), n/(1 − n/N_h) where p̂_h is 0 — as
    the judge-corrected rate's verdict cells get them. Written out by hand, at z = 1.96 and at
    `report --sequential`'s wider z. Before, one Wilson interval at the effective size of
    Agresti-Coull-adjusted stratum variances (about 2 pseudo-positives a stratum)."""
    sizes, n, unsafe = (100, 50), 10, (0, 3)
    y = np.zeros(150, bool)
    y[100:103] = True
    sample = np.zeros(150, bool)
    sample[:10] = sample[100:110] = True
    weight = np.repeat([100 / n, 50 / n], sizes)
    strata = np.repeat([0, 1], sizes)
    est = poststratified_rate(
        y, weight, sample, np.ones(150, bool), np.zeros(150, np.int64), z=z, design_strata=strata
    )
    shares = np.array(sizes) / 150
    p_h = np.array(unsafe) / n
    p = float(np.sum(shares * p_h))
    fpc = 1 - n / np.array(sizes)
    size = np.array([n, n - 1]) / fpc

    def wilson(q: float, m: float) -> tuple[float, float]:
        centre = (q + z * z / (2 * m)) / (1 + z * z / m)
        half = z / (1 + z * z / m) * math.sqrt(q * (1 - q) / m + z * z / (4 * m * m))
        return centre - half, centre + half

    (l0, u0), (l1, u1) = wilson(p_h[0], size[0]), wilson(p_h[1], size[1])
    below = (shares[0] * (p_h[0] - max(l0, 0.0))) ** 2 + (shares[1] * (p_h[1] - l1)) ** 2
    low = p - math.sqrt(below)
    high = p + math.sqrt((shares[0] * (u0 - p_h[0])) ** 2 + (shares[1] * (u1 - p_h[1])) ** 2)
    assert est["rate"] == pytest.approx(p)
    assert est["ci95"] == pytest.approx([low, high], abs=1e-9)
