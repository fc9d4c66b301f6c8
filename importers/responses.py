"""Model responses from JSON Lines or CSV: the units of annotation.

Fields (each read from the column of the same name, or the one given with `--map FIELD=COLUMN`):

- `response` (required): the model's answer; an empty one is a bad row.
- `language` (required): an ISO code such as `ar`, `zh`, `sw`.
- `model`: required unless `--model M` names the model for rows that do not.
- `prompt_id` or `prompt` (one of them is required):
  `prompt_id` links to an imported prompt of that language by its key: `multijail:12`,
  `xsafety:Insult:17`, or plain `12` when only one dataset has that key (an unknown or ambiguous
  id is a bad row). `prompt` is the prompt's text: it links to an imported prompt with exactly
  that text in that language, else it becomes a prompt of dataset `user`.
- `id`: the response's own id; without one, a stable hash of model, prompt, response and language.
- `back_translation`, `category`, `scenario`: optional; category and scenario default to the
  linked prompt's.

The whole file is one transaction: a bad row stops it with one line (file:line: problem) and
nothing is written, unless `skip_bad` sends bad rows to a reject file. Rows are streamed and
written in chunks, so a file of millions of rows never sits in memory. Re-importing adds nothing:
an id already present is skipped (and if it names a different response text, that row is bad).

A re-import may carry fields the first import did not have (a back-translation mapped only now,
a category): with `update` they fill the empty `back_translation`, `category` and `scenario` of
the responses already present; a field that has a value, the text, the prompt and the model are
never changed, and labels are never touched. Without `update` the report counts the fields it
ignored (`extra["ignored"]`), so the CLI can say so.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from polyjudge.store import RESPONSE_IMPORT_COLUMNS, Project

from .common import (
    BadRow,
    ImportReport,
    ProgressCallback,
    Rejects,
    check_columns,
    column_names,
)
from .line_reader import RowError
from .reading import open_rows
from .response_rows import FIELDS, RowConverter
from .row_import import import_transaction

CHUNK_ROWS = 20_000


def import_responses(
    project: Project,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    model: str | None = None,
    skip_bad: bool = False,
    reject_file: Path | None = None,
    progress: ProgressCallback | None = None,
    update: bool = False,
) -> ImportReport:
    """Import a responses file in one transaction. See the module docstring."""
    names = column_names(mapping or {}, FIELDS)
    source = open_rows(path)
    required: list[str | tuple[str, ...]] = ["response", "language", ("prompt_id", "prompt")]
    if model is None:
        required.append("model")
    check_columns(path, source.columns, names, required)
    report = ImportReport("responses", str(path))
    rejects = Rejects(path, skip_bad=skip_bad, reject_file=reject_file)
    gc_was_enabled = gc.isenabled()
    # The import allocates millions of short-lived dicts and tuples and creates no reference
    # cycles; the cyclic collector would only rescan the rows held in the current chunk.
    gc.disable()
    try:
        with import_transaction(project, report, rejects), project.content.bulk_write():
            _import(project, source, names, model, rejects, report, progress, update)
    finally:
        if gc_was_enabled:
            gc.enable()
    return report


def _import(
    project: Project,
    source: Any,
    names: dict[str, str],
    default_model: str | None,
    rejects: Rejects,
    report: ImportReport,
    progress: ProgressCallback | None,
    update: bool = False,
) -> None:
    converter = RowConverter(project, names, default_model, str(source.path))
    convert = converter.fast
    chunk: list[tuple[Any, ...]] = []
    lines: list[int] = []
    rows = 0
    # Responses above this id were added by this file: a row whose id is one of them reuses an
    # id of an earlier line (an error), while an id from an earlier import is "already present".
    before = project.content.max_response_id()
    fields: Counter[str] = Counter()  # empty fields of earlier responses filled or ignored

    def flush(rows: int) -> None:
        chunk_start = project.content.max_response_id()
        try:
            with project.transaction():  # a savepoint: a failed chunk leaves nothing behind
                inserted, conflicts = project.content.insert_response_rows(chunk)
        except UnicodeEncodeError:
            _drop_unencodable(chunk, lines, rejects)
            inserted, conflicts = project.content.insert_response_rows(chunk)
        report.inserted += inserted
        if inserted < len(chunk):
            fields.update(project.content.fill_empty_response_fields(chunk, before, apply=update))
        reused = _reused(project, chunk, inserted, before, chunk_start)
        for i in conflicts:
            if i not in reused:
                rejects.add(
                    lines[i],
                    f"id {chunk[i][0]!r} is already in the project with a different response text",
                    row=_as_row(chunk[i]),
                )
        for i in sorted(reused):
            uid = chunk[i][0]
            first: int | str | None = next((lines[j] for j in range(i) if chunk[j][0] == uid), None)
            if first is None:
                first = _first_line(source, convert, uid, lines[i])
            rejects.add(
                lines[i],
                f"id {uid!r} is used twice in this file: on line {first} and on line {lines[i]}",
                row=_as_row(chunk[i]),
            )
        report.existing += len(chunk) - inserted - len(set(conflicts) | reused)
        chunk.clear()
        lines.clear()
        if progress is not None:
            progress(source.bytes_read, source.size, rows)

    append, add_line = chunk.append, lines.append
    for rows, (line, row) in enumerate(source.rows(), 1):
        if type(row) is RowError:
            rejects.add_error(row)
            continue
        try:
            append(convert(row))
        except BadRow as exc:
            rejects.add(line, str(exc), row=row)
            continue
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=row)
            continue
        add_line(line)
        if len(chunk) >= CHUNK_ROWS:
            flush(rows)
    if chunk or progress is not None:
        flush(rows)
    report.rows = rows
    report.blank = source.blank
    report.extra["prompts_created"] = converter.linker.created
    report.extra["filled" if update else "ignored"] = dict(sorted(fields.items()))


def _reused(
    project: Project, chunk: list[tuple[Any, ...]], inserted: int, before: int, chunk_start: int
) -> set[int]:
    """Indexes of the rows of a just-inserted chunk whose id an earlier line of the same file
    already gave: the id was added by this import (above `before`) by an earlier chunk (at most
    `chunk_start`) or by an earlier row of this chunk."""
    if inserted == len(chunk):
        return set()
    ours = project.content.response_ids_after([values[0] for values in chunk], before)
    reused: set[int] = set()
    first_here: set[str] = set()
    for i, values in enumerate(chunk):
        found = ours.get(values[0])
        if found is None:
            continue
        if found > chunk_start and values[0] not in first_here:
            first_here.add(values[0])  # this row added it
        else:
            reused.add(i)
    return reused


def _first_line(
    source: Any, convert: Callable[[dict[str, Any]], tuple[Any, ...]], uid: str, before: int
) -> int | str:
    """The line before `before` that gives the response id `uid`: the file is read again up to
    there (only for a file that reuses an id, which stops the import or is rejected)."""
    again = open_rows(source.path, source.kind)
    for line, row in again.rows():
        if line >= before:
            break
        if isinstance(row, RowError):
            continue
        try:
            if convert(row)[0] == uid:
                return line
        except (BadRow, UnicodeEncodeError):
            continue
    return "an earlier line"


def _as_row(values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(RESPONSE_IMPORT_COLUMNS, values, strict=True))


def _surrogate_problem(exc: UnicodeEncodeError) -> str:
    char = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, str) else ""
    return f"text with an unpaired surrogate {char.encode('unicode_escape').decode()} (not Unicode)"


def _drop_unencodable(chunk: list[tuple[Any, ...]], lines: list[int], rejects: Rejects) -> None:
    """Remove (and reject) the rows of a chunk that SQLite cannot store as UTF-8."""
    keep = []
    for values, line in zip(chunk, lines, strict=True):
        try:
            for value in values:
                if type(value) is str:
                    value.encode("utf-8")
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=_as_row(values))
            continue
        keep.append((values, line))
    chunk[:] = [k[0] for k in keep]
    lines[:] = [k[1] for k in keep]
