"""The base of every subject of a project (`project.labels`, `project.queue`, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .project import Project


class Subject:
    """One subject of data of an open project: its queries, on the project's connection and
    inside the project's transactions."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._conn = project.conn

    def _tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples (no sqlite3.Row objects), in the order of the SELECT list: several
        times faster for bulk reads, and records can be built positionally."""
        cur = self._conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, tuple(params)).fetchall()
