"""One queued item for the adjudicate screen, read through the indexes only.

`ReconcileMixin.item_detail` finds current labels by grouping the whole `labels` table (about
200 ms per item at 100,000 items × 3 annotators: too slow for moving through a queue key by
key). `adjudication_detail` returns the same `ItemDetail`, reading only the item's own label
rows through the (response_id, annotator_id, id) index: well under a millisecond.
"""

from __future__ import annotations

from .base import ProjectBase
from .reconcile import HumanLabel, ItemDetail, JudgeVerdict
from .records import Adjudication, Annotator, Item, JudgeRun, Label, Prompt, Response, Verdict


class AdjudicationViewMixin(ProjectBase):
    def adjudication_detail(self, response_id: int) -> ItemDetail | None:
        """The response and its prompt, every current human label with its annotator (notes
        included), every verdict with its run, and the adjudication history."""
        row = self.conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
        if row is None:
            return None
        response = Response.from_row(row)
        prompt = None
        if response.prompt_id is not None:
            prompt_row = self.conn.execute(
                "SELECT * FROM prompts WHERE id = ?", (response.prompt_id,)
            ).fetchone()
            prompt = Prompt.from_row(prompt_row) if prompt_row else None
        labels = [
            HumanLabel(
                Label.from_row(r),
                Annotator(id=r["annotator_id"], name=r["a_name"], role=r["a_role"],
                          languages=r["a_languages"]),
            )
            for r in self.conn.execute(
                "SELECT l.*, a.name AS a_name, a.role AS a_role, a.languages AS a_languages"
                " FROM labels l JOIN annotators a ON a.id = l.annotator_id"
                " WHERE l.response_id = ? AND l.label IS NOT NULL AND l.id = ("
                "  SELECT max(id) FROM labels"
                "  WHERE response_id = l.response_id AND annotator_id = l.annotator_id)"
                " ORDER BY l.annotator_id",
                (response_id,),
            )
        ]
        verdicts = [
            JudgeVerdict(
                Verdict.from_row(r),
                JudgeRun(id=r["run_id"], name=r["j_name"], model=r["j_model"], kind=r["j_kind"],
                         is_baseline=r["j_is_baseline"], status=r["j_status"],
                         template_name=r["j_template_name"]),
            )
            for r in self.conn.execute(
                "SELECT v.*, j.name AS j_name, j.model AS j_model, j.kind AS j_kind,"
                " j.is_baseline AS j_is_baseline, j.status AS j_status,"
                " j.template_name AS j_template_name FROM verdicts v"
                " JOIN judge_runs j ON j.id = v.run_id WHERE v.response_id = ? ORDER BY v.run_id",
                (response_id,),
            )
        ]
        adjudications = [
            Adjudication.from_row(r)
            for r in self.conn.execute(
                "SELECT * FROM adjudications WHERE response_id = ? ORDER BY id", (response_id,)
            )
        ]
        return ItemDetail(
            item=Item(response=response, prompt=prompt),
            labels=labels,
            verdicts=verdicts,
            adjudications=adjudications,
        )
