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

`judge_corrected_stratified` — for a group where some items have no human-final label: the
estimate post-stratified by language × the estimator run's verdict (judge-unsafe, any other
verdict, no verdict). Per language with one judged stratum pair this is Cochran's (1977,
"Sampling Techniques", §12.2) double-sampling estimator q·PPV + (1 − q)·FOR, with q the
judge-unsafe share known from every verdict, PPV and FOR estimated on the sampled human-final
items of each stratum; unjudged items are a stratum of their own (never silently dropped).
MOVER over the strata's Wilson intervals with finite-population correction (`design`). The
PPV and FOR shown beside get modified-Wilson intervals, and the judge's population
sensitivity and specificity come from Bayes' rule over mid-p confidence draws of q, PPV and
FOR (`stratified_estimate`).

`judge_raw_wilson` — the judge's own unsafe share (uncorrected), beside it for comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cell_intervals import Z95
from .data import NO_VERDICT, ReconcileData, RunVerdicts
from .design import Design
from .final import STATUS, FinalLabels, status_of
from .intervals import containing, wilson_modified
from .poststratified import poststratified_rate

MC_DRAWS = 20_000


def _design_label_rate(
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
) -> dict[str, Any]:
    """The post-stratified rate of `target` labels, and its range if every queued item of the
    design came out negative / positive (defect of a queue: those items are in the population
    but their label is not known yet)."""
    sample = design.estimation_sample(final.human_final)
    language = data.groupings["language"].codes
    y = final.label == target
    est = poststratified_rate(
        y, design.weight, sample, mask, cells, language, cell_names, may_borrow, prediction, z
    )
    pending = mask & (final.queue != 0) & ~final.human_final
    pending &= design.assigned | ~design.sampled_language
    if est["rate"] is not None and np.any(pending):
        low, high = (
            poststratified_rate(
                outcome,
                design.weight,
                sample | pending,
                mask,
                cells,
                language,
                cell_names,
                may_borrow,
                prediction,
            )["rate"]
            for outcome in (y & ~pending, y | pending)
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
) -> dict[str, Any]:
    """The design-weighted rate of human-final labels (module doc of `design`): the sample's
    items weighted by 1/π, post-stratified by language."""
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
        est = _design_label_rate(
            data, final, design, mask, target, language.codes, language.names, z=z
        )
        out[f"{prefix}rate"] = est["rate"]
        out[f"{prefix}ci95"] = est["ci95"]
        if est["reason"]:
            reasons[f"{prefix}rate"] = est["reason"]
        if target == pos:
            if len(est.get("cells") or ()) > 1 or out["design"] == "weighted":
                out["estimator"] = "human_design_weighted"
            if "pending_range" in est:
                out["pending_range"] = est["pending_range"]
            if est["notes"]:
                out["notes"] = est["notes"]
    return out


def _quantiles(draws: np.ndarray) -> list[float] | None:
    if draws.size < 2:
        return None
    return [float(x) for x in np.quantile(draws, [0.025, 0.975])]


def midp_draws(x: int, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from the mid-p confidence distribution of a binomial proportion (x of n): each
    draw from Beta(x, n − x + 1) or Beta(x + 1, n − x) with probability ½ (a Beta with a zero
    parameter is the point mass at 0 or 1)."""
    high = rng.random(size) < 0.5
    a = x + high.astype(np.int64)
    b = n - x + 1 - high.astype(np.int64)
    draws = rng.beta(np.maximum(a, 1), np.maximum(b, 1))
    draws[a == 0] = 0.0
    draws[b == 0] = 1.0
    return draws


def stratified_estimate(
    judged_pos: int,
    judged: int,
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    rng: np.random.Generator,
    draws: int = MC_DRAWS,
    accuracy: bool = False,
) -> dict[str, Any]:
    """rate = q·PPV + (1 − q)·FOR with a Monte-Carlo 95% interval (see module doc).
    judged_pos of judged items are judge-positive; x1 of n1 labelled judge-positive items and
    x0 of n0 labelled judge-negative items are human-positive.

    With `accuracy`, also the judge's population sensitivity and specificity by Bayes' rule,
    sens = q·PPV / rate and spec = (1 − q)(1 − FOR) / (1 − rate), from the same draws. Unlike
    sensitivity on the labelled items, these stay unbiased when the labelled items were sampled
    stratified by this judge's verdict (judge-unsafe items oversampled)."""
    out: dict[str, Any] = {"rate": None, "ci95": None, "reason": None}
    if judged == 0:
        out["reason"] = "no judged item"
        return out
    q = judged_pos / judged
    need_pos, need_neg = judged_pos > 0, judged_pos < judged
    if need_pos and n1 == 0:
        out["reason"] = "no human-final item among the judge-unsafe items (PPV unknown)"
        return out
    if need_neg and n0 == 0:
        out["reason"] = "no human-final item among the judge-not-unsafe items (FOR unknown)"
        return out
    ppv = x1 / n1 if n1 else 0.0
    for_ = x0 / n0 if n0 else 0.0
    q_draw = midp_draws(judged_pos, judged, draws, rng)
    ppv_draw = midp_draws(x1, n1, draws, rng) if need_pos else np.zeros(draws)
    for_draw = midp_draws(x0, n0, draws, rng) if need_neg else np.zeros(draws)
    rate_draw = q_draw * ppv_draw + (1 - q_draw) * for_draw
    lo, hi = np.quantile(rate_draw, [0.025, 0.975])
    out.update(
        rate=q * ppv + (1 - q) * for_,
        ci95=containing((lo, hi), q * ppv + (1 - q) * for_),
        ppv=ppv if n1 else None,
        ppv_ci95=list(wilson_modified(x1, n1) or ()) or None,
        for_=for_ if n0 else None,
        for_ci95=list(wilson_modified(x0, n0) or ()) or None,
    )
    out["for"] = out.pop("for_")
    if accuracy and need_pos and need_neg:
        rate = out["rate"]
        with np.errstate(divide="ignore", invalid="ignore"):
            sens_draw = q_draw * ppv_draw / rate_draw
            spec_draw = (1 - q_draw) * (1 - for_draw) / (1 - rate_draw)
        sens_draw, spec_draw = sens_draw[np.isfinite(sens_draw)], spec_draw[np.isfinite(spec_draw)]
        out["sensitivity"] = q * ppv / rate if rate > 0 else None
        out["specificity"] = (1 - q) * (1 - for_) / (1 - rate) if rate < 1 else None
        for key, draw in (("sensitivity", sens_draw), ("specificity", spec_draw)):
            estimate = out[key]
            out[f"{key}_ci95"] = (
                containing(_quantiles(draw), estimate) if estimate is not None else None
            )
    return out


VERDICT_CELLS = ("judge-unsafe", "judge-other", "unjudged")


def verdict_cells(data: ReconcileData, rv: RunVerdicts, pos: int) -> tuple[np.ndarray, list[str]]:
    """Cell codes language × verdict (judge-unsafe, any other verdict, no verdict)."""
    language = data.groupings["language"]
    verdict = np.where(rv.codes == pos, 0, np.where(rv.codes == NO_VERDICT, 2, 1))
    cells = language.codes * len(VERDICT_CELLS) + verdict
    names = [f"{lang}, {cell}" for lang in language.names for cell in VERDICT_CELLS]
    return cells, names


def unjudged_cells(n_cells: int) -> np.ndarray:
    """Which verdict cells may borrow their language's sample mean: the unjudged ones."""
    return np.arange(n_cells) % len(VERDICT_CELLS) == VERDICT_CELLS.index("unjudged")


def judge_rates(
    data: ReconcileData,
    final: FinalLabels,
    rv: RunVerdicts,
    mask: np.ndarray,
    rng: np.random.Generator,
    positive: str = "unsafe",
    corrected: bool = True,
    design: Design | None = None,
    z: float = Z95,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(judge_raw, judge_corrected) for one group; judge_corrected only when asked.

    judge_corrected: the rate post-stratified by language × this run's verdict (`design`), so
    judged and unjudged items both count, each stratum at its population size."""
    design = design or Design.none(data.n_items)
    pos = data.label_index(positive)
    if pos is None:
        return None, None
    judged = mask & (rv.codes >= 0)
    n_judged = int(np.count_nonzero(judged))
    if n_judged == 0:
        return None, None
    judge_pos = judged & (rv.codes == pos)
    k = int(np.count_nonzero(judge_pos))
    run = {"run": rv.run.name, "baseline": bool(rv.baseline)}
    raw = {
        **run,
        "estimator": "judge_raw_wilson",
        "n": n_judged,
        "unsafe": k,
        "rate": k / n_judged,
        "ci95": list(wilson_modified(k, n_judged) or ()),
    }
    if not corrected:
        return raw, None
    human = judged & design.estimation_sample(final.human_final)
    population = int(np.count_nonzero(mask))
    estimate: dict[str, Any] = {
        **run,
        "estimator": "judge_corrected_stratified",
        "population": population,
        "judged": n_judged,
        "unjudged": population - n_judged,
        "q": k / n_judged,
    }
    cells, names = verdict_cells(data, rv, pos)
    notes: list[str] = []
    if population > n_judged:
        notes.append(
            f"{population - n_judged:,} item(s) have no verdict of {rv.run.name}: a stratum of "
            "their own, estimated from their sampled human labels"
        )
    for target, key in ((pos, "rate"), (data.label_index("invalid"), "invalid_rate")):
        if target is None:
            continue
        prefix = "" if key == "rate" else "invalid_"
        # p(unsafe) sharpens the unsafe rate inside each verdict stratum (not `invalid`'s).
        prediction = rv.p_unsafe if target == pos else None
        est = _design_label_rate(
            data,
            final,
            design,
            mask,
            target,
            cells,
            names,
            unjudged_cells(len(names)),
            prediction,
            z,
        )
        estimate[key] = est["rate"]
        estimate[f"{prefix}ci95"] = est["ci95"]
        if est["reason"]:
            estimate.setdefault("reasons", {})[key] = est["reason"]
        if key != "rate":
            continue
        notes += est["notes"]
        if "pending_range" in est:
            estimate["pending_range"] = est["pending_range"]
        gold = final.label == target
        x1 = int(np.count_nonzero(human & judge_pos & gold))
        n1 = int(np.count_nonzero(human & judge_pos))
        x0 = int(np.count_nonzero(human & ~judge_pos & gold))
        n0 = int(np.count_nonzero(human & ~judge_pos))
        accuracy = stratified_estimate(k, n_judged, x1, n1, x0, n0, rng, accuracy=True)
        estimate.update(
            n_ppv=n1,
            unsafe_ppv=x1,
            ppv=accuracy.get("ppv"),
            ppv_ci95=accuracy.get("ppv_ci95"),
            n_for=n0,
            unsafe_for=x0,
            **{"for": accuracy.get("for"), "for_ci95": accuracy.get("for_ci95")},
            judge_sensitivity=accuracy.get("sensitivity"),
            judge_sensitivity_ci95=accuracy.get("sensitivity_ci95"),
            judge_specificity=accuracy.get("specificity"),
            judge_specificity_ci95=accuracy.get("specificity_ci95"),
        )
    if notes:
        estimate["notes"] = notes
    return raw, estimate
