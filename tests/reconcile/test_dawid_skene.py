"""Dawid–Skene (reconcile/dawid_skene.py) against simulations with known truth."""

from __future__ import annotations

import numpy as np

from polyjudge.reconcile.dawid_skene import expected_correct, fit

# Known confusion matrices θ[true, given] of five annotators over three classes: two good, one
# biased toward class 0, one mediocre, one who labels at random.
TRUE_CONFUSION = np.array(
    [
        [[0.95, 0.04, 0.01], [0.05, 0.90, 0.05], [0.02, 0.08, 0.90]],
        [[0.90, 0.08, 0.02], [0.10, 0.85, 0.05], [0.05, 0.05, 0.90]],
        [[0.98, 0.01, 0.01], [0.40, 0.55, 0.05], [0.30, 0.10, 0.60]],
        [[0.75, 0.15, 0.10], [0.15, 0.70, 0.15], [0.10, 0.20, 0.70]],
        [[1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]],
    ]
)
PRIOR = np.array([0.6, 0.3, 0.1])
# Tolerance: 4,000 items give ≥ 400 per class, so a cell's sampling SD is ≤ 0.025 for the
# rarest class (√(0.25/400)); 0.08 is over 3 SD there and leaves room for the EM's own bias.
TOLERANCE = 0.08


def simulate(n_items: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, size=n_items, p=PRIOR)
    item, annotator, value = [], [], []
    for j, confusion in enumerate(TRUE_CONFUSION):
        for i in range(n_items):
            item.append(i)
            annotator.append(100 + j)
            value.append(rng.choice(3, p=confusion[truth[i]]))
    return truth, np.array(item), np.array(annotator), np.array(value)


def test_recovers_simulated_confusion_matrices() -> None:
    truth, item, annotator, value = simulate(4000, seed=11)
    result = fit(item, annotator, value, 3)
    assert result.converged
    assert list(result.annotators) == [100, 101, 102, 103, 104]
    assert np.max(np.abs(result.confusion - TRUE_CONFUSION)) < TOLERANCE
    assert np.max(np.abs(result.prior - PRIOR)) < 0.03
    # The posterior's most likely class is the truth far more often than a majority vote
    # of five would miss it.
    assert np.mean(result.posterior.argmax(axis=1) == truth) > 0.95


def test_expected_correct_of_the_random_annotator_is_near_a_third() -> None:
    _, item, annotator, value = simulate(2000, seed=5)
    result = fit(item, annotator, value, 3)
    mine = annotator == 104
    share = expected_correct(result, item[mine], value[mine]) / mine.sum()
    assert abs(share - 1 / 3) < 0.05


def test_hand_checked_single_step() -> None:
    """Two items, two annotators who agree on each: one EM step from the vote shares keeps
    each item's class, and each annotator's confusion is the identity up to the smoothing."""
    result = fit(np.array([0, 0, 1, 1]), np.array([1, 2, 1, 2]), np.array([0, 0, 1, 1]), 2)
    assert np.allclose(result.posterior, [[1, 0], [0, 1]], atol=1e-3)
    assert np.allclose(result.prior, [0.5, 0.5], atol=1e-3)
    # θ[0] = (1 + 0.01, 0.01) / 1.02 per annotator.
    assert np.allclose(result.confusion[:, 0, 0], 1.01 / 1.02, atol=1e-3)
