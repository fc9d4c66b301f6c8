"""Platt recalibration of p(unsafe) (`reconcile.platt`): checked on simulated scores whose
miscalibration is known, and against scipy's optimiser on the same penalised likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from polyjudge.reconcile.platt import recalibrated, recalibration


def _overconfident(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose logit is 3·(true logit) − 1, and labels drawn at the true probability."""
    true_logit = rng.normal(-2.0, 2.0, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-true_logit))).astype(float)
    return 1 / (1 + np.exp(-(3 * true_logit - 1))), y


def test_a_known_miscalibration_is_recovered() -> None:
    # logit f = 3t − 1, so t = (logit f + 1)/3: a = b = 1/3. With 20,000 labels the prior
    # (s.d. 1) is negligible and the fit's standard errors are about 0.01.
    f, y = _overconfident(np.random.default_rng(1), 20_000)
    a, b = recalibration(f, y)
    assert a == pytest.approx(1 / 3, abs=0.05)
    assert b == pytest.approx(1 / 3, abs=0.05)
    g = recalibrated(np.array([1e-9]), a, b)[0]
    assert g == pytest.approx(1 / (1 + np.exp(-(np.log(1e-9 / (1 - 1e-9)) + 1) / 3)), rel=0.3)


def test_scores_of_extreme_logit_converge_to_scipys_optimum() -> None:
    # Overconfident scores reach logit ±27 (a full Newton step from (0, 1) overshoots there).
    f, y = _overconfident(np.random.default_rng(2), 300)
    f = np.clip(f, 1e-12, 1 - 1e-12)
    x = np.log(f / (1 - f))

    def loss(t: np.ndarray) -> float:
        eta = t[0] + t[1] * x
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + (t[0] ** 2 + (t[1] - 1) ** 2) / 2)

    expected = minimize(loss, [0.0, 1.0], method="Nelder-Mead", options={"xatol": 1e-9}).x
    assert recalibration(f, y) == pytest.approx(tuple(expected), abs=1e-5)


def test_labels_without_a_positive_never_raise_a_score() -> None:
    # A sample of safe items only says nothing about overconfidence: the fit may only lower
    # p(unsafe), and the variance floor takes the larger of the two.
    rng = np.random.default_rng(3)
    f = rng.uniform(0.001, 0.2, 80)
    a, b = recalibration(f, np.zeros(80))
    assert np.all(recalibrated(f, a, b) <= f)


def test_no_label_leaves_the_score_as_it_is() -> None:
    assert recalibration(np.zeros(0), np.zeros(0)) == (0.0, 1.0)


def test_a_calibrated_score_is_left_as_it_is_unless_the_labels_reject_it() -> None:
    # Labels drawn at the score itself: the fit wanders around (0, 1) with their noise, and a
    # likelihood-ratio test at 5% (2 df) rejects calibration in about 5% of samples. Where it
    # does not, the score is used as given (the fit's noise would only raise the variance
    # floor). 400 samples of 300 labels: the share left as given is 0.95 ± 0.011; fewer than
    # 0.9 has probability under 1e-4. Each rejection is checked against the statistic
    # computed here from the unpenalised log-likelihood.
    rng = np.random.default_rng(20261201)
    kept = 0
    for _ in range(400):
        f = 1 / (1 + np.exp(-rng.normal(-2.0, 2.0, 300)))
        y = (rng.random(300) < f).astype(float)
        a, b = recalibration(f, y)
        if (a, b) == (0.0, 1.0):
            kept += 1
            continue
        logit = np.log(f / (1 - f))
        assert 2 * (_log_likelihood(y, a + b * logit) - _log_likelihood(y, logit)) >= 5.99
    assert kept >= 360


def _log_likelihood(y: np.ndarray, eta: np.ndarray) -> float:
    return float(y @ eta - np.logaddexp(0.0, eta).sum())
