"""Writing what a harness importer read: responses (validated and linked to prompts exactly as
`import responses` does, through `RowConverter`), and each scorer, detector or grader of the
harness as a judge run (kind `judge`, named `HARNESS:SCORER`, no base URL) holding its scores as
verdicts.

All in one transaction: the first bad record stops the import with one line naming the file, the
record and the problem, and nothing is written. Importing the same file again adds nothing (a
response id already present is skipped; a verdict already stored for that run and response is
kept).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, JudgeRun, NewVerdict, Project, content_hash

from .common import BadRow, ImportReport
from .harness_records import HarnessResponse
from .response_rows import FIELDS, RowConverter

CHUNK = 1000
BT_ENGINE_AT = 9  # in the tuple RowConverter builds (RESPONSE_IMPORT_COLUMNS order)
TEXT_AT, BT_AT = 6, 8


def write_harness(
    project: Project,
    path: Path,
    harness: str,
    records: Iterable[HarnessResponse],
    extra: dict[str, Any] | None = None,
) -> ImportReport:
    """Import a harness's responses and scores in one transaction. `records` is read lazily,
    inside the transaction, so a bad record found late still leaves the project unchanged."""
    report = ImportReport(harness, str(path))
    with project.transaction(), project.content.bulk_write():
        writer = _Writer(project, path, harness, report)
        for record in records:
            writer.add(record)
        writer.flush()
        if report.rows == 0:
            raise InputError(str(path), None, f"no model responses found in this {harness} file")
        writer.finish()
        report.extra.update(extra or {})
        project.log_event("import", **report.event())
    return report


class _Writer:
    def __init__(self, project: Project, path: Path, harness: str, report: ImportReport) -> None:
        self.project = project
        self.path = path
        self.harness = harness
        self.report = report
        self.convert = RowConverter(project, {f: f for f in FIELDS}, None, str(path)).slow
        self.chunk: list[tuple[tuple[Any, ...], HarnessResponse]] = []
        self.seen: dict[str, str] = {}
        self.runs: dict[str, JudgeRun] = {}
        self.verdicts: Counter[str] = Counter()
        self.unmapped: dict[str, Counter[str]] = {}

    def bad(self, record: HarnessResponse, problem: str) -> InputError:
        return InputError(str(self.path), record.line, f"{record.where}: {problem}")

    def add(self, record: HarnessResponse) -> None:
        self.report.rows += 1
        first = self.seen.get(record.uid)
        if first is not None:
            raise self.bad(record, f"the same response as {first} (id {record.uid!r})")
        self.seen[record.uid] = record.where
        try:
            values = self.convert({**record.row, "id": record.uid})
            for value in values:
                if type(value) is str:
                    value.encode("utf-8")
        except BadRow as exc:
            raise self.bad(record, str(exc)) from None
        except UnicodeEncodeError:
            raise self.bad(record, "text with an unpaired surrogate (not Unicode)") from None
        if record.bt_engine and values[BT_AT]:
            values = (*values[:BT_ENGINE_AT], record.bt_engine, *values[BT_ENGINE_AT + 1 :])
        self.chunk.append((values, record))
        if len(self.chunk) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.chunk:
            return
        rows = [values for values, _ in self.chunk]
        inserted, conflicts = self.project.content.insert_response_rows(rows)
        if conflicts:
            values, record = self.chunk[conflicts[0]]
            raise self.bad(
                record, f"id {values[0]!r} is already in the project with a different response"
            )
        self.report.inserted += inserted
        self.report.existing += len(rows) - inserted
        ids = self.project.content.response_ids_after([v[0] for v in rows], 0)
        verdicts = [
            self._verdict(score, ids[values[0]], values)
            for values, record in self.chunk
            for score in record.scores
        ]
        self.project.judging.record_results(verdicts=verdicts)
        self.chunk.clear()

    def _verdict(self, score: Any, response_id: int, values: tuple[Any, ...]) -> NewVerdict:
        run = self._run(score.scorer)
        self.verdicts[run.name] += 1
        label = score.label if score.label in self.project.label_set else "unparsed"
        if label == "unparsed":
            first_line = score.raw.split("\n", 1)[0]
            self.unmapped.setdefault(run.name, Counter())[first_line[:80]] += 1
        return NewVerdict(
            run_id=run.id,
            response_id=response_id,
            label=label,
            p_unsafe=score.p_unsafe,
            raw=score.raw,
            template_name=run.template_name,
            template_hash=run.template_hash,
            input_hash=content_hash(values[TEXT_AT], values[BT_AT]),
            tokens_in=None,
            tokens_out=None,
            latency_ms=None,
            input_source=json.dumps({"harness": self.harness, "file": str(self.path)}),
        )

    def _run(self, scorer: str) -> JudgeRun:
        run = self.runs.get(scorer)
        if run is None:
            name = f"{self.harness}:{scorer}"
            run = self.project.judging.find_or_create_run(
                name=name,
                kind="judge",
                model=name,
                base_url=None,
                template_name=f"{self.harness} scorer",
                template_hash=content_hash(self.harness, scorer),
                params={"harness": self.harness, "scorer": scorer, "imported_from": str(self.path)},
            )
            self.runs[scorer] = run
        return run

    def finish(self) -> None:
        for run in self.runs.values():
            self.project.judging.set_run_status(run.id, "finished")
        self.report.extra["judge_runs"] = dict(self.verdicts)
        if self.unmapped:
            self.report.extra["unmapped_scores"] = {
                name: dict(values.most_common(5)) for name, values in self.unmapped.items()
            }
