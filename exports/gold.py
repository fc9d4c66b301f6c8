"""Gold rows: one row per response, with its final label, how it was reached, and provenance.

A row is a plain dict with the columns of `GOLD_COLUMNS`; `human_labels` and `verdicts` are lists
of dicts (JSONL and Parquet keep them nested; CSV writes them as JSON text in their cells).

- `uid`: the response's id in the project (the user's id or a content hash);
- `language`, `model`, `category`, `scenario`: of the response (category and scenario fall
  back to the prompt's);
- `prompt_dataset`, `prompt_key`: the benchmark and the prompt's id in it (shared by the same
  prompt in every language); `prompt`, `prompt_en`: the prompt, and its English source text;
- `response`, `back_translation`, `bt_engine`: the model's answer and its English
  back-translation;
- `final_label`, `final_source`: the final label and how it was reached (from `reconcile`);
- `human_labels`: every annotator's current label (annotator, role, label, unsure, note,
  viewed, time_ms, created_at);
- `verdicts`: every judge verdict (run, model, label, p_unsafe, template_name, template_hash);
- `adjudicator`, `adjudication_label`, `adjudication_rationale`, `safe_reply`: the current
  adjudication;
- `source`, `license`, `source_file`: provenance — where the prompt came from, under which
  license, and the responses file it was imported from;
- `id`: the same as `uid`, under the name `import responses`, Hugging Face datasets and most
  tools look for (so the export imports back with its ids);
- `sample_batch`, `sample_stratum`, `design_weight`: the sample batch and stratum that drew the
  item, and the weight of its final label in the report's design-based rates (`final`).

Columns are only ever added at the end, so that earlier ones keep their places.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from polyjudge.store import GoldSource, Project

from .final import Final, Resolver, project_resolver

# The nested columns' fields with their `datasets` feature types (the dataset card declares them).
HUMAN_LABEL_TYPES: tuple[tuple[str, str], ...] = (
    ("annotator", "string"),
    ("role", "string"),
    ("label", "string"),
    ("unsure", "bool"),
    ("note", "string"),
    ("viewed", "string"),
    ("time_ms", "int64"),
    ("created_at", "string"),
)
VERDICT_TYPES: tuple[tuple[str, str], ...] = (
    ("run", "string"),
    ("model", "string"),
    ("label", "string"),
    ("p_unsafe", "float64"),
    ("template_name", "string"),
    ("template_hash", "string"),
)
HUMAN_LABEL_FIELDS: tuple[str, ...] = tuple(name for name, _ in HUMAN_LABEL_TYPES)
VERDICT_FIELDS: tuple[str, ...] = tuple(name for name, _ in VERDICT_TYPES)
# A gold row's columns in order, each a string or a list of the fields above: the one table
# that the row (`gold_row`), every format and the card's feature types follow.
GOLD_COLUMN_TYPES: tuple[tuple[str, str | tuple[tuple[str, str], ...]], ...] = (
    *(
        (name, "string")
        for name in (
            "uid",
            "language",
            "model",
            "category",
            "scenario",
            "prompt_dataset",
            "prompt_key",
            "prompt",
            "prompt_en",
            "response",
            "back_translation",
            "bt_engine",
            "final_label",
            "final_source",
        )
    ),
    ("human_labels", HUMAN_LABEL_TYPES),
    ("verdicts", VERDICT_TYPES),
    *(
        (name, "string")
        for name in (
            "adjudicator",
            "adjudication_label",
            "adjudication_rationale",
            "safe_reply",
            "source",
            "license",
            "source_file",
            "id",
            "sample_batch",
            "sample_stratum",
        )
    ),
    ("design_weight", "float64"),
)
GOLD_COLUMNS: tuple[str, ...] = tuple(name for name, _ in GOLD_COLUMN_TYPES)
NESTED_COLUMNS: tuple[str, ...] = ("human_labels", "verdicts")


def gold_row(source: GoldSource, final: Final) -> dict[str, Any]:
    response, prompt = source.response, source.prompt
    adjudication = source.adjudication
    return {
        "uid": response.uid,
        "language": response.language,
        "model": response.model,
        "category": response.category or (prompt.category if prompt else None),
        "scenario": response.scenario or (prompt.scenario if prompt else None),
        "prompt_dataset": prompt.dataset if prompt else None,
        "prompt_key": prompt.prompt_key if prompt else None,
        "prompt": prompt.text if prompt else None,
        "prompt_en": prompt.text_en if prompt else None,
        "response": response.text,
        "back_translation": response.back_translation,
        "bt_engine": response.bt_engine,
        "final_label": final.label,
        "final_source": final.source,
        "human_labels": [
            {
                "annotator": g.annotator,
                "role": g.role,
                "label": g.label.label,
                "unsure": bool(g.label.unsure),
                "note": g.label.note,
                "viewed": g.label.viewed,
                "time_ms": g.label.time_ms,
                "created_at": g.label.created_at,
            }
            for g in source.labels
        ],
        "verdicts": [
            {
                "run": v.run,
                "model": v.model,
                "label": v.verdict.label,
                "p_unsafe": v.verdict.p_unsafe,
                "template_name": v.verdict.template_name,
                "template_hash": v.verdict.template_hash,
            }
            for v in source.verdicts
        ],
        "adjudicator": source.adjudicator if adjudication and adjudication.label else None,
        "adjudication_label": adjudication.label if adjudication else None,
        "adjudication_rationale": adjudication.rationale if adjudication else None,
        "safe_reply": adjudication.safe_reply if adjudication else None,
        "source": prompt.source if prompt else None,
        "license": prompt.license if prompt else None,
        "source_file": response.source_file,
        "id": response.uid,
        "sample_batch": final.sample_batch,
        "sample_stratum": final.sample_stratum,
        "design_weight": final.design_weight,
    }


def iter_gold_rows(
    project: Project,
    *,
    languages: Iterable[str] | None = None,
    final_only: bool = False,
    resolver: Resolver | None = None,
    chunk: int = 2000,
) -> Iterator[dict[str, Any]]:
    """Stream gold rows in response-id order; `final_only` keeps rows with a final label."""
    resolve = resolver or project_resolver(project)
    for sources in project.content.gold_sources(languages, chunk=chunk):
        for source, final in zip(sources, resolve(sources), strict=True):
            if final_only and final.label is None:
                continue
            yield gold_row(source, final)
