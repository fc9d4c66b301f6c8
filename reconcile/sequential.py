"""Intervals that stay valid however often the report is read as labels arrive.

"Label until the interval is narrow enough" means looking at the interval many times and
stopping when it suits; a 95% interval read that way covers less than 95% of the time. With
`report --sequential` each reading is a numbered *look* (logged in the project's events), and
look k gets the level 1 − α_k with the α-spending sequence

    α_k = α · 6 / (π² k²),   Σ_k α_k = α,

so by the union bound (Bonferroni) every interval of every look covers at once with
probability ≥ 1 − α, whenever the labelling stops (cf. Lan & DeMets 1983, "Discrete sequential
boundaries for clinical trials", Biometrika 70:659, for spending α over looks; this is the
simplest spending function that allows unboundedly many). Only `--sequential` readings count:
a plain `report` or the dashboard is not a look and makes no such claim.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

ALPHA = 0.05
RULE = "alpha spending over logged looks: look k at level 1 - 0.05*6/(pi^2 k^2) (Bonferroni)"


def look_alpha(k: int, alpha: float = ALPHA) -> float:
    """The α spent at look k (k ≥ 1)."""
    if k < 1:
        raise ValueError("looks are numbered from 1")
    return alpha * 6 / (math.pi**2 * k * k)


def z_for(alpha: float) -> float:
    """The two-sided normal quantile for level 1 − alpha."""
    return NormalDist().inv_cdf(1 - alpha / 2)


def take_look(project: Any) -> dict[str, Any]:
    """Number and log this reading as the next look; its α and z."""
    k = len(project.events("sequential_look")) + 1
    alpha = look_alpha(k)
    project.log_event("sequential_look", look=k, alpha=alpha)
    return {"look": k, "alpha": alpha, "level": 1 - alpha, "z": z_for(alpha), "rule": RULE}
