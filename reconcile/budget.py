"""How many more human labels would bring a group's unsafe-rate interval under a target width.

Assumptions, stated in the report: the items still to be labelled are a random sample of the
group, and the rate stays within what the labels so far allow. To plan conservatively we use the
value in the current Wilson 95% interval closest to ½ (the rate that needs the most labels),
or ½ itself when it is inside the interval or nothing is labelled yet. The Wilson width at that
rate with n labels is 2z·sqrt(p(1−p)/n + z²/(4n²)) / (1 + z²/n); we find the smallest n that
meets the target (the width decreases with n).
"""

from __future__ import annotations

from typing import Any

from .intervals import wilson, wilson_width

MAX_LABELS = 10_000_000


def planning_rate(unsafe: int, n: int) -> float:
    if n == 0:
        return 0.5
    lo, hi = wilson(unsafe, n) or (0.0, 1.0)
    return min(max(0.5, lo), hi)


def labels_for_width(p: float, width: float) -> int:
    """Smallest n with Wilson width at p ≤ width."""
    if width <= 0:
        raise ValueError("the target width must be positive")
    lo, hi = 1, 1
    while wilson_width(p, hi) > width:
        hi *= 2
        if hi > MAX_LABELS:
            return MAX_LABELS
    while lo < hi:
        mid = (lo + hi) // 2
        if wilson_width(p, mid) <= width:
            hi = mid
        else:
            lo = mid + 1
    return lo


def budget(unsafe: int, n: int, width: float, available: int | None = None) -> dict[str, Any]:
    p = planning_rate(unsafe, n)
    needed = labels_for_width(p, width)
    ci = wilson(unsafe, n)
    out: dict[str, Any] = {
        "n": n,
        "current_width": (ci[1] - ci[0]) if ci else None,
        "planning_rate": p,
        "labels_needed": needed,
        "more_labels": max(0, needed - n),
    }
    if available is not None:
        out["available"] = available
        out["reachable"] = out["more_labels"] <= available
    return out
