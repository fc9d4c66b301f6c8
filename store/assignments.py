"""Sample batches: the items `polyjudge sample` chose for human labelling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .clock import now
from .subject import Subject


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    response_id: int
    batch: str
    stratum: str | None
    weight: float | None
    created_at: str


class Assignments(Subject):
    def add(self, batch: str, rows: Iterable[tuple[int, str | None, float | None]]) -> int:
        """Record sampled items: (response id, stratum, weight) under a batch name, in the
        order the queue is to walk them (`queue`; `polyjudge sample` gives a random one).
        Returns how many were new (a batch never lists a response twice)."""
        created = now()
        before = self._conn.total_changes
        with self._project.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO assignments (response_id, batch, stratum, weight,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                ((rid, batch, stratum, weight, created) for rid, stratum, weight in rows),
            )
        return self._conn.total_changes - before

    def all(self, batch: str | None = None) -> list[Assignment]:
        sql = "SELECT id, response_id, batch, stratum, weight, created_at FROM assignments"
        params: tuple[Any, ...] = ()
        if batch is not None:
            sql += " WHERE batch = ?"
            params = (batch,)
        return [Assignment(*r) for r in self._tuples(sql + " ORDER BY id", params)]

    def batches(self) -> list[str]:
        """Sample batch names, oldest first (`polyjudge sample`'s batches)."""
        rows = self._conn.execute("SELECT batch FROM assignments GROUP BY batch ORDER BY min(id)")
        return [row[0] for row in rows]

    def latest_stratifying_run_id(self) -> int | None:
        """The judge run that stratified the latest stratified sample (strata `judge:<id>:…`)."""
        rows = self._tuples(
            "SELECT stratum FROM assignments WHERE stratum LIKE 'judge:%' ORDER BY id DESC LIMIT 1"
        )
        if not rows:
            return None
        part = rows[0][0].split(":")[1]
        return int(part) if part.isdigit() else None

    def stratifying_run_ids(self) -> set[int]:
        """Judge runs whose verdicts stratified some sample batch."""
        rows = self._tuples("SELECT DISTINCT stratum FROM assignments WHERE stratum LIKE 'judge:%'")
        parts = [r[0].split(":")[1] for r in rows]
        return {int(p) for p in parts if p.isdigit()}
