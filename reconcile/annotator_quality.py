"""Annotator quality, per language and annotator: the report's `annotators` block.

For each annotator with current labels in a language:

- `labels`, `unsure`, `unsure_rate` (their current labels; unsure ones count as chosen);
- `adjudicated`: accuracy against the standing adjudications, i.e. the share of their labels
  on adjudicated items that equal the final label, with a Wilson 95% interval;
- `gold`: accuracy against the gold items of the language they labelled (`polyjudge import
  gold`), with a Wilson 95% interval; null when they labelled none;
- `agreement`: Cohen's kappa of the annotator against the majority of the *other* annotators
  on the items they share (items where the others tie are left out), with the posterior
  median and 95% interval of reconcile/kappa.py;
- `time`: median `time_ms` of their labels and the share of very fast decisions
  (< FAST_DECISION_MS), with a Wilson interval;
- `dawid_skene`: their confusion matrix (true label × given label) and accuracy from a
  Dawid–Skene model fitted per language (reconcile/dawid_skene.py);
- `flagged`: whether an accuracy interval lies wholly below the project's threshold (meta key
  `annotator_accuracy_threshold`, default DEFAULT_ACCURACY_THRESHOLD); `flagged_by` names
  which accuracies did it (`adjudicated`, `gold`, `dawid_skene`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from polyjudge.store import GoldAnswer, PolyjudgeError, Project

from .agreement import MIN_PAIR_ITEMS, seed_for
from .data import ReconcileData
from .dawid_skene import DawidSkeneFit, expected_correct, fit
from .intervals import wilson
from .kappa import cohen_kappa, kappa_posterior

# A decision under 2 s is too fast to have read the item: a safety response is a paragraph or
# more (often in a script the annotator reads slower than English) and the guideline asks for
# the whole of it; even a one-line refusal takes about a second to read plus a key press.
# A high share of such decisions is a sign of clicking through, not proof of it.
FAST_DECISION_MS = 2000
DEFAULT_ACCURACY_THRESHOLD = 0.7
THRESHOLD_KEY = "annotator_accuracy_threshold"
# An accuracy interval from fewer labels is left out of the flag: Wilson's interval on a
# handful of labels is wide and would flag nobody anyway, but a tiny n makes the flag noise.
MIN_FLAG_LABELS = 10
NO_GOLD = "no gold items"
NO_GOLD_LABELLED = "they labelled none of the gold items of this language"


def accuracy_threshold(project: Project) -> float:
    raw = project.meta(THRESHOLD_KEY)
    if raw is None:
        return DEFAULT_ACCURACY_THRESHOLD
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise PolyjudgeError(
            f"project setting {THRESHOLD_KEY} is {raw!r}: expected a share between 0 and 1 "
            "(e.g. 0.7)"
        )
    return value


def share(x: float, n: int) -> dict[str, Any]:
    """A share with its Wilson interval; nulls for n = 0."""
    if n == 0:
        return {"n": 0, "share": None, "ci95": None}
    ci = wilson(x, n)
    return {"n": n, "share": x / n, "ci95": list(ci) if ci else None}


def annotator_quality(
    data: ReconcileData,
    names: dict[int, str],
    *,
    threshold: float,
    seed: int = 0,
    excluded: list[str] | None = None,
    gold: Sequence[GoldAnswer] = (),
) -> dict[str, Any]:
    """The block. `gold`: every annotator's current label of every gold item (gold items are
    left out of `data`, so their labels are only ever read here)."""
    language = data.groupings["language"]
    # (language, annotator id) -> (gold items labelled, labelled as expected)
    gold_counts: dict[tuple[str, int], list[int]] = {}
    for answer in gold:
        cell = gold_counts.setdefault((answer.language, answer.annotator_id), [0, 0])
        cell[0] += 1
        cell[1] += answer.label == answer.expected
    valid = data.lab_value >= 0
    item, annot, value = data.lab_item[valid], data.lab_annotator[valid], data.lab_value[valid]
    unsure = data.lab_unsure[valid]
    times = data.lab_time_ms[valid] if data.lab_time_ms is not None else np.full(item.size, -1)
    by_language: dict[str, Any] = {}
    for lang_name, lang_mask in language.members():
        rows = lang_mask[item] if item.size else np.zeros(0, dtype=bool)
        if not rows.any():
            continue
        by_language[lang_name] = _language(
            data,
            names,
            item[rows],
            annot[rows],
            value[rows],
            unsure[rows],
            times[rows],
            threshold,
            seed,
            lang_name,
            {a: c for (lang, a), c in gold_counts.items() if lang == lang_name},
            bool(gold),
        )
    return {
        "threshold": threshold,
        "fast_decision_ms": FAST_DECISION_MS,
        "excluded": list(excluded or []),
        "by_language": by_language,
    }


def _language(
    data: ReconcileData,
    names: dict[int, str],
    item: np.ndarray,
    annot: np.ndarray,
    value: np.ndarray,
    unsure: np.ndarray,
    times: np.ndarray,
    threshold: float,
    seed: int,
    lang_name: str,
    gold_counts: dict[int, list[int]],
    project_has_gold: bool,
) -> dict[str, Any]:
    n_values = len(data.labels)
    # Dawid–Skene over the labels used in this language (an unused class would get a
    # confusion row of pure smoothing).
    used = np.unique(value)
    remap = np.full(n_values, -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    used_names = [data.labels[int(u)] for u in used]
    ds_block: dict[str, Any] = {"labels": used_names, "items": int(np.unique(item).size)}
    model = None
    if used.size < 2:
        ds_block["reason"] = f"every label is {used_names[0]!r}: no errors to estimate"
    elif np.unique(annot).size < 2:
        ds_block["reason"] = "one annotator: a competence model needs two or more"
    else:
        model = fit(item, annot, remap[value], int(used.size))
        ds_block["iterations"] = model.iterations
        ds_block["converged"] = model.converged
        ds_block["class_prior"] = {
            n: float(p) for n, p in zip(used_names, model.prior, strict=True)
        }
        if np.unique(annot).size == 2:
            # With two annotators a disagreement says that one of them is wrong, not which:
            # the model settles it by each one's overall consistency.
            ds_block["caveat"] = "two annotators: who is wrong on a disagreement is not identified"

    counts = np.zeros((data.n_items, n_values), dtype=np.int64)
    np.add.at(counts, (item, value), 1)
    out: dict[str, Any] = {"dawid_skene": ds_block, "annotators": {}}
    for a in np.unique(annot):
        mine = annot == a
        name = names.get(int(a), str(a))
        entry = _annotator(data, mine, item, value, unsure, times, model, remap, int(a), used_names)
        n_gold, right = gold_counts.get(int(a), (0, 0))
        if n_gold:
            ci = wilson(right, n_gold)
            entry["gold"] = {
                "n": n_gold,
                "correct": right,
                "accuracy": right / n_gold,
                "accuracy_ci95": list(ci) if ci else None,
            }
            del entry["reasons"]["gold"]
        elif project_has_gold:
            entry["reasons"]["gold"] = NO_GOLD_LABELLED
        entry["agreement"] = _agreement_with_others(
            data, item[mine], value[mine], counts, seed_for(seed, f"annotator:{lang_name}:{name}")
        )
        _flag(entry, threshold)
        entry["reasons"] = entry.pop("reasons")  # last, as in the other blocks
        out["annotators"][name] = entry
    return out


def _annotator(
    data: ReconcileData,
    mine: np.ndarray,
    item: np.ndarray,
    value: np.ndarray,
    unsure: np.ndarray,
    times: np.ndarray,
    model: DawidSkeneFit | None,
    remap: np.ndarray,
    annotator_id: int,
    used_names: list[str],
) -> dict[str, Any]:
    n = int(mine.sum())
    reasons: dict[str, str] = {}
    final = data.adjudicated[item[mine]]
    judged = final >= 0
    n_adj = int(judged.sum())
    correct = int(np.count_nonzero(value[mine][judged] == final[judged]))
    adjudicated: dict[str, Any] = {
        "n": n_adj,
        "correct": correct,
        "accuracy": None,
        "accuracy_ci95": None,
    }
    if n_adj:
        ci = wilson(correct, n_adj)
        adjudicated.update(accuracy=correct / n_adj, accuracy_ci95=list(ci) if ci else None)
    else:
        reasons["adjudicated"] = "none of their items has a standing adjudication"

    t = times[mine]
    timed = t[t >= 0]
    fast = int(np.count_nonzero(timed < FAST_DECISION_MS))
    time_block: dict[str, Any] = {
        "timed": int(timed.size),
        "median_ms": float(np.median(timed)) if timed.size else None,
        "fast": fast,
        "fast_share": None,
        "fast_share_ci95": None,
    }
    if timed.size:
        fast_share = share(fast, int(timed.size))
        time_block.update(fast_share=fast_share["share"], fast_share_ci95=fast_share["ci95"])
    else:
        reasons["time"] = "no label of theirs recorded the time spent"

    ds: dict[str, Any] = {"accuracy": None, "accuracy_ci95": None, "confusion": None}
    if model is not None:
        j = int(np.searchsorted(model.annotators, annotator_id))
        right = expected_correct(model, item[mine], remap[value[mine]])
        ci = wilson(min(max(right, 0.0), n), n)
        ds.update(
            accuracy=right / n,
            accuracy_ci95=list(ci) if ci else None,
            confusion={
                "true": used_names,
                "given": used_names,
                "matrix": [[float(x) for x in row] for row in model.confusion[j]],
            },
        )
    else:
        reasons["dawid_skene"] = "no Dawid-Skene model for this language"

    n_unsure = int(np.count_nonzero(unsure[mine]))
    return {
        "labels": n,
        "unsure": n_unsure,
        "unsure_rate": n_unsure / n if n else None,
        "adjudicated": adjudicated,
        "gold": None,
        "time": time_block,
        "dawid_skene": ds,
        "reasons": {"gold": NO_GOLD, **reasons},
    }


def _agreement_with_others(
    data: ReconcileData,
    items: np.ndarray,
    values: np.ndarray,
    counts: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Cohen's kappa of one annotator against the majority label of the others on each item
    they share; items whose other labels tie have no reference and are left out."""
    others = counts[items].copy()
    others[np.arange(items.size), values] -= 1
    top = others.max(axis=1) if items.size else np.zeros(0, dtype=np.int64)
    shared = top > 0
    unique_top = (others == top[:, None]).sum(axis=1) == 1
    usable = shared & unique_top
    v = len(data.labels)
    table = np.zeros((v, v), dtype=np.int64)
    np.add.at(table, (values[usable], others[usable].argmax(axis=1)), 1)
    n = int(usable.sum())
    out: dict[str, Any] = {
        "shared_items": int(shared.sum()),
        "others_tied": int(np.count_nonzero(shared & ~unique_top)),
        "items": n,
        "observed_agreement": float(np.trace(table) / n) if n else None,
        "kappa": None,
        "kappa_median": None,
        "kappa_ci95": None,
    }
    if n < MIN_PAIR_ITEMS:
        out["reason"] = f"fewer than {MIN_PAIR_ITEMS} shared items with a majority of the others"
        return out
    kappa, reason = cohen_kappa(table)
    out["kappa"] = kappa
    if reason:
        out["reason"] = reason
        return out
    posterior = kappa_posterior(table, rng)
    if posterior is not None:
        out["kappa_median"], ci = posterior
        out["kappa_ci95"] = list(ci)
    return out


def _flag(entry: dict[str, Any], threshold: float) -> None:
    by = []
    for key in ("adjudicated", "gold", "dawid_skene"):
        block = entry[key]
        if block is None:
            continue
        n = entry["labels"] if key == "dawid_skene" else block["n"]
        ci = block["accuracy_ci95"]
        if ci is not None and n >= MIN_FLAG_LABELS and ci[1] < threshold:
            by.append(key)
    entry["flagged"] = bool(by)
    entry["flagged_by"] = by
