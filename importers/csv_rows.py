"""Rows of a CSV file, with strict quoting and row widths checked against the header."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from polyjudge.store import InputError

from .line_reader import LineReader, Row, RowError

# Responses can be long; the csv module's default cap is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CsvSource:
    """Rows of a CSV file, as dicts keyed by the header's column names (or, for headerless
    files, raw records from `records()`).

    Quoting is parsed strictly: a quote that never closes, or text after a closing quote, makes
    a bad row. So does a row with fewer cells than the header, or more (unless the extra cells
    are empty, as trailing commas leave them). Blank lines are skipped and counted.
    """

    kind = "csv"

    def __init__(self, path: Path, *, header: bool = True) -> None:
        self.path = path
        self.lines = LineReader(path)
        self.columns: tuple[str, ...] | None = None
        self.blank = 0
        self._records = self._parse()
        if header:
            self._read_header()

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read

    @property
    def size(self) -> int:
        return self.lines.size

    def _parse(self) -> Iterator[tuple[int, list[str] | RowError]]:
        """Records with the line each starts on. csv.reader's `line_num` counts the lines it
        has consumed, so a record starts one line after the previous record ended."""
        lines = self.lines
        reader = csv.reader(lines, strict=True)
        errors = lines.errors
        end = 0
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                end = reader.line_num
                yield start, RowError(start, _csv_problem(str(exc), end))
                continue
            end = reader.line_num
            if errors:
                # A bad line (encoding, NUL) was blanked out; the record it was in is lost.
                while errors:
                    bad = errors.pop(0)
                    yield bad.line, bad
                continue
            yield start, fields

    def _read_header(self) -> None:
        for line, record in self._records:
            if isinstance(record, RowError):
                raise InputError(str(self.path), line, record.problem)
            if not "".join(record).strip():
                continue
            names = tuple(name.strip() for name in record)
            seen: set[str] = set()
            for name in names:
                if name and name in seen:
                    raise InputError(str(self.path), line, f"column {name!r} appears twice")
                seen.add(name)
            self.columns = names
            return
        raise InputError(str(self.path), None, "empty file: no header line")

    def records(self) -> Iterator[tuple[int, list[str] | RowError]]:
        """Raw records (lists of cells), for headerless files; blank records are counted in
        `blank` and yielded as empty lists so that callers can keep positions aligned."""
        for line, record in self._records:
            if not isinstance(record, RowError) and not "".join(record).strip():
                self.blank += 1
                record = []
            yield line, record

    def rows(self) -> Iterator[Row]:
        assert self.columns is not None
        columns = self.columns
        width = len(columns)
        for line, record in self._records:
            if isinstance(record, RowError):
                yield line, record
                continue
            if len(record) != width:
                if not "".join(record).strip():
                    self.blank += 1
                    continue
                if len(record) < width or any(c.strip() for c in record[width:]):
                    problem = f"expected {width} cells (as in the header), found {len(record)}"
                    yield line, RowError(line, problem, json.dumps(record, ensure_ascii=False))
                    continue
                record = record[:width]
            yield line, dict(zip(columns, record, strict=True))


def _csv_problem(message: str, end: int) -> str:
    if "unexpected end of data" in message:
        return (
            "bad CSV quoting: a quoted cell that starts on this line never closes "
            f"(it runs to line {end}, the end of the file)"
        )
    if "expected after" in message:
        return f"bad CSV quoting: {message} (text after a closing quote)"
    return f"bad CSV: {message}"
