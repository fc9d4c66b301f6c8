"""Project-wide counts for `polyjudge status`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .current import current_label

if TYPE_CHECKING:
    from .project import Project

# Current labels (see current.py), as a table.
CURRENT_LABELS_SQL = f"SELECT l.* FROM labels l WHERE {current_label('l')}"


def project_status(project: Project) -> dict[str, Any]:
    c = project.conn
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
        "db": str(project.path),
        "project_id": project.project_id,
        "label_set": list(project.label_set),
        "prompts": one("SELECT count(*) FROM prompts"),
        "responses": one("SELECT count(*) FROM responses"),
        "labels": one(f"SELECT count(*) FROM ({CURRENT_LABELS_SQL})"),
        "label_rows": one("SELECT count(*) FROM labels"),
        "annotators": one("SELECT count(*) FROM annotators WHERE role = 'annotator'"),
        "adjudicators": one("SELECT count(*) FROM annotators WHERE role = 'adjudicator'"),
        "verdicts": one("SELECT count(*) FROM verdicts"),
        "judge_runs": one("SELECT count(*) FROM judge_runs"),
        "adjudications": one("SELECT count(*) FROM adjudications"),
        # Control items; their responses and labels are counted above as stored rows.
        "gold_items": one("SELECT count(*) FROM gold_items"),
        "languages": sorted(by_language),
        "by_language": dict(sorted(by_language.items())),
    }
