"""Intervals of post-stratified rates, and the per-cell sums they need.

**The interval.** MOVER for the sum Σ_c W_c p_c (Zou & Donner 2008, "Construction of
confidence limits about effect measures: a general approach", Stat Med 27:1693; Newcombe's
square-and-add): with each cell's limits (l_c, u_c),

    Σ W_c p̂_c − sqrt(Σ W_c² (p̂_c − l_c)²),   Σ W_c p̂_c + sqrt(Σ W_c² (u_c − p̂_c)²).

A cell's limits are the Wilson score interval at its effective size n_eff/(1 − n_c/N_c): Kish's
(1965) n_eff = (Σw)²/Σw² (n_c with equal weights), divided by the finite-population
correction. The score interval keeps its asymmetry where a cell holds few or no positives (a
judge-safe stratum with ≤ 1 expected false negative, or half of a small language sampled),
where a Wald or CLT interval — PPI++'s included, or the Price & Bonett (2004) adjusted Wald
tried first — under-covers (0.85 where this gives 0.96; bench/efficiency_sim.py measures it
against `ppi_py`). A cell with a power-tuned prediction (`poststratified_rate`) contributes
the symmetric interval of its difference estimate, with Price & Bonett's pseudo-observations
(2/m of each outcome, m cells) in its variance. One cell with equal weights gets the modified
Wilson interval (`intervals.wilson_modified`), without the correction, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .intervals import containing, wilson, wilson_modified

Z95 = 1.959963984540054


@dataclass
class CellStats:
    """One cell's estimate p̂ = λ·mean_U(f) + Σ_S w(y − λf)/Σ_S w and the sums its interval
    needs (λ = 0 without predictions: the Hájek mean)."""

    population: int
    sampled: int
    estimate: float
    lam: float = 0.0
    mean_prediction: float = 0.0  # mean of f over the cell's population
    w: float = 0.0  # Σw
    we: float = 0.0  # Σw·e, e = y − λf
    w2: float = 0.0  # Σw²
    w2e: float = 0.0  # Σw²·e
    w2ee: float = 0.0  # Σw²·e²
    wf: float = 0.0  # Σw·f
    borrowed: bool = False  # estimated from the parent's sample

    @property
    def n_eff(self) -> float:
        """Kish's effective sample size (Σw)²/Σw²."""
        return self.w * self.w / self.w2 if self.w2 else 0.0

    def adjusted(self, pseudo: float) -> tuple[float, float]:
        """(centre, variance) with `pseudo` pseudo-observations of y = 1 and of y = 0 at the
        mean weight and the mean prediction: Price & Bonett's adjustment (pseudo = 2/m), which
        for equal weights and no prediction gives exactly p̃ and p̃(1 − p̃)/(n + 4/m)."""
        v = self.w / self.sampled
        f_bar = self.wf / self.w
        e1, e0 = 1 - self.lam * f_bar, -self.lam * f_bar
        w = self.w + 2 * pseudo * v
        we = self.we + pseudo * v * (e1 + e0)
        w2 = self.w2 + 2 * pseudo * v * v
        w2e = self.w2e + pseudo * v * v * (e1 + e0)
        w2ee = self.w2ee + pseudo * v * v * (e1 * e1 + e0 * e0)
        e_bar = we / w
        variance = max(w2ee - 2 * e_bar * w2e + e_bar * e_bar * w2, 0.0) / (w * w)
        fpc = 1.0  # a borrowed cell carries its parent's sampling error whole
        if not self.borrowed:
            fpc = 0.0 if self.sampled >= self.population else 1 - self.sampled / self.population
        return self.lam * self.mean_prediction + e_bar, variance * fpc


def mover_interval(
    stats: list[CellStats], weights: np.ndarray, estimate: float, z: float = Z95
) -> list[float]:
    m = len(stats)
    if m == 1 and stats[0].sampled > 0 and stats[0].lam == 0:
        only = stats[0]
        n_eff = only.n_eff
        x_eff = only.estimate * n_eff
        whole = math.isclose(n_eff, round(n_eff)) and math.isclose(
            x_eff, round(x_eff), abs_tol=1e-6
        )
        if whole and z == Z95:
            ci = wilson_modified(int(round(x_eff)), int(round(n_eff)))
        else:  # unequal weights: Wilson at Kish's effective size
            ci = wilson(min(max(x_eff, 0.0), n_eff), n_eff, z)
        return containing(ci, estimate)
    below = above = 0.0
    for wc, cell in zip(weights, stats, strict=True):
        low, high = _cell_limits(cell, 2 / m, z)
        below += (wc * (cell.estimate - low)) ** 2
        above += (wc * (high - cell.estimate)) ** 2
    return containing(
        (max(0.0, estimate - math.sqrt(below)), min(1.0, estimate + math.sqrt(above))), estimate
    )


def _cell_limits(cell: CellStats, pseudo: float, z: float) -> tuple[float, float]:
    """One cell's limits for the MOVER sum: the Wilson score interval at the cell's effective
    size n_eff / (1 − n/N) (Kish's size, finite-population corrected); with a prediction
    (λ > 0), the symmetric interval of the pseudo-observation-adjusted difference estimate."""
    fpc = 1.0 if cell.borrowed else max(1 - cell.sampled / cell.population, 0.0)
    if fpc == 0.0:
        return cell.estimate, cell.estimate
    if cell.lam == 0:
        n = cell.n_eff / fpc
        low, high = wilson(min(max(cell.estimate * n, 0.0), n), n, z) or (0.0, 1.0)
        return min(low, cell.estimate), max(high, cell.estimate)
    # The adjusted centre moves towards the pseudo-observations; in a cell sampled nearly whole
    # the (finite-population corrected) half-width can be smaller than that move, and an
    # interval about the centre alone would stop at the estimate (0.79 coverage in
    # bench/efficiency_sim.py: active design, 5 unsafe items in 1,000). Both are kept.
    centre, variance = cell.adjusted(pseudo)
    half = z * math.sqrt(variance)
    return min(centre, cell.estimate) - half, max(centre, cell.estimate) + half
