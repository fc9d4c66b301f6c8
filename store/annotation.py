"""Which items an annotator is offered, paged from SQLite (owned by the annotate screen work).

An item is **open** for an annotator when they have no current label on it and, with an overlap
of K, fewer than K other annotators have a current label on it or hold it on screen (an
unexpired claim, see `claims.py`). It is **visible** (reachable with the
arrow keys) when it is open or when the annotator has labelled it themselves. Both sets are read
in response-id order with keyset paging (`id > ?` ... `LIMIT n`), so no query ever loads all
items, and every query is a single short read (no transaction is held between calls).

The current label of (response, annotator) is the labels row with the highest id; a NULL label
there means "no label" (undone). Another annotator's label is only ever counted, never read.

**The sample is the queue.** When `polyjudge sample` has drawn items under the annotator's
filter, the queue is the sample's items: per language, those of the latest batch holding items of
that language (a further batch re-lists a language's earlier items, and a batch may leave out a
language that needed no more), or of the batch named with `--sample`; every item with
`--no-sample` (`QueueFilter.sample`, resolved by `queue_sample`). Pages are read from the
assignments index in response-id order, one run per language, so a small sample of a large
project never walks the responses between its items.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from typing import Any

from .base import ProjectBase, now
from .errors import PolyjudgeError
from .schema import migrations


@migrations(name="0002_annotation_label_indexes")
def _label_indexes(db: Any) -> None:
    # Covering indexes: "my current label of this response" and "how many annotators have a
    # current label on this response" are answered from the index alone, per response.
    db.execute(
        "CREATE INDEX IF NOT EXISTS labels_current ON labels (response_id, annotator_id, id, label)"
    )
    # Per-annotator progress: their current label of every response they touched.
    db.execute(
        "CREATE INDEX IF NOT EXISTS labels_annotator_current "
        "ON labels (annotator_id, response_id, id, label)"
    )


@migrations(name="0004_assignments_by_response")
def _assignment_indexes(db: Any) -> None:
    # "Which sample batches hold this response": the queue's and the report's lookups by item.
    # (batch, response_id) is indexed already by the table's UNIQUE constraint; the queue walks
    # a batch through it.
    db.execute(
        "CREATE INDEX IF NOT EXISTS assignments_response ON assignments (response_id, batch)"
    )


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What an annotator asked to see. Empty fields do not restrict."""

    languages: tuple[str, ...] = ()
    model: str | None = None
    category: str | None = None
    text: str | None = None
    # The sample that drives the queue, as (language, batch) pairs: only those batches' items
    # in those languages are offered; () offers nothing, None every item. Set by
    # `queue_sample`, never typed by users.
    sample: tuple[tuple[str, str], ...] | None = None

    @property
    def sample_batches(self) -> list[str]:
        return list(dict.fromkeys(batch for _, batch in self.sample or ()))

    def describe(self) -> str:
        parts = []
        if self.sample is not None:
            parts.append("sample " + (", ".join(self.sample_batches) or "(none here)"))
        if self.languages:
            parts.append("language " + ",".join(self.languages))
        if self.model:
            parts.append(f"model {self.model}")
        if self.category:
            parts.append(f"category {self.category}")
        if self.text:
            parts.append(f"text {self.text!r}")
        return "; ".join(parts) or "all items"


@dataclass(frozen=True, slots=True)
class Progress:
    """`done` items carry the annotator's current label; `assigned` = done + still open.
    When a sample drives the queue, `sample_items` is how many items of the batch pass the
    filter (the N of "sample k / N", with k = `done`)."""

    done: int
    assigned: int
    sample_items: int | None = None

    @property
    def remaining(self) -> int:
        return max(self.assigned - self.done, 0)


@dataclass(frozen=True, slots=True)
class Pace:
    """The annotator's recent labelling speed, from the time they spent on their last labels."""

    labels: int
    total_ms: int

    @property
    def per_hour(self) -> float | None:
        if self.labels == 0 or self.total_ms <= 0:
            return None
        return self.labels * 3_600_000 / self.total_ms


# Time on one item counted towards the pace at most (a coffee break is not labelling time).
PACE_CAP_MS = 300_000

_MINE = (
    "(SELECT l.label FROM labels l WHERE l.response_id = r.id AND l.annotator_id = :me"
    " ORDER BY l.id DESC LIMIT 1)"
)
# `labels l` is the current row of its (response, annotator) and carries a label (not undone).
LABELLED_NOW = (
    "l.label IS NOT NULL AND NOT EXISTS (SELECT 1 FROM labels l2"
    " WHERE l2.response_id = l.response_id AND l2.annotator_id = l.annotator_id"
    " AND l2.id > l.id)"
)
# Annotators (other than me) whose current label of r is a label.
_OTHERS = (
    "(SELECT count(*) FROM labels l WHERE l.response_id = r.id AND l.annotator_id != :me"
    f" AND {LABELLED_NOW})"
)
# Annotators (other than me) holding r without having labelled it: an unexpired claim, on
# screen or in a packet (see claims.py). Who has labelled it is counted by _OTHERS already.
CLAIM_UNLABELLED = (
    "NOT EXISTS (SELECT 1 FROM labels l WHERE l.response_id = c.response_id"
    f" AND l.annotator_id = c.annotator_id AND {LABELLED_NOW})"
)
_HOLDING = (
    "(SELECT count(*) FROM claims c WHERE c.response_id = r.id AND c.annotator_id != :me"
    f" AND c.expires_at > :now AND {CLAIM_UNLABELLED})"
)
_TAKEN = f"{_OTHERS} + {_HOLDING}"
# How many other annotators hold `responses r` now (params :me, :now): the K of `--overlap`.
TAKEN_BY_OTHERS = f"({_TAKEN})"
# r is an item of its language's sample batch (an index search on assignments_response).
_IN_SAMPLE = "EXISTS (SELECT 1 FROM assignments s WHERE s.response_id = r.id AND s.batch = {batch})"
# A batch's items walked in response-id order through that same index, each joined to its
# response (CROSS JOIN keeps the assignments as the outer loop).
_SAMPLE_ITEMS = "assignments s CROSS JOIN responses r ON r.id = s.response_id"


@dataclass(slots=True)
class _Where:
    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class AnnotationMixin(ProjectBase):
    # -- building the predicates ---------------------------------------------------------------

    def _filter_where(
        self, flt: QueueFilter, languages: tuple[str, ...], *, walking: str | None = None
    ) -> _Where:
        """The filter's predicate on `responses r`, with `languages` in place of the filter's
        own (empty: any language). `walking`: the query reads `_SAMPLE_ITEMS`, the rows `s` of
        that batch; otherwise, with a sample, each row is looked up in its language's batch."""
        where = _Where()
        if walking is not None:
            where.clauses.append("s.batch = :sample")
            where.params["sample"] = walking
        elif flt.sample is not None:
            cases = []
            for i, (language, batch) in enumerate(flt.sample):
                cases.append(f"WHEN :sample_language{i} THEN :sample_batch{i}")
                where.params[f"sample_language{i}"] = language
                where.params[f"sample_batch{i}"] = batch
            where.clauses.append(
                _IN_SAMPLE.format(batch=f"CASE r.language {' '.join(cases)} END") if cases else "0"
            )
        if len(languages) == 1:
            where.clauses.append("r.language = :language")
            where.params["language"] = languages[0]
        elif languages:
            names = [f":language{i}" for i in range(len(languages))]
            where.clauses.append(f"r.language IN ({', '.join(names)})")
            where.params.update(zip((n[1:] for n in names), languages, strict=True))
        if flt.model:
            where.clauses.append("r.model = :model")
            where.params["model"] = flt.model
        if flt.category:
            where.clauses.append(
                "(r.category = :category OR (r.category IS NULL AND r.prompt_id IN"
                " (SELECT p.id FROM prompts p WHERE p.category = :category)))"
            )
            where.params["category"] = flt.category
        if flt.text:
            where.clauses.append(
                "(r.text LIKE :text ESCAPE '\\' OR r.back_translation LIKE :text ESCAPE '\\')"
            )
            where.params["text"] = _like_pattern(flt.text)
        return where

    @staticmethod
    def _open_clause(overlap: int | None) -> str:
        clause = f"{_MINE} IS NULL"
        if overlap is not None:
            clause += f" AND {_TAKEN} < :overlap"
        return clause

    @staticmethod
    def _visible_clause(overlap: int | None) -> str:
        if overlap is None:
            return "1"
        return f"({_MINE} IS NOT NULL OR {_TAKEN} < :overlap)"

    @staticmethod
    def _language_runs(flt: QueueFilter) -> list[tuple[tuple[str, ...], str | None]]:
        """One index range per language when reading in id order (merged afterwards), with
        the sample batch it walks (None: the responses themselves)."""
        if flt.sample is not None:
            return [
                ((language,), batch)
                for language, batch in flt.sample
                if not flt.languages or language in flt.languages
            ]
        return [((language,), None) for language in dict.fromkeys(flt.languages)] or [((), None)]

    def _page_sql(
        self, walking: str | None, where: _Where, state_clause: str, *, descending: bool
    ) -> str:
        """The keyset page query: responses in id order, or a sample's items in id order."""
        source, key = ("responses r", "r.id")
        if walking is not None:
            source, key = (_SAMPLE_ITEMS, "s.response_id")
        where.clauses.append(f"{key} < :before" if descending else f"{key} > :after")
        return (
            f"SELECT r.id FROM {source} WHERE {where.sql()} AND {state_clause}"
            f" ORDER BY {key} {'DESC' if descending else 'ASC'} LIMIT :limit"
        )

    def _ids(
        self,
        annotator_id: int,
        flt: QueueFilter,
        state_clause: str,
        overlap: int | None,
        *,
        after: int | None = None,
        before: int | None = None,
        limit: int,
    ) -> list[int]:
        """Response ids matching filter and state, ascending after `after` or descending before
        `before`. Several languages are read one index range each and merged, so each range
        is walked in id order from the keyset instead of being sorted."""
        descending = before is not None
        runs: list[list[int]] = []
        for languages, batch in self._language_runs(flt):
            where = self._filter_where(flt, languages, walking=batch)
            where.params.update(
                me=annotator_id,
                overlap=overlap,
                limit=limit,
                now=now(),
                before=before,
                after=after or 0,
            )
            sql = self._page_sql(batch, where, state_clause, descending=descending)
            runs.append([row[0] for row in self.conn.execute(sql, where.params)])
        if len(runs) <= 1:
            return runs[0] if runs else []
        merged = heapq.merge(*runs, reverse=descending)
        return [rid for rid, _ in zip(merged, range(limit), strict=False)]

    # -- the sample that drives the queue -------------------------------------------------------

    def assignment_batches(self) -> list[str]:
        """Sample batch names, oldest first (`polyjudge sample`'s batches)."""
        rows = self.conn.execute("SELECT batch FROM assignments GROUP BY batch ORDER BY min(id)")
        return [row[0] for row in rows]

    def queue_sample(
        self, flt: QueueFilter, batch: str | None = None, *, free: bool = False
    ) -> QueueFilter:
        """`flt` with the sample that drives its queue: none when `free` (`--no-sample`); the
        items of `batch` when one is named (an unknown name is an error); else, per language,
        the latest batch with items under the filter's languages, model and category (no
        batch has any: every item is offered). Free text only narrows the sample's items."""
        if free:
            return replace(flt, sample=None)
        plain = replace(flt, text=None, sample=None)
        if batch is not None:
            found = self.conn.execute(
                "SELECT 1 FROM assignments WHERE batch = ? LIMIT 1", (batch,)
            ).fetchone()
            if found is None:
                known = self.assignment_batches()
                listed = ", ".join(known[-5:]) if known else "none yet; draw one with `sample`"
                raise PolyjudgeError(
                    f"--sample {batch!r}: no such sample batch (batches: "
                    f"{'…, ' if len(known) > 5 else ''}{listed})"
                )
            pairs = {language: batch for language in self._batch_languages(plain, batch)}
            return replace(flt, sample=tuple(sorted(pairs.items())))
        latest: dict[str, str] = {}
        for name in reversed(self.assignment_batches()):
            for language in self._batch_languages(plain, name):
                latest.setdefault(language, name)
        return replace(flt, sample=tuple(sorted(latest.items())) if latest else None)

    def _batch_languages(self, flt: QueueFilter, batch: str) -> list[str]:
        """The languages of the batch's items under the filter."""
        where = self._filter_where(flt, flt.languages, walking=batch)
        sql = f"SELECT DISTINCT r.language FROM {_SAMPLE_ITEMS} WHERE {where.sql()}"
        return [row[0] for row in self.conn.execute(sql, where.params)]

    # -- the queue -----------------------------------------------------------------------------

    def has_responses(self) -> bool:
        """Is there anything to annotate at all? (Without counting a million rows.)"""
        return self.conn.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is not None

    def open_ids(
        self,
        annotator_id: int,
        flt: QueueFilter | None = None,
        *,
        overlap: int | None = None,
        after: int = 0,
        limit: int = 20,
    ) -> list[int]:
        """A page of items still to label for the annotator, in id order after `after`."""
        flt = flt or QueueFilter()
        return self._ids(
            annotator_id, flt, self._open_clause(overlap), overlap, after=after, limit=limit
        )

    def neighbour_id(
        self,
        annotator_id: int,
        flt: QueueFilter | None,
        response_id: int | None,
        *,
        step: int,
        overlap: int | None = None,
    ) -> int | None:
        """The visible item just after (`step=+1`) or before (`step=-1`) `response_id`
        (None: from the start for +1, from the end for -1)."""
        flt = flt or QueueFilter()
        clause = self._visible_clause(overlap)
        if step > 0:
            ids = self._ids(annotator_id, flt, clause, overlap, after=response_id or 0, limit=1)
        else:
            before = response_id if response_id is not None else (1 << 62)
            ids = self._ids(annotator_id, flt, clause, overlap, before=before, limit=1)
        return ids[0] if ids else None

    def _is(self, annotator_id: int, response_id: int, clause: str, overlap: int | None) -> bool:
        row = self.conn.execute(
            f"SELECT 1 FROM responses r WHERE r.id = :id AND {clause}",
            {"id": response_id, "me": annotator_id, "overlap": overlap, "now": now()},
        ).fetchone()
        return row is not None

    def is_open(self, annotator_id: int, response_id: int, *, overlap: int | None = None) -> bool:
        """Is the item still to label for the annotator (checked now, not from a cached page)?"""
        return self._is(annotator_id, response_id, self._open_clause(overlap), overlap)

    def matches_filter(self, response_id: int, flt: QueueFilter) -> bool:
        """Does the item pass the filter?"""
        where = self._filter_where(flt, flt.languages)
        where.params["id"] = response_id
        sql = f"SELECT 1 FROM responses r WHERE r.id = :id AND {where.sql()}"
        return self.conn.execute(sql, where.params).fetchone() is not None

    def my_current_label(self, annotator_id: int, response_id: int) -> str | None:
        """The annotator's own current label of the item (None: unlabelled or undone)."""
        row = self.conn.execute(
            "SELECT label FROM labels WHERE response_id = ? AND annotator_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (response_id, annotator_id),
        ).fetchone()
        return row[0] if row else None

    # -- progress ------------------------------------------------------------------------------

    def annotation_progress(
        self, annotator_id: int, flt: QueueFilter | None = None, *, overlap: int | None = None
    ) -> Progress:
        """Done and assigned counts under the filter. Counts run over the filter's index range
        and over label rows, never by probing every response for labels."""
        flt = flt or QueueFilter()
        matching = 0
        for languages, batch in (
            self._language_runs(flt) if flt.sample is not None else [(flt.languages, None)]
        ):
            walked = self._filter_where(flt, languages, walking=batch)
            source = _SAMPLE_ITEMS if batch is not None else "responses r"
            matching += self.conn.execute(
                f"SELECT count(*) FROM {source} WHERE {walked.sql()}", walked.params
            ).fetchone()[0]
        where = self._filter_where(flt, flt.languages)
        where.params["me"] = annotator_id
        # SQLite returns the bare column `label` from the row holding max(id).
        done = self.conn.execute(
            "SELECT count(*) FROM (SELECT response_id, label, max(id) FROM labels"
            " WHERE annotator_id = :me GROUP BY response_id) mine"
            " JOIN responses r ON r.id = mine.response_id"
            f" WHERE mine.label IS NOT NULL AND {where.sql()}",
            where.params,
        ).fetchone()[0]
        closed = 0
        if overlap is not None:
            where.params["overlap"] = overlap
            closed = self.conn.execute(
                "SELECT count(*) FROM (SELECT response_id FROM ("
                "  SELECT response_id, annotator_id, label, max(id) FROM labels"
                "  WHERE annotator_id != :me GROUP BY response_id, annotator_id"
                " ) WHERE label IS NOT NULL GROUP BY response_id HAVING count(*) >= :overlap"
                ") crowded JOIN responses r ON r.id = crowded.response_id"
                f" WHERE {_MINE} IS NULL AND {where.sql()}",
                where.params,
            ).fetchone()[0]
        return Progress(
            done=done,
            assigned=matching - closed,
            sample_items=matching if flt.sample is not None else None,
        )

    def annotator_pace(self, annotator_id: int, last: int = 50) -> Pace:
        """Labels per hour over the annotator's last `last` labels (time on each capped)."""
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(min(time_ms, :cap)), 0) FROM (SELECT time_ms"
            " FROM labels WHERE annotator_id = :me AND action = 'label' AND label IS NOT NULL"
            " AND time_ms IS NOT NULL ORDER BY id DESC LIMIT :last)",
            {"me": annotator_id, "cap": PACE_CAP_MS, "last": last},
        ).fetchone()
        return Pace(labels=row[0], total_ms=row[1])

    def query_plans(self, annotator_id: int, flt: QueueFilter, overlap: int | None) -> list[str]:
        """EXPLAIN QUERY PLAN of the page query (for the benchmark and tests)."""
        plans = []
        for languages, batch in self._language_runs(flt):
            where = self._filter_where(flt, languages, walking=batch)
            where.params.update(me=annotator_id, overlap=overlap, limit=20, after=0, now=now())
            sql = self._page_sql(batch, where, self._open_clause(overlap), descending=False)
            plans += [
                row[3] for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, where.params)
            ]
        return plans
