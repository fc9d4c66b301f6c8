"""Intervals of post-stratified rates, and the per-cell sums they need.

**What is estimated.** Where `polyjudge sample` drew the labels, the rate of the project's own
N responses of the language (a finite population: the benchmark's prompts as this model
answered them, what MultiJail and XSafety report); a cell labelled whole is then known exactly
and its interval is its point. Where no design drew them, nothing says which of the N they
are, so they are taken as a random sample of the model's responses at large (an infinite
population), with no finite-population correction anywhere: a language's own rate, pooled
rates and judge-corrected strata alike.

**The interval.** MOVER for the sum Σ_c W_c p_c (Zou & Donner 2008, "Construction of
confidence limits about effect measures: a general approach", Stat Med 27:1693; Newcombe's
square-and-add): with each cell's limits (l_c, u_c),

    Σ W_c p̂_c − sqrt(Σ W_c² (p̂_c − l_c)²),   Σ W_c p̂_c + sqrt(Σ W_c² (u_c − p̂_c)²).

A cell's limits are the Wilson score interval at its effective size n* = p̂(1 − p̂)/V, with
Brown, Cai & DasGupta's modification where it holds 3 or fewer positives' worth (p̂n*; 2 where
n* ≤ 50: `intervals.wilson_bcd`), as a single proportion has it, V the
variance of its estimate under the design that drew the sample (`CellStats.design_variance`,
from `poststratified._design_variance`): linearised within each of the design's strata, each
item with its own finite-population correction 1 − π_i (a sample drawn without replacement from
the N items of a language the report knows: Cochran 1977, "Sampling Techniques", Theorem 3.2;
Lohr 2010, "Sampling: Design and Analysis", ch. 2 and §9.1), so that a cell is not charged the
variance between strata that the design fixed. A proportion's cell drawn in simple random
samples of several design strata (a language's human-only rate after a judge-stratified sample)
is the stratified rate Σ s_h·p̂_h, and its limits are MOVER over the strata's own Wilson
intervals (`Part`), exactly as the judge-corrected rate's verdict cells are summed. In a
Poisson-drawn (active) cell the size is at most Kish's (Σw)²/Σw² over 1 − n/N. Labels with no
sample behind them (a language without `polyjudge sample`) are taken as drawn at random from an
infinite population, the model of the published Wilson examples: no design variance; n* = p̂(1
− p̂)/V̂ from the cell's Hájek variance V̂ (at most n_c; Kish's (Σw)²/Σw² where p̂ is 0 or 1;
n_c with equal weights), never finite-population corrected (`CellStats.no_design`), and one
cell with equal weights gets the modified Wilson interval (`intervals.wilson_modified`). (A
caller that passes no design strata at all, as the simulations of tests and benches do, gets
the correction 1 − n_c/N_c of a simple random sample drawn without replacement.) The score
interval keeps its asymmetry where a cell holds few or no positives (a judge-safe stratum with
≤ 1 expected false negative, or half of a small language sampled), where a Wald or CLT interval
under-covers. A cell with a power-tuned prediction (λ > 0, `poststratified_rate`) contributes
the symmetric interval of its difference estimate, its variance floored at what it would be
were p(unsafe) calibrated (`CellStats.variance`): with the group's λ such a cell needs no
positive of its own, and the floor keeps its interval from collapsing onto λ·f's spread.
Because p(unsafe) may be overconfident (it often is: logprob scores), the floor takes each
item's f(1 − f) at the score as given or as the group's labels recalibrate it (Platt scaling,
`platt`), whichever is larger. The plug-in variance displaces that floor only by what it
exceeds it beyond the noise it would have were p(unsafe) calibrated: the floor is its
expectation then, and the maximum of the two widened the interval by the plug-in's noise
(`CellStats.variance`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .intervals import containing, wilson_bcd, wilson_modified

Z95 = 1.959963984540054
# Positives a cell with p(unsafe) is taken to hide at least, unseen by its labels
# (`CellStats.variance`); see there for how it was chosen.
PSEUDO_POSITIVES = 0.05


@dataclass(frozen=True)
class Part:
    """One design stratum of a proportion's cell drawn in several simple random samples
    (`poststratified._design_variance`): its share s_h = Σ_h w/Σ w of the cell, its sample
    share p̂_h of `sampled` labels, and its finite-population correction 1 − π_h."""

    share: float
    estimate: float
    sampled: int
    fpc: float

    def limits(self, z: float) -> tuple[float, float]:
        """The Wilson interval at the stratum's design-effective size, as a cell of one simple
        random sample gets it (`CellStats._design_size`): (n − 1)/(1 − π), the size at which
        p̂(1 − p̂)/size is the unbiased variance (1 − π)p̂(1 − p̂)/(n − 1) (Cochran 1977,
        Theorem 3.2); n/(1 − π) where p̂ is 0 or 1; the point itself where the stratum was
        labelled whole."""
        if self.fpc <= 0.0:
            return self.estimate, self.estimate
        p = self.estimate
        n = (self.sampled - 1 if 0.0 < p < 1.0 else self.sampled) / self.fpc
        low, high = wilson_bcd(p * n, n, z) or (0.0, 1.0)
        return min(low, p), max(high, p)


@dataclass
class CellStats:
    """One cell's estimate p̂ = λ·mean_U(f) + Σ_S w(y − λf)/Σ_S w and the sums its interval
    needs (λ = 0 without predictions: the Hájek mean)."""

    population: int
    sampled: int
    estimate: float
    lam: float = 0.0
    w: float = 0.0  # Σw
    we: float = 0.0  # Σw·e, e = y − λf
    w2: float = 0.0  # Σw²
    w2e: float = 0.0  # Σw²·e
    w2ee: float = 0.0  # Σw²·e²
    # The standard deviation of the plug-in variance (the design's where a design drew the
    # sample, else Σw²(e − ē)²/(Σw)²) were p(unsafe) calibrated, in the units of `variance`
    # before any finite-population correction: how far it strays from the floor by chance.
    plug_in_noise: float = 0.0
    # Σw²·v and Σw·v, v = f(1 − f) at p(unsafe) as given or as the group's labels recalibrate
    # it, whichever is larger (`platt`): the variance floor's Bernoulli variance per item.
    w2v: float = 0.0
    wv: float = 0.0
    pi_sum: float = 0.0  # Σ_S π = Σ 1/w
    borrowed: bool = False  # estimated from the parent's sample
    # The variance under the design that drew the sample, finite-population corrected
    # (`poststratified._design_variance`); None where no design of known π drew it.
    design_variance: float | None = None
    poisson: bool = False  # an item of the cell was Poisson-drawn (an active sample)
    no_design: bool = False  # no design drew its labels (a language never sampled)
    # A proportion's cell drawn in simple random samples of several design strata: the
    # strata, over which its limits are MOVER (`_cell_limits`); empty otherwise.
    parts: tuple[Part, ...] = ()
    # A proportion's cell drawn whole by a Poisson (active) design, with p(unsafe) for every
    # item: its Hájek mean's anticipated variance (`poststratified._anticipated_variance`).
    anticipated_variance: float | None = None

    def fpc(self) -> float:
        """1 − n/N; 1 for a borrowed cell (it carries its parent's sampling error whole) and
        for labels no design drew, which are taken as drawn from an infinite population, as
        the one-language Wilson rate takes them (`mover_interval`): with the correction, two
        languages labelled whole pooled to a zero-width interval beside their own Wilson
        intervals of up to 95 points."""
        if self.borrowed or self.no_design:
            return 1.0
        return max(1 - self.sampled / self.population, 0.0)

    @property
    def n_eff(self) -> float:
        """Kish's effective sample size (Σw)²/Σw²."""
        return self.w * self.w / self.w2 if self.w2 else 0.0

    def effective_size(self) -> float:
        """The size at which the cell's (unweighted-looking) proportion has its Hájek variance:
        p̂(1 − p̂)/V̂, V̂ = Σ_S w²(y − p̂)²/(Σ_S w)² (the design effect of Kish 1965 measured on
        the outcome rather than on the weights alone; Korn & Graubard 1998, "Confidence
        intervals for proportions with small expected number of positive counts estimated from
        survey data", Survey Methodology 24:193; Dean & Pagano 2015, J. Survey Stat. Methodol.
        3:484, for the Wilson interval at it), at most the number of labels; Kish's
        (Σw)²/Σw² where p̂ is 0 or 1 (no variance to measure). Equal weights: n. Kish's size
        alone overstates the variance where the weights follow the outcome (a judge-stratified
        or active sample: 0.99 coverage in bench/efficiency_sim.py)."""
        p = self.estimate
        kish = self.n_eff
        if self.design_variance is not None:
            return self._design_size()
        if self.lam != 0 or not 0.0 < p < 1.0:
            return kish
        variance = (self.w2ee - 2 * p * self.w2e + p * p * self.w2) / (self.w * self.w)
        if variance <= 0.0:
            return kish
        return min(p * (1 - p) / variance, float(self.sampled))

    def _design_size(self) -> float:
        """The effective size p̂(1 − p̂)/V of the design's variance V (finite-population
        corrected; it may exceed N where the design's strata explain much of the outcome, and
        is at most Kish's (Σw)²/Σw² over 1 − n/N in a Poisson-drawn cell); Kish's size over
        1 − n/N where p̂ is 0 or 1 or V is 0."""
        p, fpc = self.estimate, self.fpc()
        if fpc == 0.0:
            return float(self.population)
        v = self.design_variance or 0.0
        if 0.0 < p < 1.0 and v > 0.0:
            size = p * (1 - p) / v
            # A Poisson (active) draw's weights follow the outcome and its few positives carry
            # the plug-in variance, which is then as skewed as they are. An active sample by a
            # sharp p(unsafe) puts the confident items, judge-safe and judge-unsafe alike, at
            # the π floor, and a human-only (or verdict-cell) rate rests on their few heavy
            # positives: capped at n labels, its interval covered 0.75 (calibrated, judge
            # 0.98/0.98, 30% prevalence, 100 of 1,000 labels) and 0.805 (overconfident
            # p(unsafe), 10%) in bench/efficiency_sim.py. With p(unsafe) for every item, the
            # variance is never below its anticipated value over all N items, drawn or not
            # (`anticipated_variance`), the plug-in displacing it only beyond its calibrated
            # noise, as in `variance`: coverage 0.961 over the active grid, at 1.0-1.5x the
            # width its errors call for. Without, never more than the weights' own Kish size:
            # coverage 0.984, but 4-14x that width at 1-3% prevalence, where the positives sit
            # at high π and the Kish size charges them the floor's heavy weights.
            if self.poisson and self.anticipated_variance is not None:
                return p * (1 - p) / max(v - self.plug_in_noise, self.anticipated_variance)
            return min(size, self.n_eff / fpc) if self.poisson else size
        return self.n_eff / fpc

    def variance(self) -> float:
        """Variance of the cell's difference estimate: the linearised (Hájek) variance
        Σ_S w²(e − ē)²/(Σ_S w)² of the residual e = y − λf, finite-population corrected (the
        design's, `design_variance`, where a design drew the sample), and never below
        Σ_S (1 − π)w²·v/(Σ_S w)², v = f(1 − f), what it is expected to be when p(unsafe) is
        calibrated (E[(y − f)² | f] = f(1 − f)). The floor is fixed by the design, the
        predictions and their recalibration; it matters where the cell's sample holds few or no
        positives (a judge-safe stratum: the plug-in variance of a sample without a false
        negative is that of λf alone, and its interval would exclude the few the stratum has).

        An overconfident p(unsafe) (issue 9: logprob scores saying 1e-6 where 0.003 is true)
        makes that floor collapse with f, and a judge-safe stratum whose sample saw no positive
        got an interval of width ≈ 0 (coverage 0.72-0.88 in bench/efficiency_sim.py
        --calibration overconfident3). The stratum's own labels cannot tell such a score from
        a calibrated one (no positive is expected under either), but other labels can: v is
        also taken at the score as the group's labels, and as all the caller's labels (the
        project's, for one language), recalibrate it (`platt`; only where they reject it as
        calibrated), whichever is largest.

        Where the labels separate perfectly (a near-perfect judge), no recalibration can show
        the overconfidence, and a stratum of two or three labels (a small language's judge-
        unsafe items in a uniform sample) still collapsed. So the variance is also never below
        that of PSEUDO_POSITIVES unseen positives: spread as the design's π in a design's cell
        (q_i = c·π_i with c·Σ_S π = PSEUDO_POSITIVES, the active design's own premise that it
        draws where positives are; a constant share PSEUDO_POSITIVES/n in a simple random
        sample), whose expected design variance Σ_U (1 − π_i)w_i·q_i is estimated by
        c·Σ_S (w_i − 1); at n_eff = (Σw)²/Σw² labels without a design. The count was chosen
        on bench/efficiency_sim.py: 0.4 at Kish's size (before) charged an active sample's
        judge-safe stratum up to 5.9× PPI++'s width; 0.05 spread as π keeps the calibrated
        grid at 1.27× at worst (0.1: 1.36×), and leaves no setting of the overconfident grids
        (`--calibration overconfident2|3`) where this estimator is under 0.93 beyond Monte
        Carlo noise (0.1 does the same; without this floor, 6 settings, min 0.675).

        The plug-in displaces the floor only by what it exceeds it beyond the noise it would
        have were p(unsafe) calibrated (`plug_in_noise`, one standard deviation):
        max(floor, plug-in − noise). Under calibration the floor is the plug-in's expectation
        given the scores, and the plug-in of a cell with a few positives is skewed (≈ 0 with
        none sampled, far above its mean with several), so max(plug-in, floor) took the
        plug-in just when its noise was high and widened the interval by it: ours_pred
        coverage 0.978 in bench/efficiency_sim.py's grid, 1.07× its ideal width (2·1.96·RMSE)
        at 10-30 % prevalence (coverage 0.970 there), the widest 1.21× PPI++'s. Now 0.970 over
        the grid, 1.03× and 0.963 at 10-30 %, and 1.10× PPI++'s at worst. The
        noise is the model's, not the sample's: the sample's own standard error of the plug-in
        is about the plug-in itself where one heavy positive makes it (a false negative among
        a judge-safe stratum's labels lifts the estimate and the plug-in together), and
        subtracting that left bench/coverage_sim.py's judge-corrected rate at 0.855 (1 %
        prevalence, judge 0.98/0.98, 500 labels, stratified); less the calibrated noise, the
        plug-in of that one positive still counts (0.987 at 1 %)."""
        e_bar = self.we / self.w
        plug_in = max(self.w2ee - 2 * e_bar * self.w2e + e_bar * e_bar * self.w2, 0.0)
        w2 = self.w * self.w
        if self.design_variance is not None:
            # Each item with its own finite-population correction 1 − π_i = 1 − 1/w_i, as the
            # design's variance has it: Σ(1 − π_i)w_i²·v_i = Σ(w_i² − w_i)·v_i.
            floor = max(self.w2v - self.wv, 0.0) / w2
            if self.pi_sum > 0:
                # PSEUDO_POSITIVES unseen positives spread as the design's π (q_i = c·π_i, so
                # that the sample expects c·Σ_S π = PSEUDO_POSITIVES of them): the expected
                # design variance Σ_U (1 − π_i)w_i·q_i, estimated by c·Σ_S (w_i − 1).
                c = PSEUDO_POSITIVES / self.pi_sum
                floor = max(floor, c * max(self.w - self.sampled, 0.0) / w2)
            return max(self.design_variance - self.plug_in_noise, floor)
        q = min(PSEUDO_POSITIVES / self.sampled, 0.5) if self.sampled else 0.5
        floor = max(self.w2v, q * (1 - q) * self.w2) / w2
        return max(plug_in / w2 - self.plug_in_noise, floor) * self.fpc()


def mover_interval(
    stats: list[CellStats], weights: np.ndarray, estimate: float, z: float = Z95
) -> list[float]:
    # One cell is a Wilson interval, unless drawn in several design strata: MOVER over them
    # (`_cell_limits`).
    only = stats[0] if len(stats) == 1 and not stats[0].parts and stats[0].lam == 0 else None
    if only is not None and only.design_variance is not None:
        # One cell of a design: the Wilson interval at its design-effective size, which holds
        # the finite-population correction (`CellStats.effective_size`).
        if only.fpc() == 0.0:
            return [only.estimate, only.estimate]
        size = only.effective_size()
        ci = wilson_bcd(min(max(only.estimate * size, 0.0), size), size, z)
        return containing(ci, only.estimate)
    if only is not None and only.sampled > 0:
        # One cell: the proportion of its labels, without the finite-population correction (as
        # the human-final Wilson rate of an unsampled language), at the effective size.
        n = only.sampled
        x = only.estimate * n
        equal = math.isclose(only.n_eff, n)
        if equal and math.isclose(x, round(x), abs_tol=1e-6) and z == Z95:
            ci = wilson_modified(int(round(x)), n)
        else:
            size = only.effective_size()
            ci = wilson_bcd(min(max(only.estimate * size, 0.0), size), size, z)
        return containing(ci, only.estimate)
    low, high = _square_and_add(
        estimate,
        (
            (wc, cell.estimate, *_cell_limits(cell, z))
            for wc, cell in zip(weights, stats, strict=True)
        ),
    )
    return containing((max(0.0, low), min(1.0, high)), estimate)


def _square_and_add(
    estimate: float, terms: Iterable[tuple[float, float, float, float]]
) -> tuple[float, float]:
    """MOVER's limits of Σ w·p̂ = `estimate` from each term's (w, p̂, l, u) (Zou & Donner 2008):
    estimate − sqrt(Σ w²(p̂ − l)²), estimate + sqrt(Σ w²(u − p̂)²)."""
    below = above = 0.0
    for w, p, low, high in terms:
        below += (w * (p - low)) ** 2
        above += (w * (high - p)) ** 2
    return estimate - math.sqrt(below), estimate + math.sqrt(above)


def _cell_limits(cell: CellStats, z: float) -> tuple[float, float]:
    """One cell's limits for the MOVER sum: the Wilson score interval at the cell's effective
    size n_eff / (1 − n/N) (Kish's size, finite-population corrected); with a prediction
    (λ > 0), the symmetric interval of the difference estimate with `CellStats.variance`."""
    fpc = cell.fpc()
    if fpc == 0.0:
        return cell.estimate, cell.estimate
    if cell.parts:
        # MOVER over the design's strata inside the cell (Zou & Donner 2008, as for the sum of
        # cells in `mover_interval`).
        return _square_and_add(
            cell.estimate, ((p.share, p.estimate, *p.limits(z)) for p in cell.parts)
        )
    if cell.lam == 0:
        # The design's size already holds the correction (`CellStats._design_size`).
        n = cell.effective_size() / (1.0 if cell.design_variance is not None else fpc)
        low, high = wilson_bcd(min(max(cell.estimate * n, 0.0), n), n, z) or (0.0, 1.0)
        return min(low, cell.estimate), max(high, cell.estimate)
    half = z * math.sqrt(cell.variance())
    return cell.estimate - half, cell.estimate + half
