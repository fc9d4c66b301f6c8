"""Which items an annotator is offered, paged from SQLite (owned by the annotate screen work).

An item is **open** for an annotator when they have no current label on it and, with an overlap
of K, fewer than K other annotators have a current label on it or hold it on screen (an
unexpired claim, see `claims.py`). It is **visible** (reachable with the
arrow keys) when it is open or when the annotator has labelled it themselves. Both sets are read
in walk order with keyset paging (`key > ?` ... `LIMIT n`), so no query ever loads all items,
and every query is a single short read (no transaction is held between calls). The walk key of
an item (`walk_key`) is its response id, or, when a sample drives the queue, its place in the
sample batch's random order.

Which label row is current is `current.py`'s rule. Another annotator's label is only ever
counted, never read. The SQL fragments and the filter are in queue_sql.py.

**The sample is the queue.** When `polyjudge sample` has drawn items under the annotator's
filter, the queue is the sample's items: per language, those of the latest batch holding items of
that language (a further batch re-lists a language's earlier items, and a batch may leave out a
language that needed no more), or of the batch named with `--sample`; every item with
`--no-sample` (`QueueFilter.sample`, resolved by `Queue.with_sample`). A batch is walked in
the order `polyjudge sample` wrote its rows, a random order fixed by its seed: so whatever part
of the sample has been labelled when someone reads the report is a random part of it (of each
stratum), which the estimates take it to be (`reconcile.design.Design.labelled_weight`); in
response-id order, a sample of an import sorted by category was labelled category by category,
and a report read halfway gave 0.73 for a rate of 0.38. Pages are read from the assignments
index (`assignments_walk`), one run per language, so a small sample of a large project never
walks the responses between its items.

**Gold items are not in the queue** (nor in its progress counts): the annotate session mixes
them in at the gold rate (`gold_items.py`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace

from .clock import now
from .current import current_label
from .errors import PolyjudgeError
from .queue_sql import (
    MINE,
    SAMPLE_ITEMS,
    QueueFilter,
    filter_where,
    language_runs,
    open_clause,
    page_sql,
    visible_clause,
)
from .subject import Subject


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
# The pace reads this many times `last` of the newest label rows (notes, undos, reveal answers
# and undone labels among them) to find the `last` labels that count.
PACE_WINDOW_FACTOR = 4


class Queue(Subject):
    def _items(
        self,
        annotator_id: int,
        flt: QueueFilter,
        state_clause: str,
        overlap: int | None,
        *,
        after: int | None = None,
        before: int | None = None,
        limit: int,
    ) -> list[tuple[int, int]]:
        """(walk key, response id) of the items matching filter and state, ascending after the
        key `after` or descending before `before`. Several languages are read one index range
        each and merged, so each range is walked in key order from the keyset instead of being
        sorted."""
        descending = before is not None
        runs: list[list[tuple[int, int]]] = []
        for languages, batch in language_runs(flt):
            where = filter_where(flt, languages, walking=batch)
            where.params.update(
                me=annotator_id,
                overlap=overlap,
                limit=limit,
                now=now(),
                before=before,
                after=after or 0,
            )
            sql = page_sql(batch, where, state_clause, descending=descending)
            runs.append([(row[0], row[1]) for row in self._conn.execute(sql, where.params)])
        if len(runs) <= 1:
            return runs[0] if runs else []
        merged = heapq.merge(*runs, reverse=descending)
        return [item for item, _ in zip(merged, range(limit), strict=False)]

    def walk_key(self, flt: QueueFilter, response_id: int) -> int | None:
        """The item's key in the walk of `flt` (`open_items`, `neighbour_id`): its response id
        without a sample; with one, its row in its language's batch (None: not in the walk)."""
        if flt.sample is None:
            return response_id
        row = self._conn.execute(
            "SELECT language FROM responses WHERE id = ?", (response_id,)
        ).fetchone()
        batch = dict(flt.sample).get(row[0]) if row is not None else None
        if batch is None:
            return None
        found = self._conn.execute(
            "SELECT id FROM assignments WHERE batch = ? AND response_id = ?", (batch, response_id)
        ).fetchone()
        return int(found[0]) if found is not None else None

    # -- the sample that drives the queue -------------------------------------------------------

    def with_sample(
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
            found = self._conn.execute(
                "SELECT 1 FROM assignments WHERE batch = ? LIMIT 1", (batch,)
            ).fetchone()
            if found is None:
                known = self._project.assignments.batches()
                listed = ", ".join(known[-5:]) if known else "none yet; draw one with `sample`"
                raise PolyjudgeError(
                    f"--sample {batch!r}: no such sample batch (batches: "
                    f"{'…, ' if len(known) > 5 else ''}{listed})"
                )
            pairs = {language: batch for language in self._batch_languages(plain, batch)}
            return replace(flt, sample=tuple(sorted(pairs.items())))
        latest: dict[str, str] = {}
        for name in reversed(self._project.assignments.batches()):
            for language in self._batch_languages(plain, name):
                latest.setdefault(language, name)
        return replace(flt, sample=tuple(sorted(latest.items())) if latest else None)

    def _batch_languages(self, flt: QueueFilter, batch: str) -> list[str]:
        """The languages of the batch's items under the filter."""
        where = filter_where(flt, flt.languages, walking=batch)
        sql = f"SELECT DISTINCT r.language FROM {SAMPLE_ITEMS} WHERE {where.sql()}"
        return [row[0] for row in self._conn.execute(sql, where.params)]

    # -- the queue -----------------------------------------------------------------------------

    def open_items(
        self,
        annotator_id: int,
        flt: QueueFilter | None = None,
        *,
        overlap: int | None = None,
        after: int = 0,
        limit: int = 20,
    ) -> list[tuple[int, int]]:
        """A page of (walk key, response id) still to label for the annotator, in walk order
        after the key `after` (`walk_key`; 0: from the start)."""
        flt = flt or QueueFilter()
        return self._items(
            annotator_id, flt, open_clause(overlap), overlap, after=after, limit=limit
        )

    def open_ids(
        self,
        annotator_id: int,
        flt: QueueFilter | None = None,
        *,
        overlap: int | None = None,
        after: int = 0,
        limit: int = 20,
    ) -> list[int]:
        """The response ids of `open_items`."""
        page = self.open_items(annotator_id, flt, overlap=overlap, after=after, limit=limit)
        return [rid for _, rid in page]

    def neighbour_id(
        self,
        annotator_id: int,
        flt: QueueFilter | None,
        key: int | None,
        *,
        step: int,
        overlap: int | None = None,
    ) -> int | None:
        """The visible item just after (`step=+1`) or before (`step=-1`) the walk key `key`
        (`walk_key`; None: from the start for +1, from the end for -1)."""
        flt = flt or QueueFilter()
        clause = visible_clause(overlap)
        if step > 0:
            items = self._items(annotator_id, flt, clause, overlap, after=key or 0, limit=1)
        else:
            before = key if key is not None else (1 << 62)
            items = self._items(annotator_id, flt, clause, overlap, before=before, limit=1)
        return items[0][1] if items else None

    def _is(self, annotator_id: int, response_id: int, clause: str, overlap: int | None) -> bool:
        row = self._conn.execute(
            f"SELECT 1 FROM responses r WHERE r.id = :id AND {clause}",
            {"id": response_id, "me": annotator_id, "overlap": overlap, "now": now()},
        ).fetchone()
        return row is not None

    def is_open(self, annotator_id: int, response_id: int, *, overlap: int | None = None) -> bool:
        """Is the item still to label for the annotator (checked now, not from a cached page)?"""
        return self._is(annotator_id, response_id, open_clause(overlap), overlap)

    def matches_filter(self, response_id: int, flt: QueueFilter) -> bool:
        """Does the item pass the filter?"""
        where = filter_where(flt, flt.languages)
        where.params["id"] = response_id
        sql = f"SELECT 1 FROM responses r WHERE r.id = :id AND {where.sql()}"
        return self._conn.execute(sql, where.params).fetchone() is not None

    # -- progress ------------------------------------------------------------------------------

    def progress(
        self, annotator_id: int, flt: QueueFilter | None = None, *, overlap: int | None = None
    ) -> Progress:
        """Done and assigned counts under the filter. Counts run over the filter's index range
        and over label rows, never by probing every response for labels."""
        flt = flt or QueueFilter()
        matching = 0
        for languages, batch in (
            language_runs(flt) if flt.sample is not None else [(flt.languages, None)]
        ):
            # Every matching row, less the gold items among them: the same number as counting
            # with the gold clause, without probing gold_items once per response (5× faster
            # on a million responses).
            walked = filter_where(flt, languages, walking=batch, with_gold=True)
            source = SAMPLE_ITEMS if batch is not None else "responses r"
            for counted, sign in ((source, 1), (f"gold_items g CROSS JOIN {source}", -1)):
                join = " AND r.id = g.response_id" if sign < 0 else ""
                matching += (
                    sign
                    * self._conn.execute(
                        f"SELECT count(*) FROM {counted} WHERE {walked.sql()}{join}", walked.params
                    ).fetchone()[0]
                )
        where = filter_where(flt, flt.languages)
        where.params["me"] = annotator_id
        done = self._conn.execute(
            "SELECT count(*) FROM labels mine JOIN responses r ON r.id = mine.response_id"
            f" WHERE mine.annotator_id = :me AND {current_label('mine')} AND {where.sql()}",
            where.params,
        ).fetchone()[0]
        closed = 0
        if overlap is not None:
            where.params["overlap"] = overlap
            closed = self._conn.execute(
                "SELECT count(*) FROM (SELECT o.response_id FROM labels o"
                f" WHERE o.annotator_id != :me AND {current_label('o')}"
                " GROUP BY o.response_id HAVING count(*) >= :overlap"
                ") crowded JOIN responses r ON r.id = crowded.response_id"
                f" WHERE {MINE} IS NULL AND {where.sql()}",
                where.params,
            ).fetchone()[0]
        return Progress(
            done=done,
            assigned=matching - closed,
            sample_items=matching if flt.sample is not None else None,
        )

    def pace(self, annotator_id: int, last: int = 50) -> Pace:
        """Labels per hour over the annotator's last `last` labels (time on each capped).

        A label that was undone is not counted: its time was spent, but the label is gone, and
        counting it would make the pace (and the ETA drawn from it) promise more than was done.
        An undo row always comes after the row it undoes, so reading the newest rows (labels and
        undos together) finds every undo of the labels among them."""
        rows = self._conn.execute(
            "SELECT action, label, time_ms, supersedes, after_reveal, id FROM labels"
            " WHERE annotator_id = :me ORDER BY id DESC LIMIT :window",
            {"me": annotator_id, "window": PACE_WINDOW_FACTOR * last},
        ).fetchall()
        undone = {row[3] for row in rows if row[0] == "undo" and row[3] is not None}
        times = [
            min(row[2], PACE_CAP_MS)
            for row in rows
            if row[0] == "label"
            and row[1] is not None
            and not row[4]
            and row[2] is not None
            and row[5] not in undone
        ][:last]
        return Pace(labels=len(times), total_ms=sum(times))

    def query_plans(self, annotator_id: int, flt: QueueFilter, overlap: int | None) -> list[str]:
        """EXPLAIN QUERY PLAN of the page query (for the benchmark and tests)."""
        plans = []
        for languages, batch in language_runs(flt):
            where = filter_where(flt, languages, walking=batch)
            where.params.update(me=annotator_id, overlap=overlap, limit=20, after=0, now=now())
            sql = page_sql(batch, where, open_clause(overlap), descending=False)
            plans += [
                row[3] for row in self._conn.execute("EXPLAIN QUERY PLAN " + sql, where.params)
            ]
        return plans
