"""Project-wide counts for `polyjudge status`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .current import current_label

if TYPE_CHECKING:
    from .project import Project

# Current labels (see current.py), as a table.
CURRENT_LABELS_SQL = f"SELECT l.* FROM labels l WHERE {current_label('l')}"

# Per language, one grouped query per stage of the workflow (`status`): how many responses
# are back-translated, judged (a parsed verdict of a non-baseline judge run), sampled, labelled
# (a current label), and how many sampled ones are labelled. The back-translated count reads
# the partial index `responses_back_translated` (migrations.py), whose WHERE it repeats.
STAGE_SQL = {
    "back_translated": "SELECT language, count(*) FROM responses"
    " WHERE back_translation IS NOT NULL AND back_translation != '' GROUP BY language",
    "judged": "SELECT r.language, count(DISTINCT v.response_id) FROM verdicts v"
    " JOIN judge_runs j ON j.id = v.run_id JOIN responses r ON r.id = v.response_id"
    " WHERE j.kind = 'judge' AND j.is_baseline = 0 AND v.label != 'unparsed'"
    " GROUP BY r.language",
    "sampled": "SELECT r.language, count(DISTINCT a.response_id) FROM assignments a"
    " JOIN responses r ON r.id = a.response_id GROUP BY r.language",
    "labelled": f"SELECT r.language, count(DISTINCT cl.response_id) FROM ({CURRENT_LABELS_SQL})"
    " cl JOIN responses r ON r.id = cl.response_id GROUP BY r.language",
    "sampled_labelled": "SELECT r.language, count(DISTINCT a.response_id) FROM assignments a"
    " JOIN responses r ON r.id = a.response_id"
    f" WHERE a.response_id IN (SELECT response_id FROM ({CURRENT_LABELS_SQL}))"
    " GROUP BY r.language",
}
LATEST_MODEL_SQL = (
    "SELECT model FROM judge_runs WHERE kind = ? AND is_baseline = 0 ORDER BY id DESC LIMIT 1"
)


RESPONSES_BY_LANGUAGE_SQL = (
    "SELECT language, count(*) FROM responses GROUP BY language ORDER BY language"
)


def stage_counts(
    project: Project, responses_by_language: list[tuple[str, int]] | None = None
) -> dict[str, dict[str, int]]:
    """language -> {responses, back_translated, judged, sampled, labelled, sampled_labelled},
    for the languages with responses only (`responses_by_language`: those counts, when the
    caller has read them already)."""
    c = project.conn
    if responses_by_language is None:
        responses_by_language = c.execute(RESPONSES_BY_LANGUAGE_SQL).fetchall()
    out = {
        language: dict.fromkeys(("responses", *STAGE_SQL), 0) | {"responses": n}
        for language, n in responses_by_language
    }
    for stage, sql in STAGE_SQL.items():
        for language, n in c.execute(sql):
            if language in out:
                out[language][stage] = n
    return out


def latest_models(project: Project) -> dict[str, str | None]:
    """The model of the latest judge and translation run (for the `next:` command)."""
    out: dict[str, str | None] = {}
    for kind in ("judge", "translate"):
        row = project.conn.execute(LATEST_MODEL_SQL, (kind,)).fetchone()
        out[kind] = row[0] if row else None
    return out


def project_status(project: Project) -> dict[str, Any]:
    c = project.conn
    by_language: dict[str, dict[str, int]] = {}

    def bump(rows: Any, field: str) -> None:
        for language, n in rows:
            by_language.setdefault(language, {"prompts": 0, "responses": 0, "labels": 0})
            by_language[language][field] = n

    bump(c.execute("SELECT language, count(*) FROM prompts GROUP BY language"), "prompts")
    # Read once (a scan of the language index): the per-language, total and stage counts.
    responses_by_language = [tuple(row) for row in c.execute(RESPONSES_BY_LANGUAGE_SQL)]
    bump(responses_by_language, "responses")
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
        "responses": sum(n for _, n in responses_by_language),
        "labels": one(f"SELECT count(*) FROM ({CURRENT_LABELS_SQL})"),
        "label_rows": one("SELECT count(*) FROM labels"),
        "annotators": one("SELECT count(*) FROM annotators WHERE role = 'annotator'"),
        "adjudicators": one("SELECT count(*) FROM annotators WHERE role = 'adjudicator'"),
        "verdicts": one("SELECT count(*) FROM verdicts"),
        "judge_runs": one("SELECT count(*) FROM judge_runs"),
        "adjudications": one("SELECT count(*) FROM adjudications"),
        # Control items; their responses and labels are counted above as stored rows.
        "gold_items": one("SELECT count(*) FROM gold_items"),
        "stages": stage_counts(project, responses_by_language),
        "latest_models": latest_models(project),
        "languages": sorted(by_language),
        "by_language": dict(sorted(by_language.items())),
    }
