"""Annotators and adjudicators: who labels."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .clock import now
from .current import current_label
from .errors import PolyjudgeError
from .records import Annotator
from .subject import Subject

ROLES = ("annotator", "adjudicator")


class Annotators(Subject):
    def ensure(
        self, name: str, role: str = "annotator", languages: Iterable[str] | None = None
    ) -> Annotator:
        """Return the annotator called `name`, registering them on first use (a known
        annotator is only read: no wait for the write lock while an import holds it)."""
        name = name.strip()
        if not name:
            raise PolyjudgeError("an annotator needs a name")
        if role not in ROLES:
            raise PolyjudgeError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
        known = self.get(name)
        if known is not None:
            return known
        with self._project.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO annotators (name, role, languages, created_at) "
                "VALUES (?, ?, ?, ?)",
                (name, role, json.dumps(sorted(languages)) if languages else None, now()),
            )
        found = self.get(name)
        assert found is not None
        return found

    def forget_unused(self, names: Iterable[str]) -> list[str]:
        """Remove the named annotators who have left nothing behind (no label, no
        adjudication), with their links, claims and drafts: the undo of registering them for a
        command that then failed ("a failed command registers nobody"). Returns who was
        removed; anyone with a label or an adjudication stays."""
        removed: list[str] = []
        with self._project.transaction():
            for name in dict.fromkeys(n.strip() for n in names):
                found = self.id_of(name)
                if found is None or self._has_work(found):
                    continue
                for table in ("serve_tokens", "claims", "annotation_drafts"):
                    self._conn.execute(f"DELETE FROM {table} WHERE annotator_id = ?", (found,))
                self._conn.execute("DELETE FROM annotators WHERE id = ?", (found,))
                removed.append(name)
        return removed

    def _has_work(self, annotator_id: int) -> bool:
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM labels WHERE annotator_id = :id)"
            " OR EXISTS (SELECT 1 FROM adjudications WHERE adjudicator_id = :id)",
            {"id": annotator_id},
        ).fetchone()
        return bool(row[0])

    def get(self, name: str) -> Annotator | None:
        row = self._conn.execute("SELECT * FROM annotators WHERE name = ?", (name,)).fetchone()
        return Annotator.from_row(row) if row else None

    def by_id(self, annotator_id: int) -> Annotator | None:
        row = self._conn.execute(
            "SELECT * FROM annotators WHERE id = ?", (annotator_id,)
        ).fetchone()
        return Annotator.from_row(row) if row else None

    def id_of(self, name: str) -> int | None:
        row = self._conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def all(self) -> list[Annotator]:
        rows = self._conn.execute("SELECT * FROM annotators ORDER BY id")
        return [Annotator.from_row(r) for r in rows]

    def progress(self) -> list[dict[str, Any]]:
        """Per annotator: current labels (undone ones left out) and when they last labelled."""
        rows = self._conn.execute(
            "SELECT a.name, a.role, count(l.id), max(l.created_at) FROM annotators a"
            f" LEFT JOIN labels l ON l.annotator_id = a.id AND {current_label('l')}"
            " GROUP BY a.id ORDER BY a.name"
        )
        return [
            {"annotator": name, "role": role, "labels": n, "last_label_at": last}
            for name, role, n, last in rows
        ]
