"""The frame of an import that reads a file row by row (responses, labels, gold items): the
whole file in one transaction that ends with the import logged, or leaves the project as it
was; and the loop that hands each row to the importer and sends bad ones to the reject file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from polyjudge.store import Project

from .common import BadRow, ImportReport, ProgressCallback, Rejects, refuse_if_all_bad
from .line_reader import RowError

PROGRESS_EVERY = 1_000  # rows between two calls of the progress callback


@contextmanager
def import_transaction(project: Project, report: ImportReport, rejects: Rejects) -> Iterator[None]:
    """One import as one transaction. The block adds the rows; then the report takes the
    count of bad rows and the reject file, an import whose every row was bad is refused
    (`refuse_if_all_bad`), and the import is logged as an `import` event. When anything
    fails the transaction rolls back and the partial reject file is removed."""
    try:
        with project.transaction():
            yield
            report.bad = rejects.count
            report.rejects = rejects.close()
            refuse_if_all_bad(report)
            project.log_event("import", **report.event())
    except BaseException:
        rejects.close(failed=True)
        raise


def add_rows(
    source: Any,
    add: Callable[[dict[str, Any], int], None],
    rejects: Rejects,
    report: ImportReport,
    progress: ProgressCallback | None,
) -> None:
    """Each row of `source` through `add(row, line)`. A row the reader could not parse, one
    `add` finds bad (`BadRow`) and one with text that is not Unicode (an unpaired surrogate)
    go to `rejects`; `progress` hears every `PROGRESS_EVERY` rows and at the end. Sets the
    report's `rows` and `blank`."""
    rows = 0
    for line, row in source.rows():
        rows += 1
        if isinstance(row, RowError):
            rejects.add_error(row)
        else:
            try:
                add(row, line)
            except BadRow as exc:
                rejects.add(line, str(exc), row=row)
            except UnicodeEncodeError:
                rejects.add(line, "text with an unpaired surrogate (not Unicode)", row=row)
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(source.bytes_read, source.size, rows)
    if progress is not None:
        progress(source.bytes_read, source.size, rows)
    report.rows = rows
    report.blank = source.blank
