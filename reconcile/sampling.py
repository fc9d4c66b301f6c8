"""Choosing items for human labelling: a seeded random sample per language, optionally
stratified by a judge run's verdict so that judge-unsafe items are oversampled.

Candidates are items with no current human label, no adjudication, and not in an earlier sample
batch. Per language (in name order) a generator seeded from (seed, language) draws without
replacement, so the same project state and seed always give the same sample.

With `--stratify-by-judge`, the strata are the run's verdict: `unsafe`, any other verdict
(`other`), and no verdict (`none`). Half of the language's quota goes to the judge-unsafe
stratum (all of it when smaller), the rest to the others in proportion to their size; any
quota a stratum cannot fill passes to the next. Each sampled item records its stratum and weight
= stratum candidates / stratum sample (the inverse inclusion probability), so estimates can be
reweighted; the judge-corrected estimator stratifies by the same verdicts and needs no weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .agreement import seed_for
from .data import NO_VERDICT, ReconcileData, RunVerdicts


@dataclass(frozen=True)
class SampledItem:
    response_id: int
    language: str
    stratum: str
    weight: float


def allocate(sizes: list[int], shares: list[float], total: int) -> list[int]:
    """Integer quotas ≤ sizes summing to min(total, Σ sizes), close to total·shares, with
    leftovers passed on in stratum order."""
    quota = [min(s, math.floor(total * w + 1e-9)) for s, w in zip(sizes, shares, strict=True)]
    left = min(total, sum(sizes)) - sum(quota)
    for i, s in enumerate(sizes):
        take = min(left, s - quota[i])
        quota[i] += take
        left -= take
    return quota


def draw_sample(
    data: ReconcileData,
    per_language: int,
    seed: int,
    exclude: np.ndarray,
    stratify: RunVerdicts | None = None,
    positive: str = "unsafe",
    positive_share: float = 0.5,
) -> list[SampledItem]:
    """The sample; `exclude` is a boolean mask (R,) of items that cannot be drawn."""
    if per_language < 1:
        raise ValueError("--per-language must be at least 1")
    labelled = np.bincount(data.lab_item, minlength=data.n_items) > 0
    candidates = ~labelled & (data.adjudicated < 0) & ~exclude
    pos = data.label_index(positive)
    out: list[SampledItem] = []
    for language, in_language in data.groupings["language"].members():
        rng = seed_for(seed, f"sample:{language}")
        pool = np.flatnonzero(candidates & in_language)
        if pool.size == 0:
            continue
        if stratify is None:
            strata = [("language", pool)]
            quotas = [min(per_language, pool.size)]
        else:
            codes = stratify.codes[pool]
            run = stratify.run.id
            strata = [
                (f"judge:{run}:unsafe", pool[codes == pos] if pos is not None else pool[:0]),
                (f"judge:{run}:other", pool[(codes != NO_VERDICT) & (codes != pos)]),
                (f"judge:{run}:none", pool[codes == NO_VERDICT]),
            ]
            sizes = [s.size for _, s in strata]
            rest = sizes[1] + sizes[2]
            shares = [positive_share] + [
                (1 - positive_share) * s / rest if rest else 0.0 for s in sizes[1:]
            ]
            quotas = allocate(sizes, shares, per_language)
        for (name, members), k in zip(strata, quotas, strict=True):
            if k == 0:
                continue
            chosen = np.sort(rng.choice(members, size=k, replace=False))
            weight = members.size / k
            out.extend(
                SampledItem(int(data.response_id[i]), language, name, weight) for i in chosen
            )
    return out
