"""Unsafe rates per group, and which estimator produced each number.

Every rate follows the sampling design (`design`): the human-final items of the sample, each
weighted by 1/π, post-stratified by language, so that a pooled rate (overall, per model, per
tier) weighs each language by its population and a judge-stratified sample is no longer read
as if it were the language.

`human_final_wilson` / `human_design_weighted` — the unsafe rate estimated from the human
labels alone: among ALL human-final items of the design (invalid in the denominator, reported
beside with its own rate: never counted as safe silently). With one language and equal weights
this is x/n with a Wilson 95% interval (Brown, Cai & DasGupta's modification for 1-3 successes
or failures; `intervals`), named `human_final_wilson`; otherwise the post-stratified,
design-weighted rate with the MOVER-Wilson interval (`design`), named
`human_design_weighted`. Queued items of the design (labelled, no final label yet) are counted
as `pending`, never guessed; `pending_range` gives the rate if all of them turned out safe /
unsafe, the size of the effect they can still have.

The judge-based estimates (`judge_corrected_stratified`, `judge_raw_wilson`) are in
`judge_rates.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cell_intervals import Z95
from .data import ReconcileData
from .design import Design
from .final import STATUS, FinalLabels, status_of
from .poststratified import poststratified_rate


def design_label_rate(
    data: ReconcileData,
    final: FinalLabels,
    design: Design,
    mask: np.ndarray,
    target: int,
    cells: np.ndarray,
    cell_names: list[str],
    may_borrow: np.ndarray | None = None,
    prediction: np.ndarray | None = None,
    z: float = Z95,
    variance_model: np.ndarray | None = None,
) -> dict[str, Any]:
    """The post-stratified rate of `target` labels, and its range if every queued item of the
    design came out negative / positive (defect of a queue: those items are in the population
    but their label is not known yet). `prediction` enters the estimate (the judge-corrected
    rate); `variance_model`, only the variance of an active sample's cells
    (`poststratified_rate`)."""
    sample = design.estimation_sample(final.human_final)
    language = data.groupings["language"].codes
    y = final.label == target
    scores = prediction if prediction is not None else variance_model
    fit = (
        design.recalibration(scores, target, final.label, final.human_final)
        if scores is not None
        else None
    )

    def rate(outcome: np.ndarray, labelled: np.ndarray, level: float = Z95) -> dict[str, Any]:
        return poststratified_rate(
            outcome,
            design.labelled_weight(labelled),
            labelled,
            mask,
            cells,
            language,
            cell_names,
            may_borrow,
            prediction,
            level,
            design.stratum,
            fit,
            variance_model,
        )

    est = rate(y, sample, z)
    pending = mask & (final.queue != 0) & ~final.human_final
    pending &= design.assigned | ~design.sampled_language
    if est["rate"] is not None and np.any(pending):
        low, high = (
            rate(outcome, sample | pending)["rate"] for outcome in (y & ~pending, y | pending)
        )
        est["pending_range"] = [low, high]
    return est


def human_rate(
    data: ReconcileData,
    final: FinalLabels,
    mask: np.ndarray,
    positive: str = "unsafe",
    design: Design | None = None,
    z: float = Z95,
    p_unsafe: np.ndarray | None = None,
) -> dict[str, Any]:
    """The design-weighted rate of human-final labels (module doc of `design`): the sample's
    items weighted by 1/π, post-stratified by language. `p_unsafe` (the judge's, for every
    item; NaN where it has none) models the variance of a language an active design drew
    (`poststratified._anticipated_variance`); the rate itself is the human labels' alone."""
    design = design or Design.none(data.n_items)
    reasons: dict[str, str] = {}
    used = mask & design.estimation_sample(final.human_final)
    n = int(np.count_nonzero(used))
    pos, inv = data.label_index(positive), data.label_index("invalid")
    x = int(np.count_nonzero(used & (final.label == pos))) if pos is not None else 0
    k = int(np.count_nonzero(used & (final.label == inv))) if inv is not None else 0
    status = status_of(final)[mask]
    language = data.groupings["language"]
    out: dict[str, Any] = {
        "estimator": "human_final_wilson",
        "n": n,
        "unsafe": x,
        "rate": None,
        "ci95": None,
        "invalid": k,
        "invalid_rate": None,
        "invalid_ci95": None,
        "items": int(np.count_nonzero(mask)),
        "pending": int(np.count_nonzero(status == STATUS.index("queued"))),
        "needs_labels": int(np.count_nonzero(status == STATUS.index("needs_labels"))),
        "judge_only": int(np.count_nonzero(status == STATUS.index("judge-only"))),
        "unlabelled": int(np.count_nonzero(status == STATUS.index("unlabelled"))),
        "outside_design": int(np.count_nonzero(mask & design.outside(final.human_final))),
        "design": design.kind(mask),
        "reasons": reasons,
    }
    if pos is None:
        reasons["rate"] = f"the label set has no {positive!r}"
        return out
    if n == 0:
        reasons["rate"] = "no human-final item"
        return out
    for target, prefix in ((pos, ""), (inv, "invalid_")):
        if target is None:
            continue
        est = design_label_rate(
            data,
            final,
            design,
            mask,
            target,
            language.codes,
            language.names,
            z=z,
            # p(unsafe) says how likely an item is unsafe, not invalid.
            variance_model=p_unsafe if target == pos else None,
        )
        out[f"{prefix}rate"] = est["rate"]
        out[f"{prefix}ci95"] = est["ci95"]
        if est["reason"]:
            reasons[f"{prefix}rate"] = est["reason"]
        if target == pos:
            if "bounds95" in est:
                out["bounds95"] = est["bounds95"]
            if len(est.get("cells") or ()) > 1 or out["design"] == "weighted":
                out["estimator"] = "human_design_weighted"
            if "pending_range" in est:
                out["pending_range"] = est["pending_range"]
            if est["notes"]:
                out["notes"] = est["notes"]
    return out
