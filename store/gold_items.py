"""Gold items: existing responses with a known expected label (`polyjudge import gold`), mixed
silently into annotators' queues to measure them (not to be confused with `gold.py`, the rows of
the gold-label *export*).

A response that is a gold item is a control item: it is left out of the annotation queue and of
every statistic (`columns.py` and the queue's filter read `NOT_GOLD`), and is offered only by
the annotate session's own mixing at the project's gold rate. `answers()` pairs each
annotator's current label of a gold item with the expected one, for accuracy against gold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .clock import now
from .current import current_label
from .subject import Subject

# `responses r` is not a gold item (one seek on the table's unique response_id index).
NOT_GOLD = "NOT EXISTS (SELECT 1 FROM gold_items g WHERE g.response_id = r.id)"
# The same, for a query that reads response ids in a column `response_id` of its own table.
NOT_GOLD_ID = "response_id NOT IN (SELECT response_id FROM gold_items)"

# The project's gold rate (`import gold --rate`), and the rate used when it is unset.
GOLD_RATE_KEY = "gold_rate"
DEFAULT_GOLD_RATE = 0.05


@dataclass(frozen=True, slots=True)
class GoldItem:
    response_id: int
    uid: str
    language: str
    label: str
    explanation: str | None
    source_file: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class GoldAnswer:
    """One annotator's current label of one gold item, with the expected label."""

    annotator_id: int
    annotator: str
    response_id: int
    uid: str
    language: str
    label: str
    expected: str

    @property
    def correct(self) -> bool:
        return self.label == self.expected


_ITEM = (
    "SELECT g.response_id, r.uid, r.language, g.label, g.explanation, g.source_file,"
    " g.created_at FROM gold_items g JOIN responses r ON r.id = g.response_id"
)


class GoldItems(Subject):
    def add(
        self,
        response_id: int,
        label: str,
        explanation: str | None = None,
        source_file: str | None = None,
    ) -> str:
        """Make the response a gold item with `label` expected. Returns `inserted`,
        `existing` (the same label and explanation already stored) or `updated` (a corrected
        expected label or explanation replaces the stored one)."""
        self._project.labels.check(label)
        with self._project.transaction():
            row = self._conn.execute(
                "SELECT label, explanation FROM gold_items WHERE response_id = ?", (response_id,)
            ).fetchone()
            if row is not None and (row[0], row[1]) == (label, explanation):
                return "existing"
            self._conn.execute(
                "INSERT INTO gold_items (response_id, label, explanation, source_file,"
                " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id) DO UPDATE SET"
                " label = excluded.label, explanation = excluded.explanation,"
                " source_file = excluded.source_file",
                (response_id, label, explanation, source_file, now()),
            )
        return "inserted" if row is None else "updated"

    def get(self, response_id: int) -> GoldItem | None:
        rows = self._tuples(_ITEM + " WHERE g.response_id = ?", (response_id,))
        return GoldItem(*rows[0]) if rows else None

    def is_gold(self, response_id: int) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM gold_items WHERE response_id = ?", (response_id,)
        ).fetchone()
        return row is not None

    def all(self) -> list[GoldItem]:
        return [GoldItem(*row) for row in self._tuples(_ITEM + " ORDER BY g.response_id")]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM gold_items").fetchone()[0])

    def unseen_ids(self, annotator_id: int, languages: Sequence[str] = ()) -> list[int]:
        """Gold items (in `languages`, any when empty) the annotator has never labelled: no
        label row at all, so an item labelled and then undone is not offered again."""
        langs = list(dict.fromkeys(languages))
        where = f" AND r.language IN ({', '.join('?' * len(langs))})" if langs else ""
        rows = self._tuples(
            "SELECT g.response_id FROM gold_items g JOIN responses r ON r.id = g.response_id"
            " WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.response_id = g.response_id"
            f" AND l.annotator_id = ?){where} ORDER BY g.response_id",
            [annotator_id, *langs],
        )
        return [row[0] for row in rows]

    def rate(self) -> float:
        """The project's gold rate: `gold_rate` in meta, else DEFAULT_GOLD_RATE when the
        project has gold items, else 0."""
        value = self._project.meta(GOLD_RATE_KEY)
        if value is not None:
            return float(value)
        return DEFAULT_GOLD_RATE if self.count() else 0.0

    def set_rate(self, rate: float) -> None:
        self._project.set_meta(GOLD_RATE_KEY, repr(float(rate)))

    def answers(self) -> list[GoldAnswer]:
        """Every annotator's current label (undone ones left out) of every gold item, with
        the expected label, by annotator name then response id."""
        rows = self._tuples(
            "SELECT l.annotator_id, a.name, g.response_id, r.uid, r.language, l.label, g.label"
            " FROM gold_items g JOIN labels l ON l.response_id = g.response_id"
            " JOIN annotators a ON a.id = l.annotator_id"
            " JOIN responses r ON r.id = g.response_id"
            f" WHERE {current_label('l')} ORDER BY a.name, g.response_id"
        )
        return [GoldAnswer(*row) for row in rows]
