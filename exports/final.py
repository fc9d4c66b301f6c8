"""Final labels for gold rows, from `reconcile` (the rule lives there, not here).

`final_source` says how a row's final label was reached: `adjudicated`, `unanimous`,
`majority` or `single` (one human label, under the unanimous rule) — or, for a row without a
human final label, why not: `queued` (waiting for an adjudicator), `needs_labels` (fewer labels
than the rule asks for) or `unlabelled`. Judge verdicts never become a gold row's final label;
they are in the row's `verdicts`.
"""

from __future__ import annotations

from collections.abc import Callable

from polyjudge.reconcile.data import load
from polyjudge.reconcile.final import HOW, HUMAN_FINAL, STATUS, final_labels, status_of
from polyjudge.store import GoldSource, Project

# A resolver turns a chunk of sources into (final_label, final_source) pairs, one per source.
Resolver = Callable[[list[GoldSource]], list[tuple[str | None, str]]]


def project_resolver(project: Project) -> Resolver:
    """Compute every final label once (vectorised, in `reconcile`), then answer per chunk."""
    data = load(project)
    final = final_labels(data)
    status = status_of(final)
    labels = data.labels

    def resolve(sources: list[GoldSource]) -> list[tuple[str | None, str]]:
        if not sources:
            return []
        ids = [s.response.id for s in sources]
        index = data.item_index(ids).tolist()
        out: list[tuple[str | None, str]] = []
        for rid, i in zip(ids, index, strict=True):
            if i >= data.n_items or int(data.response_id[i]) != rid:
                out.append((None, "unlabelled"))  # added after the snapshot was read
                continue
            how = int(final.how[i])
            if how in HUMAN_FINAL:
                out.append((labels[int(final.label[i])], HOW[how]))
            else:
                out.append((None, STATUS[int(status[i])]))
        return out

    return resolve
