"""Inter-annotator agreement: Krippendorff's alpha (nominal) with a 95% CI, observed and
class-specific agreement, Fleiss' kappa, and Cohen's kappa per annotator pair.

Everything starts from the value-counts matrix (units × values: how many annotators gave each
value to each unit), built with numpy from the current labels. Units are the items with two or
more labels (pairable); missing labels are allowed. Unsure labels count as the label chosen.

Notation (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): for unit u with m_u
values and n_uc values c, the coincidences are o_cc' = Σ_u n_uc·n_uc' / (m_u − 1) (c ≠ c') and
o_cc = Σ_u n_uc(n_uc − 1) / (m_u − 1); n_c = Σ_c' o_cc' = Σ_u n_uc; n = Σ_c n_c. Nominal alpha:

    α = 1 − (n − 1)·(n − Σ_c o_cc) / (n² − Σ_c n_c²)

The point estimate comes from the `krippendorff` package; the interval evaluates the same
formula for every draw of a Bayesian bootstrap over units at once (see `alpha_interval`).
"""

from __future__ import annotations

import zlib
from typing import Any

import krippendorff
import numpy as np

from .alpha_interval import pattern_weights
from .data import ReconcileData
from .intervals import containing
from .kappa import cohen_kappa

MIN_PAIR_ITEMS = 10  # Cohen's kappa for an annotator pair needs this many shared items
# Alpha (and Fleiss' kappa) need this many pairable units: below it the coefficient of a
# handful of items is noise, and the weak prior of the Bayesian bootstrap (two pseudo-units)
# would be as large as the data.
MIN_UNITS_FOR_CI = 10


def pairable_counts(counts: np.ndarray) -> np.ndarray:
    """Rows of a value-counts matrix with two or more values (the units alpha uses)."""
    return counts[counts.sum(axis=1) >= 2]


def _unit_terms(vc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = vc.sum(axis=1).astype(float)
    diag = (vc * (vc - 1)).sum(axis=1) / (m - 1)
    return m, diag


def alpha_from_totals(n: np.ndarray, diag: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Nominal alpha from n, Σ o_cc and n_c (vectorised over leading axes); nan if undefined."""
    denom = n * n - (n_c * n_c).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (n - 1) * (n - diag) / denom
    return np.where(denom > 0, out, np.nan)


def seed_for(seed: int, key: str) -> np.random.Generator:
    """An independent, reproducible generator per (seed, group name)."""
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def _interval_draws(vc: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Alpha under `draws` Bayesian-bootstrap weightings of the units (see `alpha_interval`)."""
    patterns, weights = pattern_weights(vc, draws, rng)
    m, diag = _unit_terms(patterns)
    return alpha_from_totals(weights @ m, weights @ diag, weights @ patterns.astype(float))


def agreement(
    counts: np.ndarray,
    labels: tuple[str, ...],
    *,
    resamples: int = 1000,
    rng: np.random.Generator | None = None,
    positive: str = "unsafe",
) -> dict[str, Any]:
    """Agreement of one group of units. `counts` is the (units × values) value-counts matrix;
    units with fewer than two values are ignored."""
    vc = pairable_counts(counts)
    units = int(vc.shape[0])
    m, diag_u = _unit_terms(vc) if units else (np.zeros(0), np.zeros(0))
    n = float(m.sum())
    n_c = vc.sum(axis=0).astype(float) if units else np.zeros(len(labels))
    o_diag_c = ((vc * (vc - 1)) / (m - 1)[:, None]).sum(axis=0) if units else n_c
    result: dict[str, Any] = {
        "alpha": None,
        "ci95": None,
        "units": units,
        "pairable_values": int(n),
        "observed_agreement": None,
        "specific_agreement": {},
        "fleiss_kappa": None,
        "reasons": {},
    }
    reasons = result["reasons"]
    if units == 0:
        reasons["alpha"] = reasons["observed_agreement"] = (
            "fewer than two pairable values: no item has two or more labels"
        )
        reasons["fleiss_kappa"] = reasons["alpha"]
        return result
    result["observed_agreement"] = float(diag_u.sum() / n)
    for i, name in enumerate(labels):
        if n_c[i] > 0:
            # Class-specific agreement o_cc / n_c; for two annotators 2a / (2a + b + c).
            result["specific_agreement"][name] = float(o_diag_c[i] / n_c[i])
        else:
            result["specific_agreement"][name] = None
            reasons[f"specific_agreement.{name}"] = f"no pairable value is {name!r}"
    if positive in labels:
        result["positive_agreement"] = result["specific_agreement"][positive]
    used = np.flatnonzero(n_c > 0)
    if used.size < 2:
        only = labels[int(used[0])] if used.size else "?"
        reasons["alpha"] = f"no variation: every pairable value is {only!r}"
        reasons["fleiss_kappa"] = reasons["alpha"]
        return result
    if units == 1:
        # A coefficient of one item is no measure of reliability: none is given, with the
        # reason (observed agreement, a plain share, is still shown).
        reasons["alpha"] = reasons["fleiss_kappa"] = (
            "one item with two or more labels: no reliability coefficient from a single item"
        )
        return result
    if units < MIN_UNITS_FOR_CI:
        result["caveat"] = (
            f"only {units} items with two or more labels: alpha and Fleiss' kappa are unstable "
            f"(no interval below {MIN_UNITS_FOR_CI})"
        )
        reasons["ci95"] = f"fewer than {MIN_UNITS_FOR_CI} items with two or more labels"
    value = krippendorff.alpha(
        value_counts=vc, value_domain=list(labels), level_of_measurement="nominal"
    )
    result["alpha"] = float(value)
    if resamples > 0 and units >= MIN_UNITS_FOR_CI:
        rng = rng or np.random.default_rng(0)
        boot = _interval_draws(vc, resamples, rng)
        finite = boot[np.isfinite(boot)]
        result["bootstrap"] = {
            "method": "bayesian_bootstrap_units",
            "resamples": resamples,
            "undefined": int(boot.size - finite.size),
        }
        if finite.size >= max(2, resamples // 2):
            lo, hi = np.quantile(finite, [0.025, 0.975])
            result["ci95"] = containing((lo, hi), float(value))
        else:
            reasons["ci95"] = "most bootstrap draws have no variation"
    fleiss = fleiss_kappa(vc)
    result["fleiss_kappa"] = fleiss[0]
    if fleiss[1]:
        reasons["fleiss_kappa"] = fleiss[1]
    return result


def fleiss_kappa(vc: np.ndarray) -> tuple[float | None, str | None]:
    """Fleiss (1971) kappa, defined when every unit has the same number m of labels:
    P_i = (Σ_j n_ij² − m) / (m(m − 1)), p_j = Σ_i n_ij / (N m), κ = (P̄ − P̄e) / (1 − P̄e)
    with P̄e = Σ_j p_j²."""
    m = vc.sum(axis=1)
    if m.size == 0:
        return None, "no item has two or more labels"
    if not np.all(m == m[0]):
        return None, "items have different numbers of labels (Fleiss' kappa needs the same)"
    k = int(m[0])
    p_i = ((vc * vc).sum(axis=1) - k) / (k * (k - 1))
    p_j = vc.sum(axis=0) / (vc.shape[0] * k)
    pe = float((p_j * p_j).sum())
    if pe >= 1.0:
        return None, "no variation"
    return float((p_i.mean() - pe) / (1 - pe)), None


def pairwise_kappa(data: ReconcileData, names: dict[int, str] | None = None) -> list[dict]:
    """Cohen's kappa for every annotator pair with at least MIN_PAIR_ITEMS shared items.

    Every pair of labels on the same item is enumerated with numpy (labels sorted by item;
    for each offset k, rows i and i + k on the same item form a pair), then the pair
    confusion tables are one bincount."""
    valid = data.lab_value >= 0
    item, annot, value = data.lab_item[valid], data.lab_annotator[valid], data.lab_value[valid]
    if item.size == 0:
        return []
    order = np.lexsort((annot, item))
    item, annot, value = item[order], annot[order], value[order]
    ids, a_index = np.unique(annot, return_inverse=True)
    v = len(data.labels)
    n_a = ids.size
    left, right, lv, rv = [], [], [], []
    k = 1
    while k < item.size:
        same = item[k:] == item[:-k]
        if not same.any():
            break
        left.append(a_index[:-k][same])
        right.append(a_index[k:][same])
        lv.append(value[:-k][same])
        rv.append(value[k:][same])
        k += 1
    if not left:
        return []
    a1, a2 = np.concatenate(left), np.concatenate(right)
    v1, v2 = np.concatenate(lv), np.concatenate(rv)
    pair = a1 * n_a + a2  # a1 < a2: rows are sorted by annotator within an item
    pairs, pair_index = np.unique(pair, return_inverse=True)
    tables = np.bincount((pair_index * v + v1) * v + v2, minlength=pairs.size * v * v).reshape(
        pairs.size, v, v
    )
    out = []
    for p, table in zip(pairs, tables, strict=True):
        i, j = divmod(int(p), n_a)
        shared = int(table.sum())
        entry: dict[str, Any] = {
            "annotators": [_name(names, ids[i]), _name(names, ids[j])],
            "shared_items": shared,
            "kappa": None,
            "observed_agreement": float(np.trace(table) / shared),
        }
        if shared < MIN_PAIR_ITEMS:
            entry["reason"] = f"fewer than {MIN_PAIR_ITEMS} shared items"
        else:
            kappa, reason = cohen_kappa(table)
            entry["kappa"] = kappa
            if reason:
                entry["reason"] = reason
        out.append(entry)
    return out


def _name(names: dict[int, str] | None, annotator_id: Any) -> str:
    return names.get(int(annotator_id), str(annotator_id)) if names else str(annotator_id)
