"""Human labels from a Label Studio JSON export (the "JSON" export of a project).

Each task's `annotations` become label rows; cancelled (skipped) annotations and predictions are
never read. The mapping:

- **item**: `data.uid` (what `polyjudge export gold --format label-studio` writes), else
  `data.item`, `data.response_id`, `data.id`; `item_field` names another `data` key.
- **label**: the `choices` result whose `from_name` is `label_from` (default `label`; when the
  config has a single `Choices` control, its name does not matter). Matched to the project's
  labels case-insensitively; several choices in one result is an error.
- **note**: a `textarea` result's text (lines joined with a newline).
- **annotator**: by email, never by Label Studio's numeric user id alone (`Annotators`,
  `label_studio_users.py`): a user object's `email` (else `username`) or an email string is
  matched to the project's annotators; a bare id only through that server's user list
  (`users`, from `--label-studio-users`), else the row is bad.
- **time_ms**: `lead_time` (seconds) × 1000; **created_at**: the annotation's `created_at`.
- **uid**: `label-studio:<task id>:<annotation id>`, so importing the same export twice adds
  nothing.

The "JSON-MIN" export (flat objects, one per annotation, the control's name as a key) is read
too: `annotator`, `lead_time`, `created_at` and `annotation_id` keys are used when present; a
task nobody labelled (no label and no `annotation_id`) is skipped.

A task's text fields (`response`/`text`, `language`, `model`, `prompt`) are passed on, so items
missing from the project can be created from the file when the importer allows it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .json_array import iter_json_array
from .label_formats import match_label
from .label_studio_users import NO_IDS, Annotators
from .line_reader import RowError

ITEM_KEYS = ("uid", "item", "response_id", "id")
TEXT_KEYS = ("response", "text")
Row = tuple[int, dict[str, Any] | RowError]


class LabelStudioSource:
    """Label rows (`item`, `annotator`, `label`, `note`, `time_ms`, `created_at`, `uid`, plus
    the task's text fields) from a Label Studio JSON or JSON-MIN export."""

    kind = "label-studio"

    def __init__(
        self,
        path: Path,
        labels: tuple[str, ...],
        *,
        item_field: str | None = None,
        label_from: str = "label",
        annotators: Iterable[str] = (),
        users: dict[int, str] | None = None,
    ) -> None:
        self.path = path
        self.annotators = Annotators(annotators, users)
        self.labels = labels
        self.item_field = item_field
        self.label_from = label_from
        self.skipped = 0  # cancelled annotations, annotations without a choice, unlabelled tasks
        self.size = path.stat().st_size if path.exists() else 0
        self.bytes_read = 0
        self.columns = ("item", "annotator", "label", "note", "time_ms", "created_at", "uid")
        self.blank = 0

    def rows(self) -> Iterator[Row]:
        for line, task in iter_json_array(self.path):
            if not isinstance(task, dict):
                yield line, RowError(line, "expected a task object in the list")
                continue
            if "annotations" in task or "data" in task:
                yield from self._task_rows(line, task)
            else:
                row = self._min_row(line, task)
                if row is not None:
                    yield line, row
        self.bytes_read = self.size

    def _item(self, data: dict[str, Any], line: int) -> str | RowError:
        keys = (self.item_field,) if self.item_field else ITEM_KEYS
        for key in keys:
            value = data.get(key)
            if value not in (None, ""):
                return str(value)
        wanted = self.item_field or " / ".join(ITEM_KEYS)
        return RowError(line, f"task has no item id (data.{wanted})")

    def _task_rows(self, line: int, task: dict[str, Any]) -> Iterator[Row]:
        data = task.get("data") or {}
        if not isinstance(data, dict):
            yield line, RowError(line, "task `data` is not an object")
            return
        item = self._item(data, line)
        if isinstance(item, RowError):
            yield line, item
            return
        directory = self.annotators.directory(task.get("meta"))
        extra = _text_fields(data)
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            yield line, RowError(line, "task `annotations` is not a list")
            return
        for k, annotation in enumerate(annotations, 1):
            if not isinstance(annotation, dict):
                yield line, RowError(line, f"annotation {k} is not an object")
                continue
            if annotation.get("was_cancelled"):
                self.skipped += 1
                continue
            parsed = self._result(annotation.get("result") or [], line)
            if isinstance(parsed, RowError):
                yield line, parsed
                continue
            label, note = parsed
            if label is None:
                self.skipped += 1
                continue
            annotator = self.annotators.name(annotation.get("completed_by"), directory)
            if annotator is None:
                yield line, RowError(line, f"annotation {k} {_by(annotation)}: {NO_IDS}")
                continue
            yield (
                line,
                {
                    "item": item,
                    "annotator": annotator,
                    "label": label,
                    "note": note,
                    "time_ms": _milliseconds(annotation.get("lead_time")),
                    "created_at": annotation.get("created_at"),
                    "uid": f"label-studio:{task.get('id', line)}:{annotation.get('id', k)}",
                    **extra,
                },
            )

    def _result(self, results: Any, line: int) -> tuple[str | None, str | None] | RowError:
        if not isinstance(results, list):
            return RowError(line, "annotation `result` is not a list")
        choices = [r for r in results if isinstance(r, dict) and r.get("type") == "choices"]
        named = [r for r in choices if r.get("from_name") == self.label_from]
        if not named and len({r.get("from_name") for r in choices}) == 1:
            named = choices
        label = None
        for result in named:
            values = _value(result).get("choices") or []
            if not isinstance(values, list) or len(values) != 1:
                return RowError(
                    line, f"expected one choice in {result.get('from_name')!r}, found {len(values)}"
                )
            label = match_label(values[0], self.labels)
            if label is None:
                return RowError(
                    line,
                    f"unknown label {values[0]!r} "
                    f"(this project's labels: {', '.join(self.labels)})",
                )
        notes = [
            "\n".join(str(t) for t in _as_list(_value(r).get("text")))
            for r in results
            if isinstance(r, dict) and r.get("type") == "textarea"
        ]
        note = "\n".join(n for n in notes if n) or None
        return label, note

    def _min_row(self, line: int, task: dict[str, Any]) -> dict[str, Any] | RowError | None:
        """A JSON-MIN object as a label row; None for a task nobody labelled."""
        item = self._item(task, line)
        if isinstance(item, RowError):
            return item
        value = task.get(self.label_from)
        if value is None and task.get("annotation_id") is None:
            self.skipped += 1  # a task nobody labelled (exported with download_all_tasks)
            return None
        if isinstance(value, dict):  # JSON-MIN with several choices: {"choices": [...]}
            value = (_as_list(value.get("choices")) or [None])[0]
        label = match_label(value, self.labels)
        if label is None:
            return RowError(line, f"unknown or missing label {value!r} in {self.label_from!r}")
        annotator = self.annotators.name(task.get("annotator"), self.annotators.directory(None))
        if annotator is None:
            return RowError(line, f"annotation {_by(task, 'annotator')}: {NO_IDS}")
        return {
            "item": item,
            "annotator": annotator,
            "label": label,
            "note": task.get("note") or None,
            "time_ms": _milliseconds(task.get("lead_time")),
            "created_at": task.get("created_at"),
            "uid": f"label-studio:{task.get('id', line)}:{task.get('annotation_id', line)}",
            **_text_fields(task),
        }


def _by(annotation: dict[str, Any], key: str = "completed_by") -> str:
    who = annotation.get(key)
    if isinstance(who, dict):
        who = who.get("id")
    return f"by Label Studio user id {who!r}"


def _value(result: dict[str, Any]) -> dict[str, Any]:
    value = result.get("value")
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value in (None, "") else [value]


def _milliseconds(seconds: Any) -> int | None:
    """`lead_time` (seconds) in milliseconds; None unless a finite, plausible number."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    if not math.isfinite(seconds) or not 0 <= seconds < 10**9:
        return None
    return round(seconds * 1000)


def _text_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TEXT_KEYS:
        if isinstance(data.get(key), str) and data[key]:
            out["text"] = data[key]
            break
    for key in ("language", "model", "prompt", "back_translation"):
        if isinstance(data.get(key), str) and data[key]:
            out[key] = data[key]
    return out
