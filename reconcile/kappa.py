"""Cohen's kappa from a square confusion table, with a Bayesian (Dirichlet-Jeffreys) interval.

The textbook large-sample interval κ̂ ± z·SE (Fleiss, Cohen & Everitt 1969) covered the true
kappa in as few as 35-60% of simulated samples when unsafe items are rare (prevalence 1%,
100 gold items): its SE collapses when a class is absent. The posterior interval below keeps
95% coverage across the settings of bench/coverage_sim.py."""

from __future__ import annotations

import numpy as np


def cohen_kappa(table: np.ndarray) -> tuple[float | None, str | None]:
    """Cohen (1960): κ = (p_o − p_e) / (1 − p_e), p_e = Σ_i p_i. p_.i. None with a reason
    when undefined (no items, or chance agreement 1: both raters used one same value)."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n <= 0:
        return None, "no shared items"
    p = table / n
    po = float(np.trace(p))
    pe = float((p.sum(axis=1) * p.sum(axis=0)).sum())
    if pe >= 1.0 - 1e-12:
        return None, "no variation: both raters gave one and the same value to every item"
    return (po - pe) / (1 - pe), None


KAPPA_DRAWS = 4000


def kappa_posterior_interval(
    table: np.ndarray, rng: np.random.Generator, draws: int = KAPPA_DRAWS, level: float = 0.95
) -> tuple[float, float] | None:
    """The equal-tailed interval of `kappa_posterior` alone."""
    summary = kappa_posterior(table, rng, draws, level)
    return None if summary is None else summary[1]


def kappa_posterior(
    table: np.ndarray, rng: np.random.Generator, draws: int = KAPPA_DRAWS, level: float = 0.95
) -> tuple[float, tuple[float, float]] | None:
    """Median and equal-tailed interval of κ under the Dirichlet(table + ½) posterior of the
    cell probabilities (Jeffreys prior on the multinomial), by Monte Carlo. Unlike κ̂ ± z·SE it
    stays honest when a class is rare or absent in the sample (the large-sample SE collapses to
    0 there); see bench/coverage_sim.py.

    The median is the point reported with the interval. The plug-in κ̂ sits near the top of
    this posterior when agreement is high (the ½ prior on empty off-diagonal cells pulls κ
    down), so κ̂ beside the interval read as `0.957 [0.686, 0.958]`; the median lies inside the
    interval by construction, and the interval is left as the posterior gives it."""
    table = np.asarray(table, dtype=float)
    if table.sum() <= 0:
        return None
    k = table.shape[0]
    cells = rng.dirichlet(table.ravel() + 0.5, size=draws).reshape(draws, k, k)
    po = np.trace(cells, axis1=1, axis2=2)
    pe = (cells.sum(axis=2) * cells.sum(axis=1)).sum(axis=1)
    kappa = (po - pe) / (1 - pe)
    tail = (1 - level) / 2
    lo, median, hi = np.quantile(kappa, [tail, 0.5, 1 - tail])
    return float(median), (float(lo), float(hi))
