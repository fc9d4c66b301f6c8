"""One titled table of plain strings: what the report's tables are made of, and what the terminal,
Markdown and HTML renderers draw."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    level: int = 2
    # Per cell, a share in [0, 1] that HTML draws as the cell's shade (a heatmap); None: none.
    shades: list[list[float | None]] | None = None
