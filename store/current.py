"""What "current" means for the append-only tables, written once.

`labels` and `adjudications` are never updated: an edit, an undo or a withdrawal appends a row.
The current state of (response, annotator) is its latest labels row, the one with the highest
id; it is a **current label** when that row carries a label (an undo of a first label leaves a
NULL row). The current adjudication of a response is likewise its latest adjudications row.

Every query that needs the rule uses these fragments, as a correlated predicate on a row it
already reads: "no later row of the same key". That is one seek on the `(response_id,
annotator_id, id)` index per row, which serves a per-item read and a whole-table scan alike
(measured on 400,000 label rows: a count of current labels took 0.24 s this way, 0.5 s with a
correlated max(id), 1.5 s joined to a GROUP BY of max(id)). A view would not do: packets and
foreign files are read under an authorizer that refuses views.
"""

from __future__ import annotations


def latest_label_row(alias: str) -> str:
    """`labels AS alias` is the latest row of its (response, annotator)."""
    return (
        f"NOT EXISTS (SELECT 1 FROM labels {alias}_later"
        f" WHERE {alias}_later.response_id = {alias}.response_id"
        f" AND {alias}_later.annotator_id = {alias}.annotator_id AND {alias}_later.id > {alias}.id)"
    )


def current_label(alias: str) -> str:
    """`labels AS alias` is a current label: the latest row of its (response, annotator), and
    it carries a label (not undone)."""
    return f"{alias}.label IS NOT NULL AND {latest_label_row(alias)}"


def latest_adjudication(alias: str) -> str:
    """`adjudications AS alias` is the latest row of its response (a NULL label: withdrawn)."""
    return (
        f"NOT EXISTS (SELECT 1 FROM adjudications {alias}_later"
        f" WHERE {alias}_later.response_id = {alias}.response_id AND {alias}_later.id > {alias}.id)"
    )
