"""Rows of a JSON Lines file: one object per line, nested at most `MAX_JSON_DEPTH` deep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .line_reader import NUL, LineReader, Row, RowError, printable_raw

# Deeper JSON nesting than this is refused (an answer is an object of texts; json itself would
# die with RecursionError a little deeper).
MAX_JSON_DEPTH = 200


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
                        yield n, RowError(n, problem, printable_raw(raw))
                        continue
                yield n, obj
            else:
                problem = f"expected a JSON object, found {_json_kind(obj)}"
                yield n, RowError(n, problem, printable_raw(raw))

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
                return n, RowError(n, array, printable_raw(raw))
            return n, RowError(n, f"bad JSON: {exc.msg} at column {exc.colno}", printable_raw(raw))
        except ValueError as exc:
            return n, RowError(n, f"bad JSON: {exc}", printable_raw(raw))
        except RecursionError:
            return n, RowError(n, too_deep(), printable_raw(raw))
        if type(obj) is not dict:
            return n, RowError(n, f"expected a JSON object, found {_json_kind(obj)}", text)
        problem = depth_problem(obj)
        if problem:
            return n, RowError(n, problem, printable_raw(raw))
        return n, obj


def too_deep() -> str:
    return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"


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
