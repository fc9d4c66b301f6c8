"""What the harness importers (Inspect AI, garak, promptfoo) hand to the writer: one
`HarnessResponse` per model output, with the scores the harness gave it as `HarnessScore`s; and
`--map FIELD=PATH`, a dotted path into the harness's own record for the fields a harness does
not fix (language, category, scenario, prompt id).

A path is read from the record as the harness wrote it: `metadata.language` is the key
`language` of the object `metadata`; a list is indexed by number (`turns.0.content`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from polyjudge.store import PolyjudgeError

from .common import BadRow, parse_map

# The fields `--map` may point elsewhere in a harness's record.
MAPPED_FIELDS = ("language", "category", "scenario", "prompt_id")


@dataclass(frozen=True, slots=True)
class HarnessScore:
    """A harness's verdict on one output: the scorer (or detector, or grader) that gave it, the
    label it maps to (`unparsed` when its value maps to none), p(unsafe) when the harness gives
    a probability, and the explanation it wrote."""

    scorer: str
    label: str
    p_unsafe: float | None
    raw: str


@dataclass(slots=True)
class HarnessResponse:
    """One model output as a row of `polyjudge import responses` (the same field names), with
    where it is in the file (`line` for JSON Lines, else None; `where` names the record) and its
    scores."""

    uid: str
    where: str
    line: int | None
    row: dict[str, Any]
    bt_engine: str | None = None
    scores: list[HarnessScore] = field(default_factory=list)


def parse_paths(items: Iterable[str], defaults: Mapping[str, tuple[str, ...]]) -> dict[str, tuple]:
    """`--map FIELD=PATH` options over the harness's defaults: {field: (path, ...)}, each path a
    tuple of keys. The first path that holds a value is read."""
    paths = {name: tuple(_split(p) for p in options) for name, options in defaults.items()}
    given = parse_map(items, MAPPED_FIELDS, value="PATH", example="language=vars.lang")
    for name, path in given.items():
        paths[name] = (_split(path),)
    return paths


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split(".") if part)


def lookup(record: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` in a JSON record, or None where any step is missing."""
    value = record
    for key in path:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list) and key.lstrip("-").isdigit():
            index = int(key)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def first_value(record: Any, paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value = lookup(record, path)
        if value is not None and value != "":
            return value
    return None


def show_paths(paths: tuple[tuple[str, ...], ...]) -> str:
    return " or ".join(repr(".".join(p)) for p in paths)


def mapped_row(
    record: Any, paths: Mapping[str, tuple[tuple[str, ...], ...]], language: str | None
) -> dict[str, Any]:
    """The mapped fields of one record: language (or the `--language` for every record),
    category, scenario, prompt id. A language that is missing is a bad row naming the paths."""
    row = {name: first_value(record, p) for name, p in paths.items()}
    if language is not None and row.get("language") is None:
        row["language"] = language
    if row.get("language") is None:
        raise BadRow(
            f"no language: nothing at {show_paths(paths['language'])} "
            "(use --map language=PATH, or --language CODE for the whole file)"
        )
    return row


def score_label(value: Any, labels: tuple[str, ...], value_map: Mapping[str, str]) -> str:
    """The project label a harness score value stands for: through `--score-map VALUE=LABEL`
    first, then a value that is itself one of the project's labels (any case); else
    `unparsed` (kept, with the value in the verdict's raw text, never guessed)."""
    key = value if isinstance(value, str) else _value_text(value)
    if key in value_map:
        return value_map[key]
    if isinstance(value, str) and value.strip().lower() in labels:
        return value.strip().lower()
    return "unparsed"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_score_map(items: Iterable[str], labels: tuple[str, ...]) -> dict[str, str]:
    """`--score-map VALUE=LABEL`: a harness's score value (`C`, `I`, `1`, `true`) to a label of
    the project's label set."""
    out: dict[str, str] = {}
    for item in items:
        value, sep, label = item.rpartition("=")
        if not sep or not value.strip() or not label.strip():
            raise PolyjudgeError(f"--score-map {item!r}: expected VALUE=LABEL, e.g. C=safe")
        label = label.strip().lower()
        if label not in labels:
            raise PolyjudgeError(
                f"--score-map {item!r}: {label!r} is not one of this project's labels "
                f"({', '.join(labels)})"
            )
        out[value.strip()] = label
    return out
