"""Platt recalibration of p(unsafe) on the labelled items, for the variance floor of a
judge-corrected cell (`cell_intervals.CellStats.variance`).

A judge's p(unsafe) is often overconfident (logprob scores: Guo et al. 2017, "On calibration of
modern neural networks", ICML). Where a judge-safe stratum's sample holds no positive, the
labels inside it cannot tell a calibrated score from an overconfident one, but the labels of
the whole group (its judge-unsafe items above all) can: logit f̃ = a + b·logit f, fitted by
logistic regression of the labels on the scores (Platt 1999, "Probabilistic outputs for support
vector machines", in Advances in Large Margin Classifiers), with a normal prior of s.d. 1 on
(a, b − 1), centred on the score as given (a weakly informative prior in the sense of Gelman,
Jakulin, Pittau & Su 2008, Ann. Appl. Stat. 2:1360), so that a sample with few or no
positives leaves the score nearly as it is. Unweighted: the designs draw by verdict and score,
so the labels given the score are not biased by the draw.

The fit is used only where the labels reject the score as calibrated: a likelihood-ratio test
of (a, b) = (0, 1), 2 degrees of freedom, at 5% (the deviance drop at the fit over 5.99). A
calibrated score's fit wanders around the identity with the labels' noise, and the variance
floor takes the larger Bernoulli variance per item, so an untested fit raised the floor of a
calibrated score by its noise: bench/efficiency_sim.py's widest judge-corrected interval, 1.27×
PPI++'s, is 1.21× with the test, and the overconfident grids keep every setting at 0.93 within
Monte Carlo noise.
"""

from __future__ import annotations

import numpy as np

PRIOR_SD = 1.0
# The χ² quantile with 2 degrees of freedom at 0.95 (−2·ln 0.05): the deviance drop that
# rejects a calibrated score.
CHI2_2DF_95 = 5.991464547107979
_EPS = 1e-12


def _logit(f: np.ndarray) -> np.ndarray:
    f = np.clip(f, _EPS, 1 - _EPS)
    return np.log(f / (1 - f))


def recalibration(f: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """(a, b) of the maximum a posteriori fit of y ~ Bernoulli(σ(a + b·logit f)); (0, 1)
    without labels or where the fit does not reject the score as calibrated (module doc)."""
    theta = np.array([0.0, 1.0])
    if f.size == 0:
        return 0.0, 1.0
    x = np.column_stack([np.ones(f.size), _logit(f)])
    prior = np.array([0.0, 1.0])
    precision = np.eye(2) / PRIOR_SD**2

    def objective(t: np.ndarray) -> float:
        eta = x @ t
        # Σ y·η − log(1 + e^η), computed without overflow, minus the prior's penalty.
        return float(
            y @ eta - np.logaddexp(0.0, eta).sum() - (t - prior) @ precision @ (t - prior) / 2
        )

    current = objective(theta)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ theta)))
        grad = x.T @ (y - p) - precision @ (theta - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x + precision
        step = np.linalg.solve(hess, grad)
        # Newton's step halved until the (concave) objective rises: logit f spans ±27 on
        # overconfident scores, where a full step overshoots.
        size = 1.0
        while size > 1e-8:
            trial = theta + size * step
            value = objective(trial)
            if value >= current:
                break
            size /= 2
        else:
            break
        theta, current = trial, value
        if np.max(np.abs(size * step)) < 1e-10:
            break

    def log_likelihood(t: np.ndarray) -> float:
        eta = x @ t
        return float(y @ eta - np.logaddexp(0.0, eta).sum())

    if 2 * (log_likelihood(theta) - log_likelihood(prior)) < CHI2_2DF_95:
        return 0.0, 1.0
    return float(theta[0]), float(theta[1])


def recalibrated(f: np.ndarray, a: float, b: float) -> np.ndarray:
    """σ(a + b·logit f)."""
    return 1 / (1 + np.exp(-(a + b * _logit(f))))
