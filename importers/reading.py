"""Reading input files as a stream of rows with their line numbers.

Every reader here checks what a careless file gets wrong: it must be UTF-8 (a BOM is fine), it
must not contain NUL bytes, CSV quoting must close, a JSON line must be one object. A problem in
one row is handed on as a `RowError` (line, problem) in place of the row, so that the importer can
either stop with one clear line (`InputError`) or, with `--skip-bad`, write the row to a reject
file and go on. Files are read in binary, a line at a time, and `bytes_read` follows the position
so that a progress bar can show an ETA.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from polyjudge.store import InputError

# Responses can be long; the csv module's default cap is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
NUL = b"\x00"


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row: its (first) line and what is wrong with it."""

    line: int
    problem: str
    raw: str = ""


def _decode_problem(raw: bytes, exc: UnicodeDecodeError) -> str:
    byte = raw[exc.start : exc.start + 1].hex()
    return f"not UTF-8 text (byte 0x{byte} at column {exc.start + 1}); save the file as UTF-8"


def _printable(raw: bytes) -> str:
    """The raw bytes of a bad line, kept for the reject file without losing information."""
    return raw.decode("utf-8", errors="backslashreplace").rstrip("\r\n")


class LineReader:
    """Decoded lines of a file, numbered from 1, with the byte position for progress.

    A bad line (not UTF-8, a NUL byte) is recorded in `errors` and replaced by an empty line;
    the row readers turn the record into a `RowError`. A UTF-16 file fails at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.line = 0
        self.errors: list[RowError] = []
        self._file: BinaryIO | None = None
        self._done = 0

    @property
    def bytes_read(self) -> int:
        f = self._file
        if f is not None and not f.closed:
            return f.tell()
        return self._done

    def raw_lines(self) -> Iterator[bytes]:
        """The file's lines as bytes (a UTF-8 BOM removed), for readers that decode
        themselves; `bytes_read` follows the position."""
        with self.path.open("rb") as f:
            self._file = f
            first = f.readline()
            if first.startswith(UTF16_BOMS):
                problem = "UTF-16 text; polyjudge reads UTF-8 (save it as UTF-8)"
                raise InputError(str(self.path), 1, problem)
            if first:
                yield first.removeprefix(UTF8_BOM)
            yield from f
            self._done = f.tell()
        self._file = None

    def bad_line(self, line: int, raw: bytes) -> RowError | None:
        """The problem with a line that failed to decode or has a NUL byte."""
        nul = raw.find(NUL)
        if nul >= 0:
            return RowError(line, f"NUL byte at column {nul + 1}", _printable(raw))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(line, _decode_problem(raw, exc), _printable(raw))
        return None

    def __iter__(self) -> Iterator[str]:
        errors = self.errors
        for raw in self.raw_lines():
            self.line += 1
            if NUL in raw:
                errors.append(self.bad_line(self.line, raw))  # type: ignore[arg-type]
                yield "\n"
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append(self.bad_line(self.line, raw))  # type: ignore[arg-type]
                yield "\n"


Row = tuple[int, dict[str, Any] | RowError]


class JsonlSource:
    """Rows of a JSON Lines file: one JSON object per line; blank lines are skipped."""

    kind = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = LineReader(path)
        self.columns: tuple[str, ...] | None = None
        self.blank = 0

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read

    @property
    def size(self) -> int:
        return self.lines.size

    def rows(self) -> Iterator[Row]:
        # The hot loop of a million-row import: kept flat, checks on the common path only.
        # `scan_once` is what `json.loads` calls after two regex calls for surrounding
        # whitespace; any line it cannot take whole goes to `_slow`, which uses json.loads.
        scan = json.JSONDecoder().scan_once
        n = 0
        for raw in self.lines.raw_lines():
            n += 1
            try:
                if NUL in raw:
                    raise ValueError
                text = raw.decode("utf-8")
                obj, end = scan(text, 0)
                if end != len(text) and not text[end:].isspace():
                    raise ValueError
            except (ValueError, StopIteration):  # bad UTF-8, bad JSON, leading blanks
                row = self._slow(n, raw)
                if row is not None:
                    yield row
                continue
            if type(obj) is dict:
                yield n, obj
            else:
                problem = f"expected a JSON object, found {_json_kind(obj)}"
                yield n, RowError(n, problem, _printable(raw))

    def _slow(self, n: int, raw: bytes) -> Row | None:
        """Line N the fast path did not take: a row, a `RowError` saying exactly what is
        wrong, or None for a blank line (counted in `blank`)."""
        bad = self.lines.bad_line(n, raw)
        if bad is not None:
            return n, bad
        text = raw.decode("utf-8").rstrip("\r\n")
        if not text.strip():
            self.blank += 1
            return None
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            return n, RowError(n, f"bad JSON: {exc.msg} at column {exc.colno}", _printable(raw))
        except ValueError as exc:
            return n, RowError(n, f"bad JSON: {exc}", _printable(raw))
        if type(obj) is not dict:
            return n, RowError(n, f"expected a JSON object, found {_json_kind(obj)}", text)
        return n, obj


def _json_kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), "a number")


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


Source = JsonlSource | CsvSource


def open_rows(path: Path, fmt: str | None = None) -> Source:
    """A row source for PATH: CSV or JSON Lines, by extension, else by sniffing the first
    non-blank character (`{` means JSON Lines)."""
    check_file(path)
    if (fmt or sniff_format(path)) == "jsonl":
        return JsonlSource(path)
    return CsvSource(path)


def check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(str(path), None, "no such file")
    if path.is_dir():
        raise InputError(str(path), None, "is a directory, not a file")


def sniff_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    with path.open("rb") as f:
        head = f.read(4096).removeprefix(UTF8_BOM).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"
