"""The whole report as one typed `Report` (reconcile/report_model.py); `report.as_json()` is
the `report --json` shape (docs/architecture.md, "The report").

    from polyjudge.reconcile.report import build_report
    report = build_report(project, by=("language", "model"), target_width=0.05)

Top-level keys: `project`, `labels`, `final`, `agreement`, `unsafe_rate`, `judges`,
`comparisons`, `budget`, `queue`, `progress`, `annotators`, `anchoring`, `reading`,
`methods`. Undefined statistics are null, with the reason under the block's `reasons` (or an
entry's `reason`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polyjudge.store import PolyjudgeError, Project

from .agreement import agreement, pairwise_kappa, seed_for
from .anchoring import anchoring, revealed_labels
from .annotator_quality import accuracy_threshold, annotator_quality
from .budget import report_budget
from .calibration import calibration_report
from .cell_intervals import Z95
from .compare import compare_conditions
from .data import (
    MULTIJAIL_DATASET,
    RESOURCE_TIERS,
    ReconcileData,
    RunVerdicts,
    label_grouping,
    load,
    with_labels_only,
    with_p_unsafe,
)
from .design import load_design
from .final import final_labels
from .reading import reading_report
from .report_conditions import condition_rates
from .report_methods import METHODS
from .report_model import Report
from .report_sections import (
    annotator_progress,
    design_rows,
    final_counts,
    headline_widths,
    rate_block,
    run_info,
)
from .sequential import take_look

BY_FIELDS = (
    "language",
    "model",
    "category",
    "scenario",
    "condition",
    "tier",
    "guideline_version",
)
# Fields of a label, not of an item: agreement, final counts and the human rate are split by
# them over the labels of each group alone (calibration is not).
LABEL_BY_FIELDS = ("guideline_version",)
COMPARE_FIELDS = ("model", "scenario", "condition")


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


def build_report(
    project: Project,
    *,
    by: tuple[str, ...] | None = None,
    target_width: float | None = None,
    judge: str | None = None,
    resamples: int = 1000,
    seed: int = 0,
    compare: tuple[str, ...] | None = None,
    positive: str = "unsafe",
    sequential: bool = False,
    exclude_annotators: tuple[str, ...] = (),
) -> Report:
    # No --by: per language, and per model too when the project has more than one model.
    by_default = by is None
    by = ("language",) if by is None else by
    unknown = [f for f in by if f not in BY_FIELDS]
    if unknown:
        raise PolyjudgeError(
            f"--by: unknown field {unknown[0]!r} (choose from {', '.join(BY_FIELDS)})"
        )
    if target_width is not None and not 0 < target_width < 1:
        raise PolyjudgeError("--target-width must be between 0 and 1 (e.g. 0.05)")
    label_by = tuple(dict.fromkeys(f for f in by if f in LABEL_BY_FIELDS))
    by = tuple(dict.fromkeys(("language", *(f for f in by if f not in LABEL_BY_FIELDS))))
    languages = project.content.dataset_languages(
        MULTIJAIL_DATASET
    )  # tiers describe MultiJail only
    if "tier" not in by and any(lang in RESOURCE_TIERS for lang in languages):
        by = (*by, "tier")
    compare_fields = COMPARE_FIELDS if compare is None else compare
    threshold = accuracy_threshold(project)
    names = {a.id: a.name for a in project.annotators.all()}
    excluded = _annotator_ids(names, exclude_annotators)
    condition_fields = tuple(dict.fromkeys(c.split(":")[0] for c in compare_fields))
    data = load(
        project,
        tuple(dict.fromkeys((*by, *condition_fields, *(("model",) if by_default else ())))),
        times=True,
        versions=bool(label_by),
        readings=True,
        exclude_annotators=excluded,
    )
    if by_default and "model" not in by and len(data.groupings["model"].names) > 1:
        by = (*by[:1], "model", *by[1:])
    estimator = choose_estimator_run(project, data, judge)
    if estimator is not None:
        with_p_unsafe(project, estimator, data.response_id)
    final = final_labels(data, estimator_run=str(estimator.run.id) if estimator else None)
    everything = np.ones(data.n_items, dtype=bool)
    design = load_design(project, data.groupings["language"].codes, data.response_id)

    counts = data.value_counts()
    design_summary = design_rows(data, final, design)
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
            "estimator_run": run_info(estimator),
            "conflict_runs": final.conflict_runs,
            "bootstrap_resamples": resamples,
            "seed": seed,
        },
        "labels": list(data.labels),
        "final": {"overall": final_counts(data, final, everything)},
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
            "overall": rate_block(*rate_args, everything, "all"),
            "design": design_summary,
            "sequential": look,
        },
        "judges": calibration_report(
            data, final, by=by, seed=seed, stratified_runs=stratified_runs
        ),
        "comparisons": [],
        "queue": {**final.queue_sizes(everything)},
        "progress": annotator_progress(data, names),
        "annotators": annotator_quality(
            data,
            names,
            threshold=threshold,
            seed=seed,
            excluded=[names[i] for i in sorted(excluded)],
            gold=[a for a in project.gold_items.answers() if a.annotator_id not in excluded],
        ),
        "anchoring": anchoring(
            revealed_labels(project, excluded),
            project.reveals.finals_judge_seen(),
            int(np.count_nonzero(final.human_final)),
            project.reveals.current_seen(excluded),
        ),
        "reading": reading_report(data, estimator, positive, seed),
        "methods": METHODS,
    }
    for field_name in by:
        grouping = data.groupings[field_name]
        key = f"by_{field_name}"
        report["final"][key] = {}
        report["agreement"][key] = {}
        report["unsafe_rate"][key] = {}
        for name, mask in grouping.members():
            report["final"][key][name] = final_counts(data, final, mask)
            report["agreement"][key][name] = agreement(
                counts[mask],
                data.labels,
                resamples=resamples,
                rng=seed_for(seed, f"agreement:{field_name}:{name}"),
                positive=positive,
            )
            report["unsafe_rate"][key][name] = rate_block(*rate_args, mask, f"{field_name}:{name}")
    report["unsafe_rate"]["conditions"] = condition_rates(
        data, condition_fields, lambda mask, key: rate_block(*rate_args, mask, key)
    )
    for field_name in label_by:
        _split_by_label_field(report, project, data, field_name, rate_args, resamples, seed)
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
            return rate_block(*rate_args, mask, key)

        report["comparisons"] += compare_conditions(
            data, final, field_name, values, positive, prompt_ids=prompt_ids, rate_of=rate_of
        )
    if target_width is not None:
        # The plan is anchored to the 95% intervals the report shows (under --sequential
        # they are wider than 95%: the plan's own formula then).
        # (`by` always holds language.)
        shown = headline_widths(report["unsafe_rate"]["by_language"]) if look is None else {}
        report["budget"] = report_budget(
            data, final, estimator, design, target_width, positive, shown
        )
    return Report.from_json(_round(report))


def _split_by_label_field(
    report: dict[str, Any],
    project: Project,
    data: ReconcileData,
    field_name: str,
    rate_args: tuple[Any, ...],
    resamples: int,
    seed: int,
) -> None:
    """`by_<field>` of final counts, agreement and the human unsafe rate for a label field:
    each group is what its labels alone say, over the items that have one of them (no
    adjudication, no judge: those are not given under a label's guidelines)."""
    _, _, _, design, _, positive, z = rate_args
    key = f"by_{field_name}"
    for section in ("final", "agreement", "unsafe_rate"):
        report[section][key] = {}
    for name, label_mask in label_grouping(data, field_name).members():
        sub = with_labels_only(data, label_mask)
        sub_final = final_labels(sub)
        items = np.zeros(data.n_items, dtype=bool)
        items[sub.lab_item] = True
        report["final"][key][name] = final_counts(sub, sub_final, items)
        report["agreement"][key][name] = agreement(
            sub.value_counts()[items],
            data.labels,
            resamples=resamples,
            rng=seed_for(seed, f"agreement:{field_name}:{name}"),
            positive=positive,
        )
        report["unsafe_rate"][key][name] = rate_block(
            sub, sub_final, None, design, seed, positive, z, items, f"{field_name}:{name}"
        )


def _annotator_ids(names: dict[int, str], exclude: tuple[str, ...]) -> frozenset[int]:
    ids = {name: i for i, name in names.items()}
    unknown = [n for n in exclude if n not in ids]
    if unknown:
        raise PolyjudgeError(f"--exclude-annotator: no annotator named {unknown[0]!r}")
    return frozenset(ids[n] for n in exclude)


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
