"""Bulk reads as plain columns, for reports: current labels, standing adjudications, verdicts,
response groups.

Gold items (`gold_items.py`) are control items, not data: every read here leaves them out, so
their labels, verdicts and adjudications never enter agreement, final labels, the adjudication
queue or rates.

Bulk reads return plain columns (lists of ints / strings / floats), never SQL rows, so that
`reconcile/` can turn them into numpy arrays in one step: a report over 100,000 items × 3
annotators reads each table once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .current import current_label, latest_adjudication
from .errors import PolyjudgeError
from .gold_items import NOT_GOLD, NOT_GOLD_ID
from .records import JudgeRun
from .subject import Subject

# Grouping fields a report can split by, and the column each one reads. Category and
# scenario fall back to the prompt's when the response carries none.
GROUP_FIELDS: dict[str, str] = {
    "language": "r.language",
    "model": "r.model",
    "category": "COALESCE(r.category, p.category)",
    "scenario": "COALESCE(r.scenario, p.scenario)",
    "condition": "r.condition",  # generated responses: none, safe_prompt, xling_prompt
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


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*rows, strict=True)]


class Columns(Subject):
    def labels(self, labels: Sequence[str] | None = None) -> LabelColumns:
        """Every current human label (undone ones left out), in one query."""
        domain = list(labels if labels is not None else self._project.label_set)
        case = " ".join("WHEN ? THEN ?" for _ in domain)
        params: list[Any] = [x for i, name in enumerate(domain) for x in (name, i)]
        sql = (
            # A flag that is not 0/1 (written by a merge before packets were checked, or by
            # another tool) counts as unsure rather than breaking every report.
            f"SELECT l.response_id, l.annotator_id, CASE l.label {case} ELSE -1 END,"
            " CASE WHEN l.unsure IN (0, 1) THEN l.unsure ELSE 1 END"
            f" FROM labels l WHERE {current_label('l')} AND l.{NOT_GOLD_ID}"
            " ORDER BY l.response_id, l.annotator_id"
        )
        return LabelColumns(self._tuples(sql, params))

    def label_versions(self) -> list[str | None]:
        """The guideline version of every current label, in the order of `labels()` (by
        response, then annotator), for splitting labels by the guidelines they were given
        under."""
        rows = self._tuples(
            "SELECT l.guideline_version FROM labels l"
            f" WHERE {current_label('l')} AND l.{NOT_GOLD_ID}"
            " ORDER BY l.response_id, l.annotator_id"
        )
        return [row[0] for row in rows]

    def label_readings(self) -> list[tuple[str | None, str | None]]:
        """(viewed, view_assigned) of every current label, in the order of `labels()`: what
        was on screen, and the reading condition assigned (None: the annotator chose)."""
        return self._tuples(
            "SELECT l.viewed, l.view_assigned FROM labels l"
            f" WHERE {current_label('l')} AND l.{NOT_GOLD_ID}"
            " ORDER BY l.response_id, l.annotator_id"
        )

    def label_times(self) -> list[int]:
        """The time spent (`time_ms`, −1 where none was recorded) of every current label, in
        the order of `labels()` (one row per current (response, annotator), same ordering).
        A value that is not a whole number of ms (stored by another tool or an old merge)
        counts as none, as `Label.time_ms` reads it."""
        rows = self._tuples(
            "SELECT CASE WHEN typeof(l.time_ms) = 'integer' AND l.time_ms >= 0"
            " THEN l.time_ms ELSE -1 END FROM labels l"
            f" WHERE {current_label('l')} AND l.{NOT_GOLD_ID}"
            " ORDER BY l.response_id, l.annotator_id"
        )
        return [row[0] for row in rows]

    def adjudicators(self) -> list[int]:
        """The adjudicator (annotator id) of every standing adjudication, in the order of
        `adjudications()`: who decided, so that a label is never checked against its own
        annotator's ruling (the report's `reading` block)."""
        rows = self._tuples(
            "SELECT a.adjudicator_id FROM adjudications a"
            f" WHERE {latest_adjudication('a')} AND a.label IS NOT NULL AND a.{NOT_GOLD_ID}"
            " ORDER BY a.response_id"
        )
        return [row[0] for row in rows]

    def adjudications(self) -> tuple[list[int], list[str]]:
        """(response ids, labels) of every standing adjudication: the latest row per response,
        left out when its label is NULL (withdrawn)."""
        rows = self._tuples(
            "SELECT a.response_id, a.label FROM adjudications a"
            f" WHERE {latest_adjudication('a')} AND a.label IS NOT NULL AND a.{NOT_GOLD_ID}"
            " ORDER BY a.response_id"
        )
        ids, labels = _columns(rows, 2)
        return ids, labels

    def responses(
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
        where = f" WHERE {NOT_GOLD}"
        if labelled_only:
            where += " AND r.id IN (SELECT response_id FROM labels)"
        rows = self._tuples(
            f"SELECT r.id{', ' + select if select else ''} FROM responses r{join}{where}"
            " ORDER BY r.id"
        )
        cols = _columns(rows, 1 + len(names))
        return ResponseColumns(cols[0], dict(zip(names, cols[1:], strict=True)))

    def prompt_ids(self) -> list[int]:
        """The prompt id of every response in response-id order (-1: no prompt), to pair
        responses to the same prompt across conditions."""
        rows = self._tuples(
            f"SELECT coalesce(r.prompt_id, -1) FROM responses r WHERE {NOT_GOLD} ORDER BY r.id"
        )
        return [row[0] for row in rows]

    def verdicts(
        self, run: JudgeRun, labels: Sequence[str] = (), *, labelled_only: bool = False
    ) -> VerdictColumns:
        """The run's verdicts coded against `labels` (extended by any other label found);
        with `labelled_only`, only verdicts of responses that have label rows."""
        names = list(labels)
        for (label,) in self._tuples(
            "SELECT DISTINCT label FROM verdicts WHERE run_id = ? ORDER BY label", (run.id,)
        ):
            if label not in names:
                names.append(label)
        case = " ".join("WHEN ? THEN ?" for _ in names)
        params: list[Any] = [x for i, name in enumerate(names) for x in (name, i)]
        subset = f" AND {NOT_GOLD_ID}"
        if labelled_only:
            subset += " AND response_id IN (SELECT response_id FROM labels)"
        rows = self._tuples(
            f"SELECT response_id, CASE label {case} ELSE -1 END FROM verdicts WHERE run_id = ?"
            f"{subset} ORDER BY response_id",
            [*params, run.id],
        )
        return VerdictColumns(run, names, rows)

    def p_unsafe(self, run: JudgeRun) -> list[tuple[int, float]]:
        """(response id, p(unsafe)) of the run's verdicts that carry one (from logprobs)."""
        return self._tuples(
            "SELECT response_id, p_unsafe FROM verdicts WHERE run_id = ? AND p_unsafe IS NOT NULL"
            f" AND {NOT_GOLD_ID} ORDER BY response_id",
            (run.id,),
        )
