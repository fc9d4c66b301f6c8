"""Project-wide counts for `polyjudge status`."""

from __future__ import annotations

from typing import Any

from .base import ProjectBase

# Current labels: the latest row of each (response, annotator), when it carries a label.
CURRENT_LABELS_SQL = (
    "SELECT l.* FROM labels l JOIN ("
    " SELECT max(id) AS id FROM labels GROUP BY response_id, annotator_id"
    ") latest ON latest.id = l.id WHERE l.label IS NOT NULL"
)


class StatusMixin(ProjectBase):
    def status(self) -> dict[str, Any]:
        c = self.conn
        by_language: dict[str, dict[str, int]] = {}

        def bump(rows: Any, field: str) -> None:
            for language, n in rows:
                by_language.setdefault(language, {"prompts": 0, "responses": 0, "labels": 0})
                by_language[language][field] = n

        bump(c.execute("SELECT language, count(*) FROM prompts GROUP BY language"), "prompts")
        bump(c.execute("SELECT language, count(*) FROM responses GROUP BY language"), "responses")
        bump(
            c.execute(
                f"SELECT r.language, count(*) FROM ({CURRENT_LABELS_SQL}) cl"
                " JOIN responses r ON r.id = cl.response_id GROUP BY r.language"
            ),
            "labels",
        )
        one = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "db": str(self.path),
            "project_id": self.project_id,
            "label_set": list(self.label_set),
            "prompts": one("SELECT count(*) FROM prompts"),
            "responses": one("SELECT count(*) FROM responses"),
            "labels": one(f"SELECT count(*) FROM ({CURRENT_LABELS_SQL})"),
            "label_rows": one("SELECT count(*) FROM labels"),
            "annotators": one("SELECT count(*) FROM annotators WHERE role = 'annotator'"),
            "adjudicators": one("SELECT count(*) FROM annotators WHERE role = 'adjudicator'"),
            "verdicts": one("SELECT count(*) FROM verdicts"),
            "judge_runs": one("SELECT count(*) FROM judge_runs"),
            "adjudications": one("SELECT count(*) FROM adjudications"),
            "languages": sorted(by_language),
            "by_language": dict(sorted(by_language.items())),
        }

    def annotator_progress(self) -> list[dict[str, Any]]:
        """Per annotator: current labels (undone ones left out) and when they last labelled."""
        rows = self.conn.execute(
            "SELECT a.name, a.role, count(cl.id), max(cl.created_at) FROM annotators a"
            f" LEFT JOIN ({CURRENT_LABELS_SQL}) cl ON cl.annotator_id = a.id"
            " GROUP BY a.id ORDER BY a.name"
        )
        return [
            {"annotator": name, "role": role, "labels": n, "last_label_at": last}
            for name, role, n, last in rows
        ]
