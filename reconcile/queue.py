"""The adjudication queue and per-item review, for the adjudicate screen.

    from polyjudge.reconcile.queue import adjudication_queue, item_review
    for entry in adjudication_queue(project, kinds={"tie"}, language="bn"): ...
    review = item_review(project, response_id)   # labels, notes, verdicts, current final label
    project.adjudications.add(response_id, adjudicator.id, "unsafe", "rationale")

Both use the same rule as the report (`final.final_labels`), so the screen and the report can
never disagree about what is queued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from polyjudge.store import ItemDetail, Project, parse_consensus_rule

from .data import NO_VERDICT, ReconcileData, RunVerdicts, load
from .final import HOW, KINDS, final_labels


@dataclass(frozen=True, slots=True)
class QueueEntry:
    response_id: int
    kinds: tuple[str, ...]
    language: str
    model: str | None
    n_labels: int
    final_label: str | None  # the human label a judge conflict keeps until adjudicated


@dataclass(frozen=True, slots=True)
class ItemReview:
    detail: ItemDetail
    final_label: str | None
    how: str  # one of final.HOW ('none' when there is no final label)
    kinds: tuple[str, ...]  # queue kinds, () when not queued


def adjudication_queue(
    project: Project,
    kinds: Iterable[str] | None = None,
    language: str | None = None,
    conflict_runs: list[str] | None = None,
) -> list[QueueEntry]:
    """Every queued item (optionally only some kinds / one language), in response-id order."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown queue kind(s): {', '.join(sorted(unknown))}")
    bits = sum(KINDS[k] for k in wanted)
    data = load(project, ("language", "model"), labelled_only=True)
    final = final_labels(data, conflict_runs=conflict_runs)
    mask = (final.queue & bits) != 0
    lang = data.groupings["language"]
    if language is not None:
        mask &= lang.codes == (lang.names.index(language) if language in lang.names else -2)
    model = data.groupings["model"]
    out = []
    for i in np.flatnonzero(mask):
        model_name = model.names[model.codes[i]]
        out.append(
            QueueEntry(
                response_id=int(data.response_id[i]),
                kinds=tuple(final.kinds_of(int(i))),
                language=lang.names[lang.codes[i]],
                model=None if model_name == "(none)" else model_name,
                n_labels=int(final.n_labels[i]),
                final_label=data.labels[final.label[i]] if final.label[i] >= 0 else None,
            )
        )
    return out


def entries_for(project: Project, response_ids: Iterable[int]) -> list[QueueEntry]:
    """Queue entries for chosen items, queued or not (an adjudicator reopening a decision),
    in response-id order; their kinds are () when they are not queued."""
    out = []
    for response_id in sorted(set(response_ids)):
        review = item_review(project, response_id)
        if review is None:
            continue
        response = review.detail.item.response
        out.append(
            QueueEntry(
                response_id=response_id,
                kinds=review.kinds,
                language=response.language,
                model=response.model,
                n_labels=sum(1 for h in review.detail.labels if h.label.label is not None),
                final_label=review.final_label,
            )
        )
    return out


def queue_sizes(project: Project) -> dict[str, object]:
    """How many items wait for adjudication, by kind, overall and per language (`status`).
    Reads only the labelled items, so it stays quick on a large project."""
    data = load(project, ("language",), labelled_only=True)
    final = final_labels(data)
    by_language = {
        name: final.queue_sizes(mask) for name, mask in data.groupings["language"].members()
    }
    return {
        **final.queue_sizes(),
        "by_language": {k: v for k, v in by_language.items() if v["total"]},
        # Items with a human-final label (adjudicated or by the consensus rule), per language.
        "final_by_language": {
            name: int(np.count_nonzero(mask & final.human_final))
            for name, mask in data.groupings["language"].members()
        },
    }


def item_review(
    project: Project, response_id: int, conflict_runs: list[str] | None = None
) -> ItemReview | None:
    """One item with every human label (note, annotator), every verdict, the adjudication
    history, its final label and how it was reached, and its queue kinds."""
    detail = project.adjudications.item_detail(response_id)
    if detail is None:
        return None
    data = _item_data(project, detail)
    final = final_labels(data, conflict_runs=conflict_runs)
    label = int(final.label[0])
    return ItemReview(
        detail=detail,
        final_label=data.labels[label] if label >= 0 else None,
        how=HOW[int(final.how[0])],
        kinds=tuple(final.kinds_of(0)),
    )


def _item_data(project: Project, detail: ItemDetail) -> ReconcileData:
    """A one-item ReconcileData built from the item's detail (same rule code path)."""
    labels = tuple(project.label_set)
    index = {name: i for i, name in enumerate(labels)}
    current = detail.adjudication
    runs = []
    for jv in detail.verdicts:
        code = index.get(
            jv.verdict.label, len(labels) if jv.verdict.label == "unparsed" else len(labels) + 1
        )
        runs.append(RunVerdicts(jv.run, np.array([code], dtype=np.int64)))
    # Runs that did not judge this item still count as runs (their code: no verdict).
    seen = {jv.run.id for jv in detail.verdicts}
    for run in project.judging.judge_runs():
        if run.id not in seen:
            runs.append(RunVerdicts(run, np.array([NO_VERDICT], dtype=np.int64)))
    n = len(detail.labels)
    return ReconcileData(
        labels=labels,
        rule=parse_consensus_rule(project.consensus_rule),
        response_id=np.array([detail.item.response.id], dtype=np.int64),
        groupings={},
        lab_item=np.zeros(n, dtype=np.int64),
        lab_annotator=np.array([h.annotator.id for h in detail.labels], dtype=np.int64),
        lab_value=np.array(
            [index.get(h.label.label or "", -1) for h in detail.labels], dtype=np.int64
        ),
        lab_unsure=np.array([bool(h.label.unsure) for h in detail.labels], dtype=bool),
        adjudicated=np.array(
            [index[current.label] if current and current.label in index else -1], dtype=np.int64
        ),
        runs=runs,
    )
