"""Each condition's unsafe rate per language, and the pooled differences between conditions:
what the report's forest plots draw (`unsafe_rate.conditions` in `report --json`).

For a field such as `model` or `scenario` with 2–6 values, per language and pooled over all
languages, each value's rate block is the same `rate_block` as every other group's (design-
weighted, judge-corrected where the group has judge-only items), so a plotted point and its
interval are the report's headline estimate of that cell. The pooled difference of two
conditions is the MOVER interval (Zou & Donner 2008; `intervals.mover_difference`) of their
pooled headline estimates: the conditions' items are disjoint, so the estimates are
independent. Per-language differences are the report's `comparisons`.

For a field other than `model`, when the project has 2–6 models, `by_model` holds the same
`pooled`/`by_language`/`by_tier` blocks within each model's items: the papers compare
scenarios per model (Deng et al. 2024, Table 1: ChatGPT and GPT-4 each with unintentional and
intentional columns), and a rate pooled over models answers a question nobody asked.

`by_tier` is each condition's rate per MultiJail resource tier (high, medium, low: Deng et al.
2024, Table 1), pooled over the tier's languages with the same design-weighted rate block as the
report's `by_tier` (each language weighed by its population): the tier average rows of the
papers' table (`exports/report_condition_tables.py`). Tiers in the paper's order; empty when no
item has a tier (no MultiJail prompts).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np

from polyjudge.languages import TIER_ORDER

from .compare import MAX_CONDITIONS
from .data import ReconcileData
from .intervals import mover_difference

RateOf = Callable[[np.ndarray, str], dict[str, Any]]


def headline(block: dict[str, Any]) -> tuple[float | None, list[float] | None]:
    """A rate block's headline estimate and interval (as `RateBlock.headline_estimate`)."""
    if block["headline"] == "judge_corrected_stratified" and block.get("judge_corrected"):
        return block["judge_corrected"]["rate"], block["judge_corrected"]["ci95"]
    return block["rate"], block["ci95"]


def pooled_difference(
    a: str, b: str, block_a: dict[str, Any], block_b: dict[str, Any]
) -> dict[str, Any]:
    (p_a, ci_a), (p_b, ci_b) = headline(block_a), headline(block_b)
    entry: dict[str, Any] = {"a": a, "b": b, "rate_a": p_a, "rate_b": p_b}
    if p_a is None or p_b is None or not ci_a or not ci_b:
        return {**entry, "difference": None, "ci95": None, "method": "mover_design"}
    ci = mover_difference(p_a, ci_a, p_b, ci_b)
    return {**entry, "difference": p_a - p_b, "ci95": list(ci), "method": "mover_design"}


def condition_rates(
    data: ReconcileData, fields: tuple[str, ...], rate_of: RateOf
) -> dict[str, Any]:
    """field -> {"pooled": {value: block}, "by_language": {language: {value: block}},
    "by_tier": {tier: {value: block}}, "differences": [pooled A − B], "by_model": {model:
    {"pooled", "by_language", "by_tier"}}}, for the fields with 2–6 values."""
    out: dict[str, Any] = {}
    models = _values_of(data, "model")
    tier = data.groupings.get("tier")
    tiers = dict(tier.members()) if tier is not None else {}
    groups = {  # read once: every field and model splits by the same languages and tiers
        "language": dict(data.groupings["language"].members()),
        "tier": {t: tiers[t] for t in TIER_ORDER if t in tiers},
    }
    for field_name in fields:
        names = _values_of(data, field_name)
        if field_name == "language" or names is None:
            continue
        masks = _masks(data, field_name, names)
        everything = np.ones(data.n_items, dtype=bool)
        block = _rates(field_name, masks, groups, everything, "", rate_of)
        block["differences"] = [
            pooled_difference(a, b, block["pooled"][a], block["pooled"][b])
            for a, b in combinations(names, 2)
        ]
        block["by_model"] = {}
        if field_name != "model" and models is not None:
            for model, in_model in _masks(data, "model", models).items():
                if np.any(in_model):
                    within_model = _rates(
                        field_name, masks, groups, in_model, f":model:{model}", rate_of
                    )
                    block["by_model"][model] = within_model | {"differences": [], "by_model": {}}
        out[field_name] = block
    return out


def _values_of(data: ReconcileData, field_name: str) -> list[str] | None:
    """The field's values, sorted, when there are 2–6 of them (else None)."""
    grouping = data.groupings.get(field_name)
    if grouping is None:
        return None
    names = sorted(grouping.names)
    return names if 2 <= len(names) <= MAX_CONDITIONS else None


def _masks(data: ReconcileData, field_name: str, names: list[str]) -> dict[str, np.ndarray]:
    grouping = data.groupings[field_name]
    return {n: grouping.codes == grouping.names.index(n) for n in names}


def _rates(
    field_name: str,
    masks: dict[str, np.ndarray],
    groups: dict[str, dict[str, np.ndarray]],
    within: np.ndarray,
    key: str,
    rate_of: RateOf,
) -> dict[str, Any]:
    """Each condition's rate block within `within` (every item, or one model's): pooled, and
    in each of `groups` (language, MultiJail tier; only the cells with items)."""
    prefix = f"condition:{field_name}"
    pooled = {
        n: rate_of(within & m, f"{prefix}:{n}{key}") for n, m in masks.items() if np.any(within & m)
    }
    split: dict[str, dict[str, dict[str, Any]]] = {"language": {}, "tier": {}}
    for group_field, members in groups.items():
        for group, in_group in members.items():
            cells = {
                n: rate_of(within & in_group & m, f"{prefix}:{n}:{group_field}:{group}{key}")
                for n, m in masks.items()
                if np.any(within & in_group & m)
            }
            if cells:
                split[group_field][group] = cells
    return {"pooled": pooled, "by_language": split["language"], "by_tier": split["tier"]}
