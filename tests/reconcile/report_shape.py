"""The shape of a `report --json` dict, one line per value: its path (keys in order, list
indices), and its JSON type (`int`, `float`, `str`, `bool`, `null`; a list of plain values as
`[float,float]`). Statistics themselves are left out: this pins the shape, not the numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

REPORT_OPTIONS: dict[str, dict[str, Any]] = {
    "default": {"resamples": 20},
    "grouped": {
        "by": ("language", "model"),
        "target_width": 0.1,
        "resamples": 20,
        "compare": ("model",),
    },
    "baseline_sequential": {"sequential": True, "resamples": 20, "judge": "keyword baseline"},
}


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def shape_lines(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        if not value:
            yield f"{path}: {{}}"
        for key, item in value.items():
            yield from shape_lines(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
        yield f"{path}: [{','.join(_type(v) for v in value)}]"
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from shape_lines(item, f"{path}[{i}]")
    else:
        yield f"{path}: {_type(value)}"
