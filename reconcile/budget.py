"""How many more human labels, and where, bring each language's headline interval under a width.

The headline of a language is its judge-corrected rate, post-stratified by the estimator run's
verdict (cells judge-unsafe, judge-other, unjudged; `design`), or the human-only rate when no
judge run is there (one cell). Its variance under a design that samples n_h of the N_h items of
cell h is planned by Price & Bonett's adjusted normal approximation (m cells, finite-population
correction; the report's MOVER-Wilson interval is about as wide or a little narrower, so plans
err towards enough labels) as

    V = Σ_h W_h² · p_h(1 − p_h) / (n_h + 4/m) · (1 − n_h/N_h),   W_h = N_h/N,

with width 2·1.96·sqrt(V), p̃_h = (p_h·n_h + 2/m)/(n_h + 4/m) in place of p_h as the interval
adjusts it. The planning value p_h of a cell is the end nearest ½ of the central 35% Jeffreys
interval of its human-final labels (Kish effective sizes under unequal weights), or a prior
where a cell has none (`sampling`): planning at the estimate reaches the width only about half
the time, and the old planner's value (the end of the 95% Wilson interval nearest ½) asked for
2.8–5.6× the labels needed at low prevalence.

More labels are placed where they cut V most: Neyman allocation over the cells (Neyman 1934;
Cochran 1977 §5.5) given what each cell already has (`allocation.neyman`), as `polyjudge sample
--stratify-by-judge` draws them; `uniform` plans the proportional allocation of a uniform sample.
Where the estimator run has p(unsafe) for every item of a verdict cell, the headline's estimate
there is the difference estimator ŷ_h = λ·mean_U(f) + Σ_S w(y − λf)/Σ_S w with one
power-tuned λ (PPI++: Angelopoulos, Duchi & Zrnic 2023, "PPI++: Efficient prediction-powered
inference"; `poststratified`), whose variance per label is that of the residual y − λf, not
p_h(1 − p_h): smaller by what the score tells about y inside the cell (a fifth or so for the
binormal scores of bench/budget_sim.py, more for a sharper score), so planning with
p_h(1 − p_h) there asks for labels the estimate does not need. Such a cell is planned as

    V_h = W_h² · min(p̃_h(1 − p̃_h)/(n_h + 4/m), σ_h²/n_h) · (1 − n_h/N_h),
    σ_h² = max(r_h, v̄_h),

at λ = 1 (power tuning only lowers the variance, and the min with the proportion's variance
covers λ = 0, where the estimate is the cell's plain mean): r_h the planning value (the same
Jeffreys rule) of the weighted mean of (y − f)² over the cell's labels at Kish's size, less
the standard deviation sqrt(Σw²f(1 − f)(1 − 2f)²)/Σw that mean would have were f calibrated
(the interval counts its plug-in only beyond that noise, `cell_intervals.CellStats.variance`;
without the discount a pilot's one false negative among a judge-safe stratum's labels planned
up to 2.9× the labels the interval then needed), a prior where it has none (the mean of
f(1 − f) over the cell), v̄_h the mean over the cell's items of
f(1 − f) at the score as given or as Platt-recalibrated on all the project's labels
(`Design.recalibration`), whichever is larger — the floor the interval puts under the cell's
variance (`cell_intervals.CellStats.variance`), which no sample can plan below. The +4/m
adjustment is the Wilson-type interval's and is left out of the difference estimate's term.
Neyman placement then uses σ_h in place of sqrt(p_h(1 − p_h)) where it is smaller.

The report's interval is not this formula: its variance floors and asymmetric score limits
can make it wider at the current labels. Where it is, the plan aims at the target scaled by
the ratio of the two (`anchored_width`; `report --target-width` and `sample --target-width`
alike, so that `sample` draws what the report says is needed), and a language whose shown
interval is wider than the target is never reported as needing no more labels.

The smallest number of more labels reaching the target is found by bisection (the planned
width decreases in it); a budget split across languages minimises the widest planned width
(bisection on the width, then leftovers one at a time to the widest language).
bench/budget_sim.py checks the plan against simulated projects with known truth (prevalence
1–30 %, two binormal judges, widths 0.05 and 0.03, a 100-label uniform pilot; `--n 100`): from
the verdicts alone, the planned labels reached the width in 67–100 % of replicates (mean 84 %)
and asked for 1.17× (median; at most 1.43×) the total labels actually needed, where the old
planner asked for 3.5× (at most 5.7×); with a calibrated p(unsafe), planned as `report` plans
it (anchored to the pilot's interval), 72–100 % (mean 87 %) and 1.12× (at most 1.84×, at 1–3 %
prevalence) the labels the difference estimator needed, 0.83× (median; 0.53–0.96×) the labels
planned from the verdicts alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .allocation import neyman, planning_sd, proportional
from .intervals import beta_ppf
from .platt import recalibrated
from .poststratified import calibrated_noise

Z95 = 1.959963984540054
PLANNING_LEVEL = 0.35
METHOD = (
    "more labels for a planned headline 95% width under the target: the judge-corrected "
    "rate's variance Σ W_h² p̃_h(1−p̃_h)/(n_h + 4/m)·(1 − n_h/N_h) over the estimator run's "
    "verdict cells, planning p_h the end nearest 0.5 of the central 35% Jeffreys interval of "
    "the current human-final labels (a prior where a cell has none), more labels placed by "
    "Neyman allocation (Neyman 1934; Cochran 1977 §5.5) as `sample --stratify-by-judge` draws "
    "them; bench/budget_sim.py checks it. Where the estimator run has p(unsafe) for a cell's "
    "items, the cell is planned at the difference estimator's variance min(p̃_h(1−p̃_h)/(n_h + "
    "4/m), σ_h²/n_h)·(1 − n_h/N_h), σ_h² the larger of the same Jeffreys rule on the labels' "
    "mean (y − f)², less the standard deviation that mean has were f calibrated (as the "
    "interval discounts its plug-in), and the cell's mean f(1 − f) at the score or its Platt "
    "recalibration "
    "(PPI++, Angelopoulos, Duchi & Zrnic 2023), and Neyman placement uses σ_h. Where the "
    "interval the report shows is wider than this formula at the current labels, the target "
    "is scaled by their ratio (current_width is the shown width, planned_width_now the "
    "formula's)."
)


@dataclass(frozen=True)
class PlanCell:
    name: str
    population: int
    sampled: float  # labels the cell has now (Kish effective size)
    rate: float  # planning value p_h
    # Per-label planning variance σ_h² of the difference estimator where every item of the cell
    # has p(unsafe) (module doc); None: the cell's estimate is a proportion.
    residual: float | None = None

    def term(self, n: float, m: int) -> float:
        """V_h/W_h² at n labels (n > 0), m the cells of the language (module doc)."""
        fpc = max(0.0, 1 - n / self.population)
        p = (self.rate * n + 2 / m) / (n + 4 / m)  # the interval's adjusted share
        variance = p * (1 - p) / (n + 4 / m)
        if self.residual is not None:
            variance = min(variance, self.residual / n)
        return variance * fpc

    def sd(self) -> float:
        """The per-label s.d. Neyman placement weighs the cell's size by."""
        sd = planning_sd(self.rate)
        return min(sd, math.sqrt(self.residual)) if self.residual is not None else sd


def planned_width(cells: list[PlanCell], sampled: list[float] | None = None) -> float:
    """Planned 95% width with `sampled` (default: what the cells have now) per cell."""
    live = [c for c in cells if c.population > 0]
    total = sum(c.population for c in live)
    if total == 0:
        return math.nan
    m = len(live)
    counts = sampled if sampled is not None else [c.sampled for c in cells]
    variance = 0.0
    for c, n in zip(cells, counts, strict=True):
        if c.population == 0:
            continue
        if n <= 0:
            return math.inf
        w = c.population / total
        variance += w * w * c.term(n, m)
    return 2 * Z95 * math.sqrt(variance)


def allocate_more(cells: list[PlanCell], more: int, design: str = "stratified") -> list[int]:
    """Labels per cell after `more` new ones, placed by Neyman (or proportional) allocation
    given what each cell has."""
    sizes = [c.population for c in cells]
    have = [min(c.population, int(math.ceil(c.sampled - 1e-9))) for c in cells]
    total = sum(have) + more
    if design == "uniform":
        return proportional(sizes, total, 1, have)
    return neyman(sizes, [c.sd() for c in cells], total, 1, have)


def _width_after(cells: list[PlanCell], more: int, design: str) -> float:
    counts = allocate_more(cells, more, design)
    have = [min(c.population, int(math.ceil(c.sampled - 1e-9))) for c in cells]
    # Labels a cell already has count at their effective size; new ones count one each.
    effective = [c.sampled + (n - h) for c, n, h in zip(cells, counts, have, strict=True)]
    return planned_width(cells, effective)


def room(cells: list[PlanCell]) -> int:
    return sum(max(0, c.population - int(math.ceil(c.sampled - 1e-9))) for c in cells)


def labels_to_width(
    cells: list[PlanCell], width: float, design: str = "stratified"
) -> tuple[int, bool]:
    """(fewest more labels with planned width ≤ `width`, reachable at all)."""
    if width <= 0:
        raise ValueError("the target width must be positive")
    top = room(cells)
    if _width_after(cells, top, design) > width:
        return top, False
    lo, hi = 0, top
    while lo < hi:
        mid = (lo + hi) // 2
        if _width_after(cells, mid, design) <= width:
            hi = mid
        else:
            lo = mid + 1
    return lo, True


def split_budget(
    languages: dict[str, list[PlanCell]],
    budget: int,
    design: str = "stratified",
    shown: dict[str, float] | None = None,
    waiting: dict[str, int] | None = None,
) -> dict[str, int]:
    """More labels per language, Σ ≤ budget, minimising the widest planned width (each
    language's scaled by `anchor`, where `shown` gives its interval's width now). `waiting`:
    per language, items drawn earlier and not labelled yet, which count as labels to come (so
    that two budgets asked before labelling draw what their sum asked once would)."""
    scale = {k: anchor(c, (shown or {}).get(k)) for k, c in languages.items()}
    coming = {k: (waiting or {}).get(k, 0) for k in languages}

    def need(width: float) -> dict[str, int]:
        return {
            k: max(0, labels_to_width(c, width / scale[k], design)[0] - coming[k])
            for k, c in languages.items()
        }

    rooms = {k: room(c) for k, c in languages.items()}
    if budget >= sum(rooms.values()):
        return rooms
    lo, hi = 0.0, 1.0
    if sum(need(hi).values()) > budget:
        hi = 2.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if sum(need(mid).values()) <= budget:
            hi = mid
        else:
            lo = mid
    out = need(hi)
    left = budget - sum(out.values())
    while left > 0:
        open_ = [k for k, c in languages.items() if out[k] < room(c)]
        if not open_:
            break
        widest = max(
            open_,
            key=lambda k: scale[k] * _width_after(languages[k], out[k] + coming[k], design),
        )
        out[widest] += 1
        left -= 1
    return out


def planning_value(x: float, n: float, prior: float, level: float = PLANNING_LEVEL) -> float:
    """The value nearest ½ in the central `level` Jeffreys interval of x unsafe in n (the
    Beta(x + ½, n − x + ½) posterior); the prior when n = 0. At level 0.35 the plan reaches the
    width more often than not without the 2.8–5.6× over-asking of the 95% interval's end."""
    if n <= 0:
        return prior
    a, b = x + 0.5, n - x + 0.5
    lo = beta_ppf((1 - level) / 2, a, b)
    hi = beta_ppf((1 + level) / 2, a, b)
    return min(max(0.5, lo), hi)


def cell_plan(
    y: np.ndarray,
    w: np.ndarray,
    sample: np.ndarray,
    cells: np.ndarray,
    mask: np.ndarray,
    names: list[str],
    priors: list[float],
    pilot: np.ndarray | None = None,
    prediction: np.ndarray | None = None,
    fit: tuple[float, float] | None = None,
) -> list[PlanCell]:
    """PlanCells of one group: population, Kish size of the sampled items, and the planning
    value from the `pilot` items (default: the sampled ones), weighted, at Kish's size.

    With `prediction` (the estimator run's p(unsafe), NaN where an item has none), a cell whose
    items all have one also gets its difference estimator's planning variance σ_h² (module
    doc; `residual_plan`), `fit` the Platt fit on all the project's labels (None: none)."""
    pilot = sample if pilot is None else pilot
    out = []
    for c, (name, prior) in enumerate(zip(names, priors, strict=True)):
        inside = mask & (cells == c)
        s, q = inside & sample, inside & pilot
        sw, sw2 = float(w[s].sum()), float((w[s] ** 2).sum())
        n_eff = sw * sw / sw2 if sw2 > 0 else 0.0
        qw, qw2 = float(w[q].sum()), float((w[q] ** 2).sum())
        q_eff = qw * qw / qw2 if qw2 > 0 else 0.0
        share = float((w[q] * y[q]).sum()) / qw if qw > 0 else 0.0
        rate = planning_value(share * q_eff, q_eff, prior)
        residual = (
            residual_plan(y, w, inside, q, prediction, fit) if prediction is not None else None
        )
        out.append(PlanCell(name, int(np.count_nonzero(inside)), n_eff, rate, residual))
    return out


def residual_plan(
    y: np.ndarray,
    w: np.ndarray,
    inside: np.ndarray,
    labelled: np.ndarray,
    prediction: np.ndarray,
    fit: tuple[float, float] | None = None,
) -> float | None:
    """σ_h² = max(r_h, v̄_h) of a cell (`inside`) whose items all have p(unsafe) f (module
    doc), None where one has none (the estimate there is the cell's proportion). r_h: the
    planning value of the weighted mean of (y − f)² over the `labelled` items at Kish's size,
    as if it were a share (it lies in [0, 1], and E[(y − f)² | f] = f(1 − f) for a calibrated
    f), less the standard deviation that mean would have were f calibrated, as the interval
    discounts its plug-in (`cell_intervals.CellStats.variance`); the mean of f(1 − f) over
    the cell without labels; v̄_h: the mean of
    max(f(1 − f), g(1 − g)), g = f Platt-recalibrated by `fit`, which the interval's floor
    never lets the variance go under (`cell_intervals.CellStats.variance`)."""
    f_all = prediction[inside]
    if f_all.size == 0 or np.any(np.isnan(f_all)):
        return None
    f_all = np.clip(f_all, 0.0, 1.0)
    v = f_all * (1 - f_all)
    prior = float(v.mean())
    if fit is not None:
        g = recalibrated(f_all, *fit)
        v = np.maximum(v, g * (1 - g))
    floor = float(v.mean())
    ws = w[labelled]
    sw, sw2 = float(ws.sum()), float((ws**2).sum())
    size = sw * sw / sw2 if sw2 > 0 else 0.0
    f_lab = np.clip(prediction[labelled], 0.0, 1.0)
    e2 = (y[labelled].astype(float) - f_lab) ** 2
    if sw <= 0:
        return max(prior, floor)
    mean = float((ws * e2).sum()) / sw
    # The standard deviation of that mean were f calibrated (`calibrated_noise` at λ = 1, ē = 0:
    # coefficients w/Σw), with f(1 − f) as the floor takes it.
    v_lab = f_lab * (1 - f_lab)
    if fit is not None:
        g = recalibrated(f_lab, *fit)
        v_lab = np.maximum(v_lab, g * (1 - g))
    one = np.zeros(f_lab.size, np.int64)
    noise = float(calibrated_noise(one, ws / sw, f_lab, np.zeros(1), v_lab, 1)[0])
    return max(planning_value(mean * size, size, prior) - noise, floor)


def anchor(cells: list[PlanCell], shown: float | None) -> float:
    """How much wider the interval the report shows (`shown`) is than the plan's formula at
    the current labels; 1 where it is not wider (the formula's planning values are cautious
    on purpose) or where either is unknown."""
    now = planned_width(cells)
    if shown is not None and math.isfinite(now) and 0.0 < now < shown:
        return shown / now
    return 1.0


def anchored_width(cells: list[PlanCell], width: float, shown: float | None) -> float:
    """The width the plan's formula aims at for a target `width` (`anchor`)."""
    return width / anchor(cells, shown)


def budget_entry(
    cells: list[PlanCell], width: float, design: str = "stratified", shown: float | None = None
) -> dict[str, Any]:
    """One language's block of the report's `budget`. `shown`: the width of the interval the
    report shows for the language now. Where it is wider than the plan's formula says (the
    interval's variance floors and asymmetric score limits are not in the formula), the plan
    aims at the target scaled by their ratio, so that it does not call a language done whose
    shown interval is wider than the target; it never aims above the target (the formula's
    planning values are cautious on purpose, module doc)."""
    now = planned_width(cells)
    more, reachable = labels_to_width(cells, anchored_width(cells, width, shown), design)
    after = allocate_more(cells, more, design)
    have = [min(c.population, int(math.ceil(c.sampled - 1e-9))) for c in cells]
    population = sum(c.population for c in cells)
    n_now = int(sum(have))
    return {
        "n": n_now,
        "current_width": shown if shown is not None else now if math.isfinite(now) else None,
        "planned_width_now": now if math.isfinite(now) else None,
        "planning_rate": sum(c.population * c.rate for c in cells) / population
        if population
        else None,
        "labels_needed": n_now + more,
        "more_labels": more,
        "available": room(cells),
        "reachable": reachable,
        "by_cell": {
            c.name: {
                "population": c.population,
                "labelled": h,
                "planning_rate": c.rate,
                "planning_residual": c.residual,
                "more_labels": a - h,
            }
            for c, a, h in zip(cells, after, have, strict=True)
            if c.population
        },
    }


def report_budget(
    data: Any,
    final: Any,
    estimator: Any,
    design: Any,
    width: float,
    positive: str = "unsafe",
    shown: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The report's `budget`: per language, the more labels (and the cells they go to) that
    bring the headline's planned width under `width` (module doc); `shown`: the width of each
    language's headline interval as the report shows it (`budget_entry`)."""
    from .sampling import CELLS, PRIOR_FOR, PRIOR_PPV, PRIOR_UNJUDGED, verdict_cells

    pos = data.label_index(positive)
    y = final.label == pos if pos is not None else np.zeros(data.n_items, bool)
    sample = design.estimation_sample(final.human_final)
    weight = design.labelled_weight(sample)
    waiting = design.waiting(final.human_final)
    cells = verdict_cells(data, estimator, positive)
    prediction = getattr(estimator, "p_unsafe", None) if pos is not None else None
    if prediction is not None and np.all(np.isnan(prediction)):
        prediction = None
    fit = (
        design.recalibration(prediction, pos, final.label, final.human_final)
        if prediction is not None
        else None
    )
    if estimator is not None:
        names = [f"judge-{c}" if c != "none" else "unjudged" for c in CELLS]
        priors = [PRIOR_PPV, PRIOR_FOR, PRIOR_UNJUDGED]
    else:
        names, priors = ["language"], [0.5]
    out: dict[str, Any] = {
        "target_width": width,
        "headline": "judge_corrected_stratified" if estimator is not None else "human",
        "estimator_run": estimator.run.name if estimator is not None else None,
        "plan": "neyman" if estimator is not None else "uniform",
        # Which variance the plan used: the difference estimator's with p(unsafe) in some cell
        # (`residual_plan`), else the proportions' only.
        "planned_variance": "proportion",
        "method": METHOD,
        "by_language": {},
    }
    for language, mask in data.groupings["language"].members():
        plan = cell_plan(y, weight, sample, cells, mask, names, priors, None, prediction, fit)
        if any(c.residual is not None for c in plan):
            out["planned_variance"] = "p_unsafe_residual"
        entry = budget_entry(
            plan,
            width,
            "stratified" if estimator is not None else "uniform",
            (shown or {}).get(language),
        )
        # Of the more labels, items a sample drew that have no human-final label yet: they
        # give that many, and `sample --target-width` draws only the rest.
        entry["drawn_unlabelled"] = int(np.count_nonzero(mask & waiting))
        out["by_language"][language] = entry
    return out
