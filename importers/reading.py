"""Reading input files as a stream of rows with their line numbers; this module picks the
reader for a file (`open_rows`).

Every reader checks what a careless file gets wrong: it must be a regular file (a FIFO, a
device, a socket or a directory is refused before it is opened, so nothing hangs or reads
forever; `regular_file.py`), it must be UTF-8 (a BOM is fine), it must not contain NUL bytes,
no line may be longer than `MAX_LINE_BYTES` (`line_reader.py`), CSV quoting must close
(`csv_rows.py`), a JSON line must be one object nested at most `MAX_JSON_DEPTH` deep
(`json_rows.py`). A problem in one row is handed on as a `RowError` (line, problem) in place of
the row, so that the importer can either stop with one clear line (`InputError`) or, with
`--skip-bad`, write the row to a reject file and go on. Files are read in binary, a line at a
time, and `bytes_read` follows the position so that a progress bar can show an ETA.
"""

from __future__ import annotations

from pathlib import Path

from .csv_rows import CsvSource
from .json_rows import JsonlSource
from .line_reader import UTF8_BOM
from .regular_file import check_file, open_regular

Source = JsonlSource | CsvSource


def open_rows(path: Path, fmt: str | None = None) -> Source:
    """A row source for PATH: CSV or JSON Lines, by extension, else by sniffing the first
    non-blank character (`{` means JSON Lines)."""
    check_file(path)
    if (fmt or sniff_format(path)) == "jsonl":
        return JsonlSource(path)
    return CsvSource(path)


def sniff_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    with open_regular(path) as f:
        head = f.read(4096).removeprefix(UTF8_BOM).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"
