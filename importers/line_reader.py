"""The lines of an input file, numbered, decoded and checked: UTF-8 only (a BOM is fine), no NUL
byte, no line longer than `MAX_LINE_BYTES`. A bad line becomes a `RowError`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from polyjudge.store import InputError

from .regular_file import check_file, open_regular

# One line (a JSON Lines row, a CSV line) longer than this is refused: a sanity limit that keeps
# a file with no line breaks (a disk image, a binary dump) from being read into memory whole.
MAX_LINE_BYTES = 64 * 1024 * 1024


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


def printable_raw(raw: bytes) -> str:
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
            return RowError(line, f"NUL byte at column {nul + 1}", printable_raw(raw))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(line, _decode_problem(raw, exc), printable_raw(raw))
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


def _long_line() -> str:
    return (
        f"a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB (the limit for one "
        "line; is this a text file?)"
    )
