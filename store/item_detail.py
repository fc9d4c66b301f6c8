"""One response with everything stored about it, for the adjudicate screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .current import current_label
from .judging_records import verdict_call_join, verdict_columns
from .records import Adjudication, Annotator, Item, JudgeRun, Label, Verdict

if TYPE_CHECKING:
    from .project import Project


@dataclass(frozen=True, slots=True)
class HumanLabel:
    """A current label with the name of whoever gave it (for the adjudicate screen)."""

    label: Label
    annotator: Annotator


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    verdict: Verdict
    run: JudgeRun


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """Everything an adjudicator needs about one response."""

    item: Item
    labels: list[HumanLabel] = field(default_factory=list)
    verdicts: list[JudgeVerdict] = field(default_factory=list)
    adjudications: list[Adjudication] = field(default_factory=list)

    @property
    def adjudication(self) -> Adjudication | None:
        """The current adjudication (latest row), or None when none stands (or withdrawn)."""
        if not self.adjudications or self.adjudications[-1].label is None:
            return None
        return self.adjudications[-1]


def read_item_detail(project: Project, response_id: int) -> ItemDetail | None:
    """The response and prompt, every current human label with its annotator (notes
    included), every verdict with its run, and the adjudication history. Reads only the
    item's own rows through the (response_id, annotator_id, id) index, so moving through a
    queue of 100,000 items stays well under a millisecond per item."""
    item = project.content.item(response_id)
    if item is None:
        return None
    labels = [
        HumanLabel(Label.from_row(r), _annotator_from(r))
        for r in project.conn.execute(
            "SELECT l.*, a.name AS a_name, a.role AS a_role, a.languages AS a_languages"
            " FROM labels l JOIN annotators a ON a.id = l.annotator_id"
            f" WHERE l.response_id = ? AND {current_label('l')} ORDER BY l.annotator_id",
            (response_id,),
        )
    ]
    verdicts = [
        JudgeVerdict(Verdict.from_row(r), _run_from(r))
        for r in project.conn.execute(
            f"SELECT {verdict_columns()}, j.name AS j_name, j.model AS j_model,"
            " j.kind AS j_kind, j.is_baseline AS j_is_baseline, j.status AS j_status,"
            " j.template_name AS j_template_name FROM verdicts v"
            f" JOIN judge_runs j ON j.id = v.run_id{verdict_call_join()}"
            " WHERE v.response_id = ? ORDER BY v.run_id",
            (response_id,),
        )
    ]
    return ItemDetail(
        item=item,
        labels=labels,
        verdicts=verdicts,
        adjudications=project.adjudications.history(response_id),
    )


def _annotator_from(row: Any) -> Annotator:
    return Annotator(
        id=row["annotator_id"],
        name=row["a_name"],
        role=row["a_role"],
        languages=row["a_languages"],
    )


def _run_from(row: Any) -> JudgeRun:
    return JudgeRun(
        id=row["run_id"],
        name=row["j_name"],
        model=row["j_model"],
        kind=row["j_kind"],
        is_baseline=row["j_is_baseline"],
        status=row["j_status"],
        template_name=row["j_template_name"],
    )
