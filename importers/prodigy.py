"""Human labels from a Prodigy JSONL export (`prodigy db-out DATASET > file.jsonl`).

How a Prodigy answer becomes a label (labels match the project's case-insensitively, so
`UNSAFE` is `unsafe`):

- `answer: ignore` gives no label (the row is skipped).
- Choice interface (the task has `accept` / `options`): with `answer: accept`, the single
  accepted option is the label (an option's `text` is used when its `id` is not a label); an
  empty `accept` list gives no label; several accepted options is an error. A rejected choice
  task gives no label.
- Binary interface (one `label`): `accept` gives that label; `reject` gives the opposite label
  — the other one when the project has two labels, `safe` <-> `unsafe` otherwise. Rejecting a
  label with no single opposite (e.g. `invalid` among three labels) is an error.

- **item**: `meta.uid`, `uid`, `meta.item`, `meta.id`, `id` (first present); `item_field`
  names another key (`meta.KEY` reaches into `meta`).
- **annotator**: `_annotator_id`, else `_session_id`, else the `annotator` given by the caller.
- **created_at**: `_timestamp` (Unix seconds) as UTC ISO time; **note**: `meta.note` if any.
- **uid**: `prodigy:<_task_hash or line>:<annotator>`, so importing the same file twice adds
  nothing.
- The task's `text` (the response) is passed on, with `meta.language` / `meta.model` when set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .json_rows import JsonlSource
from .label_formats import match_label
from .line_reader import RowError
from .regular_file import check_file

ITEM_KEYS = ("meta.uid", "uid", "meta.item", "meta.id", "id")
OPPOSITES = {"safe": "unsafe", "unsafe": "safe"}
Row = tuple[int, dict[str, Any] | RowError]


def _get(task: dict[str, Any], key: str) -> Any:
    if key.startswith("meta."):
        meta = task.get("meta")
        return meta.get(key[5:]) if isinstance(meta, dict) else None
    return task.get(key)


def _created_at(stamp: Any) -> str | RowError | None:
    """`_timestamp` (Unix seconds) as UTC ISO time; a number no date can have is a bad row."""
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return None
    try:
        moment = datetime.fromtimestamp(stamp, UTC)
    except (ValueError, OverflowError, OSError):
        return RowError(0, f"`_timestamp` {stamp!r} is not a time (Unix seconds)")
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def opposite(label: str, labels: tuple[str, ...]) -> str | None:
    """The label a binary `reject` of `label` stands for, or None when there is no single one."""
    others = [x for x in labels if x != label]
    if len(others) == 1:
        return others[0]
    candidate = OPPOSITES.get(label)
    return candidate if candidate in labels else None


class ProdigySource:
    """Label rows (`item`, `annotator`, `label`, `note`, `created_at`, `uid`, plus `text`) from
    a Prodigy JSONL export; see the module docstring for the mapping."""

    kind = "prodigy"

    def __init__(
        self,
        path: Path,
        labels: tuple[str, ...],
        *,
        item_field: str | None = None,
        annotator: str = "prodigy",
    ) -> None:
        check_file(path)
        self.path = path
        self.labels = labels
        self.item_field = item_field
        self.annotator = annotator
        self.skipped = 0  # ignored, rejected choices, empty accepts
        self._source = JsonlSource(path)
        self.columns = ("item", "annotator", "label", "note", "created_at", "uid")

    @property
    def bytes_read(self) -> int:
        return self._source.bytes_read

    @property
    def size(self) -> int:
        return self._source.size

    @property
    def blank(self) -> int:
        return self._source.blank

    def rows(self) -> Iterator[Row]:
        for line, task in self._source.rows():
            if isinstance(task, RowError):
                yield line, task
                continue
            row = self._row(line, task)
            if row is None:
                self.skipped += 1
                continue
            yield line, row

    def _label(self, line: int, task: dict[str, Any]) -> str | RowError | None:
        answer = task.get("answer")
        if answer not in ("accept", "reject", "ignore"):
            return RowError(line, f"`answer` must be accept, reject or ignore, found {answer!r}")
        if answer == "ignore":
            return None
        if "accept" in task or "options" in task:
            if answer == "reject":
                return None
            accepted = task.get("accept") or []
            if not isinstance(accepted, list):
                return RowError(line, "`accept` must be a list of option ids")
            if not accepted:
                return None
            if len(accepted) > 1:
                return RowError(line, f"expected one accepted option, found {len(accepted)}")
            options = task.get("options") or []
            if not isinstance(options, list):
                return RowError(line, "`options` must be a list of options")
            texts = {
                o.get("id"): o.get("text")
                for o in options
                if isinstance(o, dict) and isinstance(o.get("id"), str | int | float)
            }
            chosen = accepted[0]
            if not isinstance(chosen, str | int | float):
                return RowError(line, "`accept` must be a list of option ids")
            label = match_label(chosen, self.labels) or match_label(texts.get(chosen), self.labels)
            if label is None:
                return RowError(
                    line,
                    f"unknown label {texts.get(chosen, chosen)!r} "
                    f"(this project's labels: {', '.join(self.labels)})",
                )
            return label
        label = match_label(task.get("label"), self.labels)
        if label is None:
            return RowError(
                line,
                f"unknown or missing label {task.get('label')!r} "
                f"(this project's labels: {', '.join(self.labels)})",
            )
        if answer == "accept":
            return label
        flipped = opposite(label, self.labels)
        if flipped is None:
            return RowError(
                line,
                f"a rejected {label!r} has no single opposite among "
                f"{', '.join(self.labels)}; use a choice interface",
            )
        return flipped

    def _row(self, line: int, task: dict[str, Any]) -> dict[str, Any] | RowError | None:
        keys = (self.item_field,) if self.item_field else ITEM_KEYS
        item = next((_get(task, k) for k in keys if _get(task, k) not in (None, "")), None)
        if item is None:
            return RowError(line, f"no item id ({' / '.join(keys)})")
        label = self._label(line, task)
        if label is None or isinstance(label, RowError):
            return label
        annotator = str(task.get("_annotator_id") or task.get("_session_id") or self.annotator)
        created = _created_at(task.get("_timestamp"))
        if isinstance(created, RowError):
            return RowError(line, created.problem)
        row: dict[str, Any] = {
            "item": str(item),
            "annotator": annotator,
            "label": label,
            "note": _get(task, "meta.note") or None,
            "created_at": created,
            "uid": f"prodigy:{task.get('_task_hash', line)}:{annotator}",
        }
        if isinstance(task.get("text"), str) and task["text"]:
            row["text"] = task["text"]
        for key in ("language", "model"):
            value = _get(task, f"meta.{key}")
            if isinstance(value, str) and value:
                row[key] = value
        return row
