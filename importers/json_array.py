"""A file that is one top-level JSON array (a Label Studio export), read whole within a size limit
and handed on element by element, each with the line it starts on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError

from .json_document import read_whole_text
from .json_rows import depth_problem, too_deep


def iter_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level JSON array, each with the line it starts on."""
    text = read_whole_text(path, "a Label Studio export", " (split the export)")
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
