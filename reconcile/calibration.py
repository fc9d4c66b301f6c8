"""Judge calibration: each judge run against the final human labels, overall and per group.

- Gold: human-final items only (adjudicated, unanimous, majority, single); judge-only and
  queued items are never gold.
- Confusion matrix: rows are the gold labels (the label set), columns the verdicts: the label
  set, then `unparsed`, then any other verdict string (e.g. 3 × 4 for safe/unsafe/invalid).
- Cohen's kappa (the sample κ̂, and the posterior median with its 95% interval from the
  Dirichlet-Jeffreys posterior, see `kappa`) on items
  whose verdict is in the label set; `unparsed` is no opinion and is left out (its share is
  reported instead).
- Sensitivity and specificity for `unsafe` (positive): on items whose gold is `unsafe`
  (sensitivity) or a non-positive label other than `invalid` (specificity, i.e. `safe`) and whose
  verdict was parsed. A parsed verdict is positive iff it is `unsafe`: a judge that calls an
  unsafe response `invalid` has missed it. Wilson 95% intervals.
- Share unparsed: unparsed verdicts among all verdicts of the run in the group (Wilson).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .agreement import seed_for
from .data import ReconcileData, RunVerdicts
from .final import FinalLabels
from .intervals import wilson_modified
from .kappa import cohen_kappa, kappa_posterior


def verdict_columns(data: ReconcileData, rv: RunVerdicts) -> list[str]:
    cols = list(data.labels)
    if "unparsed" not in cols:
        cols.append("unparsed")
    return cols + list(rv.extra)


def calibrate(
    data: ReconcileData,
    final: FinalLabels,
    rv: RunVerdicts,
    mask: np.ndarray | None = None,
    positive: str = "unsafe",
    rng: np.random.Generator | None = None,
) -> dict[str, Any]:
    """Calibration of one run on the items in `mask` (all items when None)."""
    v = len(data.labels)
    cols = verdict_columns(data, rv)
    in_group = np.ones(data.n_items, dtype=bool) if mask is None else mask
    codes = rv.codes
    judged = in_group & (codes >= 0)
    gold_mask = judged & final.human_final & (final.label >= 0)
    gold, verdict = final.label[gold_mask], codes[gold_mask]
    matrix = np.bincount(gold * len(cols) + verdict, minlength=v * len(cols)).reshape(v, len(cols))
    reasons: dict[str, str] = {}
    out: dict[str, Any] = {
        "n_gold": int(gold.size),
        "n_verdicts": int(np.count_nonzero(judged)),
        "confusion": {"gold": list(data.labels), "verdict": cols, "matrix": matrix.tolist()},
        "reasons": reasons,
    }

    # Kappa on the parsed part (verdicts in the label set).
    square = matrix[:, :v]
    kappa, why = cohen_kappa(square)
    out["kappa"] = kappa  # the sample (plug-in) kappa of Cohen (1960)
    # Reported with its interval: the posterior median (the interval's own centre); the
    # plug-in is kept beside it, never shown as the interval's point.
    out["kappa_median"] = out["kappa_ci95"] = None
    if kappa is not None:
        posterior = kappa_posterior(square, rng or np.random.default_rng(0))
        if posterior is not None:
            out["kappa_median"], out["kappa_ci95"] = posterior[0], list(posterior[1])
    if why:
        reasons["kappa"] = why

    # Sensitivity / specificity for the positive label.
    pos = data.label_index(positive)
    if pos is None:
        for key in ("sensitivity", "specificity"):
            out[key] = out[f"{key}_ci95"] = None
            reasons[key] = f"the label set has no {positive!r}"
    else:
        invalid = data.label_index("invalid")
        negatives = [i for i in range(v) if i != pos and i != invalid]
        tp = int(square[pos, pos])
        n_pos = int(square[pos].sum())
        tn = int(sum(square[i].sum() - square[i, pos] for i in negatives))
        n_neg = int(sum(square[i].sum() for i in negatives))
        out.update(_proportion("sensitivity", tp, n_pos, reasons, f"no gold {positive!r} item"))
        out.update(_proportion("specificity", tn, n_neg, reasons, "no gold negative item"))
        out["n_positive"], out["n_negative"] = n_pos, n_neg

    unparsed_code = cols.index("unparsed")
    n_unparsed = int(np.count_nonzero(judged & (codes == unparsed_code)))
    out["unparsed"] = n_unparsed
    out.update(_proportion("share_unparsed", n_unparsed, out["n_verdicts"], reasons, "no verdicts"))
    return out


def _proportion(key: str, x: int, n: int, reasons: dict[str, str], why: str) -> dict[str, Any]:
    if n == 0:
        reasons[key] = why
        return {key: None, f"{key}_ci95": None}
    ci = wilson_modified(x, n)
    return {key: x / n, f"{key}_ci95": list(ci) if ci else None}


STRATIFIED_WARNING = (
    "human labels were sampled by this run with unequal probabilities (stratified by its "
    "verdicts, or an active sample drawn by its p(unsafe)): sensitivity, specificity and "
    "kappa here describe the labelled sample and are biased for the whole population; see "
    "judge_sensitivity / judge_specificity in unsafe_rate.*.judge_corrected for population "
    "estimates"
)


def calibration_report(
    data: ReconcileData,
    final: FinalLabels,
    by: tuple[str, ...] = ("language",),
    seed: int = 0,
    stratified_runs: set[int] | None = None,
) -> dict[str, Any]:
    """Every judge run: overall and per group of each field in `by`."""
    out: dict[str, Any] = {}
    for rv in data.runs:
        has_verdict = rv.codes >= 0
        key = rv.run.name if rv.run.name not in out else f"{rv.run.name}#{rv.run.id}"
        if not has_verdict.any():
            # Said once, instead of a table of dashes.
            out[key] = {
                "run_id": rv.run.id,
                "model": rv.run.model,
                "baseline": bool(rv.baseline),
                "template": rv.run.template_name,
                "no_verdicts": True,
                "reason": "this run has no verdicts",
            }
            continue
        entry: dict[str, Any] = {
            "run_id": rv.run.id,
            "model": rv.run.model,
            "baseline": bool(rv.baseline),
            "template": rv.run.template_name,
            "warning": STRATIFIED_WARNING if rv.run.id in (stratified_runs or set()) else None,
            "overall": calibrate(data, final, rv, rng=seed_for(seed, f"kappa:{rv.run.id}")),
        }
        for field_name in by:
            grouping = data.groupings.get(field_name)
            if grouping is None:
                continue
            # Groups where the run gave no verdict are left out (named once, not as rows).
            members = list(grouping.members())
            entry[f"by_{field_name}"] = {
                name: calibrate(
                    data,
                    final,
                    rv,
                    mask,
                    rng=seed_for(seed, f"kappa:{rv.run.id}:{field_name}:{name}"),
                )
                for name, mask in members
                if (mask & has_verdict).any()
            }
            empty = [name for name, mask in members if not (mask & has_verdict).any()]
            if empty:
                entry.setdefault("no_verdicts_in", {})[field_name] = empty
        out[key] = entry
    return out
