"""Queries for reconcile/: label columns, adjudications, verdicts, response groups, assignments.

Bulk reads return plain columns (lists of ints / strings / floats), never SQL rows, so that
`reconcile/` can turn them into numpy arrays in one step: a report over 100,000 items × 3
annotators reads each table once. Single-item reads (the adjudicate screen) return records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import ProjectBase, now
from .errors import PolyjudgeError
from .records import Adjudication, Annotator, Item, JudgeRun, Label, Verdict

# The current label of each (response, annotator): the latest row, when it carries a label
# (an undo of a first label leaves a NULL row). Same rule as `status.CURRENT_LABELS_SQL`.
_CURRENT_LABEL_IDS = "SELECT max(id) AS id FROM labels GROUP BY response_id, annotator_id"

# Grouping fields a report can split by, and the column each one reads. Category and
# scenario fall back to the prompt's when the response carries none.
GROUP_FIELDS: dict[str, str] = {
    "language": "r.language",
    "model": "r.model",
    "category": "COALESCE(r.category, p.category)",
    "scenario": "COALESCE(r.scenario, p.scenario)",
    "dataset": "p.dataset",  # the benchmark the prompt was imported from (None: no prompt)
}


@dataclass(frozen=True, slots=True)
class LabelColumns:
    """Current human labels, one row (response id, annotator id, label index, unsure) per
    (response, annotator), ordered by response then annotator. The label index points into
    the label set asked for, −1 for a stored label outside it. `rows` is a list of int tuples
    so that `numpy.array(rows)` builds the whole table in one step."""

    rows: list[tuple[int, int, int, int]]

    def column(self, k: int) -> list[int]:
        return [r[k] for r in self.rows]

    @property
    def response_id(self) -> list[int]:
        return self.column(0)

    @property
    def annotator_id(self) -> list[int]:
        return self.column(1)

    @property
    def label(self) -> list[int]:
        return self.column(2)

    @property
    def unsure(self) -> list[int]:
        return self.column(3)


@dataclass(frozen=True, slots=True)
class VerdictColumns:
    """One judge run's verdicts as (response id, code) rows: the code indexes `labels`, the
    list of every verdict label asked for, then any other label the run produced."""

    run: JudgeRun
    labels: list[str]
    rows: list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class ResponseColumns:
    """Every response id with the requested grouping fields (None where unknown)."""

    response_id: list[int]
    fields: dict[str, list[str | None]]


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    response_id: int
    batch: str
    stratum: str | None
    weight: float | None
    created_at: str


@dataclass(frozen=True, slots=True)
class HumanLabel:
    """A current label with the name of whoever gave it (for the adjudicate screen)."""

    label: Label
    annotator: Annotator


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    verdict: Verdict
    run: JudgeRun


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """Everything an adjudicator needs about one response."""

    item: Item
    labels: list[HumanLabel] = field(default_factory=list)
    verdicts: list[JudgeVerdict] = field(default_factory=list)
    adjudications: list[Adjudication] = field(default_factory=list)

    @property
    def adjudication(self) -> Adjudication | None:
        """The current adjudication (latest row), or None when none stands (or withdrawn)."""
        if not self.adjudications or self.adjudications[-1].label is None:
            return None
        return self.adjudications[-1]


class ReconcileMixin(ProjectBase):
    # -- bulk columns for reconcile/ ----------------------------------------------------------

    def current_label_columns(self, labels: Sequence[str] | None = None) -> LabelColumns:
        """Every current human label (undone ones left out), in one query."""
        domain = list(labels if labels is not None else self.label_set)
        case = " ".join("WHEN ? THEN ?" for _ in domain)
        params: list[Any] = [x for i, name in enumerate(domain) for x in (name, i)]
        sql = (
            # A flag that is not 0/1 (written by a merge before packets were checked, or by
            # another tool) counts as unsure rather than breaking every report.
            f"SELECT l.response_id, l.annotator_id, CASE l.label {case} ELSE -1 END,"
            " CASE WHEN l.unsure IN (0, 1) THEN l.unsure ELSE 1 END"
            f" FROM labels l JOIN ({_CURRENT_LABEL_IDS}) latest ON latest.id = l.id"
            " WHERE l.label IS NOT NULL ORDER BY l.response_id, l.annotator_id"
        )
        return LabelColumns(self._reconcile_tuples(sql, params))

    def current_adjudication_columns(self) -> tuple[list[int], list[str]]:
        """(response ids, labels) of every standing adjudication: the latest row per response,
        left out when its label is NULL (withdrawn)."""
        rows = self._reconcile_tuples(
            "SELECT a.response_id, a.label FROM adjudications a JOIN ("
            " SELECT max(id) AS id FROM adjudications GROUP BY response_id"
            ") latest ON latest.id = a.id WHERE a.label IS NOT NULL ORDER BY a.response_id"
        )
        ids, labels = _columns(rows, 2)
        return ids, labels

    def response_columns(
        self, fields: Iterable[str] = ("language",), *, labelled_only: bool = False
    ) -> ResponseColumns:
        """Every response id with its grouping fields (see `GROUP_FIELDS`); with
        `labelled_only`, only responses that have label rows (the only ones that can be
        queued for adjudication)."""
        names = list(dict.fromkeys(fields))
        unknown = [n for n in names if n not in GROUP_FIELDS]
        if unknown:
            raise PolyjudgeError(
                f"cannot group by {', '.join(unknown)} (choose from {', '.join(GROUP_FIELDS)})"
            )
        select = ", ".join(GROUP_FIELDS[n] for n in names)
        join = (
            " LEFT JOIN prompts p ON p.id = r.prompt_id"
            if {"category", "scenario", "dataset"} & set(names)
            else ""
        )
        where = " WHERE r.id IN (SELECT response_id FROM labels)" if labelled_only else ""
        rows = self._reconcile_tuples(
            f"SELECT r.id{', ' + select if select else ''} FROM responses r{join}{where}"
            " ORDER BY r.id"
        )
        cols = _columns(rows, 1 + len(names))
        return ResponseColumns(cols[0], dict(zip(names, cols[1:], strict=True)))

    def dataset_languages(self, dataset: str) -> list[str]:
        """Languages of the responses whose prompt came from `dataset` (e.g. `multijail`)."""
        return [
            row[0]
            for row in self._reconcile_tuples(
                "SELECT DISTINCT r.language FROM responses r JOIN prompts p ON p.id = r.prompt_id"
                " WHERE p.dataset = ? ORDER BY 1",
                (dataset,),
            )
        ]

    def response_prompt_ids(self) -> list[int]:
        """The prompt id of every response in response-id order (-1: no prompt), to pair
        responses to the same prompt across conditions."""
        return [
            row[0]
            for row in self._reconcile_tuples(
                "SELECT coalesce(prompt_id, -1) FROM responses ORDER BY id"
            )
        ]

    def judge_run_list(self) -> list[JudgeRun]:
        """Every judge run (kind 'judge'), oldest first."""
        rows = self.conn.execute("SELECT * FROM judge_runs WHERE kind = 'judge' ORDER BY id")
        return [JudgeRun.from_row(r) for r in rows]

    def find_judge_run(self, name_or_id: str) -> JudgeRun:
        """A judge run by id or by name (the latest run of that name)."""
        row = None
        if name_or_id.isdigit():
            row = self.conn.execute(
                "SELECT * FROM judge_runs WHERE id = ?", (int(name_or_id),)
            ).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT * FROM judge_runs WHERE name = ? ORDER BY id DESC LIMIT 1", (name_or_id,)
            ).fetchone()
        if row is None:
            raise PolyjudgeError(f"no judge run called {name_or_id!r}")
        return JudgeRun.from_row(row)

    def verdict_columns(
        self, run: JudgeRun, labels: Sequence[str] = (), *, labelled_only: bool = False
    ) -> VerdictColumns:
        """The run's verdicts coded against `labels` (extended by any other label found);
        with `labelled_only`, only verdicts of responses that have label rows."""
        names = list(labels)
        for (label,) in self._reconcile_tuples(
            "SELECT DISTINCT label FROM verdicts WHERE run_id = ? ORDER BY label", (run.id,)
        ):
            if label not in names:
                names.append(label)
        case = " ".join("WHEN ? THEN ?" for _ in names)
        params: list[Any] = [x for i, name in enumerate(names) for x in (name, i)]
        subset = " AND response_id IN (SELECT response_id FROM labels)" if labelled_only else ""
        rows = self._reconcile_tuples(
            f"SELECT response_id, CASE label {case} ELSE -1 END FROM verdicts WHERE run_id = ?"
            f"{subset} ORDER BY response_id",
            [*params, run.id],
        )
        return VerdictColumns(run, names, rows)

    def verdict_p_unsafe(self, run: JudgeRun) -> list[tuple[int, float]]:
        """(response id, p(unsafe)) of the run's verdicts that carry one (from logprobs)."""
        return self._reconcile_tuples(
            "SELECT response_id, p_unsafe FROM verdicts WHERE run_id = ? AND p_unsafe IS NOT NULL"
            " ORDER BY response_id",
            (run.id,),
        )

    # -- adjudications -------------------------------------------------------------------------

    def add_adjudication(
        self,
        response_id: int,
        adjudicator_id: int,
        label: str | None,
        rationale: str | None = None,
        safe_reply: str | None = None,
        *,
        uid: str | None = None,
    ) -> Adjudication:
        """Append an adjudication (the final label of a response); it supersedes the previous
        one. A None label withdraws the standing adjudication. Written at once."""
        if label is not None and label not in self.label_set:
            raise PolyjudgeError(
                f"unknown label {label!r} (this project's labels: {', '.join(self.label_set)})"
            )
        with self.transaction():
            if uid is not None:
                row = self.conn.execute(
                    "SELECT * FROM adjudications WHERE uid = ?", (uid,)
                ).fetchone()
                if row is not None:
                    return Adjudication.from_row(row)
            if (
                self.conn.execute("SELECT 1 FROM responses WHERE id = ?", (response_id,)).fetchone()
                is None
            ):
                raise PolyjudgeError(f"no response with id {response_id}")
            if (
                self.conn.execute(
                    "SELECT 1 FROM annotators WHERE id = ?", (adjudicator_id,)
                ).fetchone()
                is None
            ):
                raise PolyjudgeError(f"no annotator with id {adjudicator_id}")
            previous = self.conn.execute(
                "SELECT id FROM adjudications WHERE response_id = ? ORDER BY id DESC LIMIT 1",
                (response_id,),
            ).fetchone()
            cur = self.conn.execute(
                "INSERT INTO adjudications (uid, response_id, adjudicator_id, label, rationale,"
                " safe_reply, supersedes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    response_id,
                    adjudicator_id,
                    label,
                    rationale,
                    safe_reply,
                    previous[0] if previous else None,
                    now(),
                ),
            )
            row = self.conn.execute(
                "SELECT * FROM adjudications WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return Adjudication.from_row(row)

    def adjudication_history(self, response_id: int) -> list[Adjudication]:
        rows = self.conn.execute(
            "SELECT * FROM adjudications WHERE response_id = ? ORDER BY id", (response_id,)
        )
        return [Adjudication.from_row(r) for r in rows]

    # -- one item, for the adjudicate screen ---------------------------------------------------

    def item_detail(self, response_id: int) -> ItemDetail | None:
        """The response and prompt, every current human label with its annotator (notes
        included), every verdict with its run, and the adjudication history. Reads only the
        item's own rows through the (response_id, annotator_id, id) index, so moving through a
        queue of 100,000 items stays well under a millisecond per item."""
        item = self.item(response_id)
        if item is None:
            return None
        labels = [
            HumanLabel(Label.from_row(r), _annotator_from(r))
            for r in self.conn.execute(
                "SELECT l.*, a.name AS a_name, a.role AS a_role, a.languages AS a_languages"
                " FROM labels l JOIN annotators a ON a.id = l.annotator_id"
                " WHERE l.response_id = ? AND l.label IS NOT NULL AND l.id = ("
                "  SELECT max(id) FROM labels"
                "  WHERE response_id = l.response_id AND annotator_id = l.annotator_id)"
                " ORDER BY l.annotator_id",
                (response_id,),
            )
        ]
        from .judging import verdict_call_join, verdict_columns  # not at import: migration order

        verdicts = [
            JudgeVerdict(Verdict.from_row(r), _run_from(r))
            for r in self.conn.execute(
                f"SELECT {verdict_columns()}, j.name AS j_name, j.model AS j_model,"
                " j.kind AS j_kind, j.is_baseline AS j_is_baseline, j.status AS j_status,"
                " j.template_name AS j_template_name FROM verdicts v"
                f" JOIN judge_runs j ON j.id = v.run_id{verdict_call_join()}"
                " WHERE v.response_id = ? ORDER BY v.run_id",
                (response_id,),
            )
        ]
        return ItemDetail(
            item=item,
            labels=labels,
            verdicts=verdicts,
            adjudications=self.adjudication_history(response_id),
        )

    # -- assignments (`polyjudge sample`) ------------------------------------------------------

    def add_assignments(
        self, batch: str, rows: Iterable[tuple[int, str | None, float | None]]
    ) -> int:
        """Record sampled items: (response id, stratum, weight) under a batch name. Returns
        how many were new (a batch never lists a response twice)."""
        created = now()
        before = self.conn.total_changes
        with self.transaction():
            self.conn.executemany(
                "INSERT OR IGNORE INTO assignments (response_id, batch, stratum, weight,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                ((rid, batch, stratum, weight, created) for rid, stratum, weight in rows),
            )
        return self.conn.total_changes - before

    def assignments(self, batch: str | None = None) -> list[Assignment]:
        sql = "SELECT id, response_id, batch, stratum, weight, created_at FROM assignments"
        params: tuple[Any, ...] = ()
        if batch is not None:
            sql += " WHERE batch = ?"
            params = (batch,)
        return [Assignment(*r) for r in self._reconcile_tuples(sql + " ORDER BY id", params)]

    def assigned_response_ids(self) -> list[int]:
        """Every response already in some sample batch."""
        return [
            r[0] for r in self._reconcile_tuples("SELECT DISTINCT response_id FROM assignments")
        ]

    def latest_stratifying_run_id(self) -> int | None:
        """The judge run that stratified the latest stratified sample (strata `judge:<id>:…`)."""
        rows = self._reconcile_tuples(
            "SELECT stratum FROM assignments WHERE stratum LIKE 'judge:%' ORDER BY id DESC LIMIT 1"
        )
        if not rows:
            return None
        part = rows[0][0].split(":")[1]
        return int(part) if part.isdigit() else None

    def stratifying_run_ids(self) -> set[int]:
        """Judge runs whose verdicts stratified some sample batch."""
        rows = self._reconcile_tuples(
            "SELECT DISTINCT stratum FROM assignments WHERE stratum LIKE 'judge:%'"
        )
        parts = [r[0].split(":")[1] for r in rows]
        return {int(p) for p in parts if p.isdigit()}

    def response_uids(self, response_ids: Sequence[int]) -> dict[int, str]:
        """{response id: uid} of the given responses (in chunks under SQLite's variable limit)."""
        out: dict[int, str] = {}
        ids = list(dict.fromkeys(int(i) for i in response_ids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            out.update(
                self._reconcile_tuples(
                    f"SELECT id, uid FROM responses WHERE id IN ({', '.join('?' * len(part))})",
                    part,
                )
            )
        return out

    # -- minimal verdict writing (for tests, benches and label imports of judge output) ------

    def add_verdict_rows(
        self,
        run_name: str,
        model: str,
        rows: Iterable[tuple[int, str] | tuple[int, str, float | None]],
        *,
        is_baseline: bool = False,
    ) -> JudgeRun:
        """Create a finished judge run and store (response id, verdict label[, p(unsafe)]) rows
        for it.
        The judge package has the full API (templates, raw output, p(unsafe)); this minimal
        writer serves tests, benches and verdicts computed elsewhere."""
        created = now()
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO judge_runs (name, kind, model, is_baseline, status, created_at,"
                " finished_at) VALUES (?, 'judge', ?, ?, 'finished', ?, ?)",
                (run_name, model, int(is_baseline), created, created),
            )
            run_id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO verdicts (run_id, response_id, label, p_unsafe, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (run_id, row[0], row[1], row[2] if len(row) > 2 else None, created)
                    for row in rows
                ),
            )
            row = self.conn.execute("SELECT * FROM judge_runs WHERE id = ?", (run_id,)).fetchone()
        return JudgeRun.from_row(row)

    # -- helpers -------------------------------------------------------------------------------

    def _reconcile_tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples (no sqlite3.Row objects): several times faster for bulk reads."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, tuple(params)).fetchall()


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*rows, strict=True)]


def _annotator_from(row: Any) -> Annotator:
    return Annotator(
        id=row["annotator_id"],
        name=row["a_name"],
        role=row["a_role"],
        languages=row["a_languages"],
    )


def _run_from(row: Any) -> JudgeRun:
    return JudgeRun(
        id=row["run_id"],
        name=row["j_name"],
        model=row["j_model"],
        kind=row["j_kind"],
        is_baseline=row["j_is_baseline"],
        status=row["j_status"],
        template_name=row["j_template_name"],
    )
