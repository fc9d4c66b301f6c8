"""Choosing items for human labelling, with a known inclusion probability π for every item.

The population of a language is all its items, labelled or not: an item already labelled that
the draw picks costs no new label, and an item the draw cannot pick would have π = 0, which no
weighting can repair. Per language (in name order) a generator seeded from (seed, language)
draws, so the same project state and seed always give the same sample. Each sampled item is
stored with its stratum and weight 1/π.

Designs (`SampleSpec.design`):

- `uniform`: a simple random sample of n items of the language (π = n/N).
- `stratified`: strata are the judge run's verdict — `unsafe`, any other verdict (`other`),
  no verdict (`none`) — the cells of the judge-corrected estimator. Neyman allocation
  n_h ∝ N_h·sqrt(p_h(1 − p_h)) (`allocation.neyman`); p_h is the pilot's unsafe share in the
  cell with Jeffreys' half-count shrinkage, (x + ½)/(m + 1), over the m human-final items
  already there, or the stated prior where there are none (`--prior-ppv`, default 0.5, for
  judge-unsafe; `--prior-for`, default 0.05, for the rest; 0.5 for unjudged items). Every
  non-empty cell gets at least 2 items (1 when the quota is under 2 per cell; more than asked
  when it is under 1 per cell), so π_h = n_h/N_h > 0.
- `active`: Poisson sampling with π_i ∝ sqrt(u_i(1 − u_i)) (Zrnic & Candès 2024), u_i the
  run's p(unsafe) of the item, or, where it has none, the planning rate p_h of its verdict
  cell (the hard verdict, calibrated by the pilot or the prior); an item on which the
  non-baseline runs disagree scores at least sqrt(e_i(1 − e_i)), e_i the share of runs off
  the majority verdict. π_i ≥ 0.2·n/N for every item (the floor keeps the weighted estimator
  valid where the scores are wrong), Σ π_i = n: the realised size varies around n.

A further batch in a language that already has a sample extends it: within each cell
(the language for uniform samples, the verdict cells of the earlier run otherwise) the union of
the batches is a simple random sample of the cell given its size, so the new batch re-lists the
earlier items with the weight N_h/n_h of the union. Extending an active (Poisson) sample, or
stratifying by another run than the earlier batch, would leave some items with an unknown π and
is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from polyjudge.store import PolyjudgeError

from .agreement import seed_for
from .allocation import active_probabilities, neyman, planning_sd, proportional
from .data import NO_VERDICT, ReconcileData, RunVerdicts
from .final import FinalLabels

CELLS = ("unsafe", "other", "none")
DESIGNS = ("uniform", "stratified", "active")
PRIOR_PPV, PRIOR_FOR, PRIOR_UNJUDGED = 0.5, 0.05, 0.5


@dataclass(frozen=True)
class SampledItem:
    response_id: int
    language: str
    stratum: str
    weight: float
    new: bool = True


@dataclass
class StratumPlan:
    stratum: str
    population: int
    planning_rate: float | None
    earlier: int
    new: int
    pi: float | None  # π of every item of the stratum (None for Poisson: see pi_min, pi_max)
    pi_min: float | None = None
    pi_max: float | None = None


@dataclass
class LanguagePlan:
    language: str
    design: str
    asked: int
    candidates: int
    strata: list[StratumPlan] = field(default_factory=list)
    items: list[SampledItem] = field(default_factory=list)

    @property
    def short(self) -> bool:
        return self.candidates < self.asked


@dataclass(frozen=True)
class SampleSpec:
    design: str = "uniform"
    run: RunVerdicts | None = None
    prior_ppv: float = PRIOR_PPV
    prior_for: float = PRIOR_FOR
    prior_unjudged: float = PRIOR_UNJUDGED
    positive: str = "unsafe"
    floor: int = 2
    active_floor: float = 0.2


def verdict_cells(data: ReconcileData, run: RunVerdicts | None, positive: str) -> np.ndarray:
    """(R,) cell code per item: 0 judge-unsafe, 1 other verdict, 2 no verdict."""
    if run is None:
        return np.zeros(data.n_items, dtype=np.int64)
    pos = data.label_index(positive)
    unsafe = run.codes == pos if pos is not None else np.zeros(data.n_items, bool)
    return np.where(unsafe, 0, np.where(run.codes == NO_VERDICT, 2, 1)).astype(np.int64)


def pilot_rate(x: int, m: int, prior: float) -> float:
    """Jeffreys-shrunk pilot share (x + ½)/(m + 1); the prior when nothing is labelled."""
    return (x + 0.5) / (m + 1) if m > 0 else prior


def planning_rates(
    data: ReconcileData,
    final: FinalLabels,
    cells: np.ndarray,
    mask: np.ndarray,
    spec: SampleSpec,
) -> list[float]:
    pos = data.label_index(spec.positive)
    priors = (spec.prior_ppv, spec.prior_for, spec.prior_unjudged) if spec.run else (0.5,)
    human = mask & final.human_final
    out = []
    for c, prior in enumerate(priors):
        inside = human & (cells == c)
        x = int(np.count_nonzero(inside & (final.label == pos))) if pos is not None else 0
        out.append(pilot_rate(x, int(np.count_nonzero(inside)), prior))
    return out


def disagreement(data: ReconcileData) -> np.ndarray:
    """(R,) share of the non-baseline runs with a verdict in the label set that differ from
    the majority verdict of those runs (0 with fewer than two such runs)."""
    runs = [rv for rv in data.runs if not rv.baseline]
    v = len(data.labels)
    counts = np.zeros((data.n_items, v), dtype=np.int64)
    for rv in runs:
        ok = (rv.codes >= 0) & (rv.codes < v)
        counts[np.flatnonzero(ok), rv.codes[ok]] += 1
    total = counts.sum(axis=1)
    top = counts.max(axis=1) if v else np.zeros(data.n_items, dtype=np.int64)
    return np.where(total >= 2, (total - top) / np.maximum(total, 1), 0.0)


def _earlier_run(strata: list[str]) -> tuple[str, int | None]:
    """('none' | 'uniform' | 'stratified' | 'active', run id) of a language's earlier sample."""
    if not strata:
        return "none", None
    if any(s.endswith(":active") for s in strata):
        return "active", None
    runs = {s.split(":")[1] for s in strata if s.startswith("judge:")}
    if not runs:
        return "uniform", None
    if len(runs) > 1:
        return "active", None  # mixed runs: no common cells
    only = runs.pop()
    return "stratified", int(only) if only.isdigit() else None


def draw_language(
    data: ReconcileData,
    final: FinalLabels,
    language: str,
    in_language: np.ndarray,
    n_new: int,
    spec: SampleSpec,
    earlier: dict[int, str],
    rng: np.random.Generator,
    p_unsafe: np.ndarray | None = None,
) -> LanguagePlan:
    """One language's new batch (`earlier`: item index → stratum of its earlier sample)."""
    members = np.flatnonzero(in_language)
    before = [earlier[i] for i in members.tolist() if i in earlier]
    kind, earlier_run = _earlier_run(before)
    run = spec.run
    if before and (kind == "active" or spec.design == "active"):
        raise PolyjudgeError(
            f"{language} already has an {'active' if kind == 'active' else kind} sample: a "
            "further batch there cannot give every item a known inclusion probability "
            "(draw active samples only where a language has none)"
        )
    if kind == "stratified":
        if spec.design == "stratified" and run is not None and run.run.id != earlier_run:
            raise PolyjudgeError(
                f"{language} was sampled stratified by judge run {earlier_run}; add to it "
                f"with --judge {earlier_run}"
            )
        run = data.run(earlier_run) if earlier_run is not None else run
    cells = verdict_cells(data, run, spec.positive)
    cell_spec = SampleSpec(**{**spec.__dict__, "run": run})
    rates = planning_rates(data, final, cells, in_language, cell_spec)
    plan = LanguagePlan(language, spec.design, n_new, 0)
    taken = np.zeros(data.n_items, bool)
    taken[[i for i in members if i in earlier]] = True
    plan.candidates = int(np.count_nonzero(in_language & ~taken))
    if spec.design == "active":
        return _draw_active(
            data, plan, in_language, n_new, cells, rates, run, rng, p_unsafe, spec.active_floor
        )
    names = [f"judge:{run.run.id}:{c}" for c in CELLS] if run else ["language"]
    sizes = [int(np.count_nonzero(in_language & (cells == c))) for c in range(len(names))]
    have = [int(np.count_nonzero(taken & (cells == c))) for c in range(len(names))]
    total = sum(have) + n_new
    if run is None or len(names) == 1:
        quota = [min(total, sizes[0])]
    elif spec.design == "stratified":
        live = sum(1 for n in sizes if n)
        floor = spec.floor if total >= spec.floor * live else 1
        quota = neyman(sizes, [planning_sd(p) for p in rates], total, floor, have)
    else:  # a uniform top-up of a stratified sample: proportional within its cells
        quota = proportional(sizes, total, 1, have)
    for c, name in enumerate(names):
        if sizes[c] == 0:
            continue
        pool = np.flatnonzero(in_language & (cells == c) & ~taken)
        k = max(0, min(quota[c] - have[c], pool.size))
        chosen = np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]
        union = have[c] + k
        weight = sizes[c] / union if union else None
        plan.strata.append(
            StratumPlan(name, sizes[c], rates[c] if run else None, have[c], k, union / sizes[c])
        )
        if weight is None:
            continue
        old = np.flatnonzero(taken & in_language & (cells == c))
        plan.items += [
            SampledItem(int(data.response_id[i]), language, name, weight, False) for i in old
        ]
        plan.items += [
            SampledItem(int(data.response_id[i]), language, name, weight) for i in chosen
        ]
    return plan


def _draw_active(
    data: ReconcileData,
    plan: LanguagePlan,
    in_language: np.ndarray,
    n_new: int,
    cells: np.ndarray,
    rates: list[float],
    run: RunVerdicts | None,
    rng: np.random.Generator,
    p_unsafe: np.ndarray | None,
    floor_share: float,
) -> LanguagePlan:
    if run is None:
        raise PolyjudgeError("--design active needs a judge run with verdicts")
    members = np.flatnonzero(in_language)
    u = np.asarray(rates, dtype=float)[cells[members]]
    if p_unsafe is not None:
        known = np.isfinite(p_unsafe[members])
        u[known] = p_unsafe[members][known]
    u = np.clip(u, 0.0, 1.0)
    e = disagreement(data)[members]
    scores = np.maximum(np.sqrt(u * (1 - u)), np.sqrt(e * (1 - e)))
    pi = active_probabilities(scores, min(n_new, members.size), floor_share)
    drawn = rng.random(members.size) < pi
    name = f"judge:{run.run.id}:active"
    plan.strata.append(
        StratumPlan(
            name,
            int(members.size),
            None,
            0,
            int(drawn.sum()),
            None,
            float(pi.min()),
            float(pi.max()),
        )
    )
    plan.items = [
        SampledItem(int(data.response_id[i]), plan.language, name, float(1 / p))
        for i, p in zip(members[drawn], pi[drawn], strict=True)
    ]
    return plan


def draw_sample(
    data: ReconcileData,
    final: FinalLabels,
    quotas: dict[str, int],
    seed: int,
    spec: SampleSpec,
    earlier: dict[int, str] | None = None,
    p_unsafe: np.ndarray | None = None,
) -> list[LanguagePlan]:
    """The new batch, per language with a quota (new items to draw)."""
    earlier = earlier or {}
    out = []
    for language, in_language in data.groupings["language"].members():
        n_new = quotas.get(language, 0)
        if n_new <= 0:
            continue
        rng = seed_for(seed, f"sample:{language}")
        out.append(
            draw_language(data, final, language, in_language, n_new, spec, earlier, rng, p_unsafe)
        )
    return out
