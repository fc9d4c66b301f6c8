"""How many items each stratum gets, and each item's inclusion probability.

`neyman` — Neyman's (1934) allocation n_h ∝ N_h·S_h (Cochran 1977, "Sampling Techniques",
§5.5), the allocation that minimises the variance of a stratified mean for a fixed total; here
S_h = sqrt(p_h(1 − p_h)) with a planning value p_h per stratum. Every stratum gets between
`lower[h]` (at least a floor, so that every item keeps π > 0) and N_h items: cells that hit a
bound are fixed there and the rest is re-allocated among the others, as Cochran §5.8 does for
n_h > N_h. Integers by largest remainder. With S_h = 0 everywhere it falls back to N_h
(proportional allocation).

`active_probabilities` — inclusion probabilities π_i ∝ s_i (an item's uncertainty score,
Zrnic & Candès 2024, "Active Statistical Inference", ICML), clipped to [floor, 1] and scaled so
that Σ π_i = n (Poisson sampling: each item is drawn independently with its π_i, so the realised
size varies around n).
"""

from __future__ import annotations

import math

import numpy as np


def planning_sd(p: float) -> float:
    return math.sqrt(max(p, 0.0) * max(1.0 - p, 0.0))


def _real_allocation(
    sizes: np.ndarray, weights: np.ndarray, total: float, lower: np.ndarray
) -> np.ndarray:
    """Real-valued n_h ∝ weights, lower ≤ n_h ≤ sizes, Σ n_h = total (≤ Σ sizes)."""
    fixed = np.full(sizes.size, np.nan)
    while True:
        free = np.isnan(fixed)
        left = total - np.nansum(fixed)
        w = weights[free]
        if w.sum() <= 0:
            w = sizes[free].astype(float)
        share = np.zeros(sizes.size)
        share[free] = left * w / w.sum() if w.sum() > 0 else 0.0
        over = free & (share > sizes)
        under = free & (share < lower)
        if not over.any() and not under.any():
            return np.where(free, share, fixed)
        fixed[over] = sizes[over]
        if not over.any():
            fixed[under] = lower[under]


def _round(real: np.ndarray, sizes: np.ndarray, lower: np.ndarray, total: int) -> np.ndarray:
    n = np.maximum(np.floor(real + 1e-9).astype(np.int64), lower)
    n = np.minimum(n, sizes)
    order = np.argsort(-(real - np.floor(real + 1e-9)), kind="stable")
    while n.sum() < total:
        moved = False
        for h in order:
            if n.sum() >= total:
                break
            if n[h] < sizes[h]:
                n[h] += 1
                moved = True
        if not moved:
            break
    while n.sum() > total:  # only when the floors alone exceed the total
        h = int(np.argmax(np.where(n > lower, n, -1)))
        if n[h] <= lower[h]:
            break
        n[h] -= 1
    return n


def neyman(
    sizes: list[int],
    sds: list[float],
    total: int,
    floor: int = 2,
    lower: list[int] | None = None,
) -> list[int]:
    """Integer n_h ∝ N_h·S_h summing to min(total, Σ N_h), each at least min(N_h, floor) and
    at least lower[h] (items already sampled there)."""
    size = np.asarray(sizes, dtype=np.int64)
    total = int(min(total, size.sum()))
    low = np.minimum(size, floor)
    if lower is not None:
        low = np.maximum(low, np.minimum(size, np.asarray(lower, dtype=np.int64)))
    total = max(total, int(low.sum()))
    weights = size * np.asarray(sds, dtype=float)
    real = _real_allocation(size, weights, float(total), low.astype(float))
    return [int(x) for x in _round(real, size, low, total)]


def proportional(
    sizes: list[int], total: int, floor: int = 1, lower: list[int] | None = None
) -> list[int]:
    """n_h ∝ N_h (the expected allocation of a uniform sample), same bounds as `neyman`."""
    return neyman(sizes, [1.0] * len(sizes), total, floor, lower)


def active_probabilities(scores: np.ndarray, n: float, floor_share: float = 0.2) -> np.ndarray:
    """π_i = clip(c·s_i, f, 1) with f = floor_share·n/N and c such that Σ π_i = n."""
    size = scores.size
    if size == 0:
        return np.zeros(0)
    if n >= size:
        return np.ones(size)
    floor = floor_share * n / size
    s = np.maximum(np.asarray(scores, dtype=float), 0.0)
    if s.max() <= 0:
        return np.full(size, n / size)

    def total(c: float) -> float:
        return float(np.clip(c * s, floor, 1.0).sum())

    lo, hi = 0.0, 1.0
    while total(hi) < n:
        hi *= 2
        if hi > 1e12:
            break
    for _ in range(100):
        mid = (lo + hi) / 2
        if total(mid) < n:
            lo = mid
        else:
            hi = mid
    return np.clip(hi * s, floor, 1.0)
