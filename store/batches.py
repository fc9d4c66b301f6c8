"""Batch API bookkeeping: which batches a judge run sent, and which responses each line answers
(owned by the judge work; the tables are created by the migration step
`0002_judge_batches_and_call_links`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass

from .clock import now
from .records import Record
from .subject import Subject


@dataclass(frozen=True, slots=True)
class JudgeBatch(Record):
    id: str
    run_id: int
    status: str
    requests: int
    done: int = 0
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True, slots=True)
class BatchItem(Record):
    custom_id: str
    response_id: int
    input_hash: str
    input_source: str | None = None


class Batches(Subject):
    def add(self, batch: JudgeBatch, items: Sequence[BatchItem]) -> None:
        with self._project.transaction():
            self._conn.execute(
                "INSERT INTO judge_batches (id, run_id, input_file_id, status, requests, done,"
                " created_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                (batch.id, batch.run_id, batch.input_file_id, batch.status, batch.requests, now()),
            )
            self._conn.executemany(
                "INSERT INTO judge_batch_items (batch_id, custom_id, response_id, input_hash,"
                " input_source) VALUES (?, ?, ?, ?, ?)",
                [(batch.id, *astuple(i)) for i in items],
            )
            self._conn.execute(
                "UPDATE judge_runs SET batch_id = ?, status = 'batch' WHERE id = ?",
                (batch.id, batch.run_id),
            )

    def add_items(self, batch_id: str, items: Sequence[BatchItem]) -> None:
        """More responses answered by requests already in a batch (the same input)."""
        with self._project.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO judge_batch_items (batch_id, custom_id, response_id,"
                " input_hash, input_source) VALUES (?, ?, ?, ?, ?)",
                [(batch_id, *astuple(i)) for i in items],
            )

    def get(self, batch_id: str) -> JudgeBatch | None:
        row = self._conn.execute("SELECT * FROM judge_batches WHERE id = ?", (batch_id,)).fetchone()
        return JudgeBatch.from_row(row) if row else None

    def open(self, kind: str | None = None) -> list[JudgeBatch]:
        """Batches not collected yet; with `kind`, only those of runs of that kind (`judge`,
        `generate`)."""
        sql, params = "SELECT b.* FROM judge_batches b", list[str]()
        if kind is not None:
            sql += " JOIN judge_runs r ON r.id = b.run_id AND r.kind = ?"
            params.append(kind)
        rows = self._conn.execute(sql + " WHERE b.done = 0 ORDER BY b.created_at", params)
        return [JudgeBatch.from_row(r) for r in rows]

    def items(self, batch_id: str) -> list[BatchItem]:
        rows = self._conn.execute(
            "SELECT custom_id, response_id, input_hash, input_source FROM judge_batch_items"
            " WHERE batch_id = ? ORDER BY response_id",
            (batch_id,),
        )
        return [BatchItem.from_row(r) for r in rows]

    def update(
        self,
        batch_id: str,
        *,
        status: str,
        output_file_id: str | None = None,
        error_file_id: str | None = None,
        done: bool = False,
    ) -> None:
        with self._project.transaction():
            self._conn.execute(
                "UPDATE judge_batches SET status = ?, output_file_id = coalesce(?, output_file_id),"
                " error_file_id = coalesce(?, error_file_id), done = ?, finished_at = ?"
                " WHERE id = ?",
                (
                    status,
                    output_file_id,
                    error_file_id,
                    int(done),
                    now() if done else None,
                    batch_id,
                ),
            )
