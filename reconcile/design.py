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

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Design:
    """Per item: is it in a sample batch, and its weight 1/π (1 outside any sample)."""

    assigned: np.ndarray  # (R,) bool
    weight: np.ndarray  # (R,) float
    sampled_language: np.ndarray  # (R,) bool: the item's language has a sample

    @classmethod
    def none(cls, n_items: int) -> Design:
        return cls(np.zeros(n_items, bool), np.ones(n_items), np.zeros(n_items, bool))

    def estimation_sample(self, human_final: np.ndarray) -> np.ndarray:
        """Items whose human-final labels the estimates use."""
        return human_final & (self.assigned | ~self.sampled_language)

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


def load_design(project: Any, language_codes: np.ndarray, response_id: np.ndarray) -> Design:
    """The project's sample batches as a Design (no batch: Design.none)."""
    rows = project.assignments.all()
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
    return build_design(language_codes, n_items, at[known], weights[known])


def build_design(
    language_codes: np.ndarray,
    n_items: int,
    at: np.ndarray,
    weights: np.ndarray,
) -> Design:
    """A Design from assignment rows: item indices `at` with weights 1/π."""
    assigned = np.zeros(n_items, bool)
    weight = np.ones(n_items)
    ok = np.isfinite(weights) & (weights >= 1)
    assigned[at[ok]] = True
    weight[at[ok]] = weights[ok]
    languages = np.unique(language_codes[assigned]) if np.any(assigned) else np.zeros(0, int)
    sampled_language = np.isin(language_codes, languages)
    return Design(assigned, weight, sampled_language)
