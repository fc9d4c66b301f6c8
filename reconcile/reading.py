"""Back-translation effects: do annotators label differently when they read the back-translation
instead of the original (the report's `reading` block)?

Per language, the labels are split by what the annotator read (`viewed`: `original`,
`back_translation`, `both`). Which labels count:

- only current, blind human labels on non-gold items, with a label in the label set and a
  recorded `viewed` (imported labels without one are left out);
- **experiment**: in a language where any label was read under an assigned condition
  (`view_assigned` equal to `viewed`, from `annotate --view`), only those labels count; labels
  read by choice are left out (`left_out.chosen`);
- **observational**: otherwise every label read by choice counts, and a difference is a
  correlation (annotators chose what to read, and may have chosen by item);
- a label whose assigned condition could not be shown (`back_translation` or `both` assigned,
  no back-translation: the original was shown) counts in neither (`left_out.fallback`).

For each condition: the number of labels, the share labelled `positive` (Wilson interval), and
agreement (Wilson) with two references, each only where it exists:

- **final (other evidence)**: the item's standing adjudication, unless the label's own
  annotator made it; otherwise the label all the *other* annotators' current labels of the item
  agree on (at least one other label, all equal, any condition). The label itself never makes
  its own reference, nor does its annotator's ruling, so an item labelled by one annotator and
  not adjudicated by someone else has none;
- **judge**: the parsed verdict of the report's estimator run (unparsed and missing: none).

Between original-only and back-translation-only readers: the items with at least one label of
each (shared items), each compared once (the label of the lowest annotator id on each side):
percent agreement (Wilson) and Cohen's kappa (reconcile/kappa.py: plug-in and the posterior
median with its interval). The difference in the share `positive`, back-translation minus
original, over all counted labels of the two conditions, with Newcombe's hybrid score interval
(reconcile/intervals.py; labels of one item are treated as independent). `finding`:
`different` when that interval excludes 0, `no_difference` when it does not, `no_data` when a
condition has no labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .agreement import seed_for
from .data import ReconcileData, RunVerdicts
from .intervals import newcombe_difference, wilson
from .kappa import cohen_kappa, kappa_posterior

CONDITIONS = ("original", "back_translation", "both")


def _rate(hits: int, n: int) -> dict[str, Any]:
    ci = wilson(hits, n)
    return {
        "n": n,
        "agree": hits,
        "rate": hits / n if n else None,
        "ci95": list(ci) if ci else None,
    }


def other_evidence(data: ReconcileData) -> np.ndarray:
    """(L,) for each label, the reference label index from other evidence (−1: none): the
    item's standing adjudication when someone other than the label's annotator made it, else
    the label every other annotator's current label of the item agrees on (at least one)."""
    others = data.value_counts()[data.lab_item].copy()  # (L, V) labels of the label's item
    own = np.flatnonzero(data.lab_value >= 0)
    others[own, data.lab_value[own]] -= 1  # leave this label out
    agreed = np.where((others > 0).sum(axis=1) == 1, others.argmax(axis=1), -1)
    adjudicated = data.adjudicated[data.lab_item]
    if data.adjudicated_by is not None:  # an annotator's own ruling is not other evidence
        adjudicated = np.where(
            data.adjudicated_by[data.lab_item] == data.lab_annotator, -1, adjudicated
        )
    return np.where(adjudicated >= 0, adjudicated, agreed).astype(np.int64)


def _condition(
    mask: np.ndarray,
    assigned: np.ndarray,
    data: ReconcileData,
    positive: int | None,
    final_ref: np.ndarray,
    judge_ref: np.ndarray,
) -> dict[str, Any]:
    values = data.lab_value[mask]
    n = int(values.size)
    hits = int(np.count_nonzero(values == positive)) if positive is not None else 0
    ci = wilson(hits, n)
    has_final = final_ref[mask] >= 0
    has_judge = judge_ref[mask] >= 0
    return {
        "labels": n,
        "assigned": int(np.count_nonzero(assigned[mask])),
        "unsafe": hits,
        "unsafe_rate": hits / n if n else None,
        "unsafe_rate_ci95": list(ci) if ci else None,
        "final": _rate(
            int(np.count_nonzero(values[has_final] == final_ref[mask][has_final])),
            int(np.count_nonzero(has_final)),
        ),
        "judge": _rate(
            int(np.count_nonzero(values[has_judge] == judge_ref[mask][has_judge])),
            int(np.count_nonzero(has_judge)),
        ),
    }


def _first_by_item(data: ReconcileData, mask: np.ndarray) -> dict[int, int]:
    """Item → the label of its lowest annotator id under `mask` (labels are in that order)."""
    at = np.flatnonzero(mask)
    items, first = np.unique(data.lab_item[at], return_index=True)
    return dict(zip(items.tolist(), data.lab_value[at[first]].tolist(), strict=True))


def _comparison(
    data: ReconcileData,
    original: np.ndarray,
    back: np.ndarray,
    positive: int | None,
    rng: np.random.Generator,
) -> dict[str, Any]:
    a, b = _first_by_item(data, original), _first_by_item(data, back)
    shared = sorted(a.keys() & b.keys())
    v = len(data.labels)
    table = np.zeros((v, v), dtype=np.int64)
    for item in shared:
        table[a[item], b[item]] += 1
    agree = int(np.trace(table))
    kappa, reason = cohen_kappa(table)
    posterior = kappa_posterior(table, rng) if shared and reason is None else None
    n_o, n_b = int(np.count_nonzero(original)), int(np.count_nonzero(back))
    x_o = int(np.count_nonzero(data.lab_value[original] == positive)) if positive is not None else 0
    x_b = int(np.count_nonzero(data.lab_value[back] == positive)) if positive is not None else 0
    diff = x_b / n_b - x_o / n_o if n_o and n_b else None
    ci = newcombe_difference(x_b, n_b, x_o, n_o) if n_o and n_b else None
    if ci is None:
        finding = "no_data"
    else:
        finding = "different" if ci[0] > 0 or ci[1] < 0 else "no_difference"
    return {
        "shared_items": len(shared),
        "agreement": _rate(agree, len(shared)),
        "kappa": kappa,
        "kappa_median": posterior[0] if posterior else None,
        "kappa_ci95": list(posterior[1]) if posterior else None,
        "kappa_reason": reason,
        "table": table.tolist(),
        "difference": diff,
        "difference_ci95": list(ci) if ci else None,
        "finding": finding,
    }


def reading_report(
    data: ReconcileData, estimator: RunVerdicts | None, positive: str, seed: int
) -> dict[str, Any]:
    """The `reading` block; `data` must be loaded with `readings=True`."""
    if data.lab_viewed is None or data.lab_assigned is None:
        raise ValueError("label readings were not loaded (load(..., readings=True))")
    pos = data.label_index(positive)
    viewed, assigned_to = data.lab_viewed, data.lab_assigned
    valid = (data.lab_value >= 0) & np.array([x in CONDITIONS for x in viewed], dtype=bool)
    has_assigned = np.array([x is not None for x in assigned_to], dtype=bool)
    assigned = valid & has_assigned & (assigned_to == viewed)
    fallback = valid & has_assigned & (assigned_to != viewed)
    chosen = valid & ~has_assigned
    final_ref = other_evidence(data)
    judge_ref = np.full(data.lab_item.size, -1, dtype=np.int64)
    if estimator is not None:
        codes = estimator.codes[data.lab_item]
        judge_ref = np.where((codes >= 0) & (codes < len(data.labels)), codes, -1)
    by_language: dict[str, Any] = {}
    for name, items in data.groupings["language"].members():
        in_lang = items[data.lab_item]
        if not np.any(in_lang & valid):
            continue
        experiment = bool(np.any(in_lang & assigned))
        used = in_lang & (assigned if experiment else chosen)
        conditions = {
            c: _condition(used & (viewed == c), assigned, data, pos, final_ref, judge_ref)
            for c in CONDITIONS
        }
        by_language[name] = {
            "design": "experiment" if experiment else "observational",
            "left_out": {
                "chosen": int(np.count_nonzero(in_lang & chosen)) if experiment else 0,
                "fallback": int(np.count_nonzero(in_lang & fallback)),
            },
            "conditions": conditions,
            "comparison": _comparison(
                data,
                used & (viewed == "original"),
                used & (viewed == "back_translation"),
                pos,
                seed_for(seed, f"reading:{name}"),
            ),
        }
    return {"positive": positive, "by_language": by_language}
