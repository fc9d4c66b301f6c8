"""Cohen's kappa from a square confusion table, with a large-sample confidence interval."""

from __future__ import annotations

import math

import numpy as np

from .intervals import Z95


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


def kappa_variance(table: np.ndarray) -> float | None:
    """Large-sample variance of κ̂ (Fleiss, Cohen & Everitt 1969, "Large sample standard errors
    of kappa and weighted kappa", Psychological Bulletin 72:323-327, eq. 13):

        var = [ Σ_i p_ii((1−p_e) − (p_.i + p_i.)(1−p_o))²
                + (1−p_o)² Σ_{i≠j} p_ij (p_.i + p_j.)²
                − (p_o p_e − 2p_e + p_o)² ] / (n (1−p_e)⁴)
    """
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n <= 0:
        return None
    p = table / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    po = float(np.trace(p))
    pe = float((row * col).sum())
    if pe >= 1.0 - 1e-12:
        return None
    diag = np.diag(p)
    a = float((diag * ((1 - pe) - (col + row) * (1 - po)) ** 2).sum())
    weights = (col[:, None] + row[None, :]) ** 2  # cell (i, j): (p_.i + p_j.)²
    off = p * weights
    b = (1 - po) ** 2 * float(off.sum() - np.trace(off))
    c = (po * pe - 2 * pe + po) ** 2
    return max(0.0, (a + b - c) / (n * (1 - pe) ** 4))


def kappa_interval(table: np.ndarray, z: float = Z95) -> tuple[float, float] | None:
    """κ̂ ± z·SE (Fleiss, Cohen & Everitt 1969), clipped to [−1, 1]."""
    kappa, _ = cohen_kappa(table)
    var = kappa_variance(table)
    if kappa is None or var is None:
        return None
    half = z * math.sqrt(var)
    return (max(-1.0, kappa - half), min(1.0, kappa + half))
