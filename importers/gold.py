"""Gold items from JSON Lines or CSV: existing responses with a known expected label.

Fields, read from the column of the same name or the one given with `--map FIELD=COLUMN`:

- `uid` (required): the response's id in this project; an unknown one is a bad row (a gold
  item is a response annotators are shown, so it must exist already).
- `label` (required): the expected label, one of the project's labels (case-insensitive when
  that is unambiguous); anything else is a bad row.
- `explanation`: optional; shown with `annotate --gold-feedback` after the item is labelled.

The whole file is one transaction; a bad row stops it unless `skip_bad` is set. Importing the
same file again adds nothing; a row with another label or explanation for a gold item
corrects it (counted as `updated`). `rate` also sets the project's gold rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, Project

from .common import (
    BadRow,
    ImportReport,
    ProgressCallback,
    Rejects,
    check_columns,
    check_row_columns,
    column_names,
    project_label,
    required_text,
    text_value,
)
from .reading import open_rows
from .row_import import add_rows, import_transaction

FIELDS = ("uid", "label", "explanation")
REQUIRED = ("uid", "label")


def import_gold(
    project: Project,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    skip_bad: bool = False,
    reject_file: Path | None = None,
    progress: ProgressCallback | None = None,
    rate: float | None = None,
) -> ImportReport:
    """Import a gold-items file in one transaction (with `rate`, the gold rate too)."""
    if rate is not None and not 0.0 <= rate <= 1.0:
        raise InputError(str(path), None, f"--rate {rate}: the gold rate must be between 0 and 1")
    names = column_names(mapping or {}, FIELDS)
    source = open_rows(path)
    check_columns(path, source.columns, names, REQUIRED)
    report = ImportReport("gold", str(path))
    report.extra["updated"] = 0
    rejects = Rejects(path, skip_bad=skip_bad, reject_file=reject_file)
    seen: dict[str, int] = {}

    def add(row: dict[str, Any], line: int) -> None:
        _add(project, row, line, names, seen, report)

    with import_transaction(project, report, rejects):
        add_rows(source, add, rejects, report, progress)
        if rate is not None:
            project.gold_items.set_rate(rate)
            report.extra["rate"] = rate
    return report


def _add(
    project: Project,
    row: dict[str, Any],
    line: int,
    n: dict[str, str],
    seen: dict[str, int],
    report: ImportReport,
) -> None:
    check_row_columns(row, n, REQUIRED)
    uid = required_text(row, n["uid"], "uid")
    label = project_label(project.label_set, required_text(row, n["label"], "label"))
    explanation = text_value(row, n["explanation"], "explanation")
    first = seen.get(uid)
    if first is not None:
        raise BadRow(f"uid {uid!r} is a gold item twice in this file: on line {first} and {line}")
    seen[uid] = line
    response_id = project.content.response_id_by_uid(uid)
    if response_id is None:
        raise BadRow(f"unknown uid {uid!r}: no response with that id in the project")
    outcome = project.gold_items.add(
        response_id, label, explanation.strip() if explanation else None, report.file
    )
    if outcome == "inserted":
        report.inserted += 1
    elif outcome == "existing":
        report.existing += 1
    else:
        report.inserted += 1
        report.extra["updated"] += 1
