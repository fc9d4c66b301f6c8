"""Design-based estimation: every rate follows how the human-labelled items were chosen.

**The design.** `polyjudge sample` stores, per sampled item, its weight w = 1/π (π its
inclusion probability). In a language with a sample, the estimates use the human-final items of
the sample, each weighted by w; labels on other items of that language are kept and shown but
lie outside the design (`outside_design`). In a language with no sample, every human-final item
counts with w = 1, as if the labelled items were a simple random sample (the report says so).

**Post-stratification.** A rate over a group of items (a language, a model, everything) is

    rate = Σ_c (N_c / N) · p̂_c,    p̂_c = Σ_{i∈S_c} w_i y_i / Σ_{i∈S_c} w_i   (Hájek)

over cells c of the group with known sizes N_c: the languages for the human-only estimate
(so that a pooled rate weighs each language by its population, not by its sample), the
languages × the judge verdict (judge-unsafe, other, unjudged) for the judge-corrected one. The
latter is the two-phase estimator of Cochran (1977, "Sampling Techniques", §12.2) generalised
to unequal weights (Särndal, Swensson & Wretman 1992, "Model Assisted Survey Sampling", §7.6):
the judge verdict is known for every item, so its strata have known sizes and the human labels
only estimate the rate inside each. Unjudged items are a stratum of their own, never dropped. A
cell with items but no sampled label borrows its language's sample mean (and is named in
`notes`).

**The interval.** Price & Bonett (2004, "An improved confidence interval for a linear function
of binomial proportions", Comput Stat Data Anal 45:449) for Σ_c W_c p_c: each cell's proportion
is adjusted to p̃_c = (x_c + 2/m)/(n_c + 4/m) with m the number of cells, and the interval is
Σ W_c p̃_c ± z·sqrt(Σ W_c² p̃_c(1 − p̃_c)/(n_c + 4/m) · (1 − n_c/N_c)). With unequal weights x_c
and n_c are Kish's (1965) effective sizes, n_eff = (Σw)²/Σw² and x_eff = p̂_c·n_eff; the last
factor is the finite-population correction. One cell with equal weights gets the modified
Wilson interval (`intervals.wilson_modified`) as before. The adjustment keeps the interval valid
where a cell holds few or no positives (a judge-safe stratum with ≤ 1 expected false negative),
where a plain Wald or CLT interval (PPI++'s included) under-covers; bench/efficiency_sim.py
measures both against `ppi_py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .intervals import containing, wilson, wilson_modified

Z95 = 1.959963984540054


@dataclass
class Design:
    """Per item: is it in a sample batch, and its weight 1/π (1 outside any sample)."""

    assigned: np.ndarray  # (R,) bool
    weight: np.ndarray  # (R,) float
    sampled_language: np.ndarray  # (R,) bool: the item's language has a sample
    strata: dict[str, set[str]] = field(default_factory=dict)  # language -> stratum names

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
    rows = project.assignments()
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
    strata: list[tuple[str, str]] | None = None,
) -> Design:
    """A Design from assignment rows: item indices `at` with weights 1/π."""
    assigned = np.zeros(n_items, bool)
    weight = np.ones(n_items)
    ok = np.isfinite(weights) & (weights >= 1)
    assigned[at[ok]] = True
    weight[at[ok]] = weights[ok]
    languages = np.unique(language_codes[assigned]) if np.any(assigned) else np.zeros(0, int)
    sampled_language = np.isin(language_codes, languages)
    grouped: dict[str, set[str]] = {}
    for language, stratum in strata or ():
        grouped.setdefault(language, set()).add(stratum)
    return Design(assigned, weight, sampled_language, grouped)


@dataclass
class CellStats:
    population: int
    sampled: int
    estimate: float | None
    n_eff: float
    borrowed: bool = False  # estimated from the parent's sample


def _cell_table(
    y: np.ndarray, w: np.ndarray, sample: np.ndarray, mask: np.ndarray, cells: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cell code: population, sampled, Σw, Σwy, Σw² (cells < 0 are outside)."""
    inside = mask & (cells >= 0)
    k = int(cells[inside].max()) + 1 if np.any(inside) else 0
    s = inside & sample
    pop = np.bincount(cells[inside], minlength=k)
    n = np.bincount(cells[s], minlength=k)
    sw = np.bincount(cells[s], weights=w[s], minlength=k)
    swy = np.bincount(cells[s], weights=(w * y)[s], minlength=k)
    sw2 = np.bincount(cells[s], weights=(w * w)[s], minlength=k)
    return pop, n, sw, swy, sw2


def poststratified_rate(
    y: np.ndarray,
    w: np.ndarray,
    sample: np.ndarray,
    mask: np.ndarray,
    cells: np.ndarray,
    parent: np.ndarray | None = None,
    cell_names: list[str] | None = None,
    may_borrow: np.ndarray | None = None,
) -> dict[str, Any]:
    """Σ_c (N_c/N)·p̂_c over the cells of `mask` with a Price–Bonett interval (module doc).

    y: (R,) bool outcome; w: (R,) weights 1/π; sample: (R,) bool items whose y is known and in
    the design; cells: (R,) cell code; parent: (R,) coarser code (the language) whose sample
    mean a cell with no sampled item borrows, if `may_borrow[cell]` (only where that is
    defensible: unjudged items, whose verdict is missing for reasons unrelated to their
    content). Returns rate, ci95, cells (per cell statistics),
    notes, and a reason when undefined."""
    out: dict[str, Any] = {"rate": None, "ci95": None, "notes": [], "reason": None}
    pop, n, sw, swy, sw2 = _cell_table(y, w, sample, mask, cells)
    total = int(pop.sum())
    if total == 0:
        out["reason"] = "no item"
        return out
    if parent is not None:
        ppop, pn, psw, pswy, psw2 = _cell_table(y, w, sample, mask, parent)
    stats: list[CellStats] = []
    missing: list[str] = []
    for c in np.flatnonzero(pop):
        name = cell_names[c] if cell_names else str(c)
        if n[c] > 0:
            stats.append(CellStats(int(pop[c]), int(n[c]), swy[c] / sw[c], sw[c] ** 2 / sw2[c]))
            continue
        members = mask & (cells == c)
        code = int(parent[members][0]) if parent is not None else -1
        borrow = may_borrow is not None and c < may_borrow.size and may_borrow[c]
        if parent is None or not borrow or pn[code] == 0:
            missing.append(f"{name} ({pop[c]:,} item(s))")
            continue
        stats.append(
            CellStats(int(pop[c]), 0, pswy[code] / psw[code], psw[code] ** 2 / psw2[code], True)
        )
        out["notes"].append(
            f"{pop[c]:,} item(s) of {name} have no sampled human label: estimated from their "
            "language's sample"
        )
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4
                                          else "")
        out["reason"] = f"no human-final item (of the sample, where there is one) in {shown}"
        return out
    weights = np.array([s.population / total for s in stats])
    estimate = float(sum(wc * s.estimate for wc, s in zip(weights, stats, strict=True)))
    out["rate"] = estimate
    out["ci95"] = _interval(stats, weights, estimate)
    out["cells"] = stats
    return out


def _interval(stats: list[CellStats], weights: np.ndarray, estimate: float) -> list[float]:
    m = len(stats)
    if m == 1 and stats[0].sampled > 0:
        only = stats[0]
        n_eff = only.n_eff
        x_eff = only.estimate * n_eff
        if math.isclose(n_eff, round(n_eff)) and math.isclose(x_eff, round(x_eff), abs_tol=1e-6):
            ci = wilson_modified(int(round(x_eff)), int(round(n_eff)))
        else:  # unequal weights: Wilson at Kish's effective size
            ci = wilson(min(max(x_eff, 0.0), n_eff), n_eff)
        return containing(ci, estimate)
    centre = variance = 0.0
    for wc, s in zip(weights, stats, strict=True):
        n_adj = s.n_eff + 4 / m
        p_adj = (s.estimate * s.n_eff + 2 / m) / n_adj
        fpc = 0.0 if s.sampled >= s.population else 1 - s.sampled / s.population
        centre += wc * p_adj
        variance += wc * wc * p_adj * (1 - p_adj) / n_adj * fpc
    half = Z95 * math.sqrt(variance)
    return containing((max(0.0, centre - half), min(1.0, centre + half)), estimate)
