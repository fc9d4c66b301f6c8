"""Existing human labels (an earlier annotation round, another tool's output) from JSON Lines
or CSV.

Fields, read from the column of the same name or the one given with `--map FIELD=COLUMN`:

- `item` (required): the response's id (`uid`) in this project.
- `annotator` (required): registered on first use.
- `label` (required): one of the project's labels; anything else is a bad row.
- `note`, `unsure` (true/false), `created_at` (ISO 8601; else the time of the import),
  `time_ms`: optional.
- `text`, `language`, `model`, `prompt_id`, `prompt`, `back_translation`, `category`,
  `scenario`: when the item is not in the project yet and the row carries its `text` (and
  `language`), the response is created from the row, linked to its prompt as in
  `import responses`. Without text, an unknown item is a bad row.
- `uid`: the label's own id. Without one it is a hash of item, annotator, label, note, unsure
  and the row's `created_at`, so importing the same file twice adds nothing.

Labels are appended as `Project.add_label` does (the annotator's newer label supersedes the
older); the whole file is one transaction, and a bad row stops it unless `skip_bad` is set.
Other label formats (Label Studio, Prodigy) provide a `source` with the same field names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from polyjudge.store import Project, now

from .common import (
    BadRow,
    ImportReport,
    ProgressCallback,
    Rejects,
    check_columns,
    check_row_columns,
    column_names,
    flag_value,
    project_label,
    required_text,
    text_value,
)
from .label_items import ItemFinder
from .reading import Source, open_rows
from .row_import import add_rows, import_transaction

FIELDS = (
    "item",
    "annotator",
    "label",
    "note",
    "unsure",
    "created_at",
    "time_ms",
    "uid",
    "text",
    "language",
    "model",
    "prompt_id",
    "prompt",
    "back_translation",
    "category",
    "scenario",
)
REQUIRED = ("item", "annotator", "label")
MAX_TIME_MS = 366 * 24 * 3600 * 1000


def label_uid(
    item: str, annotator: str, label: str, note: str | None, unsure: bool, created_at: str | None
) -> str:
    h = hashlib.sha256()
    for part in (
        "label",
        item,
        annotator,
        label,
        note or "",
        "1" if unsure else "0",
        created_at or "",
    ):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def parse_time(value: Any, column: str) -> str:
    """An ISO 8601 time (or seconds since the epoch) as UTC text like `now()` writes it."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and len(value) <= 64:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        else:
            raise ValueError(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    except (ValueError, OverflowError, OSError):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise BadRow(f"{column!r} is not an ISO 8601 time: {shown}") from None
    return text.replace("+00:00", "Z")


def import_labels(
    project: Project,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    skip_bad: bool = False,
    reject_file: Path | None = None,
    progress: ProgressCallback | None = None,
    source: Any = None,
) -> ImportReport:
    """Import a labels file in one transaction. `source` (a row source with `rows()`, e.g. a
    Label Studio export reader) replaces reading PATH as CSV / JSON Lines."""
    names = column_names(mapping or {}, FIELDS)
    if source is None:
        source = open_rows(path)
    check_columns(path, source.columns, names, REQUIRED)
    report = ImportReport("labels", str(path))
    rejects = Rejects(path, skip_bad=skip_bad, reject_file=reject_file)
    with import_transaction(project, report, rejects):
        LabelImport(project, source, names, rejects, report, progress).run()
    return report


class LabelImport:
    def __init__(
        self,
        project: Project,
        source: Source,
        names: dict[str, str],
        rejects: Rejects,
        report: ImportReport,
        progress: ProgressCallback | None,
    ) -> None:
        self.project = project
        self.source = source
        self.n = names
        self.rejects = rejects
        self.report = report
        self.progress = progress
        self.annotators: dict[str, int] = {}
        # uid -> the line that gave it: a uid used twice in one file is a bad row, while a uid
        # from an earlier import is "already present" (re-importing adds nothing).
        self.seen: dict[str, int] = {}
        self.finder = ItemFinder(project, names, str(getattr(source, "path", "") or report.file))

    def run(self) -> None:
        add_rows(self.source, self.add, self.rejects, self.report, self.progress)
        self.report.extra["items_created"] = self.finder.created
        self.report.extra["annotators"] = len(self.annotators)

    def add(self, row: dict[str, Any], line: int = 0) -> None:
        n = self.n
        check_row_columns(row, n, REQUIRED)
        item = required_text(row, n["item"], "item")
        annotator = required_text(row, n["annotator"], "annotator")
        label = project_label(self.project.label_set, required_text(row, n["label"], "label"))
        note = text_value(row, n["note"], "note")
        unsure = flag_value(row, n["unsure"])
        raw_time = row.get(n["created_at"])
        created_at = parse_time(raw_time, n["created_at"]) if raw_time not in (None, "") else None
        time_ms = self._time_ms(row)
        given = text_value(row, n["uid"], "uid")
        uid = (
            given.strip() if given else label_uid(item, annotator, label, note, unsure, created_at)
        )
        first = self.seen.get(uid)
        if first is not None:
            if given:
                raise BadRow(
                    f"uid {uid!r} is used twice in this file: on line {first} and on line {line}"
                )
            raise BadRow(
                f"line {line} repeats the label on line {first} (the same item, "
                "annotator, label, note, unsure and created_at)"
            )
        self.seen[uid] = line
        if self.project.labels.uid_exists(uid):
            self.report.existing += 1
            return
        response_id = self.finder.response_id(item, row)
        annotator_id = self._annotator(annotator)
        self.project.labels.add(
            response_id,
            annotator_id,
            label,
            unsure=unsure,
            note=note,
            time_ms=time_ms,
            source="import",
            uid=uid,
            created_at=created_at or now(),
        )
        self.report.inserted += 1

    def _time_ms(self, row: dict[str, Any]) -> int | None:
        value = row.get(self.n["time_ms"])
        if value in (None, ""):
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise TypeError(value)
            ms = int(value)
        except (TypeError, ValueError, OverflowError):
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            raise BadRow(f"{self.n['time_ms']!r} must be a whole number, found {shown}") from None
        if ms < 0:
            raise BadRow(f"{self.n['time_ms']!r} must not be negative")
        if ms > MAX_TIME_MS:
            raise BadRow(f"{self.n['time_ms']!r} is {ms:,} ms, more than a year")
        return ms

    def _annotator(self, name: str) -> int:
        found = self.annotators.get(name)
        if found is None:
            found = self.project.annotators.ensure(name).id
            self.annotators[name] = found
        return found
