"""Coverage, width and label cost of the judge-corrected rate under each sampling design,
against PPI++ (`ppi_py`, the reference implementation) on the same simulated data.

    pip install -e '.[bench]'                   # ppi-python (ppi_py) and scipy
    python bench/efficiency_sim.py              # 100 simulated projects per setting
    python bench/efficiency_sim.py --n 40       # quicker
    python bench/efficiency_sim.py --quick      # smoke run (a few settings, seconds)
    python bench/efficiency_sim.py --n 20 --no-search --only prevalence=0.01 --only design=active
                                                # a slice of the grid, no label search

Settings: prevalence p of unsafe responses 1-30%; judge (sensitivity, specificity) in
(0.7, 0.7), (0.85, 0.9), (0.98, 0.98); three languages of 20,000 / 5,000 / 1,000 items with
prevalence p, 1.5p and 0.5p; a human budget of 100, 500 or 2,000 labels per language (at most
half of a language: the 1,000-item language gets 500 at most); designs `uniform`, `stratified`
(Neyman by judge verdict) and `active` (Poisson, π ∝ sqrt(u(1 − u)) of p(unsafe), with its
floor). Every item has a verdict and a calibrated p(unsafe): a binormal judge, score x ~ N(0, 1)
for safe and N(μ, 1) for unsafe items, verdict unsafe where x > t, with t and μ set so that the
verdict has the stated sensitivity and specificity, and p(unsafe) = P(unsafe | x) by Bayes' rule
at the language's prevalence (calibrated by construction; as informative as the verdict's ROC).
Humans are taken as correct (the sampled item's true label is known).

Everything goes through polyjudge's own code:

- sampling: `reconcile.sampling.draw_sample` on an in-memory ReconcileData (one judge run with
  its verdicts and p(unsafe), no human label yet, so Neyman plans with the default priors
  PPV 0.5 / FOR 0.05), as `polyjudge sample --design D --per-language n` draws; each sampled item
  carries its weight 1/π;
- estimation: `reconcile.poststratified.poststratified_rate` with the cells `report` builds:
  `ours_pred` — the judge-corrected rate, cells language × verdict (judge-unsafe / other /
  unjudged) with `prediction=` p(unsafe) (the difference estimator inside each cell with one
  power-tuned λ for the target's cells, what `report` computes when the run has p(unsafe));
  `ours_verdict` — the same without
  predictions, what `report` gives for a run without p(unsafe): under the `active` design on
  the active sample `sample` draws for such a run (by the verdict cells' planning rates; a
  second draw from the same project), since the report uses p(unsafe) wherever the run has it
  and never shows a verdict-only rate of a sample drawn by p(unsafe) (until the eleventh
  session the bench estimated it on that sample: coverage 0.979, 1.95× the RMSE width, under
  the Kish cap of `cell_intervals`); `human` — the human-only design-weighted rate (cells =
  language) of the sample drawn by p(unsafe), which the report does show;
- references on the same sample: `ppipp` — `ppi_py.ppi_mean_ci(Y, Yhat, Yhat_unlabeled,
  alpha=0.05)` per language, power-tuned (default), Yhat = p(unsafe), all the language's items as
  the unlabelled set, and w = 1/π for the labelled items (ppi_py normalises w to mean 1: the
  Hájek inverse-probability-weighted PPI++ of Zrnic & Candès 2024); pooled over languages by
  population weights with the per-language standard errors (half-width / 1.96) added in
  quadrature; `wilson` — the classical modified Wilson interval on the sample (uniform design
  only: it ignores weights).

Truth: the finite population's unsafe share of each language (what the report estimates), and
of all items for the pooled rate (population-weighted over languages). Targets are the three
languages and `pooled`; a "setting" below is (prevalence, judge, budget, design, target).

Output: a table of coverage and mean width per (prevalence, judge, budget, design) and method
(coverage: the lowest over the four targets; width: of the 20,000-item language); each
method's mean width over the width its errors call for, 2·1.96·RMSE (median over settings ×
targets, overall and by prevalence, judge and design: near 1 is as narrow as a normal interval
at the actual error could be; light or heavy tails and few positives move coverage off 0.95 at
the same ratio); the labels
each design needs for a mean 95% width ≤ 0.05 in the 20,000-item language (bisection over the
per-language budget at a few settings, `ours_pred` and `ppipp`); and a last line of JSON:
`coverage_min` / `coverage_mean` over every setting of polyjudge's intervals (ours_pred,
ours_verdict, human), `width_ratio_vs_ppipp_median` / `_max` (ours_pred / ppipp mean width per
language target, only where ppipp itself covers ≥ 0.93), `labels_saved_active_vs_uniform`
(1 − labels_active / labels_uniform for ours_pred, mean over the label-search settings; the
binormal p(unsafe) is informative in all of them), `pooled_bias_max` (max over settings of
|mean pooled ours_pred − pooled truth|). With n replicates a coverage of 0.95 has Monte Carlo
standard error sqrt(0.95·0.05/n) (0.022 at n = 100): the minimum over ~400 settings sits
about 2.5 standard errors under the true lowest coverage.

The `uniform` design here is `sample --budget`'s: with a judge run, the quota is spread over
the language's verdict cells in proportion to their sizes (a proportionally stratified sample),
and each sampled item carries its stratum; the estimators get the design's strata
(`design_strata`, as `report` does from the stored assignments).

Coverage against Monte Carlo error: with n replicates a setting's coverage has s.e.
sqrt(0.95·0.05/n) (`coverage_mc_se_at_095`: 0.034 at n = 40), so many of the ~1,300 (setting,
target, method) cells fall under 0.93 by chance. `settings_below_093_beyond_noise` counts the
cells whose one-sided exact binomial test of "coverage ≥ 0.93" rejects at 0.05 (and
`_bonferroni` at 0.05 over all cells); `pooled_bias_max_mc_se` is the Monte Carlo s.e. of the
worst setting's mean pooled error and `pooled_bias_settings_beyond_2se` how many settings' mean
error exceeds 2 s.e. (about 5 % by chance).

A report is read while labelling goes on. `--labelled SHARE` estimates from the first SHARE
of each drawn sample in the queue's walk (a random order, `store.queue`), each labelled item at
the weight the report gives the labelled part of a sample (`Design.labelled_weight`: its
stratum's N_h over the n'_h labelled; an active sample's w·n/n'). Twelfth session, `python
bench/efficiency_sim.py --n 40 --no-search --labelled 0.3`: coverage_mean 0.969 (ours_pred
0.977, ours_verdict 0.960, human 0.970), 3 cells under 0.93 at p < 0.05, none after
Bonferroni (the lowest, 0.800, l3 at 3 %, judge 0.7/0.7, 2,000 labels, stratified, is 0.940
at `--n 400` with `--only` that setting). With the stored weights (1/π of the whole sample,
as before the twelfth session): 0.926, coverage_min 0.175, 130 cells beyond noise, 60 after
Bonferroni. (The order matters as much: walked in response-id order, the labelled part of a
sample of a category-sorted import is not a random part at all;
tests/e2e/test_sample_workflow.py.)

Where the excess coverage lies, by the unsafe items a target's labels hold in expectation
(labels × prevalence; `coverage_mean_by_expected_positives`), `--n 40 --no-search`, twelfth
session: under 5, 0.968 (243 cells); 5-20, 0.971 (297); 20 or more, 0.959 (756). So it is not
only the few-positives regime, where any interval that keeps its coverage at every rate covers
well over 95 % on average (Brown, Cai & DasGupta 2001).

Last measured, issue 9, fourteenth session: the human-only rate of an active sample has the
judge's p(unsafe) as its variance model (never below its anticipated variance over all N items,
`poststratified._anticipated_variance`; the Kish cap only without p(unsafe)), and MOVER's cell
limits have Brown, Cai & DasGupta's boundary modification (`intervals.wilson_bcd`); `python
bench/efficiency_sim.py --n 40` (about 10 min beside another job):

    {"coverage_min": 0.8, "coverage_mean": 0.9621, "width_ratio_vs_ppipp_median": 0.7231,
     "width_ratio_vs_ppipp_max": 1.104, "labels_saved_active_vs_uniform": 0.3924,
     "pooled_bias_max": 0.0062, "settings_below_093_beyond_noise": 2,
     "settings_below_093_beyond_noise_bonferroni": 0, "settings_under_093": 274,
     "coverage_by_method": {"ours_pred": 0.9696, "ours_verdict": 0.9567, "human": 0.96,
     "ppipp": 0.9421, "wilson": 0.9907}, "width_over_rmse_width_median": {"ours_pred": 1.051,
     "ours_verdict": 1.13, "human": 1.113, "ppipp": 1.131}, ...}

The anticipated variance alone (before the modification): coverage_mean 0.961, human 0.9585;
human active 0.984 -> 0.963, its median width over 2·1.96·RMSE 1.54 -> 1.09 (4-14x -> 1.0-1.5x
at 1-3 % prevalence). The modification lifts cells whose few positives put the plain Wilson
lower limit above the truth: at 1 %, judge 0.7/0.7, 100 labels, active, `--n 400 --no-search
--only prevalence=0.01 --only judge=0.7,0.7 --only budget=100 --only design=active`, the
verdict-only pooled rate 0.892 -> 0.917 (every miss above the truth) and the human-only rate
0.925-0.945 -> 0.930-0.945 over the four targets, none beyond noise; that setting's human l3,
the lowest cell of the grid above (0.800), is 0.945 there. `--no-search --calibration
overconfident3`: coverage_mean 0.962 (ours_pred 0.966, human 0.963), no cell under 0.93
beyond noise at p < 0.05. The mean stays 0.002 above issue 9's 0.96 because of ours_pred
(0.970; 0.981 at 100 labels a language).

Earlier sessions' figures, and what each change did to them: docs/bench-history.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections import defaultdict

import numpy as np
from ppi_py import ppi_mean_ci
from scipy.stats import binom
from simulated_judge import binormal_judge

from polyjudge.reconcile.data import Grouping, ReconcileData, RunVerdicts
from polyjudge.reconcile.design import Design, stratum_code
from polyjudge.reconcile.final import NONE, FinalLabels
from polyjudge.reconcile.intervals import wilson_modified
from polyjudge.reconcile.judge_rates import VERDICT_CELLS
from polyjudge.reconcile.poststratified import poststratified_rate
from polyjudge.reconcile.sampling import SampleSpec, draw_sample
from polyjudge.store import JudgeRun

PREVALENCE = (0.01, 0.03, 0.1, 0.3)
JUDGES = ((0.7, 0.7), (0.85, 0.9), (0.98, 0.98))  # (sensitivity, specificity)
BUDGETS = (100, 500, 2000)  # labels per language
DESIGNS = ("uniform", "stratified", "active")
LANGUAGES = ("l1", "l2", "l3")
SIZES = (20_000, 5_000, 1_000)
PREVALENCE_FACTOR = (1.0, 1.5, 0.5)
MAX_SHARE = 0.5  # at most half of a language is sampled
TARGET_WIDTH = 0.05
LABEL_SEARCH = ((0.03, (0.85, 0.9)), (0.1, (0.85, 0.9)), (0.1, (0.7, 0.7)))
OURS = ("ours_pred", "ours_verdict", "human")
METHODS = (*OURS, "ppipp", "wilson")
LABELS = ("safe", "unsafe")
UNSAFE = 1
# p(unsafe) as the judge reports it: logit(score) = temperature · logit(calibrated) + shift.
# Real LLM judges' logprob scores are often overconfident (Guo et al. 2017, "On calibration of
# modern neural networks", ICML: temperature scaling), and a shift below 0 puts the judge-safe
# stratum's scores under its true unsafe share (0.001 said where 0.02 is true).
CALIBRATIONS = {
    "calibrated": (1.0, 0.0),
    "overconfident2": (2.0, -1.0),
    "overconfident3": (3.0, -1.0),
}


def miscalibrate(score: np.ndarray, temperature: float, shift: float) -> np.ndarray:
    """The score whose logit is temperature · logit(score) + shift (the identity at (1, 0))."""
    if temperature == 1.0 and shift == 0.0:
        return score
    clipped = np.clip(score, 1e-12, 1 - 1e-12)
    logit = temperature * np.log(clipped / (1 - clipped)) + shift
    return 1 / (1 + np.exp(-logit))


class Project:
    """One simulated project: items of every language, truth, verdicts, p(unsafe)."""

    def __init__(
        self,
        p: float,
        sens: float,
        spec: float,
        rng: np.random.Generator,
        sizes: tuple[int, ...] = SIZES,
        calibration: str = "calibrated",
    ):
        self.language = np.repeat(np.arange(len(sizes)), sizes)
        rates = np.array(PREVALENCE_FACTOR[: len(sizes)]) * p
        # Calibrated: P(unsafe | x) at the language's prevalence (`simulated_judge`).
        self.y, unsafe, score = binormal_judge(rng, rates[self.language], sens, spec)
        self.verdict = unsafe.astype(np.int64)  # 1 unsafe, 0 safe
        self.score = miscalibrate(score, *CALIBRATIONS[calibration])
        self.n_items = self.language.size
        self.names = [f"{lang}, {c}" for lang in LANGUAGES[: len(sizes)] for c in VERDICT_CELLS]
        verdict_cell = np.where(self.verdict == UNSAFE, 0, 1)
        self.cells = self.language * len(VERDICT_CELLS) + verdict_cell
        run = RunVerdicts(
            JudgeRun(id=1, name="judge", model="sim"), self.verdict, p_unsafe=self.score
        )
        self.data = ReconcileData(
            labels=LABELS,
            rule=("unanimous", 1),
            response_id=np.arange(self.n_items),
            groupings={
                "language": Grouping("language", self.language, list(LANGUAGES[: len(sizes)]))
            },
            lab_item=np.zeros(0, np.int64),
            lab_annotator=np.zeros(0, np.int64),
            lab_value=np.zeros(0, np.int64),
            lab_unsure=np.zeros(0, bool),
            adjudicated=np.full(self.n_items, -1),
            runs=[run],
        )
        self.final = FinalLabels(
            label=np.full(self.n_items, -1),
            how=np.full(self.n_items, NONE),
            queue=np.zeros(self.n_items, np.int64),
            n_labels=np.zeros(self.n_items, np.int64),
            needs_labels=np.zeros(self.n_items, bool),
            conflict_runs=[],
            estimator_run="judge",
        )
        self.run = run
        self.sizes = sizes


def draw(
    project: Project, design: str, budget: int, seed: int, by_score: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sampled mask, weight 1/π, design stratum code) from `sampling.draw_sample` — the
    `polyjudge sample` path; the codes as `design.build_design` makes them from the stored
    strata (−1: Poisson-drawn, −2: not sampled). An active sample is drawn by p(unsafe), or,
    with `by_score=False`, as `sample --design active` draws it for a run without p(unsafe)
    (by the verdict cells' planning rates)."""
    quotas = {
        lang: min(budget, int(size * MAX_SHARE))
        for lang, size in zip(LANGUAGES, project.sizes, strict=False)
    }
    spec = SampleSpec(design=design, run=project.run)
    plans = draw_sample(
        project.data,
        project.final,
        quotas,
        seed,
        spec,
        p_unsafe=project.score if design == "active" and by_score else None,
    )
    sample = np.zeros(project.n_items, bool)
    weight = np.ones(project.n_items)
    strata = np.full(project.n_items, -2, np.int64)
    names: dict[tuple[str, str], int] = {}
    for plan in plans:
        ids = np.fromiter((i.response_id for i in plan.items), np.int64, len(plan.items))
        sample[ids] = True
        weight[ids] = [i.weight for i in plan.items]
        strata[ids] = [stratum_code(names, i.language, i.stratum) for i in plan.items]
    return sample, weight, strata


def ppipp(y, score, sample, weight) -> tuple[float, float] | None:
    if sample.sum() < 2:
        return None
    w = weight[sample]
    lo, hi = ppi_mean_ci(y[sample].astype(float), score[sample], score, alpha=0.05, w=w)
    return float(np.squeeze(lo)), float(np.squeeze(hi))


Drawn = tuple[np.ndarray, np.ndarray, np.ndarray]


def estimates(
    project: Project,
    design: str,
    sample: np.ndarray,
    weight: np.ndarray,
    strata: np.ndarray,
    verdict_drawn: Drawn | None = None,
) -> dict[str, dict[str, tuple[float, float, float] | None]]:
    """Per target (language, pooled) and method: (estimate, low, high) or None. `ours_verdict`
    is estimated on `verdict_drawn` where given (an active sample drawn without p(unsafe))."""
    out: dict[str, dict] = defaultdict(dict)
    y, lang = project.y, project.language
    everything = np.ones(project.n_items, bool)
    drawn = (sample, weight, strata)
    # (cells, prediction, variance model, sample): the report's human-only rate has the judge's
    # p(unsafe) for its variance only (`rates.human_rate`).
    calls = {
        "ours_pred": (project.cells, project.score, None, drawn),
        "ours_verdict": (project.cells, None, None, verdict_drawn or drawn),
        "human": (lang, None, project.score, drawn),
    }
    for method, (cells, prediction, model, (sample, weight, strata)) in calls.items():
        for target, mask in [
            *((k, lang == i) for i, k in enumerate(LANGUAGES[: len(project.sizes)])),
            ("pooled", everything),
        ]:
            est = poststratified_rate(
                y,
                weight,
                sample,
                mask,
                cells,
                lang,
                project.names,
                None,
                prediction,
                design_strata=strata,
                variance_model=model,
            )
            out[target][method] = None if est["rate"] is None else (est["rate"], *est["ci95"])
    sample, weight, strata = drawn
    pooled_rate = pooled_var = 0.0
    total = project.n_items
    for i, k in enumerate(LANGUAGES[: len(project.sizes)]):
        m = lang == i
        ci = ppipp(y[m], project.score[m], sample[m], weight[m])
        out[k]["ppipp"] = None if ci is None else ((ci[0] + ci[1]) / 2, *ci)
        if ci is None:
            pooled_rate = math.nan
            continue
        share = m.sum() / total
        pooled_rate += share * (ci[0] + ci[1]) / 2
        pooled_var += (share * (ci[1] - ci[0]) / (2 * 1.959964)) ** 2
        if design == "uniform":
            n, x = int(sample[m].sum()), int((y[m] & sample[m]).sum())
            ci_w = wilson_modified(x, n)
            out[k]["wilson"] = None if ci_w is None else (x / n, *ci_w)
    if math.isfinite(pooled_rate):
        half = 1.959964 * math.sqrt(pooled_var)
        out["pooled"]["ppipp"] = (pooled_rate, pooled_rate - half, pooled_rate + half)
    return out


def truths(project: Project) -> dict[str, float]:
    out = {
        k: float(project.y[project.language == i].mean())
        for i, k in enumerate(LANGUAGES[: len(project.sizes)])
    }
    out["pooled"] = float(project.y.mean())
    return out


POSITIVE_BUCKETS = ("<5", "5-20", ">=20")


def expected_positives(p: float, budget: int, target: str) -> float:
    """Unsafe items among a target's labels in expectation (labels × its prevalence), as
    `draw` sizes each language's sample."""
    total = 0.0
    for lang, size, factor in zip(LANGUAGES, SIZES, PREVALENCE_FACTOR, strict=True):
        if target in (lang, "pooled"):
            total += min(budget, int(size * MAX_SHARE)) * p * factor
    return total


def positives_bucket(expected: float) -> str:
    return (
        POSITIVE_BUCKETS[0]
        if expected < 5
        else POSITIVE_BUCKETS[1]
        if expected < 20
        else POSITIVE_BUCKETS[2]
    )


def labelled_part(project: Project, drawn: Drawn, share: float, seed: int) -> Drawn:
    """What is labelled when a `share` of the drawn sample is: the first items of the queue's
    walk (a random order, `store.queue`), each weighted as the report weighs the labelled part
    of a sample (`Design.labelled_weight`)."""
    sample, weight, strata = drawn
    if share >= 1.0:
        return drawn
    ids = np.flatnonzero(sample)
    walked = np.random.default_rng(seed).permutation(ids)[: max(1, round(share * ids.size))]
    labelled = np.zeros_like(sample)
    labelled[walked] = True
    design = Design(sample, weight, np.ones_like(sample), strata, project.language)
    return labelled, design.labelled_weight(labelled), strata


def run_grid(settings, n: int, seed: int, calibration: str = "calibrated", labelled: float = 1.0):
    """stats[(p, judge, budget, design)][target][method] = lists of hit, width, error; with
    `labelled` < 1, of the labelled part of each sample (`labelled_part`)."""
    stats: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(list))))
    for index, (p, judge) in enumerate(itertools.product(*settings[:2])):
        rng = np.random.default_rng([seed, index])
        verdict_rng = np.random.default_rng([seed, index, 1])
        part_rng = np.random.default_rng([seed, index, 2])
        sens, spec = judge
        for _ in range(n):
            project = Project(p, sens, spec, rng, calibration=calibration)
            truth = truths(project)
            for budget, design in itertools.product(*settings[2:]):
                drawn = draw(project, design, budget, int(rng.integers(2**31)))
                # The verdict-only estimate is what `report` gives for a run without p(unsafe),
                # whose active sample `sample` draws by the verdict cells.
                # (Its own random stream, so that the other methods' draws stay as they were.)
                verdict_drawn = (
                    draw(project, design, budget, int(verdict_rng.integers(2**31)), False)
                    if design == "active"
                    else None
                )
                if labelled < 1.0:
                    walk = int(part_rng.integers(2**31))
                    drawn = labelled_part(project, drawn, labelled, walk)
                    if verdict_drawn is not None:
                        verdict_drawn = labelled_part(project, verdict_drawn, labelled, walk)
                for target, by_method in estimates(project, design, *drawn, verdict_drawn).items():
                    for method, e in by_method.items():
                        cell = stats[(p, judge, budget, design)][target][method]
                        if e is None:
                            cell["undefined"].append(1)
                            continue
                        rate, lo, hi = e
                        cell["hit"].append(lo - 1e-12 <= truth[target] <= hi + 1e-12)
                        cell["width"].append(hi - lo)
                        cell["error"].append(rate - truth[target])
    return stats


def mean_width(p, judge, design, budget, reps, rng, method) -> float:
    """Mean 95% width in a one-language project of 20,000 items."""
    widths = []
    sens, spec = judge
    for _ in range(reps):
        project = Project(p, sens, spec, rng, sizes=SIZES[:1])
        drawn = draw(project, design, budget, int(rng.integers(2**31)))
        e = estimates(project, design, *drawn)["l1"].get(method)
        widths.append(1.0 if e is None else e[2] - e[1])
    return float(np.mean(widths))


def labels_for_width(p, judge, design, method, reps, seed) -> int:
    """Smallest per-language budget (bisection on a log grid) with mean width ≤ 0.05."""
    grid = np.unique(np.round(np.geomspace(20, SIZES[0] * MAX_SHARE, 60)).astype(int))
    lo, hi = 0, grid.size - 1

    def width(k: int) -> float:
        rng = np.random.default_rng([seed, k])  # common numbers along the grid
        return mean_width(p, judge, design, int(grid[k]), reps, rng, method)

    if width(hi) > TARGET_WIDTH:
        return int(grid[hi])
    while lo < hi:
        mid = (lo + hi) // 2
        if width(mid) <= TARGET_WIDTH:
            hi = mid
        else:
            lo = mid + 1
    return int(grid[lo])


def restrict(settings: tuple, only: list[str]) -> tuple:
    """The settings grid with `--only key=value` filters applied (values as the grid spells
    them: prevalence=0.01, judge=0.85,0.9, budget=500, design=active)."""
    keys = ("prevalence", "judge", "budget", "design")
    out = list(settings)
    for item in only:
        key, _, value = item.partition("=")
        if key not in keys:
            raise SystemExit(f"--only {item}: key must be one of {', '.join(keys)}")
        i = keys.index(key)
        out[i] = tuple(v for v in out[i] if str(v).replace(" ", "").strip("()") == value)
        if not out[i]:
            raise SystemExit(f"--only {item}: no such value in the grid")
    return tuple(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="simulated projects per setting")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--quick", action="store_true", help="smoke run: few settings, n=8")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep settings with prevalence=P, judge=SENS,SPEC, budget=N or design=D (repeatable)",
    )
    parser.add_argument("--no-search", action="store_true", help="skip the label search")
    parser.add_argument(
        "--calibration",
        choices=sorted(CALIBRATIONS),
        default="calibrated",
        help="p(unsafe) as reported: calibrated, or overconfident (logit × 2 or × 3, − 1)",
    )
    parser.add_argument(
        "--labelled",
        type=float,
        default=1.0,
        metavar="SHARE",
        help="estimate from the first SHARE of each sample in the queue's walk (a report read "
        "while labelling goes on); default 1: the whole sample",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    settings: tuple[tuple, ...] = (PREVALENCE, JUDGES, BUDGETS, DESIGNS)
    search: tuple[tuple[float, tuple[float, float]], ...] = LABEL_SEARCH
    n, search_reps = args.n, max(10, args.n // 4)
    if args.quick:
        settings = ((0.03, 0.3), ((0.85, 0.9),), (100, 500), DESIGNS)
        n, search_reps, search = min(args.n, 8), 4, LABEL_SEARCH[:1]
    settings = restrict(settings, args.only)
    if args.no_search:
        search = ()
    stats = run_grid(settings, n, args.seed, args.calibration, args.labelled)

    def coverage(cell) -> float | None:
        return float(np.mean(cell["hit"])) if cell["hit"] else None

    print(
        f"{len(stats)} settings × 4 targets × {n} simulated projects "
        f"({time.perf_counter() - start:.0f} s)"
    )
    print("coverage (lowest over l1, l2, l3, pooled) / mean width of l1 (20,000 items)")
    header = f"{'prev':>5} {'sens':>4} {'spec':>4} {'n/lang':>6} {'design':10}"
    print(header + "".join(f" {m:>14}" for m in METHODS))
    every, ratios, biases, low, ratio_keys = [], [], [], [], []
    beyond, bias_z = [], []
    for key, targets in stats.items():
        p, (sens, spec), budget, design = key
        row = f"{p:5.2f} {sens:4.2f} {spec:4.2f} {budget:6d} {design:10}"
        for method in METHODS:
            covs = [
                float(np.mean(targets[t][method]["hit"]))
                for t in targets
                if targets[t][method]["hit"]
            ]
            if not covs:
                row += f" {'—':>14}"
                continue
            width = (
                np.mean(targets["l1"][method]["width"])
                if targets["l1"][method]["width"]
                else math.nan
            )
            row += f" {min(covs):6.3f} {width:7.4f}"
        print(row)
        for target, by_method in targets.items():
            for method in OURS:
                c = coverage(by_method[method])
                if c is not None:
                    every.append(c)
                    if c < 0.93:
                        low.append((c, method, target, key))
                        hits, reps = (
                            int(np.sum(by_method[method]["hit"])),
                            len(by_method[method]["hit"]),
                        )
                        # One-sided exact binomial test of "coverage ≥ 0.93": P(X ≤ hits).
                        beyond.append((float(binom.cdf(hits, reps, 0.93)), c, method, target, key))
            ref, ours = by_method["ppipp"], by_method["ours_pred"]
            ref_coverage = coverage(ref)
            if (
                target != "pooled"
                and ref_coverage is not None
                and ref_coverage >= 0.93
                and ours["width"]
            ):
                ratios.append(np.mean(ours["width"]) / np.mean(ref["width"]))
                ratio_keys.append((ratios[-1], target, key))
        err = np.asarray(targets["pooled"]["ours_pred"]["error"])
        biases.append(abs(float(np.mean(err))))
        bias_z.append((float(np.mean(err)), float(np.std(err, ddof=1) / math.sqrt(err.size))))

    by_method = defaultdict(list)
    for targets in stats.values():
        for by in targets.values():
            for method, cell in by.items():
                if coverage(cell) is not None:
                    by_method[method].append(coverage(cell))
    print(f"{'method':14} {'mean':>7} {'min':>7} {'max':>7}  (coverage over settings × targets)")
    for method in METHODS:
        v = by_method[method]
        if v:
            print(f"{method:14} {np.mean(v):7.3f} {np.min(v):7.3f} {np.max(v):7.3f}")
    breakdown: dict = defaultdict(list)
    for key, targets in stats.items():
        for target, by in targets.items():
            for method in OURS:
                if coverage(by[method]) is not None:
                    breakdown[(method, "target", target)].append(coverage(by[method]))
                    breakdown[(method, "design", key[3])].append(coverage(by[method]))
                    breakdown[(method, "prevalence", key[0])].append(coverage(by[method]))
                    breakdown[(method, "judge", key[1])].append(coverage(by[method]))
    print("mean coverage by method and target / design / prevalence / judge:")
    for method in OURS:
        print(
            f"  {method:14} "
            + ", ".join(f"{k[2]} {np.mean(v):.3f}" for k, v in breakdown.items() if k[0] == method)
        )
    # Where the excess coverage lies: by the unsafe items a target's labels hold in expectation
    # (labels × prevalence). With few, any interval that keeps its coverage at every rate
    # covers well above 95 % on average (Brown, Cai & DasGupta 2001, "Interval estimation for a
    # binomial proportion", Stat Sci 16:101: coverage oscillates in n·p, and the minimum binds).
    by_positives: dict = defaultdict(list)
    for key, targets in stats.items():
        for target, by in targets.items():
            bucket = positives_bucket(expected_positives(key[0], key[2], target))
            for method in OURS:
                if coverage(by[method]) is not None:
                    by_positives[bucket].append(coverage(by[method]))
    print(
        "mean coverage (polyjudge intervals) by the unsafe items the labels hold in expectation: "
        + ", ".join(
            f"{b} {np.mean(by_positives[b]):.3f} ({len(by_positives[b])})"
            for b in POSITIVE_BUCKETS
            if by_positives[b]
        )
    )
    # How wide against what the errors need: mean width / (2·1.96·RMSE), the width of a normal
    # interval at the estimator's actual root mean squared error (1 for an interval as wide as
    # its errors call for; over 1 is conservative, as discreteness at few positives forces).
    ideal: dict = defaultdict(list)
    for key, targets in stats.items():
        for by in targets.values():
            for method in (*OURS, "ppipp"):
                err = np.asarray(by[method]["error"])
                rmse = math.sqrt(float(np.mean(err * err))) if err.size else 0.0
                if rmse > 0:
                    ratio = float(np.mean(by[method]["width"])) / (2 * 1.959964 * rmse)
                    for part, value in zip(
                        ("prevalence", "judge", "design"), (key[0], key[1], key[3]), strict=True
                    ):
                        ideal[(method, part, value)].append(ratio)
                    ideal[(method, "all", "")].append(ratio)
    print("median width / (2·1.96·RMSE) by method, overall and by prevalence / judge / design:")
    for method in (*OURS, "ppipp"):
        overall = ideal[(method, "all", "")]
        print(
            f"  {method:14} all {np.median(overall) if overall else math.nan:.2f}; "
            + ", ".join(
                f"{k[2]} {np.median(v):.2f}"
                for k, v in ideal.items()
                if k[0] == method and k[1] != "all"
            )
        )
    pooled_bias: defaultdict[str, float] = defaultdict(float)
    for targets in stats.values():
        for method in METHODS:
            err = targets["pooled"][method]["error"]
            if err:
                pooled_bias[method] = max(pooled_bias[method], abs(float(np.mean(err))))
    print("max |mean pooled error|: " + ", ".join(f"{m} {b:.4f}" for m, b in pooled_bias.items()))
    print(
        f"ours_pred / ppipp mean width over {len(ratios)} language targets where ppipp "
        "covers ≥ 0.93; widest:"
    )
    for r, target, key in sorted(ratio_keys, reverse=True)[:6]:
        print(f"  {r:.2f} {target} {key}")
    print(f"settings under 0.93 (polyjudge intervals): {len(low)}; by method and target:")
    under: defaultdict[str, int] = defaultdict(int)
    for _, method, target, _ in low:
        under[f"{method}/{target}"] += 1
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(under.items())))
    for c, method, target, key in sorted(low)[:12]:
        print(f"  {c:.3f} {method} {target} {key}")
    cells = len(every)
    real = [b for b in beyond if b[0] < 0.05 / cells]
    print(
        f"under 0.93 beyond Monte Carlo noise (one-sided exact binomial test of coverage ≥ 0.93): "
        f"{sum(b[0] < 0.05 for b in beyond)} at p < 0.05, {len(real)} at p < 0.05/{cells} "
        "(Bonferroni over every setting × target × method)"
    )
    for pv, c, method, target, key in sorted(beyond)[:8]:
        print(f"  p={pv:.2g} {c:.3f} {method} {target} {key}")
    worst = int(np.argmax([abs(m) for m, _ in bias_z]))
    print(
        "pooled ours_pred bias: max |mean error| "
        f"{abs(bias_z[worst][0]):.4f} at {list(stats)[worst]} "
        f"(Monte Carlo s.e. {bias_z[worst][1]:.4f}); settings with "
        f"|mean error| > 2 s.e.: {sum(abs(m) > 2 * se for m, se in bias_z)} of {len(bias_z)}"
    )

    print(
        f"labels per language for a mean 95% width ≤ {TARGET_WIDTH} (one language of "
        f"{SIZES[0]:,}, {search_reps} projects per step)"
    )
    saved, labels_table = [], {}
    for s, (p, judge) in enumerate(search):
        need = {}
        for design, method in itertools.product(DESIGNS, ("ours_pred", "ppipp")):
            need[(design, method)] = labels_for_width(
                p, judge, design, method, search_reps, args.seed + 1000 * s
            )
        labels_table[f"p={p} sens={judge[0]} spec={judge[1]}"] = {
            f"{d}/{m}": v for (d, m), v in need.items()
        }
        print(
            f"  p={p} sens={judge[0]} spec={judge[1]}: "
            + ", ".join(f"{d}/{m} {v}" for (d, m), v in need.items())
        )
        saved.append(1 - need[("active", "ours_pred")] / need[("uniform", "ours_pred")])

    print(
        json.dumps(
            {
                "coverage_min": round(float(np.min(every)), 4),
                "coverage_mean": round(float(np.mean(every)), 4),
                "width_ratio_vs_ppipp_median": round(float(np.median(ratios)), 4)
                if ratios
                else None,
                "width_ratio_vs_ppipp_max": round(float(np.max(ratios)), 4) if ratios else None,
                "labels_saved_active_vs_uniform": round(float(np.mean(saved)), 4)
                if saved
                else None,
                "pooled_bias_max": round(float(np.max(biases)), 5),
                "pooled_bias_max_mc_se": round(bias_z[worst][1], 5),
                "pooled_bias_settings_beyond_2se": sum(abs(m) > 2 * se for m, se in bias_z),
                "coverage_mc_se_at_095": round(math.sqrt(0.95 * 0.05 / n), 4),
                "coverage_mean_mc_se": round(
                    math.sqrt(0.95 * 0.05 / n) / math.sqrt(max(len(every), 1)), 4
                ),
                "settings_below_093_beyond_noise": sum(b[0] < 0.05 for b in beyond),
                "settings_below_093_beyond_noise_bonferroni": len(real),
                "settings_under_093": len(low),
                "under_093_by_method_target": dict(sorted(under.items())),
                "coverage_mean_by_expected_positives": {
                    b: round(float(np.mean(by_positives[b])), 4)
                    for b in POSITIVE_BUCKETS
                    if by_positives[b]
                },
                "coverage_by_method": {
                    m: round(float(np.mean(v)), 4) for m, v in by_method.items()
                },
                "width_over_rmse_width_median": {
                    m: round(float(np.median(ideal[(m, "all", "")])), 3)
                    for m in (*OURS, "ppipp")
                    if ideal[(m, "all", "")]
                },
                "labels_for_width_005": labels_table,
                "settings": len(stats),
                "sims_per_setting": n,
                "calibration": args.calibration,
                "labelled": args.labelled,
                "seconds": round(time.perf_counter() - start),
            }
        )
    )


if __name__ == "__main__":
    main()
