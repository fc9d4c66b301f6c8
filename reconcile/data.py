"""Everything reconcile/ computes on, read once from the store into numpy arrays.

Items are indexed 0..R−1 in response-id order. Labels are indices into the project's label
set. Verdicts of a judge run are codes per item: −1 no verdict, 0..V−1 a label of the set,
V `unparsed`, and V+1.. other verdict strings outside the label set (`extra` names them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from polyjudge.languages import RESOURCE_TIERS
from polyjudge.store import JudgeRun, Project, parse_consensus_rule

NO_VERDICT = -1

# Tiers (polyjudge/languages.py) describe the MultiJail prompts: they apply only to responses
# whose prompt came from the MultiJail import (dataset `multijail`, as importers/multijail.py
# marks them), never to any item whose code matches.
MULTIJAIL_DATASET = "multijail"
NONE_GROUP = "(none)"


@dataclass
class Grouping:
    """One way of splitting items: a code per item and the name of each code."""

    field: str
    codes: np.ndarray  # (R,) int; −1: item outside every group
    names: list[str]

    def members(self):
        """(name, boolean mask) for each group, in name order."""
        for code in np.argsort(np.array(self.names, dtype=object), kind="stable"):
            yield self.names[code], self.codes == code


@dataclass
class RunVerdicts:
    run: JudgeRun
    codes: np.ndarray  # (R,) int8/int16
    extra: list[str] = field(default_factory=list)
    p_unsafe: np.ndarray | None = None  # (R,) the verdict's p(unsafe), NaN where none

    @property
    def baseline(self) -> bool:
        return bool(self.run.is_baseline)


@dataclass
class ReconcileData:
    labels: tuple[str, ...]
    rule: tuple[str, int]
    response_id: np.ndarray  # (R,) int64, sorted
    groupings: dict[str, Grouping]
    lab_item: np.ndarray  # (L,) item index of each current label
    lab_annotator: np.ndarray  # (L,) annotator id
    lab_value: np.ndarray  # (L,) label index (−1: outside the label set, ignored)
    lab_unsure: np.ndarray  # (L,) bool
    adjudicated: np.ndarray  # (R,) label index of the standing adjudication, −1 none
    runs: list[RunVerdicts]
    # (L,) time spent on each current label in ms (−1: none recorded); read only on request
    lab_time_ms: np.ndarray | None = None
    # (L,) the guideline version of each current label (object; None: none); read on request
    lab_version: np.ndarray | None = None
    # (L,) what was on screen (`viewed`) and the reading condition assigned (None: chosen) of
    # each current label (object); read on request
    lab_viewed: np.ndarray | None = None
    lab_assigned: np.ndarray | None = None
    # (R,) the annotator id who made the standing adjudication (−1: none); read with readings
    adjudicated_by: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        return int(self.response_id.size)

    def label_index(self, name: str) -> int | None:
        return self.labels.index(name) if name in self.labels else None

    def item_index(self, response_ids) -> np.ndarray:
        """Item indices of response ids (all must exist)."""
        ids = np.asarray(response_ids, dtype=np.int64)
        return np.searchsorted(self.response_id, ids)

    def run(self, name_or_id: str | int) -> RunVerdicts:
        for rv in self.runs:
            if str(rv.run.id) == str(name_or_id):
                return rv
        for rv in reversed(self.runs):
            if rv.run.name == name_or_id:
                return rv
        raise KeyError(name_or_id)

    def value_counts(self, mask_labels: np.ndarray | None = None) -> np.ndarray:
        """(R, V) number of current labels of each value per item."""
        v = len(self.labels)
        ok = self.lab_value >= 0
        if mask_labels is not None:
            ok &= mask_labels
        flat = self.lab_item[ok] * v + self.lab_value[ok]
        return np.bincount(flat, minlength=self.n_items * v).reshape(self.n_items, v)


def _grouping(field_name: str, values: list[str | None]) -> Grouping:
    filled = np.array(
        [NONE_GROUP if x is None or x == "" else str(x) for x in values], dtype=object
    )
    if filled.size == 0:
        return Grouping(field_name, np.zeros(0, dtype=np.int64), [])
    names, codes = np.unique(filled.astype(str), return_inverse=True)
    return Grouping(field_name, codes.astype(np.int64), [str(n) for n in names])


def label_grouping(data: ReconcileData, field_name: str) -> Grouping:
    """A grouping of the current labels (not of items): one code per label of `data`, by a
    field of the label row. Only `guideline_version` (the guidelines a label was given under;
    labels without one, e.g. imported, are `(none)`); `data` must be loaded with
    `versions=True`."""
    if field_name != "guideline_version":
        raise ValueError(f"no label field {field_name!r}")
    if data.lab_version is None:
        raise ValueError("label versions were not loaded (load(..., versions=True))")
    return _grouping(field_name, list(data.lab_version))


def with_labels_only(data: ReconcileData, mask: np.ndarray) -> ReconcileData:
    """`data` with only the labels under `mask` and no adjudications: what those labels alone
    make of each item (a split by label field describes the labels, not the adjudicators)."""
    return dataclasses.replace(
        data,
        lab_item=data.lab_item[mask],
        lab_annotator=data.lab_annotator[mask],
        lab_value=data.lab_value[mask],
        lab_unsure=data.lab_unsure[mask],
        lab_time_ms=None if data.lab_time_ms is None else data.lab_time_ms[mask],
        lab_version=None if data.lab_version is None else data.lab_version[mask],
        lab_viewed=None if data.lab_viewed is None else data.lab_viewed[mask],
        lab_assigned=None if data.lab_assigned is None else data.lab_assigned[mask],
        adjudicated=np.full(data.n_items, -1, dtype=np.int64),
        adjudicated_by=None,
    )


def tier_grouping(language: Grouping, dataset: Grouping | None = None) -> Grouping:
    """MultiJail resource tiers by language; with `dataset`, only for items whose prompt came
    from the MultiJail import (others get no tier)."""
    from_multijail = np.ones(language.codes.size, dtype=bool)
    if dataset is not None:
        code = dataset.names.index(MULTIJAIL_DATASET) if MULTIJAIL_DATASET in dataset.names else -2
        from_multijail = dataset.codes == code
    present = np.unique(language.codes[from_multijail]).tolist() if language.codes.size else []
    tiered = {language.names[int(c)] for c in present}
    names = sorted({RESOURCE_TIERS[n] for n in tiered if n in RESOURCE_TIERS})
    lookup = np.array(
        [
            names.index(RESOURCE_TIERS[n]) if n in RESOURCE_TIERS and n in tiered else -1
            for n in language.names
        ]
        or [-1],
        dtype=np.int64,
    )
    codes = lookup[language.codes] if language.codes.size else language.codes
    return Grouping("tier", np.where(from_multijail, codes, -1), names)


def load(
    project: Project,
    fields: tuple[str, ...] = ("language",),
    *,
    labelled_only: bool = False,
    times: bool = False,
    versions: bool = False,
    readings: bool = False,
    exclude_annotators: frozenset[int] = frozenset(),
) -> ReconcileData:
    """Read labels, adjudications, verdicts and grouping fields in a handful of bulk queries.
    With `labelled_only`, only the items with human label rows: enough for the adjudication
    queue (an item nobody labelled is never queued), and fast on a large, mostly unlabelled
    project; rates and judge statistics need every item. With `times`, also each label's
    `time_ms` (annotator quality); with `versions`, each label's guideline version (`report
    --by guideline_version`); with `readings`, each label's `viewed` and `view_assigned` (the
    report's `reading` block). The labels of `exclude_annotators` (ids) are left out, so that
    everything computed on the data is as if they had never labelled
    (`report --exclude-annotator`)."""
    labels = tuple(project.label_set)
    tier = ["dataset"] if "tier" in fields else []  # tiers need each item's prompt dataset
    store_fields = tuple(dict.fromkeys(["language", *[f for f in fields if f != "tier"], *tier]))
    responses = project.columns.responses(store_fields, labelled_only=labelled_only)
    response_id = np.asarray(responses.response_id, dtype=np.int64)
    groupings = {name: _grouping(name, responses.fields[name]) for name in store_fields}
    if "tier" in fields:
        groupings["tier"] = tier_grouping(groupings["language"], groupings["dataset"])

    with project.read_snapshot():  # the two reads must see the same labels, row for row
        rows = project.columns.labels(labels).rows
        time_ms = np.asarray(project.columns.label_times(), dtype=np.int64) if times else None
        version = np.asarray(project.columns.label_versions(), dtype=object) if versions else None
        reading = (
            np.asarray(project.columns.label_readings(), dtype=object).reshape(-1, 2)
            if readings
            else None
        )
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    if exclude_annotators:
        kept = ~np.isin(table[:, 1], np.fromiter(exclude_annotators, dtype=np.int64))
        table = table[kept]
        time_ms = time_ms[kept] if time_ms is not None else None
        version = version[kept] if version is not None else None
        reading = reading[kept] if reading is not None else None
    lab_item = np.searchsorted(response_id, table[:, 0])
    adj_ids, adj_labels = project.columns.adjudications()
    adjudicated = np.full(response_id.size, -1, dtype=np.int64)
    adjudicated_by = np.full(response_id.size, -1, dtype=np.int64) if readings else None
    if adj_ids:
        index = {name: i for i, name in enumerate(labels)}
        at, known = _positions(response_id, np.asarray(adj_ids, dtype=np.int64))
        adjudicated[at[known]] = np.asarray([index.get(x, -1) for x in adj_labels])[known]
        if adjudicated_by is not None:
            by = np.asarray(project.columns.adjudicators(), dtype=np.int64)
            adjudicated_by[at[known]] = by[known]

    runs = []
    for run in project.judging.judge_runs():
        runs.append(_run_verdicts(project, run, labels, response_id, labelled_only))

    return ReconcileData(
        labels=labels,
        rule=parse_consensus_rule(project.consensus_rule),
        response_id=response_id,
        groupings=groupings,
        lab_item=lab_item.astype(np.int64),
        lab_annotator=table[:, 1].copy(),
        lab_value=table[:, 2].copy(),
        lab_unsure=table[:, 3].astype(bool),
        adjudicated=adjudicated,
        runs=runs,
        lab_time_ms=time_ms,
        lab_version=version,
        lab_viewed=None if reading is None else reading[:, 0].copy(),
        adjudicated_by=adjudicated_by,
        lab_assigned=None if reading is None else reading[:, 1].copy(),
    )


def _positions(response_id: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each id sits in the sorted `response_id`, and whether it is there at all (it is
    not when only some items were loaded)."""
    at = np.searchsorted(response_id, ids)
    inside = at < response_id.size
    known = inside.copy()
    known[inside] = response_id[at[inside]] == ids[inside]
    return at, known


def _run_verdicts(
    project: Project,
    run: JudgeRun,
    labels: tuple[str, ...],
    response_id: np.ndarray,
    labelled_only: bool = False,
) -> RunVerdicts:
    # Codes 0..V−1 the label set, V `unparsed`, V+1.. any other verdict string (`extra`).
    columns = list(labels) + ([] if "unparsed" in labels else ["unparsed"])
    cols = project.columns.verdicts(run, columns, labelled_only=labelled_only)
    codes = np.full(response_id.size, NO_VERDICT, dtype=np.int64)
    if cols.rows:
        table = np.array(cols.rows, dtype=np.int64).reshape(-1, 2)
        at, loaded = _positions(response_id, table[:, 0])
        codes[at[loaded]] = table[loaded, 1]
    return RunVerdicts(run=run, codes=codes, extra=list(cols.labels[len(columns) :]))


def with_p_unsafe(project: Project, rv: RunVerdicts, response_id: np.ndarray) -> RunVerdicts:
    """The run with its verdicts' p(unsafe) (NaN where a verdict has none), read on demand:
    only the judge-corrected estimate uses it."""
    p = np.full(response_id.size, np.nan)
    rows = project.columns.p_unsafe(rv.run)
    if rows:
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        values = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
        at, loaded = _positions(response_id, ids)
        p[at[loaded]] = values[loaded]
    rv.p_unsafe = p
    return rv
