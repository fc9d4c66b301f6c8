"""A file that is one JSON document (a promptfoo results file, an Inspect `.json` log), read whole
within a size limit: UTF-8 only, nested at most `MAX_JSON_DEPTH` deep, one line naming the file
and the line of the first problem otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polyjudge.store import InputError

from .json_rows import depth_problem, too_deep
from .line_reader import UTF16_BOMS
from .regular_file import check_file, open_regular

MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024


def read_whole_text(path: Path, what: str, hint: str = "") -> str:
    """The text of a file read whole (UTF-8, a BOM allowed) within `MAX_DOCUMENT_BYTES`; `what`
    names the kind of file in messages ("a promptfoo results file"), `hint` what to do about
    a file over the limit."""
    size = check_file(path).st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(
            str(path),
            None,
            f"{size:,} bytes: {what} is read whole, and the limit is "
            f"{MAX_DOCUMENT_BYTES // 2**20:,} MiB{hint}",
        )
    with open_regular(path) as f:
        data = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(str(path), None, "grew past the size limit while being read")
    if data.startswith(UTF16_BOMS):
        raise InputError(str(path), 1, "UTF-16 text; polyjudge reads UTF-8 (save it as UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise InputError(
            str(path),
            line,
            f"not UTF-8 text (byte 0x{byte} at column {column}); save the file as UTF-8",
        ) from None


def read_json_document(path: Path, what: str) -> Any:
    """The parsed document; `what` names the kind of file in messages ("a promptfoo results
    file")."""
    text = read_whole_text(path, what)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), exc.lineno, f"bad JSON: {exc.msg} (not {what})") from None
    except RecursionError:
        raise InputError(str(path), None, too_deep()) from None
    if depth_problem(value):
        raise InputError(str(path), None, too_deep())
    return value
