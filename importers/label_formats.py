"""What the label importers of other tools share: telling their files apart, and matching a
tool's label to the project's label set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polyjudge.store import InputError

from .regular_file import open_regular


def sniff_label_format(path: Path) -> str | None:
    """`label-studio` for a JSON list of tasks, `prodigy` for JSON Lines whose first object
    has Prodigy's `answer` (and one of its keys), else None (plain CSV / JSON Lines)."""
    try:
        with open_regular(path) as f:
            head = f.read(65536).removeprefix(b"\xef\xbb\xbf").lstrip()
    except (OSError, InputError):
        return None
    if head.startswith(b"["):
        return "label-studio"
    if head.startswith(b"{"):
        try:
            first = json.loads(head.split(b"\n", 1)[0])
        except (ValueError, RecursionError):
            return None
        if (
            isinstance(first, dict)
            and first.get("answer") in ("accept", "reject", "ignore")
            and ({"_task_hash", "_input_hash", "_annotator_id", "accept", "label"} & first.keys())
        ):
            return "prodigy"
    return None


def match_label(value: Any, labels: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    folded = {label.casefold(): label for label in labels}
    return folded.get(value.strip().casefold())
