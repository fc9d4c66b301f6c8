"""The whole report as one typed `Report` (reconcile/report_model.py); `report.as_json()` is
the `report --json` shape (docs/architecture.md, "The report").

    from polyjudge.reconcile.report import build_report
    report = build_report(project, by=("language", "model"), target_width=0.05)

Top-level keys: `project`, `labels`, `final`, `agreement`, `unsafe_rate`, `judges`,
`comparisons`, `budget`, `queue`, `methods`. Undefined statistics are null, with the reason
under the block's `reasons` (or an entry's `reason`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polyjudge.store import PolyjudgeError, Project

from .agreement import agreement, pairwise_kappa, seed_for
from .budget import METHOD as BUDGET_METHOD
from .budget import report_budget
from .calibration import calibration_report
from .cell_intervals import Z95
from .compare import compare_conditions
from .data import MULTIJAIL_DATASET, RESOURCE_TIERS, ReconcileData, RunVerdicts, load, with_p_unsafe
from .design import Design, load_design
from .final import HOW, FinalLabels, final_labels
from .judge_rates import judge_rates
from .rates import human_rate
from .report_model import Report
from .sequential import take_look

BY_FIELDS = ("language", "model", "category", "scenario", "tier")
COMPARE_FIELDS = ("model", "scenario")

METHODS = {
    "agreement": "Krippendorff's alpha, nominal, over items with 2+ current labels (unsure "
    "labels count as chosen); 95% CI: Bayesian bootstrap over items with a weak Dirichlet "
    "prior over every possible label pattern (seeded); simulated coverage 0.95 on average "
    "but 0.90-0.91 with 3 annotators, alpha 0.85-0.9, 1-3% unsafe and 100 items, the upper "
    "limit too low (bench/alpha_coverage_sim.py). No alpha or Fleiss' kappa from one item; "
    "under 10 items they are flagged unstable and get no interval. Observed "
    "agreement and class-specific agreement from the coincidence matrix (o_cc / n_c). Cohen's "
    "kappa per annotator pair with at least 10 shared items.",
    "final": "adjudication; else (no unsure label) human consensus under the project's rule "
    "(unanimous: all labels equal, one label = 'single'; majority:N: N+ labels and a strict "
    "majority); else queued. Judge conflicts keep the human label and are queued for review.",
    "human_final_wilson": "unsafe / all human-final items (invalid in the denominator, reported "
    "beside), Wilson 95% interval with the Brown-Cai-DasGupta (2001) boundary modification; "
    "used for one language whose human-final items weigh the same.",
    "human_design_weighted": "design-based: in a language with a sample (polyjudge sample), "
    "its human-final items weighted by 1/pi (Hajek); languages with no sample take their "
    "labelled items as a random sample; pooled groups post-stratified by language at their "
    "population sizes. 95% interval: MOVER (Zou & Donner 2008) over each language's Wilson "
    "interval at Kish's effective sample size with finite-population correction.",
    "judge_corrected_stratified": "post-stratified by language x the estimator run's verdict "
    "(judge-unsafe, other, unjudged): per language q*PPV + (1-q)*FOR (Cochran 1977 §12.2) with "
    "unjudged items as their own stratum; stratum rates from the sample's human-final items "
    "weighted by 1/pi; where every item of a stratum has a p(unsafe), a power-tuned difference "
    "estimator on it inside the stratum (PPI++ lambda, Angelopoulos et al. 2023); 95% "
    "interval: MOVER (Zou & Donner 2008) over the strata's Wilson intervals at Kish's effective "
    "size with finite-population correction (Price & Bonett 2004 pseudo-observations for "
    "strata with a prediction). "
    "pending_range: the estimate if every queued item of the design came out safe / unsafe.",
    "judge_raw_wilson": "share of judge-unsafe verdicts, uncorrected, Wilson 95% interval.",
    "calibration": "gold = human-final labels; kappa on parsed verdicts: posterior median "
    "with the equal-tailed 95% interval of the Dirichlet(cells + 1/2) posterior (Monte Carlo; "
    "coverage checked in bench/coverage_sim.py), and beside it the sample (plug-in) kappa of "
    "Cohen (1960). The median is the interval's own point: with high agreement the prior on "
    "empty disagreement cells pulls the posterior below the plug-in, which would then sit at "
    "the interval's top edge and misstate where it lies. Sensitivity/specificity for "
    "unsafe on gold unsafe/safe with parsed verdicts, Wilson CIs; unparsed share among all "
    "verdicts, Wilson CI.",
    "comparison": "difference of human-final unsafe rates, Newcombe (1998) hybrid score "
    "interval (method 10), conditions treated as independent (conservative when paired); "
    "`paired`: the prompts answered once under each condition, Newcombe (1998, Stat Med "
    "17:2635) paired score interval (method 10).",
    "budget": BUDGET_METHOD,
}


def choose_estimator_run(
    project: Project, data: ReconcileData, judge: str | None
) -> RunVerdicts | None:
    """--judge RUN; else the run that stratified the latest sample; else the latest non-baseline
    run with verdicts; else the latest baseline run with verdicts."""
    if judge is not None:
        run = project.judging.find_run(judge)  # a user-facing error when there is none
        try:
            return data.run(run.id)
        except KeyError:
            raise PolyjudgeError(f"judge run {judge!r} is not a judge run") from None
    run_id = project.assignments.latest_stratifying_run_id()
    if run_id is not None:
        try:
            return data.run(run_id)
        except KeyError:
            pass
    with_verdicts = [rv for rv in data.runs if np.any(rv.codes >= 0)]
    for rv in reversed(with_verdicts):
        if not rv.baseline:
            return rv
    return with_verdicts[-1] if with_verdicts else None


def _final_summary(data: ReconcileData, final: FinalLabels, mask: np.ndarray) -> dict[str, int]:
    out = {
        name: int(np.count_nonzero(mask & (final.how == code)))
        for code, name in enumerate(HOW)
        if name != "none"
    }
    out["queued"] = int(np.count_nonzero(mask & (final.queue != 0)))
    out["needs_labels"] = int(np.count_nonzero(mask & final.needs_labels))
    out["items"] = int(np.count_nonzero(mask))
    return out


def build_report(
    project: Project,
    *,
    by: tuple[str, ...] = ("language",),
    target_width: float | None = None,
    judge: str | None = None,
    resamples: int = 1000,
    seed: int = 0,
    compare: tuple[str, ...] | None = None,
    positive: str = "unsafe",
    sequential: bool = False,
) -> Report:
    unknown = [f for f in by if f not in BY_FIELDS]
    if unknown:
        raise PolyjudgeError(
            f"--by: unknown field {unknown[0]!r} (choose from {', '.join(BY_FIELDS)})"
        )
    if target_width is not None and not 0 < target_width < 1:
        raise PolyjudgeError("--target-width must be between 0 and 1 (e.g. 0.05)")
    by = tuple(dict.fromkeys(("language", *by)))
    languages = project.content.dataset_languages(
        MULTIJAIL_DATASET
    )  # tiers describe MultiJail only
    if "tier" not in by and any(lang in RESOURCE_TIERS for lang in languages):
        by = (*by, "tier")
    compare_fields = COMPARE_FIELDS if compare is None else compare
    data = load(project, tuple(dict.fromkeys((*by, *[c.split(":")[0] for c in compare_fields]))))
    estimator = choose_estimator_run(project, data, judge)
    if estimator is not None:
        with_p_unsafe(project, estimator, data.response_id)
    final = final_labels(data, estimator_run=str(estimator.run.id) if estimator else None)
    everything = np.ones(data.n_items, dtype=bool)
    names = {a.id: a.name for a in project.annotators.all()}
    design = load_design(project, data.groupings["language"].codes, data.response_id)

    counts = data.value_counts()
    design_summary = _design_summary(data, final, design)
    # Calibration on the labelled items is biased only where the sample weighs items unequally
    # (a stratified sample that took every item has weights 1).
    stratified_runs = (
        project.assignments.stratifying_run_ids()
        if any(v["sample"] == "weighted" for v in design_summary.values())
        else set()
    )
    look = take_look(project) if sequential else None
    rate_args = (data, final, estimator, design, seed, positive, look["z"] if look else Z95)
    report: dict[str, Any] = {
        "project": {
            "path": str(project.path),
            "label_set": list(data.labels),
            "consensus_rule": project.consensus_rule,
            "items": data.n_items,
            "human_labels": int(np.count_nonzero(data.lab_value >= 0)),
            "estimator_run": _run_info(estimator),
            "conflict_runs": final.conflict_runs,
            "bootstrap_resamples": resamples,
            "seed": seed,
        },
        "labels": list(data.labels),
        "final": {"overall": _final_summary(data, final, everything)},
        "agreement": {
            "overall": agreement(
                counts,
                data.labels,
                resamples=resamples,
                rng=seed_for(seed, "agreement:overall"),
                positive=positive,
            ),
            "pairwise": pairwise_kappa(data, names),
        },
        "unsafe_rate": {
            "overall": _rate_block(*rate_args, everything, "all"),
            "design": design_summary,
            "sequential": look,
        },
        "judges": calibration_report(
            data, final, by=by, seed=seed, stratified_runs=stratified_runs
        ),
        "comparisons": [],
        "queue": {**final.queue_sizes(everything)},
        "progress": _progress(data, names),
        "methods": METHODS,
    }
    for field_name in by:
        grouping = data.groupings[field_name]
        key = f"by_{field_name}"
        report["final"][key] = {}
        report["agreement"][key] = {}
        report["unsafe_rate"][key] = {}
        for name, mask in grouping.members():
            report["final"][key][name] = _final_summary(data, final, mask)
            report["agreement"][key][name] = agreement(
                counts[mask],
                data.labels,
                resamples=resamples,
                rng=seed_for(seed, f"agreement:{field_name}:{name}"),
                positive=positive,
            )
            report["unsafe_rate"][key][name] = _rate_block(*rate_args, mask, f"{field_name}:{name}")
    report["queue"]["by_language"] = {
        name: final.queue_sizes(mask) for name, mask in data.groupings["language"].members()
    }
    prompt_ids = (
        np.asarray(project.columns.prompt_ids(), dtype=np.int64) if compare_fields else None
    )
    for spec in compare_fields:
        field_name, _, pair = spec.partition(":")
        values = tuple(pair.split(",")) if pair else None
        if values is not None and len(values) != 2:
            raise PolyjudgeError(f"--compare {spec}: name exactly two values (FIELD:A,B)")

        def rate_of(mask: np.ndarray, key: str = f"compare:{spec}") -> dict[str, Any]:
            return _rate_block(*rate_args, mask, key)

        report["comparisons"] += compare_conditions(
            data, final, field_name, values, positive, prompt_ids=prompt_ids, rate_of=rate_of
        )
    if target_width is not None:
        report["budget"] = report_budget(data, final, estimator, design, target_width, positive)
    return Report.from_json(_round(report))


def _run_info(rv: RunVerdicts | None) -> dict[str, Any] | None:
    if rv is None:
        return None
    return {
        "id": rv.run.id,
        "name": rv.run.name,
        "model": rv.run.model,
        "baseline": bool(rv.baseline),
    }


def _progress(data: ReconcileData, names: dict[int, str]) -> dict[str, Any]:
    """Current labels per annotator, overall and per language (for the dashboard)."""
    language = data.groupings["language"]
    valid = data.lab_value >= 0
    codes = language.codes[data.lab_item[valid]] if language.codes.size else np.zeros(0, int)
    annotators = data.lab_annotator[valid]
    out: dict[str, Any] = {}
    for annotator in np.unique(annotators):
        mine = annotators == annotator
        counts = np.bincount(codes[mine], minlength=len(language.names))
        out[names.get(int(annotator), str(annotator))] = {
            "labels": int(mine.sum()),
            "unsure": int(np.count_nonzero(data.lab_unsure[valid][mine])),
            "by_language": {language.names[i]: int(c) for i, c in enumerate(counts) if c},
        }
    items = {name: int(np.count_nonzero(mask)) for name, mask in language.members()}
    return {"by_annotator": out, "items_by_language": items}


def _design_summary(
    data: ReconcileData, final: FinalLabels, design: Design
) -> dict[str, dict[str, Any]]:
    """Per language: how its human labels were chosen, and how many the estimates use."""
    out = {}
    used = design.estimation_sample(final.human_final)
    outside = design.outside(final.human_final)
    for name, mask in data.groupings["language"].members():
        kind = design.kind(mask)
        out[name] = {
            "sample": {"none": "none", "equal": "equal_probability"}.get(kind, "weighted"),
            "sampled": int(np.count_nonzero(mask & design.assigned)),
            "used": int(np.count_nonzero(mask & used)),
            "outside_design": int(np.count_nonzero(mask & outside)),
        }
    return out


def _rate_block(
    data: ReconcileData,
    final: FinalLabels,
    estimator: RunVerdicts | None,
    design: Design,
    seed: int,
    positive: str,
    z: float,
    mask: np.ndarray,
    key: str,
) -> dict[str, Any]:
    block = human_rate(data, final, mask, positive, design, z)
    block["judge_raw"] = block["judge_corrected"] = None
    block["headline"] = block["estimator"]
    # The human labels alone describe the group only when every item has one; otherwise the
    # judge verdicts of every item, corrected by the sample, are the headline.
    incomplete = bool(np.any(mask & ~final.human_final))
    if estimator is not None:
        raw, corrected = judge_rates(
            data,
            final,
            estimator,
            mask,
            seed_for(seed, f"corrected:{key}"),
            positive,
            corrected=incomplete,
            design=design,
            z=z,
        )
        block["judge_raw"] = raw
        if incomplete:
            block["judge_corrected"] = corrected
            if corrected is not None and corrected.get("rate") is not None:
                block["headline"] = "judge_corrected_stratified"
    return block


def _round(value: Any, digits: int = 6) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v, digits) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return round(float(value), digits)
    return value
