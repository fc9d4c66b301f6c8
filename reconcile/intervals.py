"""Confidence intervals for proportions and their differences, with the formulas cited.

Everything here is plain Python or numpy (no scipy): the Beta quantile needed by Jeffreys
intervals is computed from the regularized incomplete beta function by bisection.
"""

from __future__ import annotations

import math
import statistics

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal

Interval = tuple[float, float]


def wilson(successes: float, n: float, z: float = Z95) -> Interval | None:
    """Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998, "Two-sided
    confidence intervals for the single proportion", method 3):

        (2x + z² ± z·sqrt(z² + 4x(n−x)/n)) / (2(n + z²))

    x and n may be fractional (Kish's effective sizes in reconcile/cell_intervals.py). None when
    n == 0 (no data, no interval)."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    z2 = z * z
    centre = 2 * successes + z2
    half = z * math.sqrt(z2 + 4 * successes * (n - successes) / n)
    denom = 2 * (n + z2)
    lo = 0.0 if successes == 0 else (centre - half) / denom
    hi = 1.0 if successes == n else (centre + half) / denom
    return (max(0.0, lo), min(1.0, hi))


def _gamma_cdf(a: float, x: float) -> float:
    """The regularized lower incomplete gamma function P(a, x), by its series
    e^(−x)·x^a·Σ_k x^k/Γ(a + k + 1) (Abramowitz & Stegun 1964, 6.5.29), for a > 0 and the
    small x the Poisson bounds below need."""
    if x <= 0.0:
        return 0.0
    term = math.exp(a * math.log(x) - x - math.lgamma(a + 1))
    total, k = term, 0
    while term > 1e-17 * total and k < 1000:
        k += 1
        term *= x / (a + k)
        total += term
    return min(total, 1.0)


def _poisson_lower(x: float, alpha: float) -> float:
    """λ with P(Gamma(x, 1) ≤ λ) = α: for whole x, P(Poisson(λ) ≥ x) = α, i.e. ½·χ²_{2x}(α)
    (Garwood 1936); for a fractional effective count, its continuous extension. Bisection."""
    lo, hi = 0.0, 10.0 + 3 * x
    for _ in range(80):
        mid = (lo + hi) / 2
        if _gamma_cdf(x, mid) < alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wilson_modified(successes: int, n: int, alpha: float = 0.05) -> Interval | None:
    """The Wilson interval with Brown, Cai & DasGupta's modification near the boundaries (2001,
    "Interval estimation for a binomial proportion", Statistical Science 16:101-133, §4.1.1):
    for x = 1..x* the lower limit becomes λ_x/n with λ_x = ½χ²_{2x}(α) (0.0513, 0.3554, 0.8177
    at 95%), symmetrically for the upper limit near n; x* = 2 for n ≤ 50, else 3. Plain Wilson
    dips to ~84% coverage just above p = 0 (e.g. n = 100, p = 0.002); this keeps it above ~92%
    (computed exactly here for n = 100, 500, 2000). Only ever wider than Wilson. This is the
    interval every reported proportion uses; `wilson` stays the textbook one (it is what
    Newcombe's difference interval is built from)."""
    z = Z95 if alpha == 0.05 else statistics.NormalDist().inv_cdf(1 - alpha / 2)
    return wilson_bcd(successes, n, z)


def wilson_bcd(successes: float, n: float, z: float = Z95) -> Interval | None:
    """`wilson_modified` at a fractional count and size (a cell's effective size, as
    `cell_intervals` takes its Wilson limits): the lower limit is at most λ_x/n where
    0 < x ≤ x* (λ at the fractional x, `_poisson_lower`), the upper at least 1 − λ_{n−x}/n
    where 0 < n − x ≤ x*. With few positives a cell's plain Wilson lower limit sits too high: a
    judge-corrected rate summed over such cells (MOVER) covered 0.892 at 1% prevalence,
    judge 0.7/0.7, 100 labels a language, every miss above the truth
    (bench/efficiency_sim.py). α is the level of z (two-sided)."""
    alpha = math.erfc(z / math.sqrt(2))
    interval = wilson(successes, n, z)
    if interval is None:
        return None
    lo, hi = interval
    x_star = 2 if n <= 50 else 3
    if 0 < successes <= x_star:
        lo = min(lo, _poisson_lower(successes, alpha) / n)
    if 0 < n - successes <= x_star:
        hi = max(hi, 1 - _poisson_lower(n - successes, alpha) / n)
    return (lo, hi)


def wilson_width(p: float, n: float, z: float = Z95) -> float:
    """Width of the Wilson interval at observed proportion p with n observations:
    2z·sqrt(p(1−p)/n + z²/(4n²)) / (1 + z²/n)."""
    if n <= 0:
        return 1.0
    return 2 * z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval | None:
    """CI for p1 − p2 of two independent proportions: Newcombe's hybrid score interval
    (Newcombe 1998, "Interval estimation for the difference between independent proportions:
    comparison of eleven methods", Statistics in Medicine 17:873-890, method 10). With Wilson
    limits (l1, u1) and (l2, u2) and D = p1 − p2:

        lower = D − sqrt((p1 − l1)² + (u2 − p2)²)
        upper = D + sqrt((u1 − p1)² + (p2 − l2)²)
    """
    a, b = wilson(x1, n1, z), wilson(x2, n2, z)
    if a is None or b is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lower = d - math.sqrt((p1 - a[0]) ** 2 + (b[1] - p2) ** 2)
    upper = d + math.sqrt((a[1] - p1) ** 2 + (p2 - b[0]) ** 2)
    return (max(-1.0, lower), min(1.0, upper))


def mover_difference(
    p1: float, ci1: Interval | list[float], p2: float, ci2: Interval | list[float]
) -> Interval:
    """CI for p1 − p2 of two independent estimates from their own intervals: the MOVER
    construction (Zou & Donner 2008, "Construction of confidence limits about effect measures:
    a general approach", Statistics in Medicine 27:1693-1702), of which Newcombe's method 10
    above is the Wilson case:

        lower = D − sqrt((p1 − l1)² + (u2 − p2)²),  upper = D + sqrt((u1 − p1)² + (p2 − l2)²)
    """
    (l1, u1), (l2, u2) = ci1, ci2
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, lower), min(1.0, upper))


def newcombe_paired(
    both: int, only_a: int, only_b: int, neither: int, z: float = Z95
) -> Interval | None:
    """CI for p_a − p_b from paired data (each unit observed under both conditions): Newcombe's
    square-and-add score interval (Newcombe 1998, "Improved confidence intervals for the
    difference between binomial proportions based on paired data", Statistics in Medicine
    17:2635-2650, method 10). With the 2×2 counts e = both, f = only a, g = only b, h = neither,
    n = e+f+g+h, p_a = (e+f)/n, p_b = (e+g)/n, D = (f−g)/n, Wilson limits (l_a, u_a) and
    (l_b, u_b), and the correlation

        phi = C / sqrt((e+f)(g+h)(e+g)(f+h)),  C = eh−fg − n/2 if eh−fg > n/2,
                                               C = eh−fg if eh−fg < 0, else C = 0
        (phi = 0 when a margin is empty),

        lower = D − sqrt((p_a−l_a)² − 2·phi·(p_a−l_a)(u_b−p_b) + (u_b−p_b)²)
        upper = D + sqrt((p_b−l_b)² − 2·phi·(p_b−l_b)(u_a−p_a) + (u_a−p_a)²)
    """
    n = both + only_a + only_b + neither
    a, b = wilson(both + only_a, n, z), wilson(both + only_b, n, z)
    if a is None or b is None:
        return None
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = 0.0
    if margins > 0:
        cross = both * neither - only_a * only_b
        c = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
        phi = c / math.sqrt(margins)
    d = p_a - p_b
    da, ua = p_a - a[0], a[1] - p_a
    db, ub = p_b - b[0], b[1] - p_b
    lower = d - math.sqrt(max(0.0, da * da - 2 * phi * da * ub + ub * ub))
    upper = d + math.sqrt(max(0.0, db * db - 2 * phi * db * ua + ua * ua))
    return (max(-1.0, lower), min(1.0, upper))


# -- Jeffreys intervals ------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz; the expansion of
    DLMF 8.17.22)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-14:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_ppf(q: float, a: float, b: float) -> float:
    """Quantile of Beta(a, b) by bisection on `beta_cdf` (monotone), to 2⁻⁴⁸ ≈ 4e-15."""
    lo, hi = 0.0, 1.0
    for _ in range(48):
        mid = (lo + hi) / 2
        if beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def jeffreys(successes: int, n: int, level: float = 0.95) -> Interval | None:
    """Jeffreys interval: the equal-tailed interval of the Beta(x + ½, n − x + ½) posterior,
    modified as Brown, Cai & DasGupta (2001, §4.1.2) recommend: the lower limit is 0 for x ≤ 1
    and the upper limit 1 for x ≥ n − 1 (unmodified, it covers a small p only ~86% of the time
    when x = 1 is likely: see bench/coverage_sim.py)."""
    if n <= 0:
        return None
    tail = (1 - level) / 2
    a, b = successes + 0.5, n - successes + 0.5
    lo = 0.0 if successes <= 1 else beta_ppf(tail, a, b)
    hi = 1.0 if successes >= n - 1 else beta_ppf(1 - tail, a, b)
    return (lo, hi)


def containing(interval: list[float] | tuple[float, float] | None, estimate: float | None):
    """Widen a simulated or posterior interval so that it contains the reported estimate.

    Posterior and Monte Carlo intervals with a prior (Dirichlet ½, mid-p draws, the alpha
    pattern prior) are pulled away from the extremes: with kappa = 1 or alpha = 1 in the sample,
    the upper quantile falls below the estimate. A report whose interval excludes its own point
    reads as a bug, so the interval is widened to the estimate; it only grows, so coverage as
    measured by bench/coverage_sim.py cannot drop."""
    if interval is None or estimate is None:
        return None if interval is None else [float(x) for x in interval]
    lo, hi = interval
    return [float(min(lo, estimate)), float(max(hi, estimate))]
