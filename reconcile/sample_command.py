"""`polyjudge sample`: draw the sample (see `sampling`), write it as an assignment batch."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from polyjudge.store import PolyjudgeError, Project

from .data import RunVerdicts, load
from .sampling import draw_sample


def stratifying_run(project: Project, data, judge: str | None) -> RunVerdicts:
    if judge is not None:
        run = project.find_judge_run(judge)
        return data.run(run.id)
    judged = [rv for rv in data.runs if np.any(rv.codes >= 0)]
    for rv in reversed(judged):
        if not rv.baseline:
            return rv
    if judged:
        return judged[-1]
    raise PolyjudgeError("--stratify-by-judge: the project has no judge verdicts yet")


def run_sample(
    project: Project,
    per_language: int,
    stratify_by_judge: bool,
    judge: str | None,
    seed: int,
    batch: str | None,
) -> dict[str, Any]:
    data = load(project, ("language",))
    run = stratifying_run(project, data, judge) if stratify_by_judge else None
    name = batch or (f"sample-n{per_language}-seed{seed}" + (f"-judge{run.run.id}" if run else ""))
    if name in project.assignment_batches():
        raise PolyjudgeError(
            f"sample batch {name!r} already exists; choose another --seed or --batch"
        )
    exclude = np.zeros(data.n_items, dtype=bool)
    assigned = project.assigned_response_ids()
    if assigned:
        exclude[data.item_index(assigned)] = True
    items = draw_sample(data, per_language, seed, exclude, run)
    written = project.add_assignments(name, ((i.response_id, i.stratum, i.weight) for i in items))
    strata = Counter((i.language, i.stratum, i.weight) for i in items)
    summary = {
        "batch": name,
        "seed": seed,
        "per_language": per_language,
        "stratified_by": run.run.name if run else None,
        "sampled": written,
        "strata": [
            {"language": lang, "stratum": stratum, "sampled": n, "weight": weight}
            for (lang, stratum, weight), n in sorted(strata.items())
        ],
    }
    project.log_event("sample", **{k: v for k, v in summary.items() if k != "strata"})
    return summary
