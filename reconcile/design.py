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

**The interval.** MOVER for the sum Σ_c W_c p_c (Zou & Donner 2008, "Construction of
confidence limits about effect measures: a general approach", Stat Med 27:1693; Newcombe's
square-and-add): with each cell's limits (l_c, u_c),

    Σ W_c p̂_c − sqrt(Σ W_c² (p̂_c − l_c)²),   Σ W_c p̂_c + sqrt(Σ W_c² (u_c − p̂_c)²).

A cell's limits are the Wilson score interval at its effective size n_eff/(1 − n_c/N_c): Kish's
(1965) n_eff = (Σw)²/Σw² (n_c with equal weights), divided by the finite-population
correction. The score interval keeps its asymmetry where a cell holds few or no positives (a
judge-safe stratum with ≤ 1 expected false negative, or half of a small language sampled),
where a Wald or CLT interval — PPI++'s included, or the Price & Bonett (2004) adjusted Wald
tried first — under-covers (0.85 where this gives 0.96; bench/efficiency_sim.py measures it
against `ppi_py`). A cell with a power-tuned prediction (below) contributes the symmetric
interval of its difference estimate, with Price & Bonett's pseudo-observations (2/m of each
outcome, m cells) in its variance. One cell with equal weights gets the modified Wilson interval
(`intervals.wilson_modified`), without the correction, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


@dataclass
class CellStats:
    """One cell's estimate p̂ = λ·mean_U(f) + Σ_S w(y − λf)/Σ_S w and the sums its interval
    needs (λ = 0 without predictions: the Hájek mean)."""

    population: int
    sampled: int
    estimate: float
    lam: float = 0.0
    mean_prediction: float = 0.0  # mean of f over the cell's population
    w: float = 0.0  # Σw
    we: float = 0.0  # Σw·e, e = y − λf
    w2: float = 0.0  # Σw²
    w2e: float = 0.0  # Σw²·e
    w2ee: float = 0.0  # Σw²·e²
    wf: float = 0.0  # Σw·f
    borrowed: bool = False  # estimated from the parent's sample

    @property
    def n_eff(self) -> float:
        """Kish's effective sample size (Σw)²/Σw²."""
        return self.w * self.w / self.w2 if self.w2 else 0.0

    def adjusted(self, pseudo: float) -> tuple[float, float]:
        """(centre, variance) with `pseudo` pseudo-observations of y = 1 and of y = 0 at the
        mean weight and the mean prediction: Price & Bonett's adjustment (pseudo = 2/m), which
        for equal weights and no prediction gives exactly p̃ and p̃(1 − p̃)/(n + 4/m)."""
        v = self.w / self.sampled
        f_bar = self.wf / self.w
        e1, e0 = 1 - self.lam * f_bar, -self.lam * f_bar
        w = self.w + 2 * pseudo * v
        we = self.we + pseudo * v * (e1 + e0)
        w2 = self.w2 + 2 * pseudo * v * v
        w2e = self.w2e + pseudo * v * v * (e1 + e0)
        w2ee = self.w2ee + pseudo * v * v * (e1 * e1 + e0 * e0)
        e_bar = we / w
        variance = max(w2ee - 2 * e_bar * w2e + e_bar * e_bar * w2, 0.0) / (w * w)
        fpc = 1.0  # a borrowed cell carries its parent's sampling error whole
        if not self.borrowed:
            fpc = 0.0 if self.sampled >= self.population else 1 - self.sampled / self.population
        return self.lam * self.mean_prediction + e_bar, variance * fpc


def _sums(values: list[np.ndarray], cells: np.ndarray, k: int) -> list[np.ndarray]:
    return [np.bincount(cells, weights=v, minlength=k) for v in values]


def _cell_stats(
    y: np.ndarray,
    w: np.ndarray,
    sample: np.ndarray,
    inside: np.ndarray,
    cells: np.ndarray,
    prediction: np.ndarray | None,
) -> dict[int, CellStats]:
    """Per cell code with items inside: its statistics (None estimate when not sampled).

    With predictions f for every item of a cell, λ is the power-tuned coefficient of PPI++
    (Angelopoulos, Duchi & Zrnic 2023, "PPI++: Efficient prediction-powered inference"):
    the weighted regression slope of y on f in the sample, clipped to [0, 1]."""
    c_all = cells[inside]
    k = int(c_all.max()) + 1 if c_all.size else 0
    population = np.bincount(c_all, minlength=k)
    s = inside & sample
    c = cells[s]
    ys, ws = y[s].astype(float), w[s]
    n = np.bincount(c, minlength=k)
    # A cell labelled whole is known exactly: its plain mean, whatever the weights (a Poisson
    # design can take every item of a small cell, each with its own 1/π, and the Hájek mean of
    # a census with unequal weights is not the census mean).
    census = n >= population
    ws = np.where(census[c], 1.0, ws)
    if prediction is None:
        usable = np.zeros(k, bool)
        fs = np.zeros(ys.size)
        pop_f: np.ndarray = np.zeros(k)
    else:
        missing = np.bincount(c_all, weights=np.isnan(prediction[inside]), minlength=k)
        usable = (missing == 0) & ~census
        fs = np.nan_to_num(prediction[s])
        pop_f = np.bincount(c_all, weights=np.nan_to_num(prediction[inside]), minlength=k)
    W, Wy, Wf, Wff, Wyf, W2, W2y, W2f, W2yf, W2ff = _sums(
        [
            ws,
            ws * ys,
            ws * fs,
            ws * fs * fs,
            ws * ys * fs,
            ws * ws,
            ws * ws * ys,
            ws * ws * fs,
            ws * ws * ys * fs,
            ws * ws * fs * fs,
        ],
        c,
        k,
    )
    out: dict[int, CellStats] = {}
    for code in np.flatnonzero(population).tolist():
        if n[code] == 0:
            continue
        lam = 0.0
        if usable[code]:
            var_f = Wff[code] - Wf[code] ** 2 / W[code]
            if var_f > 1e-12 * W[code]:
                cov = Wyf[code] - Wy[code] * Wf[code] / W[code]
                lam = float(min(max(cov / var_f, 0.0), 1.0))
        mean_f = pop_f[code] / population[code] if lam else 0.0
        we = Wy[code] - lam * Wf[code]
        out[int(code)] = CellStats(
            population=int(population[code]),
            sampled=int(n[code]),
            estimate=float(lam * mean_f + we / W[code]),
            lam=lam,
            mean_prediction=float(mean_f),
            w=float(W[code]),
            we=float(we),
            w2=float(W2[code]),
            w2e=float(W2y[code] - lam * W2f[code]),
            w2ee=float(W2y[code] - 2 * lam * W2yf[code] + lam * lam * W2ff[code]),
            wf=float(Wf[code]),
        )
    return out


def poststratified_rate(
    y: np.ndarray,
    w: np.ndarray,
    sample: np.ndarray,
    mask: np.ndarray,
    cells: np.ndarray,
    parent: np.ndarray | None = None,
    cell_names: list[str] | None = None,
    may_borrow: np.ndarray | None = None,
    prediction: np.ndarray | None = None,
    z: float = Z95,
) -> dict[str, Any]:
    """Σ_c (N_c/N)·p̂_c over the cells of `mask` with a Price–Bonett interval (module doc).

    y: (R,) bool outcome; w: (R,) weights 1/π; sample: (R,) bool items whose y is known and in
    the design; cells: (R,) cell code (< 0: outside); parent: (R,) coarser code (the language)
    whose sample mean a cell with no sampled item borrows, if `may_borrow[cell]` (only where
    that is defensible: unjudged items, whose verdict is missing for reasons unrelated to their
    content); prediction: (R,) the judge's p(unsafe) (NaN: none), used in a cell whose items all
    have one; z: the normal quantile of the level (95% unless `report --sequential`). Returns
    rate, ci95, cells (per cell statistics), notes, and a reason when
    undefined."""
    out: dict[str, Any] = {"rate": None, "ci95": None, "notes": [], "reason": None}
    # Work on the group's items only: a language is a tenth of the project or less.
    keep = np.flatnonzero(mask)
    y, w, sample, cells = y[keep], w[keep], sample[keep], cells[keep]
    parent = parent[keep] if parent is not None else None
    prediction = prediction[keep] if prediction is not None else None
    mask = np.ones(keep.size, bool)
    inside = cells >= 0
    stats = _cell_stats(y, w, sample, inside, cells, prediction)
    population = np.bincount(cells[inside]) if np.any(inside) else np.zeros(0, int)
    total = int(population.sum())
    if total == 0:
        out["reason"] = "no item"
        return out
    parents = (
        _cell_stats(y, w, sample, mask & (parent >= 0), parent, None) if parent is not None else {}
    )
    used: list[CellStats] = []
    missing: list[str] = []
    for code in np.flatnonzero(population).tolist():
        name = cell_names[code] if cell_names else str(code)
        if code in stats:
            used.append(stats[code])
            continue
        borrow = may_borrow is not None and code < may_borrow.size and may_borrow[code]
        members = inside & (cells == code)
        up = parents.get(int(parent[members][0])) if parent is not None and borrow else None
        if up is None:
            missing.append(f"{name} ({population[code]:,} item(s))")
            continue
        used.append(
            CellStats(**{**up.__dict__, "population": int(population[code]), "borrowed": True})
        )
        out["notes"].append(
            f"{population[code]:,} item(s) of {name} have no sampled human label: estimated "
            "from their language's sample"
        )
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        out["reason"] = f"no human-final item (of the sample, where there is one) in {shown}"
        return out
    weights = np.array([c.population / total for c in used])
    estimate = float(sum(wc * c.estimate for wc, c in zip(weights, used, strict=True)))
    out["rate"] = estimate
    out["ci95"] = _interval(used, weights, estimate, z)
    out["cells"] = used
    return out


def _interval(
    stats: list[CellStats], weights: np.ndarray, estimate: float, z: float = Z95
) -> list[float]:
    m = len(stats)
    if m == 1 and stats[0].sampled > 0 and stats[0].lam == 0:
        only = stats[0]
        n_eff = only.n_eff
        x_eff = only.estimate * n_eff
        whole = math.isclose(n_eff, round(n_eff)) and math.isclose(
            x_eff, round(x_eff), abs_tol=1e-6
        )
        if whole and z == Z95:
            ci = wilson_modified(int(round(x_eff)), int(round(n_eff)))
        else:  # unequal weights: Wilson at Kish's effective size
            ci = wilson(min(max(x_eff, 0.0), n_eff), n_eff, z)
        return containing(ci, estimate)
    below = above = 0.0
    for wc, cell in zip(weights, stats, strict=True):
        low, high = _cell_limits(cell, 2 / m, z)
        below += (wc * (cell.estimate - low)) ** 2
        above += (wc * (high - cell.estimate)) ** 2
    return containing(
        (max(0.0, estimate - math.sqrt(below)), min(1.0, estimate + math.sqrt(above))), estimate
    )


def _cell_limits(cell: CellStats, pseudo: float, z: float) -> tuple[float, float]:
    """One cell's limits for the MOVER sum: the Wilson score interval at the cell's effective
    size n_eff / (1 − n/N) (Kish's size, finite-population corrected); with a prediction
    (λ > 0), the symmetric interval of the pseudo-observation-adjusted difference estimate."""
    fpc = 1.0 if cell.borrowed else max(1 - cell.sampled / cell.population, 0.0)
    if fpc == 0.0:
        return cell.estimate, cell.estimate
    if cell.lam == 0:
        n = cell.n_eff / fpc
        low, high = wilson(min(max(cell.estimate * n, 0.0), n), n, z) or (0.0, 1.0)
        return min(low, cell.estimate), max(high, cell.estimate)
    # The adjusted centre moves towards the pseudo-observations; in a cell sampled nearly whole
    # the (finite-population corrected) half-width can be smaller than that move, and an
    # interval about the centre alone would stop at the estimate (0.79 coverage in
    # bench/efficiency_sim.py: active design, 5 unsafe items in 1,000). Both are kept.
    centre, variance = cell.adjusted(pseudo)
    half = z * math.sqrt(variance)
    return min(centre, cell.estimate) - half, max(centre, cell.estimate) + half
