"""Annotator competence from the labels alone: the Dawid–Skene model, fitted by EM in numpy.

Dawid, A. P. & Skene, A. M. (1979), "Maximum likelihood estimation of observer error-rates
using the EM algorithm", Applied Statistics 28(1):20-28. Each item i has an unknown true class
k with prior π_k; annotator j, shown an item of class k, gives label l with probability
θ_j[k, l] (their confusion matrix), independently of the others given the class.

    E-step: T_ik ∝ π_k · Π_(labels of i) θ_j[k, l_ij]
    M-step: π_k = mean_i T_ik;  θ_j[k, l] = Σ_(i labelled by j) T_ik [l_ij = l] / Σ T_ik

EM starts from the vote shares per item (as Dawid & Skene do), which also anchors the classes
to their names (no label switching when annotators are better than chance). A pseudo-count of
SMOOTHING per confusion cell keeps log θ finite for a label an annotator never gave.

Written here rather than taken from `crowd-kit` (Toloka's implementation): crowd-kit 1.4.2
requires pandas, pyarrow, scikit-learn, nltk and transformers, for one EM loop of a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SMOOTHING = 0.01  # pseudo-count per confusion cell (keeps log θ finite; negligible at n ≥ 20)
MAX_ITERATIONS = 200
TOLERANCE = 1e-6  # stop when no posterior class probability moves more than this


@dataclass(frozen=True)
class DawidSkeneFit:
    annotators: np.ndarray  # (J,) the annotator ids, in the order of `confusion`
    prior: np.ndarray  # (K,) π
    confusion: np.ndarray  # (J, K, K) θ_j[true, given]; rows sum to 1
    posterior: np.ndarray  # (I, K) T: class probabilities of each item (rows of `items`)
    items: np.ndarray  # (I,) the item indices the fit used
    iterations: int
    converged: bool


def fit(
    item: np.ndarray,
    annotator: np.ndarray,
    value: np.ndarray,
    n_classes: int,
    *,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
) -> DawidSkeneFit:
    """Fit on label rows (item index, annotator id, label index 0..K−1), one per (item,
    annotator). Items and annotators are renumbered internally; the fit covers only items
    with at least one label."""
    item = np.asarray(item, dtype=np.int64)
    annotator = np.asarray(annotator, dtype=np.int64)
    value = np.asarray(value, dtype=np.int64)
    k = n_classes
    items, i_idx = np.unique(item, return_inverse=True)
    annotators, j_idx = np.unique(annotator, return_inverse=True)
    n_i, n_j = items.size, annotators.size
    if n_i == 0:
        empty = np.zeros((0, k, k))
        return DawidSkeneFit(annotators, np.full(k, 1 / k), empty, np.zeros((0, k)), items, 0, True)

    # Initial posterior: each item's vote shares.
    votes = np.zeros((n_i, k))
    np.add.at(votes, (i_idx, value), 1.0)
    posterior = votes / votes.sum(axis=1, keepdims=True)
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        prior, confusion = _m_step(posterior, i_idx, j_idx, value, n_j, k)
        new = _e_step(prior, confusion, i_idx, j_idx, value, n_i)
        change = float(np.max(np.abs(new - posterior)))
        posterior = new
        if change < tolerance:
            converged = True
            break
    prior, confusion = _m_step(posterior, i_idx, j_idx, value, n_j, k)
    return DawidSkeneFit(annotators, prior, confusion, posterior, items, iterations, converged)


def _m_step(
    posterior: np.ndarray,
    i_idx: np.ndarray,
    j_idx: np.ndarray,
    value: np.ndarray,
    n_j: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    prior = posterior.mean(axis=0)
    counts = np.full((n_j, k, k), SMOOTHING)
    # counts[j, true, given] += T[i, true] for every label row (i, j, given)
    cell = j_idx * k + value
    for true in range(k):
        weights = posterior[i_idx, true]
        counts[:, true, :] += np.bincount(cell, weights=weights, minlength=n_j * k).reshape(n_j, k)
    confusion = counts / counts.sum(axis=2, keepdims=True)
    return prior, confusion


def _e_step(
    prior: np.ndarray,
    confusion: np.ndarray,
    i_idx: np.ndarray,
    j_idx: np.ndarray,
    value: np.ndarray,
    n_i: int,
) -> np.ndarray:
    k = prior.size
    with np.errstate(divide="ignore"):
        log_prior = np.log(prior)
    log_theta = np.log(confusion)
    log_like = np.empty((n_i, k))
    for true in range(k):  # Σ over each item's labels of log θ_j[true, l_ij]
        weights = log_theta[j_idx, true, value]
        log_like[:, true] = log_prior[true] + np.bincount(i_idx, weights=weights, minlength=n_i)
    log_like -= log_like.max(axis=1, keepdims=True)
    out = np.exp(log_like)
    out /= out.sum(axis=1, keepdims=True)
    return out.reshape(n_i, k)


def expected_correct(fit: DawidSkeneFit, item: np.ndarray, value: np.ndarray) -> float:
    """Σ over label rows of the posterior probability that the label is the true class: the
    expected number of correct labels among them under the fitted model."""
    at = np.searchsorted(fit.items, np.asarray(item, dtype=np.int64))
    return float(fit.posterior[at, np.asarray(value, dtype=np.int64)].sum())
