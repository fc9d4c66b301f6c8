"""A file that is one top-level JSON array (a Label Studio export), read whole within a size limit
and handed on element by element, each with the line it starts on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError

from .json_rows import depth_problem, too_deep
from .line_reader import UTF16_BOMS
from .regular_file import check_file, open_regular

# An export is parsed whole (it is one JSON list): a sanity limit on its size.
MAX_EXPORT_BYTES = 1024 * 1024 * 1024


def iter_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level JSON array, each with the line it starts on."""
    size = check_file(path).st_size
    if size > MAX_EXPORT_BYTES:
        raise InputError(
            str(path),
            None,
            f"{size:,} bytes: a Label Studio export is read whole, "
            f"and the limit is {MAX_EXPORT_BYTES // 2**20:,} MiB (split the export)",
        )
    with open_regular(path) as f:
        data = f.read(MAX_EXPORT_BYTES + 1)
    if len(data) > MAX_EXPORT_BYTES:
        raise InputError(str(path), None, "grew past the size limit while being read")
    if data.startswith(UTF16_BOMS):
        raise InputError(str(path), 1, "UTF-16 text; polyjudge reads UTF-8 (save it as UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise InputError(
            str(path),
            line,
            f"not UTF-8 text (byte 0x{byte} at column {column}); save the file as UTF-8",
        ) from None
    del data
    decoder = json.JSONDecoder()
    pos, line = 0, 1

    def skip(p: int) -> int:
        while p < len(text) and text[p] in " \t\r\n":
            p += 1
        return p

    def advance(to: int) -> None:
        nonlocal pos, line
        line += text.count("\n", pos, to)
        pos = to

    advance(skip(0))
    if not text.startswith("[", pos):
        raise InputError(
            str(path), line, "expected a JSON list of tasks (a Label Studio JSON export)"
        )
    advance(skip(pos + 1))
    if text.startswith("]", pos):
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            advance(exc.pos)
            raise InputError(str(path), line, f"bad JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(str(path), line, too_deep()) from None
        if depth_problem(value):
            raise InputError(str(path), line, too_deep())
        yield line, value
        advance(skip(end))
        if text.startswith(",", pos):
            advance(skip(pos + 1))
            continue
        if text.startswith("]", pos):
            return
        raise InputError(str(path), line, "bad JSON: expected ',' or ']' after a task")
