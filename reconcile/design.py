"""Design-based estimation: every rate follows how the human-labelled items were chosen.

**The design.** `polyjudge sample` stores, per sampled item, its weight w = 1/π (π its
inclusion probability). In a language with a sample, the estimates use the human-final items of
the sample, each weighted by w; labels on other items of that language are kept and shown but
lie outside the design (`outside_design`). In a language with no sample, every human-final item
counts with w = 1, as if the labelled items were a simple random sample (the report says so).

The estimators on it: `poststratified.py` (the rate over cells) and `cell_intervals.py`
(its interval).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .platt import recalibration


@dataclass
class Design:
    """Per item: is it in a sample batch, and its weight 1/π (1 outside any sample)."""

    assigned: np.ndarray  # (R,) bool
    weight: np.ndarray  # (R,) float
    sampled_language: np.ndarray  # (R,) bool: the item's language has a sample
    # (R,) design stratum code (`stratum_code`) of an assigned item, NO_DESIGN elsewhere; None:
    # not known (the intervals then take the labels as drawn at random, without the
    # finite-population correction of a single cell).
    stratum: np.ndarray | None = None
    # (R,) the item's language code (the report's language grouping); None: not known (no
    # re-basing of an active sample's weights, `labelled_weight`).
    language: np.ndarray | None = None
    # Platt fits of a prediction on every label of the report (`recalibration`), by
    # (id of the prediction array, target label): one report asks for the same fit per group.
    _fits: dict[tuple[int, int], tuple[float, float]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # `labelled_weight` by the labelled mask (a report asks for the same few masks per group).
    _weights: dict[bytes, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def none(cls, n_items: int) -> Design:
        """No sample: every label is outside any design, so the intervals take the labels as
        drawn from an infinite population (no finite-population correction), in a language's
        own rate and in pooled ones alike."""
        return cls(
            np.zeros(n_items, bool),
            np.ones(n_items),
            np.zeros(n_items, bool),
            np.full(n_items, NO_DESIGN, np.int64),
        )

    def estimation_sample(self, human_final: np.ndarray) -> np.ndarray:
        """Items whose human-final labels the estimates use."""
        return human_final & (self.assigned | ~self.sampled_language)

    def waiting(self, human_final: np.ndarray) -> np.ndarray:
        """Items a sample drew (of any batch) that have no human-final label yet: labels to
        come, which a planned size counts before drawing more (`sample --budget`,
        `--target-width`, the report's budget)."""
        return self.assigned & ~self.estimation_sample(human_final)

    def labelled_weight(self, labelled: np.ndarray) -> np.ndarray:
        """1/π of each item as far as its label is concerned: the sample's weight re-based to
        the sampled items that are `labelled` so far (a sample is labelled over days, and
        estimates are read along the way).

        The labelled part of a design stratum drawn by simple random sampling is taken as a
        simple random sample of the stratum (it is one when the sample is labelled in a random
        order): of its N_h items (the sum of the stratum's weights N_h/n_h), n'_h labelled,
        each with π' = n'_h/N_h. An active (Poisson) sample's labelled part is taken as a
        random n' of its n items in a language: π' = π·n'/n. With the stored weights instead,
        a stratum half labelled was charged the finite-population correction of the whole
        sample (1 − n_h/N_h), a language sampled whole (a small one) had a judge-corrected
        interval of width 0 after its first labels, and a language sampled in several strata
        weighed them by their sampled, not their labelled, counts. Items no design drew keep
        their weight (1)."""
        if self.stratum is None or not np.any(self.assigned):
            return self.weight
        key = np.packbits(labelled & self.assigned).tobytes()
        if key not in self._weights:
            self._weights[key] = self._rebased(labelled, self.stratum)
        return self._weights[key]

    def _rebased(self, labelled: np.ndarray, stratum: np.ndarray) -> np.ndarray:
        weight = self.weight.copy()
        used = labelled & self.assigned
        srs = self.assigned & (stratum >= 0)
        if np.any(srs):
            size = int(stratum[srs].max()) + 1
            population = np.bincount(stratum[srs], weights=self.weight[srs], minlength=size)
            have = np.bincount(stratum[used & srs], minlength=size)
            at = stratum[used & srs]
            weight[used & srs] = population[at] / have[at]
        poisson = self.assigned & (stratum == POISSON)
        if self.language is not None and np.any(used & poisson):
            codes = self.language
            drawn = np.bincount(codes[poisson], minlength=int(codes.max()) + 1)
            have = np.bincount(codes[used & poisson], minlength=drawn.size)
            at = codes[used & poisson]
            weight[used & poisson] *= drawn[at] / have[at]
        return weight

    def recalibration(
        self, prediction: np.ndarray, target: int, label: np.ndarray, human_final: np.ndarray
    ) -> tuple[float, float]:
        """The Platt fit (`platt.recalibration`) of `prediction` on every human-final item of
        the estimation sample that has one, for outcome label == target; computed once per
        report (the groups' rates all use it)."""
        key = (id(prediction), target)
        if key not in self._fits:
            labelled = self.estimation_sample(human_final) & ~np.isnan(prediction)
            self._fits[key] = recalibration(
                np.clip(prediction[labelled], 0.0, 1.0), (label[labelled] == target).astype(float)
            )
        return self._fits[key]

    def outside(self, human_final: np.ndarray) -> np.ndarray:
        """Human-final items that the design does not include (free labelling)."""
        return human_final & self.sampled_language & ~self.assigned

    def kind(self, mask: np.ndarray) -> str:
        """'none' (no sample), 'equal' (every sampled item weighs the same) or 'weighted'."""
        sampled = mask & self.assigned
        if not np.any(sampled):
            return "none"
        w = self.weight[sampled]
        return "equal" if np.allclose(w, w[0]) else "weighted"


POISSON = -1  # design stratum code of a Poisson-drawn (active) item
NO_DESIGN = -2  # of an item no sample drew


def stratum_code(codes: dict[tuple[str, str], int], language: str, stratum: str | None) -> int:
    """The design stratum code of a sampled item from its stored stratum name (`sampling`):
    POISSON for an active sample's items (`judge:ID:active`), else one code per (language,
    stratum), inside which the batches' union is a simple random sample. `codes` is filled as
    new strata are met."""
    if stratum is None:
        return NO_DESIGN
    if stratum.endswith(":active"):
        return POISSON
    return codes.setdefault((language, stratum), len(codes))


def load_design(
    project: Any, language_codes: np.ndarray, response_id: np.ndarray, rows: list | None = None
) -> Design:
    """The project's sample batches as a Design (no batch: Design.none). `rows`: its
    assignment rows, where the caller has read them already."""
    rows = project.assignments.all() if rows is None else rows
    n_items = int(response_id.size)
    if not rows:
        return Design.none(n_items)
    ids = np.fromiter((a.response_id for a in rows), dtype=np.int64, count=len(rows))
    weights = np.fromiter(
        (a.weight if a.weight is not None else np.nan for a in rows), dtype=float, count=len(rows)
    )
    at = np.searchsorted(response_id, ids)
    known = at < n_items
    known[known] = response_id[at[known]] == ids[known]
    strata = [a.stratum for a, k in zip(rows, known.tolist(), strict=True) if k]
    return build_design(language_codes, n_items, at[known], weights[known], strata)


def build_design(
    language_codes: np.ndarray,
    n_items: int,
    at: np.ndarray,
    weights: np.ndarray,
    strata: list[str | None] | None = None,
) -> Design:
    """A Design from assignment rows: item indices `at` with weights 1/π, and the strata they
    were drawn in (`sampling`; the later row of an item re-listed by a further batch wins, as
    its weight does)."""
    assigned = np.zeros(n_items, bool)
    weight = np.ones(n_items)
    ok = np.isfinite(weights) & (weights >= 1)
    assigned[at[ok]] = True
    weight[at[ok]] = weights[ok]
    languages = np.unique(language_codes[assigned]) if np.any(assigned) else np.zeros(0, int)
    sampled_language = np.isin(language_codes, languages)
    stratum = None
    if strata is not None:
        stratum = np.full(n_items, NO_DESIGN, np.int64)
        codes: dict[tuple[str, str], int] = {}
        for i, name, good in zip(at.tolist(), strata, ok.tolist(), strict=True):
            if good:
                stratum[i] = stratum_code(codes, str(language_codes[i]), name)
    return Design(assigned, weight, sampled_language, stratum, np.asarray(language_codes))
