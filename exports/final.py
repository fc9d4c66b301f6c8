"""Final labels for gold rows, from `reconcile` (the rule lives there, not here).

`final_source` says how a row's final label was reached: `adjudicated`, `unanimous`,
`majority` or `single` (one human label, under the unanimous rule) — or, for a row without a
human final label, why not: `queued` (waiting for an adjudicator), `needs_labels` (fewer labels
than the rule asks for) or `unlabelled`. Judge verdicts never become a gold row's final label;
they are in the row's `verdicts`.

The design columns say how a row's label enters the report's design-based rates: the sample
batch and stratum that last drew the item, and `design_weight`, the weight the report gives its
final label (1/π re-based to what is labelled so far, `reconcile.design.Design.labelled_weight`;
1 in a language with no sample; empty where the row has no final label or was labelled outside
its language's sample). So per language, Σ design_weight·[final_label = unsafe] / Σ
design_weight over the rows with a weight is the report's human-only rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from polyjudge.reconcile.data import load
from polyjudge.reconcile.design import load_design
from polyjudge.reconcile.final import HOW, HUMAN_FINAL, STATUS, final_labels, status_of
from polyjudge.store import GoldSource, Project


@dataclass(frozen=True, slots=True)
class Final:
    """A gold row's final label, how it was reached, and its place in the design."""

    label: str | None
    source: str
    sample_batch: str | None = None
    sample_stratum: str | None = None
    design_weight: float | None = None


# A resolver turns a chunk of sources into their Final, one per source.
Resolver = Callable[[list[GoldSource]], list[Final]]


def project_resolver(project: Project) -> Resolver:
    """Compute every final label and design weight once (vectorised, in `reconcile`), then
    answer per chunk."""
    data = load(project)
    final = final_labels(data)
    status = status_of(final)
    labels = data.labels
    rows = project.assignments.all()
    design = load_design(project, data.groupings["language"].codes, data.response_id, rows)
    used = design.estimation_sample(final.human_final)
    weight = design.labelled_weight(used)
    # The batch and stratum of each item's latest assignment row (as the design reads them).
    drawn = {a.response_id: (a.batch, a.stratum) for a in rows}

    def resolve(sources: list[GoldSource]) -> list[Final]:
        if not sources:
            return []
        ids = [s.response.id for s in sources]
        index = data.item_index(ids).tolist()
        out: list[Final] = []
        for rid, i in zip(ids, index, strict=True):
            batch, stratum = drawn.get(rid, (None, None))
            if i >= data.n_items or int(data.response_id[i]) != rid:
                # added after the snapshot was read
                out.append(Final(None, "unlabelled", batch, stratum))
                continue
            how = int(final.how[i])
            if how in HUMAN_FINAL:
                w = float(weight[i]) if used[i] else None
                out.append(Final(labels[int(final.label[i])], HOW[how], batch, stratum, w))
            else:
                out.append(Final(None, STATUS[int(status[i])], batch, stratum))
        return out

    return resolve
