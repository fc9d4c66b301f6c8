"""What every importer shares: the report, `--map` parsing, bad rows and the reject file."""

from __future__ import annotations

import difflib
import json
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from polyjudge.store import InputError, PolyjudgeError

from .line_reader import RowError

# progress(bytes_read, total_bytes, rows): called every few thousand rows.
ProgressCallback = Callable[[int, int, int], None]

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$")


@dataclass
class ImportReport:
    """What an import did; logged as an `import` event and printed by the CLI."""

    importer: str
    file: str
    rows: int = 0
    inserted: int = 0
    existing: int = 0
    bad: int = 0
    blank: int = 0
    rejects: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def event(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "importer": self.importer,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "existing": self.existing,
            "bad": self.bad,
            "blank": self.blank,
        }
        if self.rejects:
            detail["rejects"] = self.rejects
        detail.update(self.extra)
        return detail


def refuse_if_all_bad(report: ImportReport) -> None:
    """With `--skip-bad`, an import where every row was bad imported nothing: that is a failure
    (exit 1, the project unchanged as the transaction rolls back), not a success. The reject
    file is kept, since it says what is wrong with each row."""
    if report.bad and not report.inserted and not report.existing:
        rows = "its one row is" if report.bad == 1 else f"all {report.bad:,} rows are"
        raise InputError(
            report.file, None, f"nothing imported: {rows} bad (written to {report.rejects})"
        )


class BadRow(Exception):
    """Raised while turning one row into a record: the row is bad for the reason given."""


def parse_map(
    items: Iterable[str],
    fields: Sequence[str],
    *,
    value: str = "COLUMN",
    example: str = "response=output",
) -> dict[str, str]:
    """`--map FIELD=COLUMN` options as {field: column}; an unknown field, a field mapped twice
    or an item not of that form is a user error. The harness importers map a field to a PATH
    in their records instead (`value`, and an `example` of it for the error)."""
    mapping: dict[str, str] = {}
    for item in items:
        name, sep, column = item.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise PolyjudgeError(f"--map {item!r}: expected FIELD={value}, e.g. {example}")
        if name not in fields:
            raise PolyjudgeError(
                f"--map {item!r}: unknown field {name!r} (fields: {', '.join(fields)})"
            )
        if name in mapping:
            raise PolyjudgeError(f"--map: field {name!r} is mapped twice")
        mapping[name] = column
    return mapping


UNMAPPED = "\x00"  # prefix of a column name no file can have


def column_names(mapping: Mapping[str, str], fields: Sequence[str]) -> dict[str, str]:
    """The column each field is read from: its --map entry, else the field's own name, unless
    --map gave that column to another field (`--map item=uid` must not also make `uid` the
    label's id)."""
    claimed = set(mapping.values())
    return {
        f: mapping[f] if f in mapping else (UNMAPPED + f if f in claimed else f) for f in fields
    }


def check_columns(
    path: Path,
    columns: Sequence[str] | None,
    names: Mapping[str, str],
    required: Sequence[str | tuple[str, ...]],
) -> None:
    """For files with a header: every required field (or one of a tuple of alternatives) must
    have its column. JSON Lines files are checked row by row instead (`check_row_columns`)."""
    if columns is None:
        return
    problem = missing_columns(columns, names, required)
    if problem:
        raise InputError(str(path), 1, problem)


def check_row_columns(
    row: Mapping[str, Any], names: Mapping[str, str], required: Sequence[str | tuple[str, ...]]
) -> None:
    """A JSON Lines row without the key a required field is read from is bad, and the problem
    names the row's keys (a misspelt `--map` or a file from another tool, not an empty cell)."""
    problem = missing_columns(tuple(row), names, required)
    if problem:
        raise BadRow(problem)


def missing_columns(
    columns: Sequence[str], names: Mapping[str, str], required: Sequence[str | tuple[str, ...]]
) -> str | None:
    """What is wrong when a required field has no column among `columns`: the column wanted,
    the columns there are, and the `--map` that would fix it (with the closest column name,
    when one is close)."""
    present = set(columns)
    for need in required:
        options = need if isinstance(need, tuple) else (need,)
        if any(names[f] in present for f in options):
            continue
        wanted = " or ".join(repr(names[f].lstrip(UNMAPPED)) for f in options)
        guesses = [(f, close_column(names[f].lstrip(UNMAPPED), columns)) for f in options]
        shown = ", ".join(columns) if columns else "none"
        hints = [f"--map {f}={guess}" for f, guess in guesses if guess]
        if hints:
            hint = f"did you mean {' or '.join(hints)}?"
        else:
            hint = "use " + " or ".join(f"--map {f}=COLUMN" for f in options)
        return f"missing required column {wanted} (columns: {shown}; {hint})"
    return None


def close_column(wanted: str, columns: Sequence[str]) -> str | None:
    """The column whose name is closest to `wanted` (ignoring case), if any is close."""
    folded = {c.casefold(): c for c in columns}
    match = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def text_value(row: Mapping[str, Any], column: str, what: str) -> str | None:
    """A text cell: None when absent, null or blank; numbers become text; anything else
    (a list, an object, true/false) makes the row bad."""
    value = row.get(column)
    if value is None:
        return None
    if type(value) is not str:
        if type(value) in (int, float):
            value = str(value)
        else:
            raise BadRow(f"{what} ({column!r}) must be text, found {type(value).__name__}")
    if "\x00" in value:
        raise BadRow(f"{what} ({column!r}) contains a NUL character")
    return value if value.strip() else None


def required_text(row: Mapping[str, Any], column: str, what: str) -> str:
    """A text cell the row cannot do without, stripped: absent, null or blank makes the row bad
    (`missing WHAT ('COLUMN')`), as anything `text_value` refuses does."""
    value = text_value(row, column, what)
    if value is None:
        raise BadRow(f"missing {what} ({column!r})")
    return value.strip()


def project_label(label_set: Sequence[str], value: str) -> str:
    """The project's label `value` names: itself, else the one label equal to it ignoring case;
    anything else (no label, or several equal ignoring case) makes the row bad."""
    if value in label_set:
        return value
    folded = [x for x in label_set if x.casefold() == value.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise BadRow(f"unknown label {value!r} (this project's labels: {', '.join(label_set)})")


def language_code(value: str | None, column: str) -> str:
    if value is None:
        raise BadRow(f"missing language ({column!r})")
    code = value.strip().lower()
    if not LANGUAGE_RE.match(code):
        raise BadRow(f"language {value!r} is not a language code such as en, ar or zh-hant")
    return code


TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f", ""}


def flag_value(row: Mapping[str, Any], column: str) -> bool:
    value = row.get(column)
    if value is None or type(value) is bool:
        return bool(value)
    if type(value) is int and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadRow(f"{column!r} must be true or false, found {value!r}")


class Rejects:
    """Bad rows. Without `skip_bad` the first one stops the import with an `InputError`; with
    it each goes to a JSON Lines reject file (`{"line", "problem", "row" | "raw"}`), created on
    the first bad row."""

    def __init__(self, path: Path, *, skip_bad: bool, reject_file: Path | None = None) -> None:
        self.path = path
        self.skip_bad = skip_bad
        self.reject_path = reject_file or path.with_name(path.name + ".rejects.jsonl")
        self.count = 0
        self._out: TextIO | None = None

    def add(
        self, line: int, problem: str, row: Mapping[str, Any] | None = None, raw: str | None = None
    ) -> None:
        if not self.skip_bad:
            raise InputError(str(self.path), line, problem)
        self.count += 1
        if self._out is None:
            self._out = self._open()
        record: dict[str, Any] = {"line": line, "problem": problem}
        if row is not None:
            record["row"] = row
        elif raw:
            record["raw"] = raw
        self._out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def _open(self) -> TextIO:
        """The reject file, created (or emptied) for writing: a regular file only, since a FIFO
        would block the import until something reads it."""
        path = self.reject_path
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise InputError(str(path), None, f"cannot write the reject file ({exc})") from None
        if mode is not None and not stat.S_ISREG(mode):
            raise InputError(str(path), None, "the reject file must be a regular file")
        try:
            return path.open("w", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise InputError(
                str(path), None, f"cannot write the reject file ({exc.strerror})"
            ) from None

    def add_error(self, error: RowError) -> None:
        self.add(error.line, error.problem, raw=error.raw)

    def close(self, *, failed: bool = False) -> str | None:
        """Close the file; returns its path when rows were rejected. After a failed import the
        partial reject file is removed."""
        if self._out is not None:
            self._out.close()
            self._out = None
            if failed:
                self.reject_path.unlink(missing_ok=True)
                return None
            return str(self.reject_path)
        return None
