"""Comparing two conditions (two models, two scenarios such as with and without a safety prompt,
or unintentional vs intentional/AIM) within each language.

The difference of human-final unsafe rates p_a − p_b gets Newcombe's hybrid score interval
(Newcombe 1998, method 10; see `intervals.newcombe_difference`). The two conditions are treated
as independent samples even when they answer the same prompts: responses of two models to one
prompt tend to be positively correlated (a hard prompt is hard for both), which makes the
variance of the difference smaller than the independent formula assumes, so the interval is
conservative (wider), never too narrow. A paired analysis would need both conditions labelled on
the same prompts, which a sampled project rarely has.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from .data import ReconcileData
from .final import FinalLabels
from .intervals import newcombe_difference

MAX_CONDITIONS = 6  # more values than this: too many pairs to list; name two with --compare


def compare_conditions(
    data: ReconcileData,
    final: FinalLabels,
    field_name: str,
    values: tuple[str, str] | None = None,
    positive: str = "unsafe",
    within: str = "language",
) -> list[dict[str, Any]]:
    """Differences in unsafe rate between values of `field_name`, per group of `within`."""
    grouping, outer = data.groupings.get(field_name), data.groupings.get(within)
    pos = data.label_index(positive)
    if grouping is None or outer is None or pos is None:
        return []
    if values is not None:
        missing = [v for v in values if v not in grouping.names]
        if missing:
            return []
        pairs = [values]
    else:
        names = sorted(grouping.names)
        if len(names) < 2 or len(names) > MAX_CONDITIONS:
            return []
        pairs = list(combinations(names, 2))
    human = final.human_final
    unsafe = final.label == pos
    out = []
    for group, in_group in outer.members():
        for a, b in pairs:
            mask_a = in_group & human & (grouping.codes == grouping.names.index(a))
            mask_b = in_group & human & (grouping.codes == grouping.names.index(b))
            n_a, n_b = int(np.count_nonzero(mask_a)), int(np.count_nonzero(mask_b))
            if n_a == 0 or n_b == 0:
                continue
            x_a = int(np.count_nonzero(mask_a & unsafe))
            x_b = int(np.count_nonzero(mask_b & unsafe))
            ci = newcombe_difference(x_a, n_a, x_b, n_b)
            out.append(
                {
                    "field": field_name,
                    within: group,
                    "a": a,
                    "b": b,
                    "n_a": n_a,
                    "unsafe_a": x_a,
                    "rate_a": x_a / n_a,
                    "n_b": n_b,
                    "unsafe_b": x_b,
                    "rate_b": x_b / n_b,
                    "difference": x_a / n_a - x_b / n_b,
                    "ci95": list(ci) if ci else None,
                    "method": "newcombe_hybrid_score",
                }
            )
    return out
