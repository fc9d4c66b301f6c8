"""Judge-based unsafe rates of a group, beside the human-only one (`rates.py`).

`judge_corrected_stratified` — for a group where some items have no human-final label: the
estimate post-stratified by language × the estimator run's verdict (judge-unsafe, any other
verdict, no verdict). Per language with one judged stratum pair this is Cochran's (1977,
"Sampling Techniques", §12.2) double-sampling estimator q·PPV + (1 − q)·FOR, with q the
judge-unsafe share known from every verdict, PPV and FOR estimated on the sampled human-final
items of each stratum; unjudged items are a stratum of their own (never silently dropped).
MOVER over the strata's Wilson intervals with finite-population correction (`design`). The
PPV and FOR shown beside get modified-Wilson intervals (Wilson at Kish's effective size where
the design weighs the labels unequally, `_weighted_count`), and the judge's population
sensitivity and specificity come from Bayes' rule over mid-p confidence draws of q, PPV and
FOR (`stratified_estimate`); over several languages (overall, a model, a tier), the four of
them from each language's draws at its size (`pooled_accuracy`), not from the pooled labelled
counts (which `n_ppv`, `unsafe_ppv`, `n_for` and `unsafe_for` still give).

`judge_raw_wilson` — the judge's own unsafe share (uncorrected), beside it for comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cell_intervals import Z95
from .data import NO_VERDICT, ReconcileData, RunVerdicts
from .design import Design
from .double_sampling import Counts, pooled_accuracy, stratified_estimate
from .final import FinalLabels
from .intervals import wilson_modified
from .rates import design_label_rate

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
        est = design_label_rate(
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
        if "bounds95" in est:
            estimate["bounds95"] = est["bounds95"]
        notes += est["notes"]
        # The estimator the data chose: PPI++'s power-tuned weight λ on p(unsafe) in the
        # difference estimator (one for the group), or None where p(unsafe) took no part.
        used = [c.lam for c in est.get("cells") or () if c.lam > 0]
        estimate["p_unsafe_lambda"] = round(used[0], 6) if used else None
        if "pending_range" in est:
            estimate["pending_range"] = est["pending_range"]
        gold = final.label == target
        x1 = int(np.count_nonzero(human & judge_pos & gold))
        n1 = int(np.count_nonzero(human & judge_pos))
        x0 = int(np.count_nonzero(human & ~judge_pos & gold))
        n0 = int(np.count_nonzero(human & ~judge_pos))
        weight = design.labelled_weight(design.estimation_sample(final.human_final))
        parts = _by_language(data, judged, judge_pos, human, gold, weight)
        # Several languages: each at its size, not at its labelled count (None where a
        # language's PPV or FOR is unknown, as the group's rate then is).
        accuracy = (
            stratified_estimate(*parts[0], rng, accuracy=True)
            if len(parts) == 1
            else pooled_accuracy(parts, rng)
        )
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


def _by_language(
    data: ReconcileData,
    judged: np.ndarray,
    judge_pos: np.ndarray,
    human: np.ndarray,
    gold: np.ndarray,
    weight: np.ndarray,
) -> list[Counts]:
    """Per language of the group: (judge-positive, judged, x1, n1, x0, n0) as
    `stratified_estimate` takes them, the labelled counts of each verdict stratum at the
    weights of the design that drew them (`_weighted_count`)."""
    language = data.groupings["language"].codes
    out = []
    for code in np.unique(language[judged]).tolist():
        mine = language == code
        h = human & mine
        x1, n1 = _weighted_count(weight[h & judge_pos], gold[h & judge_pos])
        x0, n0 = _weighted_count(weight[h & ~judge_pos], gold[h & ~judge_pos])
        out.append(
            (
                int(np.count_nonzero(judge_pos & mine)),
                int(np.count_nonzero(judged & mine)),
                x1,
                n1,
                x0,
                n0,
            )
        )
    return out


def _weighted_count(weight: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(x, n) of one verdict stratum's labels: the counts themselves where every label weighs
    the same (a simple random sample of the stratum, or no sample), else the Hájek share
    p̂ = Σw·y/Σw at Kish's effective size n = (Σw)²/Σw² (x = p̂·n; Kish 1992, "Weighting for
    unequal P_i", J. Official Statistics 8:183). An active (Poisson) sample draws the
    judge-unsafe items near p(unsafe) = ½ more often than the confident ones, which are more
    often truly unsafe: their plain share understated the PPV and overstated the FOR (FOR 0.18
    for 0.11, and sensitivity 0.32 [0.27, 0.37] for a true 0.41, in
    tests/reconcile/test_design.py; bench/judge_accuracy_sim.py)."""
    if weight.size == 0 or np.allclose(weight, weight[0]):
        return int(np.count_nonzero(positive)), int(weight.size)
    total = float(weight.sum())
    n = total * total / float(np.sum(weight * weight))
    return float(np.sum(weight[positive]) / total * n), n
