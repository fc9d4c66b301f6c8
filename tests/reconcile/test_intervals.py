"""Interval formulas against published values and closed forms."""

from __future__ import annotations

import math

import pytest

from polyjudge.reconcile.intervals import (
    beta_cdf,
    beta_ppf,
    jeffreys,
    newcombe_difference,
    newcombe_paired,
    wilson,
    wilson_bcd,
    wilson_modified,
    wilson_width,
)


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [
        # Newcombe (1998a), "Two-sided confidence intervals for the single proportion",
        # Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(x: int, n: int, lo: float, hi: float) -> None:
    got = wilson(x, n)
    assert got is not None
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lo", "hi"),
    [
        # Newcombe (1998b), "Interval estimation for the difference between independent
        # proportions", Statistics in Medicine 17:873-890, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_newcombe_hybrid_score_matches_table_ii(x1, n1, x2, n2, lo, hi) -> None:
    got = newcombe_difference(x1, n1, x2, n2)
    assert got is not None
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


@pytest.mark.parametrize(
    ("both", "only_a", "only_b", "neither", "lo", "hi"),
    [
        # Newcombe (1998), "Improved confidence intervals for the difference between binomial
        # proportions based on paired data", Statistics in Medicine 17:2635-2650, Table II,
        # method 10 (the same four examples are in the tests of the R package propint).
        (36, 12, 2, 0, 0.0569, 0.3404),
        (18, 12, 2, 18, 0.0562, 0.3290),
        (53, 0, 0, 1, -0.0729, 0.0729),
        (0, 30, 0, 0, 0.8395, 1.0),
    ],
)
def test_newcombe_paired_matches_table_ii(both, only_a, only_b, neither, lo, hi) -> None:
    got = newcombe_paired(both, only_a, only_b, neither)
    assert got is not None
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_pairing_narrows_the_interval_when_the_conditions_agree() -> None:
    # 50 prompts, 20 unsafe under both conditions, 5 only under a: the paired interval is
    # narrower than the independent one on the same margins (25/50 vs 20/50).
    paired = newcombe_paired(20, 5, 0, 25)
    independent = newcombe_difference(25, 50, 20, 50)
    assert paired is not None and independent is not None
    assert paired[1] - paired[0] < independent[1] - independent[0]
    assert paired[0] > 0 > independent[0]  # only the paired analysis sees the difference


def test_no_data_no_interval() -> None:
    assert wilson(0, 0) is None
    assert jeffreys(0, 0) is None
    assert newcombe_difference(1, 2, 0, 0) is None
    assert newcombe_paired(0, 0, 0, 0) is None


@pytest.mark.parametrize("q", [0.025, 0.2, 0.5, 0.9, 0.975])
def test_beta_quantiles_against_closed_forms(q: float) -> None:
    # Beta(1, 1) is uniform; Beta(½, ½) is the arcsine law, F(x) = (2/π)·asin(√x).
    assert beta_ppf(q, 1.0, 1.0) == pytest.approx(q, abs=1e-10)
    assert beta_ppf(q, 0.5, 0.5) == pytest.approx(math.sin(math.pi * q / 2) ** 2, abs=1e-10)
    # Beta(a, 1): F(x) = x^a.
    assert beta_cdf(0.3, 2.5, 1.0) == pytest.approx(0.3**2.5, abs=1e-12)


def test_jeffreys_boundaries() -> None:
    lo, hi = jeffreys(0, 10)
    assert lo == 0.0 and 0 < hi < 1
    # The x = 0 upper limit is the 97.5% point of the Beta(½, 10½) posterior.
    assert beta_cdf(hi, 0.5, 10.5) == pytest.approx(0.975, abs=1e-9)
    lo, hi = jeffreys(10, 10)
    assert hi == 1.0 and 0 < lo < 1


def test_wilson_width_formula_is_the_interval_width() -> None:
    for x, n in [(3, 10), (50, 200), (1, 1000)]:
        lo, hi = wilson(x, n)
        assert wilson_width(x / n, n) == pytest.approx(hi - lo, abs=1e-12)


def test_modified_wilson_uses_the_poisson_limits_near_zero() -> None:
    # Brown, Cai & DasGupta (2001) §4.1.1: λ_x = ½χ²_{2x}(0.05) = 0.0513, 0.3554, 0.8177.
    for x, lam in ((1, 0.0513), (2, 0.3554), (3, 0.8177)):
        lo, hi = wilson_modified(x, 200)
        assert lo == pytest.approx(lam / 200, abs=1e-6)
        assert hi == wilson(x, 200)[1]
        lo, hi = wilson_modified(200 - x, 200)  # symmetric at the top
        assert hi == pytest.approx(1 - lam / 200, abs=1e-6)
    assert wilson_modified(4, 200) == wilson(4, 200)
    assert wilson_modified(2, 40)[0] == pytest.approx(0.3554 / 40, abs=1e-6)
    assert wilson_modified(3, 40) == wilson(3, 40)  # x* = 2 for n ≤ 50


def test_the_modification_at_a_fractional_effective_count() -> None:
    # A cell's Wilson limits are taken at its effective count p̂·n* (`cell_intervals`). Its
    # Poisson bound λ solves P(Gamma(x, 1) ≤ λ) = 0.05; at x = 3/2 that CDF has the closed form
    # erf(√λ) − 2·sqrt(λ/π)·e^(−λ) (Abramowitz & Stegun 1964, 6.5.17 and 6.5.21).
    lo, hi = wilson_bcd(1.5, 120.0)
    lam = lo * 120.0
    assert math.erf(math.sqrt(lam)) - 2 * math.sqrt(lam / math.pi) * math.exp(-lam) == (
        pytest.approx(0.05, abs=1e-9)
    )
    assert lo < wilson(1.5, 120.0)[0]  # only ever wider
    assert hi == wilson(1.5, 120.0)[1]
    # Whole counts are the modified Wilson interval itself; past x* the plain one.
    assert wilson_bcd(2.0, 200.0) == pytest.approx(wilson_modified(2, 200), abs=1e-12)
    assert wilson_bcd(3.5, 200.0) == wilson(3.5, 200.0)
    assert wilson_bcd(2.5, 40.0) == wilson(2.5, 40.0)  # x* = 2 for n ≤ 50
    low_top, high_top = wilson_bcd(118.5, 120.0)  # symmetric at the top
    assert high_top == pytest.approx(1 - lam / 120.0, abs=1e-12)


def test_modified_jeffreys_opens_the_limit_at_one_success() -> None:
    assert jeffreys(1, 50)[0] == 0.0
    assert jeffreys(49, 50)[1] == 1.0
    assert jeffreys(2, 50)[0] > 0
