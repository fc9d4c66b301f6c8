"""`polyjudge sample`: choose the quotas (per language, a budget split, or a target width),
draw the design (see `sampling`), write it as an assignment batch and summarise it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from polyjudge.store import PolyjudgeError, Project

from .agreement import seed_for
from .budget import anchored_width, cell_plan, labels_to_width, split_budget
from .cell_intervals import Z95
from .data import RunVerdicts, load, with_p_unsafe
from .design import Design, load_design
from .final import final_labels
from .report_sections import headline_widths, rate_block
from .sampling import CELLS, SampleSpec, draw_sample, verdict_cells


@dataclass(frozen=True)
class SampleRequest:
    per_language: int | None = None
    budget: int | None = None
    target_width: float | None = None
    design: str = "uniform"
    judge: str | None = None
    seed: int = 0
    batch: str | None = None
    prior_ppv: float = 0.5
    prior_for: float = 0.05


def stratifying_run(project: Project, data, judge: str | None) -> RunVerdicts | None:
    """The named run, else the latest non-baseline run with verdicts, else the latest
    baseline with verdicts, else None."""
    if judge is not None:
        run = project.judging.find_run(judge)
        return data.run(run.id)
    judged = [rv for rv in data.runs if np.any(rv.codes >= 0)]
    for rv in reversed(judged):
        if not rv.baseline:
            return rv
    return judged[-1] if judged else None


def _earlier(project: Project, data) -> dict[int, str]:
    """Item index → stratum of its latest assignment row."""
    rows = project.assignments.all()
    if not rows:
        return {}
    ids = np.fromiter((a.response_id for a in rows), dtype=np.int64, count=len(rows))
    at = data.item_index(ids)
    return {int(i): a.stratum or "language" for i, a in zip(at, rows, strict=True)}


def _shown_widths(data, final, run: RunVerdicts | None, design: Design, positive: str):
    """Each language's headline 95% interval width as `report` shows it now."""
    return headline_widths(
        {
            name: rate_block(data, final, run, design, 0, positive, Z95, mask, f"language:{name}")
            for name, mask in data.groupings["language"].members()
        }
    )


def _quotas(
    data,
    final,
    spec: SampleSpec,
    request: SampleRequest,
    design: Design | None,
    shown: dict[str, float],
    waiting: dict[str, int],
) -> tuple[dict[str, int], str | None]:
    """Labels per language, and the variance a planned size was planned with (as the report's
    `budget.planned_variance`; None for `--per-language`). `shown`: each language's headline
    interval width now, which a target width and a budget split are anchored to as `report
    --target-width` is (`budget.anchor`); `waiting`: per language, the sampled items without a
    human-final label yet, which a target width and a budget split count as labels to come
    (`_waiting`)."""
    languages = data.groupings["language"]
    if request.per_language is not None:
        return {name: request.per_language for name in languages.names}, None
    assert design is not None  # a planned size loads the design
    cells = verdict_cells(data, spec.run, spec.positive)
    names = list(CELLS) if spec.run else ["language"]
    pos = data.label_index(spec.positive)
    y = final.label == pos if pos is not None else np.zeros(data.n_items, bool)
    priors = [spec.prior_ppv, spec.prior_for, spec.prior_unjudged] if spec.run else [0.5]
    # With the run's p(unsafe), the headline is the difference estimator and the plan is its
    # variance (`budget.residual_plan`), with the report's Platt fit (`Design.recalibration`).
    prediction = getattr(spec.run, "p_unsafe", None) if spec.run and pos is not None else None
    if prediction is not None and np.all(np.isnan(prediction)):
        prediction = None
    fit = (
        design.recalibration(prediction, pos, final.label, final.human_final)
        if prediction is not None and pos is not None
        else None
    )
    # What each cell has, and the labels its planning values come from: as the report plans
    # (`budget.report_budget`), the design's estimation sample at its weights (a language not
    # sampled yet: every human-final item, the pilot, at weight 1), so that `sample` draws
    # what the report asks for.
    labelled = design.estimation_sample(final.human_final)
    weight = design.labelled_weight(labelled)
    plans = {
        name: cell_plan(
            y,
            weight,
            labelled,
            cells,
            mask,
            names,
            priors,
            None,
            prediction,
            fit,
        )
        for name, mask in languages.members()
    }
    mode = "uniform" if spec.design == "uniform" else "stratified"
    planned = (
        "p_unsafe_residual"
        if any(c.residual is not None for cells in plans.values() for c in cells)
        else "proportion"
    )
    if request.budget is not None:
        return split_budget(plans, request.budget, mode, shown, waiting), planned
    assert request.target_width is not None
    more = {
        k: labels_to_width(c, anchored_width(c, request.target_width, shown.get(k)), mode)[0]
        for k, c in plans.items()
    }
    # Items an earlier batch drew that have no human-final label yet give that many of the
    # labels still needed: only the rest is drawn, or asking for a width twice before
    # labelling drew the labels twice.
    return {k: max(0, n - waiting.get(k, 0)) for k, n in more.items()}, planned


def _waiting(data, final, design: Design) -> dict[str, int]:
    """Per language, the sampled items (of any batch) with no human-final label yet."""
    open_ = design.waiting(final.human_final)
    return {
        name: int(np.count_nonzero(open_ & mask))
        for name, mask in data.groupings["language"].members()
        if np.any(open_ & mask)
    }


def run_sample(project: Project, request: SampleRequest) -> dict[str, Any]:
    data = load(project, ("language",))
    needs_run = request.design != "uniform" or request.per_language is None
    run = stratifying_run(project, data, request.judge) if needs_run else None
    if request.design != "uniform" and run is None:
        raise PolyjudgeError(f"--design {request.design}: the project has no judge verdicts yet")
    if run is not None and (request.design == "active" or request.per_language is None):
        # The active design draws by p(unsafe); a planned size plans with it.
        run = with_p_unsafe(project, run, data.response_id)
    final = final_labels(data, estimator_run=str(run.run.id) if run else None)
    spec = SampleSpec(request.design, run, request.prior_ppv, request.prior_for)
    earlier = _earlier(project, data)
    # A planned size (budget, target width) plans as the report does: with its design's Platt
    # fit and anchored to the intervals it shows.
    design = (
        load_design(project, data.groupings["language"].codes, data.response_id)
        if request.per_language is None
        else None
    )
    shown = _shown_widths(data, final, run, design, spec.positive) if design is not None else {}
    waiting = _waiting(data, final, design) if design is not None else {}
    quotas, planned = _quotas(data, final, spec, request, design, shown, waiting)
    size = (
        f"n{request.per_language}"
        if request.per_language is not None
        else f"budget{request.budget}"
        if request.budget is not None
        else f"width{request.target_width:g}"
    )
    name = request.batch or (
        f"sample-{request.design}-{size}-seed{request.seed}"
        + (f"-judge{run.run.id}" if run and request.design != "uniform" else "")
    )
    if name in project.assignments.batches():
        raise PolyjudgeError(
            f"sample batch {name!r} already exists; choose another --seed or --batch"
        )
    p_unsafe = getattr(run, "p_unsafe", None) if request.design == "active" else None
    plans = draw_sample(
        data,
        final,
        quotas,
        request.seed,
        replace(spec, run=spec.run if request.design != "uniform" else None),
        earlier,
        p_unsafe,
    )
    items = [i for plan in plans for i in plan.items]
    # Written in a random order, which is the order the queue walks the batch in
    # (`store.queue`): whatever part of it is labelled is a random part of each stratum.
    order = seed_for(request.seed, "sample:order").permutation(len(items))
    items = [items[k] for k in order.tolist()]
    written = project.assignments.add(name, ((i.response_id, i.stratum, i.weight) for i in items))
    uids = project.content.response_uids([i.response_id for i in items])
    summary: dict[str, Any] = {
        "batch": name,
        "seed": request.seed,
        "design": request.design,
        "per_language": request.per_language,
        "budget": request.budget,
        "target_width": request.target_width,
        "planned_variance": planned,
        "stratified_by": run.run.name if run and request.design != "uniform" else None,
        "judge_run": {"id": run.run.id, "name": run.run.name, "baseline": run.baseline}
        if run
        else None,
        "sampled": written,
        "new": sum(1 for i in items if i.new),
        # Sampled items still without a human-final label that a target width counted as
        # labels to come (`_quotas`).
        "waiting": waiting,
        "short": [
            {"language": p.language, "asked": p.asked, "available": p.candidates}
            for p in plans
            if p.short
        ],
        "strata": [
            {
                "language": p.language,
                "stratum": s.stratum,
                "population": s.population,
                "earlier": s.earlier,
                "sampled": s.new,
                "pi": s.pi,
                "pi_min": s.pi_min,
                "pi_max": s.pi_max,
                "planning_rate": s.planning_rate,
                "weight": (1 / s.pi) if s.pi else None,
            }
            for p in plans
            for s in p.strata
        ],
        "items": [
            {
                "uid": uids.get(i.response_id),
                "language": i.language,
                "stratum": i.stratum,
                "pi": 1 / i.weight,
                "new": i.new,
            }
            for i in items
        ],
    }
    project.log_event(
        "sample",
        **{k: v for k, v in summary.items() if k not in ("strata", "items", "short", "judge_run")},
    )
    return summary
