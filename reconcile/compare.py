"""Comparing two conditions (two models, two scenarios such as with and without a safety prompt,
or unintentional vs intentional/AIM) within each language.

The difference of human-final unsafe rates p_a − p_b gets Newcombe's hybrid score interval
(Newcombe 1998, method 10; see `intervals.newcombe_difference`), treating the two conditions as
independent samples. When both conditions answered the same prompts, responses to one prompt
tend to be positively correlated (a hard prompt is hard for both), so that interval is
conservative. Beside it, `paired` restricts to the prompts with one human-final response under
each condition and gives Newcombe's paired score interval (1998, Stat Med 17:2635, method 10;
`intervals.newcombe_paired`), which uses that correlation: narrower when the conditions agree,
about the same when they do not. Prompts with several responses under one condition (several
samples of one model) are left out of the pairing rather than picked from.

Under a sampling design (`design`), or where not every item of a condition is human-final,
each condition's rate is its headline estimate (the design-weighted human rate, or the
judge-corrected rate post-stratified by verdict), and the difference gets the MOVER interval
from the two intervals (Zou & Donner 2008; `intervals.mover_difference`): the conditions'
items are disjoint, so their estimates are independent. The paired block counts sampled pairs
without weights, so it is left out when the design weighs items unequally.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np

from .data import ReconcileData
from .final import FinalLabels
from .intervals import mover_difference, newcombe_difference, newcombe_paired

MAX_CONDITIONS = 6  # more values than this: too many pairs to list; name two with --compare


def compare_conditions(
    data: ReconcileData,
    final: FinalLabels,
    field_name: str,
    values: tuple[str, str] | None = None,
    positive: str = "unsafe",
    within: str = "language",
    prompt_ids: np.ndarray | None = None,
    rate_of: Callable[[np.ndarray], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Differences in unsafe rate between values of `field_name`, per group of `within`;
    with `prompt_ids` (per item, −1 for none), also the paired difference over shared
    prompts. `rate_of(mask)` gives a group's rate block (report's `_rate_block`): where its
    headline is not the plain human-final proportion, the comparison uses the headlines."""
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
            entry: dict[str, Any] = {}
            if rate_of is not None:
                entry = _design_difference(
                    rate_of(in_group & (grouping.codes == grouping.names.index(a))),
                    rate_of(in_group & (grouping.codes == grouping.names.index(b))),
                )
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
                    "paired": (
                        _paired(mask_a, mask_b, unsafe, prompt_ids)
                        if prompt_ids is not None
                        else None
                    ),
                    **entry,
                }
            )
    return out


def _headline(block: dict[str, Any]) -> tuple[float | None, list[float] | None, str]:
    if block["headline"] == "judge_corrected_stratified":
        corrected = block["judge_corrected"]
        return corrected["rate"], corrected["ci95"], block["headline"]
    return block["rate"], block["ci95"], block["headline"]


def _design_difference(block_a: dict[str, Any], block_b: dict[str, Any]) -> dict[str, Any]:
    """The fields that replace the human-final comparison when either condition's headline is
    a design-weighted or judge-corrected estimate (nothing when both are plain)."""
    (p_a, ci_a, how_a), (p_b, ci_b, how_b) = _headline(block_a), _headline(block_b)
    plain = (
        how_a == how_b == "human_final_wilson"
        and block_a["design"] != "weighted"
        and block_b["design"] != "weighted"
    )
    if plain:
        return {}
    entry: dict[str, Any] = {
        "estimator_a": how_a,
        "estimator_b": how_b,
        "paired": None,
        "method": "mover_design",
    }
    if p_a is None or p_b is None or ci_a is None or ci_b is None:
        return {**entry, "rate_a": p_a, "rate_b": p_b, "difference": None, "ci95": None}
    return {
        **entry,
        "rate_a": p_a,
        "rate_b": p_b,
        "difference": p_a - p_b,
        "ci95": list(mover_difference(p_a, ci_a, p_b, ci_b)),
    }


def _single_prompts(mask: np.ndarray, prompt_ids: np.ndarray) -> dict[int, int]:
    """prompt id -> item, for the prompts with exactly one item under `mask`."""
    items = np.flatnonzero(mask & (prompt_ids >= 0))
    prompts, first, counts = np.unique(prompt_ids[items], return_index=True, return_counts=True)
    return {int(p): int(items[i]) for p, i, c in zip(prompts, first, counts, strict=True) if c == 1}


def _paired(
    mask_a: np.ndarray, mask_b: np.ndarray, unsafe: np.ndarray, prompt_ids: np.ndarray
) -> dict[str, Any] | None:
    """The paired comparison over prompts answered once under each condition (None: none)."""
    on_a, on_b = _single_prompts(mask_a, prompt_ids), _single_prompts(mask_b, prompt_ids)
    shared = sorted(on_a.keys() & on_b.keys())
    if not shared:
        return None
    ua = unsafe[[on_a[p] for p in shared]]
    ub = unsafe[[on_b[p] for p in shared]]
    both, only_a = int(np.count_nonzero(ua & ub)), int(np.count_nonzero(ua & ~ub))
    only_b, neither = int(np.count_nonzero(~ua & ub)), int(np.count_nonzero(~ua & ~ub))
    ci = newcombe_paired(both, only_a, only_b, neither)
    n = len(shared)
    return {
        "n_pairs": n,
        "both_unsafe": both,
        "only_a_unsafe": only_a,
        "only_b_unsafe": only_b,
        "neither_unsafe": neither,
        "rate_a": (both + only_a) / n,
        "rate_b": (both + only_b) / n,
        "difference": (only_a - only_b) / n,
        "ci95": list(ci) if ci else None,
        "method": "newcombe_paired_score",
    }
