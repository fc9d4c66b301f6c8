"""Reading input files as a stream of rows with their line numbers.

Every reader here checks what a careless file gets wrong: it must be a regular file (a FIFO, a
device, a socket or a directory is refused before it is opened, so nothing hangs or reads
forever), it must be UTF-8 (a BOM is fine), it must not contain NUL bytes, no line may be longer
than `MAX_LINE_BYTES`, CSV quoting must close, a JSON line must be one object nested at most
`MAX_JSON_DEPTH` deep. A problem in
one row is handed on as a `RowError` (line, problem) in place of the row, so that the importer can
either stop with one clear line (`InputError`) or, with `--skip-bad`, write the row to a reject
file and go on. Files are read in binary, a line at a time, and `bytes_read` follows the position
so that a progress bar can show an ETA.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from polyjudge.store import InputError

# Responses can be long; the csv module's default cap is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# One line (a JSON Lines row, a CSV line) longer than this is refused: a sanity limit that keeps
# a file with no line breaks (a disk image, a binary dump) from being read into memory whole.
MAX_LINE_BYTES = 64 * 1024 * 1024
# Deeper JSON nesting than this is refused (an answer is an object of texts; json itself would
# die with RecursionError a little deeper).
MAX_JSON_DEPTH = 200

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
        self.size = check_file(path).st_size
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
        limit = MAX_LINE_BYTES + 1
        with open_regular(self.path) as f:
            self._file = f
            readline = f.readline
            first = readline(limit)
            if first.startswith(UTF16_BOMS):
                problem = "UTF-16 text; polyjudge reads UTF-8 (save it as UTF-8)"
                raise InputError(str(self.path), 1, problem)
            line, raw = 1, first.removeprefix(UTF8_BOM)
            while first:
                if len(first) == limit and not first.endswith(b"\n"):
                    raise InputError(str(self.path), line, _long_line())
                yield raw
                first = raw = readline(limit)
                line += 1
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
        # typeshed omits `scan_once` (an attribute set in JSONDecoder.__init__)
        scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
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
            except (ValueError, StopIteration, RecursionError):  # bad UTF-8 or JSON, blanks
                row = self._slow(n, raw)
                if row is not None:
                    yield row
                continue
            if type(obj) is dict:
                if "[" in text or text.count("{") > MAX_JSON_DEPTH:
                    problem = depth_problem(obj)
                    if problem:
                        yield n, RowError(n, problem, _printable(raw))
                        continue
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
            if n == 1 and text.lstrip().startswith("["):
                array = "a JSON array, not JSON Lines (one JSON object per line)"
                return n, RowError(n, array, _printable(raw))
            return n, RowError(n, f"bad JSON: {exc.msg} at column {exc.colno}", _printable(raw))
        except ValueError as exc:
            return n, RowError(n, f"bad JSON: {exc}", _printable(raw))
        except RecursionError:
            return n, RowError(n, too_deep(), _printable(raw))
        if type(obj) is not dict:
            return n, RowError(n, f"expected a JSON object, found {_json_kind(obj)}", text)
        problem = depth_problem(obj)
        if problem:
            return n, RowError(n, problem, _printable(raw))
        return n, obj


def too_deep() -> str:
    return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"


def _long_line() -> str:
    return (
        f"a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB (the limit for one "
        "line; is this a text file?)"
    )


def depth_problem(value: Any) -> str | None:
    """`too_deep()` when VALUE nests lists and objects deeper than MAX_JSON_DEPTH, else None.
    Iterative, so that checking cannot itself run out of stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return too_deep()
        if type(item) is dict:
            stack.extend((v, depth + 1) for v in item.values() if type(v) in (dict, list))
        elif type(item) is list:
            stack.extend((v, depth + 1) for v in item if type(v) in (dict, list))
    return None


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


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is ("a named pipe (FIFO)"), else None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), None)
    return f"is {kind}, not a regular file" if kind else "not a regular file"


def check_file(path: Path) -> os.stat_result:
    """Stat PATH before anything opens it: only a regular file is read (a FIFO would block,
    a device could read forever, a directory cannot be read). One-line `InputError` otherwise."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read it ({exc.strerror or exc})") from None
    problem = _not_regular(info.st_mode)
    if problem:
        raise InputError(str(path), None, problem)
    return info


def open_regular(path: Path) -> BinaryIO:
    """PATH opened for reading in binary, refusing anything but a regular file. Opened without
    blocking and checked again on the open descriptor, so a file swapped for a FIFO after
    `check_file` cannot hang the import either."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read it ({exc.strerror or exc})") from None
    try:
        problem = _not_regular(os.fstat(fd).st_mode)
        if problem:
            raise InputError(str(path), None, problem)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sniff_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    with open_regular(path) as f:
        head = f.read(4096).removeprefix(UTF8_BOM).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"
