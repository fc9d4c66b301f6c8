"""The simulated judge of the benches: a binormal score with stated accuracy and a calibrated
p(unsafe).

The judge's score is x ~ N(0, 1) on safe items and N(μ, 1) on unsafe ones; its verdict is
unsafe where x > t, with t = Φ⁻¹(specificity) and μ = t + Φ⁻¹(sensitivity), so the verdict has
the stated sensitivity and specificity; p(unsafe) = P(unsafe | x) by Bayes' rule at the item's
prevalence π, odds π/(1 − π)·exp(μx − μ²/2): calibrated by construction, and as informative as
the verdict's ROC curve (the binormal model of signal detection: Green & Swets 1966, "Signal
Detection Theory and Psychophysics").
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def binormal_judge(
    rng: np.random.Generator, prevalence: np.ndarray, sensitivity: float, specificity: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(truth, verdict unsafe, calibrated p(unsafe)) for items of the given prevalences."""
    t = norm.ppf(specificity)
    mu = t + norm.ppf(sensitivity)
    y = rng.random(prevalence.size) < prevalence
    x = rng.normal(size=prevalence.size) + mu * y
    odds = prevalence / (1 - prevalence) * np.exp(mu * x - mu * mu / 2)
    return y, x > t, odds / (1 + odds)
