"""Post-stratified rates (see `design.py` for the design they follow).

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

The interval is in `cell_intervals.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cell_intervals import Z95, CellStats, Part, mover_interval
from .design import POISSON
from .platt import recalibrated, recalibration


def _sums(values: list[np.ndarray], cells: np.ndarray, k: int) -> list[np.ndarray]:
    return [np.bincount(cells, weights=v, minlength=k) for v in values]


def calibrated_noise(
    c: np.ndarray, a: np.ndarray, lf: np.ndarray, e_bar: np.ndarray, fv: np.ndarray, k: int
) -> np.ndarray:
    """Per cell, the standard deviation the plug-in variance Σ a_i(e_i − ē)² (e = y − λf) has
    when p(unsafe) is calibrated (y_i ~ Bernoulli(f_i), ē held fixed). A term is
    a_i(1 − λf_i − ē)² if y_i = 1 and a_i(λf_i + ē)² if not, which differ by
    a_i(1 − 2(λf_i + ē)); so its variance is a_i²·f_i(1 − f_i)·(1 − 2(λf_i + ē))², with
    f(1 − f) as the floor takes it (`fv`). lf: λf_i per item."""
    terms = a * a * fv * (1 - 2 * (lf + e_bar[c])) ** 2
    return np.sqrt(np.bincount(c, weights=terms, minlength=k))


def _cell_stats(
    y: np.ndarray,
    w: np.ndarray,
    sample: np.ndarray,
    inside: np.ndarray,
    cells: np.ndarray,
    prediction: np.ndarray | None,
    design_strata: np.ndarray | None = None,
    fits: tuple[tuple[float, float], ...] = (),
    variance_only: bool = False,
) -> dict[int, CellStats]:
    """Per cell code with items inside: its statistics (None estimate when not sampled).
    With `variance_only`, the predictions model the variance of a Poisson-drawn proportion's
    cell (`_anticipated_variance`) and the estimate is the Hájek mean (λ = 0).

    With predictions f for every item of a cell, the cell's estimate is the difference
    estimator λ·mean_U(f) + Σ_S w(y − λf)/Σ_S w with ONE power-tuned λ for all the cells of
    the group (PPI++, Angelopoulos, Duchi & Zrnic 2023, "PPI++: Efficient prediction-powered
    inference", §2: λ = Cov(y, f)/Var(f), the variance-minimising weight on the predictions;
    `_power_tuned_lambda`).
    One λ, not one per cell: a judge-safe stratum with no positive in its sample cannot estimate
    its own slope (it would get λ = 0 and throw p(unsafe) away, the 3-13x width of issue 9),
    while the group's labelled positives, mostly judge-unsafe, can."""
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
        usable = predicted = np.zeros(k, bool)
        fs = np.zeros(ys.size)
        pop_f: np.ndarray = np.zeros(k)
    else:
        missing = np.bincount(c_all, weights=np.isnan(prediction[inside]), minlength=k)
        predicted = missing == 0
        usable = predicted & ~census & (n > 0) & (not variance_only)
        fs = np.clip(np.nan_to_num(prediction[s]), 0.0, 1.0)
        pop_f = np.bincount(c_all, weights=np.nan_to_num(prediction[inside]), minlength=k)
    # The variance floor's Bernoulli variance per labelled item: of the score as given, as the
    # group's labels recalibrate it and as `fits` (all the labels') do, whichever is largest
    # (`platt`).
    fv = fs * (1 - fs)
    candidates: list[tuple[float, float]] = []
    fitted = predicted[c] & ~np.isnan(prediction[s]) if prediction is not None else None
    if fitted is not None and np.any(fitted):
        candidates = [recalibration(fs[fitted], ys[fitted]), *fits]
        for a, b in candidates:
            g = recalibrated(fs, a, b)
            fv = np.maximum(fv, g * (1 - g))
    W, Wy, Wf, Wyf, Wff, W2, W2y, W2f, W2yf, W2ff, W2v, Wv, Pi = _sums(
        [
            ws,
            ws * ys,
            ws * fs,
            ws * ys * fs,
            ws * fs * fs,
            ws * ws,
            ws * ws * ys,
            ws * ws * fs,
            ws * ws * ys * fs,
            ws * ws * fs * fs,
            ws * ws * fv,
            ws * fv,
            1 / ws,
        ],
        c,
        k,
    )
    lam = (
        0.0
        if variance_only
        else _power_tuned_lambda(predicted & (n > 0), population, (W, Wy, Wf, Wyf, Wff))
    )
    lam_cell = np.where(usable, lam, 0.0)
    # How far the plug-in variance strays from the floor by chance when p(unsafe) is
    # calibrated (`CellStats.variance`): of Σ_S w²(e − ē)²/(Σ_S w)², or of the design's
    # variance where a design drew the cell.
    lf = lam_cell[c] * fs
    e_bar = np.bincount(c, weights=ws * (ys - lf), minlength=k) / np.where(W > 0, W, 1.0)
    share = ws / np.where(W > 0, W, 1.0)[c]
    plug_in_noise = calibrated_noise(c, share * share, lf, e_bar, fv, k)
    design_variance = None
    parts: dict[int, list[Part]] = {}
    if design_strata is not None:
        design_variance, coefficient, parts = _design_variance(
            c, ys, fs, ws, lam_cell, W, design_strata[s], k
        )
        design_noise = calibrated_noise(c, coefficient * share * share, lf, e_bar, fv, k)
        plug_in_noise = np.where(np.isnan(design_variance), plug_in_noise, design_noise)
    poisson = (
        np.bincount(c, weights=design_strata[s] == -1, minlength=k) > 0
        if design_strata is not None
        else np.zeros(k, bool)
    )
    # Cells whose labels no design drew (a language never sampled): the labels are taken as
    # drawn from an infinite population, without the finite-population correction.
    no_design = (
        np.bincount(c, weights=design_strata[s] >= -1, minlength=k) == 0
        if design_strata is not None
        else np.zeros(k, bool)
    )
    anticipated: dict[int, float] = {}
    if variance_only and prediction is not None and design_strata is not None:
        anticipated = _anticipated_variance(
            cells,
            inside,
            s,
            prediction,
            ws,
            Wy / np.where(W > 0, W, 1.0),
            design_strata[s],
            candidates,
        )
    out: dict[int, CellStats] = {}
    for code in np.flatnonzero(population).tolist():
        if n[code] == 0:
            continue
        lam_c = lam if usable[code] else 0.0
        mean_f = pop_f[code] / population[code] if lam_c else 0.0
        we = Wy[code] - lam_c * Wf[code]
        out[int(code)] = CellStats(
            population=int(population[code]),
            sampled=int(n[code]),
            estimate=float(lam_c * mean_f + we / W[code]),
            lam=lam_c,
            w=float(W[code]),
            we=float(we),
            w2=float(W2[code]),
            w2e=float(W2y[code] - lam_c * W2f[code]),
            w2ee=float(W2y[code] - 2 * lam_c * W2yf[code] + lam_c * lam_c * W2ff[code]),
            plug_in_noise=float(plug_in_noise[code]),
            w2v=float(W2v[code]),
            wv=float(Wv[code]),
            pi_sum=float(Pi[code]),
            design_variance=None
            if design_variance is None or np.isnan(design_variance[code])
            else float(design_variance[code]),
            poisson=bool(poisson[code]),
            no_design=bool(no_design[code]),
            parts=tuple(parts.get(code, ())),
            anticipated_variance=anticipated.get(int(code)),
        )
    return out


# Bins of p(unsafe)'s uncertainty √(u(1 − u)) over which an active sample's 1/π of the items
# it did not draw are read from those it drew (`_anticipated_variance`): at most ANTICIPATED_BINS,
# each with at least ANTICIPATED_PER_BIN drawn items. Fixed before the bench was run.
ANTICIPATED_BINS = 10
ANTICIPATED_PER_BIN = 10


def _anticipated_variance(
    cells: np.ndarray,
    inside: np.ndarray,
    s: np.ndarray,
    prediction: np.ndarray,
    ws: np.ndarray,
    p_hat: np.ndarray,
    strata: np.ndarray,
    candidates: list[tuple[float, float]],
) -> dict[int, float]:
    """Per proportion's cell drawn whole by a Poisson (active) design, with a prediction for
    every item: the anticipated variance of its Hájek mean (Isaki & Fuller 1982, "Survey
    design under the regression superpopulation model", JASA 77:89: the design variance's
    expectation under a model of the outcome), at the cell's estimate p̂,

        AV = Σ_U (1/π_i − 1)·E[(y_i − p̂)² | g_i] / N²,   E[(y − p̂)² | g] = p̂² + (1 − 2p̂)·g,

    g the item's p(unsafe) as given or as the labels recalibrate it (`platt`), whichever makes
    the term larger. It sums over the cell's N items, drawn or not, where the design's own
    variance (`_design_variance`) sums over the drawn ones: an active sample that misses the few
    heavy (low-π) positives has a plug-in variance as low as its estimate (their correlation was
    0.92 in bench/efficiency_sim.py), and the items it did not draw are exactly what that
    variance cannot see. The sample stores π of the drawn items only; an active design draws by
    the uncertainty √(u(1 − u)) of a p(unsafe) (`sampling._draw_active`), so 1/π − 1 of the
    others is read in bins of that uncertainty (of this prediction: the design's own where the
    report's judge drew it) at the drawn items' quantiles, as Σ_{S_b} w(w − 1)/Σ_{S_b} w, the
    Hájek estimate of the bin's mean of 1/π − 1. `s`: the group's labelled items; `ws`, `strata`:
    their weights and design strata; `p_hat`: per cell code."""
    c = cells[s]
    f_all = np.clip(np.nan_to_num(prediction), 0.0, 1.0)
    out: dict[int, float] = {}
    for code in np.unique(c).tolist():
        drawn = c == code
        members = inside & (cells == code)
        if not np.all(strata[drawn] == POISSON) or np.any(np.isnan(prediction[members])):
            continue
        u, u_drawn, w = f_all[members], f_all[s][drawn], ws[drawn]
        spread_all = np.sqrt(u * (1 - u))
        spread = np.sqrt(u_drawn * (1 - u_drawn))
        bins = max(1, min(ANTICIPATED_BINS, spread.size // ANTICIPATED_PER_BIN))
        edges = np.quantile(spread, np.linspace(0.0, 1.0, bins + 1))[1:-1]
        at = np.searchsorted(edges, spread)
        excess = np.bincount(at, weights=w * (w - 1), minlength=bins) / np.maximum(
            np.bincount(at, weights=w, minlength=bins), 1e-300
        )
        p = float(p_hat[code])
        term = np.full(u.size, p * p)
        for a, b in ((0.0, 1.0), *candidates):  # (0, 1): the score as given
            g = recalibrated(u, a, b)
            term = np.maximum(term, p * p + (1 - 2 * p) * g)
        out[int(code)] = float(np.sum(excess[np.searchsorted(edges, spread_all)] * term))
        out[int(code)] /= float(members.sum()) ** 2
    return out


def _design_variance(
    c: np.ndarray,
    ys: np.ndarray,
    fs: np.ndarray,
    ws: np.ndarray,
    lam: np.ndarray,
    W: np.ndarray,
    strata: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, dict[int, list[Part]]]:
    """Per cell, the linearised variance of its estimate under the design that drew the
    sample (NaN where an item of the cell was not drawn by a design of known π), and each
    sampled item's coefficient a_i in it (n_h/(n_h − 1)·(1 − π_i), of (w_i(e_i − ē)/Σw)²).

    With u_i = w_i(e_i − ē)/Σw, e = y − λf (the Hájek/difference estimator's influence
    values), it is Σ_h (n_h/(n_h − 1)) Σ_{i∈h} (1 − π_i)(u_i − ū_h)² over the design's strata h
    met in the cell (simple random samples without replacement, π = 1/w: Cochran 1977,
    "Sampling Techniques", §5.3, and ch. 6 on ratio estimates; Lohr 2010, "Sampling: Design and
    Analysis", §9.1, linearisation), and Σ (1 − π_i)u_i² over Poisson-drawn items (Särndal,
    Swensson & Wretman 1992, ch. 3 and 5, for an `active` sample). The factor 1 − π is the
    finite-population correction of a draw without replacement from the N items the report
    knows; the centring within a design stratum keeps out the variance between the strata that
    the design fixed (a sample stratified by verdict inside a language's cell). `strata`:
    the sampled items' design stratum code (≥ 0), −1 for a Poisson draw, −2 for no design.
    Also, per proportion's cell drawn in several simple random samples, its strata (`Part`)."""
    if c.size == 0:
        return np.full(k, np.nan), np.zeros(0), {}
    e = ys - lam[c] * fs
    e_bar = np.bincount(c, weights=ws * e, minlength=k) / np.where(W > 0, W, 1.0)
    u = ws * (e - e_bar[c]) / W[c]
    fpc = np.clip(1.0 - 1.0 / ws, 0.0, 1.0)
    srs = strata >= 0
    # One group per (cell, SRS stratum); Poisson items are centred at 0 (their own group).
    group = np.where(srs, c * (int(strata.max(initial=0)) + 1) + np.maximum(strata, 0), -1)
    codes, at = np.unique(group, return_inverse=True)
    size = np.bincount(at)
    mean = np.bincount(at, weights=u) / size
    centred = np.where(srs, u - mean[at], u)
    inflate = np.where(srs & (size[at] > 1), size[at] / np.maximum(size[at] - 1, 1), 1.0)
    # A proportion's cell (λ = 0) drawn whole in simple random samples of several design
    # strata is the stratified estimator Σ_h s_h·p̂_h (s_h = Σ_h w/Σ w, the stratum's share of
    # the cell): its interval is MOVER over the strata's own Wilson intervals (`Part`,
    # `cell_intervals._cell_limits`), as the judge-corrected rate's cells are, so that a
    # stratum whose sample holds no positive (a judge-safe stratum, a sharp judge) still adds
    # its upper limit. Its variance here is the plain stratified one.
    first = np.zeros(size.size, bool)
    first[at] = True  # every group once
    group_cell = np.zeros(size.size, np.int64)
    group_cell[at] = c
    spans = np.bincount(group_cell[first & (codes >= 0)], minlength=k)
    all_srs = np.bincount(c, weights=~srs, minlength=k) == 0
    split = (lam == 0) & (spans > 1) & all_srs
    w_g, y_g, fpc_g = (np.bincount(at, weights=v) for v in (ws, ys, fpc))
    parts: dict[int, list[Part]] = {}
    for g in np.flatnonzero(first & (codes >= 0) & split[group_cell]).tolist():
        cell = int(group_cell[g])
        parts.setdefault(cell, []).append(
            Part(
                share=float(w_g[g] / W[cell]),
                estimate=float(y_g[g] / size[g]),
                sampled=int(size[g]),
                fpc=float(fpc_g[g] / size[g]),
            )
        )
    out = np.bincount(c, weights=inflate * fpc * centred * centred, minlength=k)
    unknown = np.bincount(c, weights=(strata < -1).astype(float), minlength=k) > 0
    out[unknown] = np.nan
    return out, inflate * fpc, parts


def _power_tuned_lambda(
    predicted: np.ndarray, population: np.ndarray, sums: tuple[np.ndarray, ...]
) -> float:
    """PPI++'s λ = Cov(y, f)/Var(f), clipped to [0, 1], estimated on the labelled items of the
    cells whose items all have a prediction, each weighted by (N_c/N)·w_i/Σ_{S_c} w (its share
    of the group's population); census cells included: they need no λ themselves, but their
    labelled pairs (y, f) tell the slope as well as any (an active sample can take a small
    judge-unsafe stratum whole, and with it every labelled positive). Over the group, not
    within each cell: where the verdict separates the sample perfectly (every labelled
    judge-unsafe item unsafe, every judge-safe one safe) the within-cell covariances are 0
    though f plainly predicts y. 0 when f does not vary in the sample."""
    if not np.any(predicted):
        return 0.0
    W, Wy, Wf, Wyf, Wff = (v[predicted] for v in sums)
    share = population[predicted] / population.sum()
    v, vy, vf = share.sum(), np.sum(share * Wy / W), np.sum(share * Wf / W)
    cov = np.sum(share * Wyf / W) - vy * vf / v
    var = np.sum(share * Wff / W) - vf * vf / v
    if var <= 1e-12 * v:
        return 0.0
    return float(min(max(float(cov / var), 0.0), 1.0))


def _worst_case_bounds(used: list[CellStats], total: int, z: float) -> list[float]:
    """Where some cells have no label, what the rate can still be: the labelled cells' share
    W of the population at their own interval [l, u] (MOVER over them, weights renormalised),
    the rest anywhere in [0, 1] — [W·l, W·u + 1 − W] (the worst-case bounds of Manski 1989,
    "Anatomy of the selection problem", J. Human Resources 24:343, with the labelled part's
    sampling error; they hold at 95% whatever the unlabelled cells hold)."""
    known = sum(c.population for c in used)
    weights = np.array([c.population / known for c in used])
    part = float(sum(wc * c.estimate for wc, c in zip(weights, used, strict=True)))
    low, high = mover_interval(used, weights, part, z)
    share = known / total
    return [share * low, share * high + (1 - share)]


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
    design_strata: np.ndarray | None = None,
    recalibrated_on_all: tuple[float, float] | None = None,
    variance_model: np.ndarray | None = None,
) -> dict[str, Any]:
    """Σ_c (N_c/N)·p̂_c over the cells of `mask` with a Price–Bonett interval (module doc).

    y: (R,) bool outcome; w: (R,) weights 1/π (with design strata they must be the design's:
    the variance corrects each item by 1 − 1/w, so a weight of 1 says the item was certain to
    be drawn); sample: (R,) bool items whose y is known and in
    the design; cells: (R,) cell code (< 0: outside); parent: (R,) coarser code (the language)
    whose sample mean a cell with no sampled item borrows, if `may_borrow[cell]` (only where
    that is defensible: unjudged items, whose verdict is missing for reasons unrelated to their
    content); prediction: (R,) the judge's p(unsafe) (NaN: none), used in a cell whose items all
    have one; z: the normal quantile of the level (95% unless `report --sequential`);
    design_strata: (R,) the design stratum code of each sampled item (≥ 0: drawn in a simple
    random sample of its stratum, −1: Poisson-drawn, −2: not drawn by a design), which gives
    the interval the design's variance with its finite-population correction
    (`_design_variance`); None: every labelled item taken as drawn at random (module doc of
    `cell_intervals`); recalibrated_on_all: the Platt fit (a, b) of `prediction` on all the
    project's labels, where the caller has it (`Design.recalibration`); None: fitted here on
    every labelled item given; variance_model: (R,) p(unsafe), where no `prediction` is given,
    used only for the variance of a cell an active design drew (`_anticipated_variance`): the
    estimate stays the Hájek mean, the human labels' own. Returns
    rate, ci95, cells (per cell statistics), notes, and a reason when undefined (with
    `bounds95`, worst-case bounds, where some of the cells have labels)."""
    out: dict[str, Any] = {"rate": None, "ci95": None, "notes": [], "reason": None}
    # p(unsafe) as a variance model only matters where an active design drew a label of the
    # group (`_anticipated_variance`); elsewhere it is not even recalibrated.
    variance_only = (
        prediction is None
        and variance_model is not None
        and design_strata is not None
        and bool(np.any(design_strata[mask & sample] == POISSON))
    )
    if variance_only:
        prediction = variance_model
    # Work on the group's items only: a language is a tenth of the project or less.
    keep = np.flatnonzero(mask)
    y_all, sample_all, prediction_all, cells_all = y, sample, prediction, cells
    y, w, sample, cells = y[keep], w[keep], sample[keep], cells[keep]
    parent = parent[keep] if parent is not None else None
    prediction = prediction[keep] if prediction is not None else None
    design_strata = design_strata[keep] if design_strata is not None else None
    mask = np.ones(keep.size, bool)
    inside = cells >= 0
    fits: tuple[tuple[float, float], ...] = ()
    if prediction_all is not None:
        # The recalibration on every label the caller has (the project's, for a language): a
        # language with few judge-unsafe labels cannot show its score's overconfidence alone.
        if recalibrated_on_all is None:
            lab = sample_all & ~np.isnan(prediction_all) & (cells_all >= 0)
            recalibrated_on_all = recalibration(
                np.clip(prediction_all[lab], 0, 1), y_all[lab].astype(float)
            )
        fits = (recalibrated_on_all,)
    stats = _cell_stats(y, w, sample, inside, cells, prediction, design_strata, fits, variance_only)
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
            CellStats(
                **{
                    **up.__dict__,
                    "population": int(population[code]),
                    "borrowed": True,
                    "design_variance": None,
                }
            )
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
        if used:
            out["bounds95"] = _worst_case_bounds(used, total, z)
        return out
    weights = np.array([c.population / total for c in used])
    estimate = float(sum(wc * c.estimate for wc, c in zip(weights, used, strict=True)))
    out["rate"] = estimate
    out["ci95"] = mover_interval(used, weights, estimate, z)
    out["cells"] = used
    return out
