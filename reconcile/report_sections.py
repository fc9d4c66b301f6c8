"""The report's per-group blocks as JSON-ready dicts, before `build_report` rounds them and
builds the typed `Report`: final-label counts, the estimator run, annotator progress, the
sampling design per language, and a group's unsafe-rate block."""

from __future__ import annotations

from typing import Any

import numpy as np

from .agreement import seed_for
from .data import ReconcileData, RunVerdicts
from .design import Design
from .final import HOW, FinalLabels
from .judge_rates import judge_rates
from .rates import human_rate


def final_counts(data: ReconcileData, final: FinalLabels, mask: np.ndarray) -> dict[str, int]:
    out = {
        name: int(np.count_nonzero(mask & (final.how == code)))
        for code, name in enumerate(HOW)
        if name != "none"
    }
    out["queued"] = int(np.count_nonzero(mask & (final.queue != 0)))
    out["needs_labels"] = int(np.count_nonzero(mask & final.needs_labels))
    out["items"] = int(np.count_nonzero(mask))
    return out


def run_info(rv: RunVerdicts | None) -> dict[str, Any] | None:
    if rv is None:
        return None
    return {
        "id": rv.run.id,
        "name": rv.run.name,
        "model": rv.run.model,
        "baseline": bool(rv.baseline),
    }


def annotator_progress(data: ReconcileData, names: dict[int, str]) -> dict[str, Any]:
    """Current labels per annotator, overall and per language (for the dashboard)."""
    language = data.groupings["language"]
    valid = data.lab_value >= 0
    codes = language.codes[data.lab_item[valid]] if language.codes.size else np.zeros(0, int)
    annotators = data.lab_annotator[valid]
    out: dict[str, Any] = {}
    for annotator in np.unique(annotators):
        mine = annotators == annotator
        counts = np.bincount(codes[mine], minlength=len(language.names))
        out[names.get(int(annotator), str(annotator))] = {
            "labels": int(mine.sum()),
            "unsure": int(np.count_nonzero(data.lab_unsure[valid][mine])),
            "by_language": {language.names[i]: int(c) for i, c in enumerate(counts) if c},
        }
    items = {name: int(np.count_nonzero(mask)) for name, mask in language.members()}
    return {"by_annotator": out, "items_by_language": items}


def design_rows(
    data: ReconcileData, final: FinalLabels, design: Design
) -> dict[str, dict[str, Any]]:
    """Per language: how its human labels were chosen, and how many the estimates use."""
    out = {}
    used = design.estimation_sample(final.human_final)
    outside = design.outside(final.human_final)
    for name, mask in data.groupings["language"].members():
        kind = design.kind(mask)
        out[name] = {
            "sample": {"none": "none", "equal": "equal_probability"}.get(kind, "weighted"),
            "sampled": int(np.count_nonzero(mask & design.assigned)),
            "used": int(np.count_nonzero(mask & used)),
            "outside_design": int(np.count_nonzero(mask & outside)),
        }
    return out


def rate_block(
    data: ReconcileData,
    final: FinalLabels,
    estimator: RunVerdicts | None,
    design: Design,
    seed: int,
    positive: str,
    z: float,
    mask: np.ndarray,
    key: str,
) -> dict[str, Any]:
    # The judge's p(unsafe) models the variance of an active sample's human-only rate (NaN
    # where an item has none: such a language keeps the Kish cap).
    p_unsafe = estimator.p_unsafe if estimator is not None else None
    block = human_rate(data, final, mask, positive, design, z, p_unsafe)
    block["judge_raw"] = block["judge_corrected"] = None
    block["headline"] = block["estimator"]
    # The human labels alone describe the group only when every item has one; otherwise the
    # judge verdicts of every item, corrected by the sample, are the headline.
    incomplete = bool(np.any(mask & ~final.human_final))
    if estimator is not None:
        raw, corrected = judge_rates(
            data,
            final,
            estimator,
            mask,
            seed_for(seed, f"corrected:{key}"),
            positive,
            corrected=incomplete,
            design=design,
            z=z,
        )
        block["judge_raw"] = raw
        if incomplete:
            block["judge_corrected"] = corrected
            if corrected is not None and corrected.get("rate") is not None:
                block["headline"] = "judge_corrected_stratified"
    return block


def headline_widths(blocks: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The width of each group's headline interval (`rate_block`), as the report shows it."""
    out = {}
    for name, block in blocks.items():
        corrected = block.get("judge_corrected")
        headline = block
        if block["headline"] == "judge_corrected_stratified" and corrected is not None:
            headline = corrected
        if headline.get("ci95"):
            low, high = headline["ci95"]
            out[name] = high - low
    return out
