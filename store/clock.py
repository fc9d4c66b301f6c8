"""Timestamps as the project file stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now(*, plus_s: float = 0) -> str:
    """UTC timestamp with milliseconds, sortable as text (`plus_s` seconds from now)."""
    moment = datetime.now(UTC) + timedelta(seconds=plus_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
