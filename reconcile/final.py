"""Final labels and adjudication-queue routing.

The rule (summarised in docs/architecture.md, "Final labels"), per response:

1. A standing adjudication is final (`how = adjudicated`). An adjudicated item leaves the queue.
2. Else, if any current human label is marked unsure, the item is queued (`unsure`) and has no
   final label until adjudicated: an annotator who says they are unsure has not given a label
   a safety team can stand on. (Unsure labels still count in agreement statistics, as the label
   the annotator chose: that is the reading they would have given.)
3. Else, the human labels under the project's consensus rule:
   - `unanimous`: every current label is the same. One label alone is final as `single`
     (many projects label most items once and overlap a sample for agreement); two or more
     identical labels are `unanimous`.
   - `majority:N`: at least N labels and a strict majority (`majority`, or `unanimous` when
     all agree). With fewer than N labels that all agree the item `needs_labels`: it waits
     for more annotators and is not queued.
   Labels that differ without reaching the rule are queued: `tie` when two or more labels
   share the top count (ties never resolve silently), else `disagreement`.
4. Judge conflicts: a human-final item (`single`, `unanimous`, `majority`) where a verdict of a
   conflict run is a label of the set and differs from the human label is queued as
   `judge_conflict`. It KEEPS its human final label until an adjudicator rules: dropping it
   would remove exactly the items a judge gets wrong from the gold set and inflate the judge's
   measured accuracy. Conflict runs are the non-baseline runs unless named; `unparsed` is no
   opinion and never a conflict; baselines (phrase matching) never route items.
5. No human label: `judge-only` when the estimator run has a verdict (its verdict is carried
   but only ever used through the judge-corrected estimator), else `unlabelled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .data import NO_VERDICT, ReconcileData

# Queue kinds, as bits so that an item can carry several (e.g. a tie with an unsure label).
DISAGREEMENT, TIE, UNSURE, JUDGE_CONFLICT = 1, 2, 4, 8
KINDS: dict[str, int] = {
    "disagreement": DISAGREEMENT,
    "tie": TIE,
    "unsure": UNSURE,
    "judge_conflict": JUDGE_CONFLICT,
}

# How an item's final label came about (codes into HOW).
HOW = ("none", "adjudicated", "unanimous", "majority", "single", "judge-only")
NONE, ADJUDICATED, UNANIMOUS, MAJORITY, SINGLE, JUDGE_ONLY = range(6)
HUMAN_FINAL = (ADJUDICATED, UNANIMOUS, MAJORITY, SINGLE)

# Status of items without a human final label.
STATUS = ("final", "queued", "needs_labels", "judge-only", "unlabelled")


@dataclass
class FinalLabels:
    label: np.ndarray  # (R,) label index; −1 none. Judge-only items: the verdict code.
    how: np.ndarray  # (R,) code into HOW
    queue: np.ndarray  # (R,) bit mask of KINDS; 0 not queued
    n_labels: np.ndarray  # (R,) current human labels per item
    needs_labels: np.ndarray  # (R,) bool
    conflict_runs: list[str]
    estimator_run: str | None

    @cached_property
    def human_final(self) -> np.ndarray:
        """(R,) bool: the item has a human final label (computed once; FinalLabels is not
        changed after it is built)."""
        return np.isin(self.how, HUMAN_FINAL)

    def kinds_of(self, i: int) -> list[str]:
        return [name for name, bit in KINDS.items() if self.queue[i] & bit]

    def queue_counts(self, mask: np.ndarray | None = None) -> dict[str, int]:
        q = self.queue if mask is None else self.queue[mask]
        counts = {name: int(np.count_nonzero(q & bit)) for name, bit in KINDS.items()}
        counts["total"] = int(np.count_nonzero(q))
        return counts

    def queue_sizes(self, mask: np.ndarray | None = None) -> dict[str, int]:
        """The queue as `report` and `status` print it (ties count as disagreements too)."""
        counts = self.queue_counts(mask)
        return {
            "disagreements": counts["disagreement"] + counts["tie"],
            "ties": counts["tie"],
            "unsure": counts["unsure"],
            "judge_conflicts": counts["judge_conflict"],
            "total": counts["total"],
        }


def final_labels(
    data: ReconcileData,
    conflict_runs: list[str] | None = None,
    estimator_run: str | None = None,
) -> FinalLabels:
    """Final label, how it was reached, and queue kinds for every item (vectorised)."""
    n_items = data.n_items
    counts = data.value_counts()
    m = counts.sum(axis=1)
    top = counts.max(axis=1) if counts.size else np.zeros(n_items, dtype=np.int64)
    arg = counts.argmax(axis=1) if counts.size else np.zeros(n_items, dtype=np.int64)
    n_top = (counts == top[:, None]).sum(axis=1) if counts.size else top
    valid = (data.lab_value >= 0).astype(np.int64)
    unsure = (
        np.bincount(
            data.lab_item, weights=data.lab_unsure.astype(np.int64) * valid, minlength=n_items
        )
        > 0
    )

    kind, min_count = data.rule
    agree = (m >= 1) & (top == m)
    differ = (m >= 2) & (top < m)
    if kind == "unanimous":
        consensus = agree
        needs = np.zeros(n_items, dtype=bool)
    else:  # majority:N — at least N labels and a strict majority
        consensus = (m >= min_count) & (2 * top > m)
        needs = agree & (m < min_count)

    label = np.full(n_items, -1, dtype=np.int64)
    how = np.full(n_items, NONE, dtype=np.int64)
    queue = np.zeros(n_items, dtype=np.int64)

    adjudicated = data.adjudicated >= 0
    open_ = ~adjudicated
    # Unsure: queued, no final label.
    queue[open_ & unsure] |= UNSURE
    # Human consensus (not unsure).
    ok = open_ & ~unsure & consensus
    label[ok] = arg[ok]
    how[ok & (m == 1)] = SINGLE
    how[ok & (m >= 2) & (top == m)] = UNANIMOUS
    how[ok & (top < m)] = MAJORITY
    # Unresolved human disagreement: a tie or a plain disagreement.
    unresolved = open_ & differ & ~consensus
    queue[unresolved & (n_top >= 2)] |= TIE
    queue[unresolved & (n_top < 2)] |= DISAGREEMENT
    needs_labels = open_ & ~unsure & needs
    # Adjudication first.
    label[adjudicated] = data.adjudicated[adjudicated]
    how[adjudicated] = ADJUDICATED

    # Judge conflicts on human (non-adjudicated) final labels.
    if conflict_runs is None:
        chosen = [rv for rv in data.runs if not rv.baseline]
    else:
        chosen = [data.run(x) for x in conflict_runs]
    n_labels_set = len(data.labels)
    human = np.isin(how, (UNANIMOUS, MAJORITY, SINGLE))
    for rv in chosen:
        v = rv.codes
        conflict = human & (v >= 0) & (v < n_labels_set) & (v != label)
        queue[conflict] |= JUDGE_CONFLICT

    # Judge-only items: no human label at all, a verdict from the estimator run.
    if estimator_run is not None:
        codes = data.run(estimator_run).codes
        judged = (m == 0) & ~adjudicated & (codes != NO_VERDICT)
        label[judged] = codes[judged]
        how[judged] = JUDGE_ONLY

    return FinalLabels(
        label=label,
        how=how,
        queue=queue,
        n_labels=m,
        needs_labels=needs_labels,
        conflict_runs=[rv.run.name for rv in chosen],
        estimator_run=estimator_run,
    )


def status_of(final: FinalLabels) -> np.ndarray:
    """(R,) code into STATUS."""
    out = np.full(final.how.size, STATUS.index("unlabelled"), dtype=np.int64)
    out[final.how == JUDGE_ONLY] = STATUS.index("judge-only")
    out[final.needs_labels] = STATUS.index("needs_labels")
    out[(final.queue != 0) & ~final.human_final] = STATUS.index("queued")
    out[final.human_final] = STATUS.index("final")
    return out
