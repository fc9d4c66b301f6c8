"""Gold rows: every response with its prompt, its current human labels, its judge verdicts and
its current adjudication, read in chunks of responses (keyset-paged by id), so that a million
responses never sit in memory at once. Gold items (`gold_items.py`) are control items, not
data: they are not exported."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from .current import current_label, latest_adjudication
from .gold_items import NOT_GOLD
from .records import Adjudication, Label, Prompt, Response, Verdict

if TYPE_CHECKING:
    from .project import Project


@dataclass(frozen=True, slots=True)
class GoldLabel:
    annotator: str
    role: str
    label: Label


@dataclass(frozen=True, slots=True)
class GoldVerdict:
    run: str
    model: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class GoldSource:
    """Everything stored about one response that a gold row reports."""

    response: Response
    prompt: Prompt | None
    labels: tuple[GoldLabel, ...] = ()
    verdicts: tuple[GoldVerdict, ...] = ()
    adjudication: Adjudication | None = None
    adjudicator: str | None = None


@functools.cache
def _cols(record: type, alias: str = "") -> str:
    """The SELECT list of a record's fields, in order (records are then built positionally)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + f.name for f in fields(record))


def _where_language(languages: Iterable[str] | None, alias: str = "r") -> tuple[str, list[Any]]:
    langs = sorted(set(languages or ()))
    if not langs:
        return "", []
    return f" AND {alias}.language IN ({', '.join('?' * len(langs))})", langs


def _tuples(project: Project, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    """Plain tuples, in the order of the SELECT list (records are built positionally)."""
    cur = project.conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, tuple(params)).fetchall()


def iter_gold_sources(
    project: Project, languages: Iterable[str] | None = None, chunk: int = 2000
) -> Iterator[list[GoldSource]]:
    """Every response (optionally only some languages) in id order, `chunk` at a time."""
    lang_sql, lang_params = _where_language(languages)
    last = 0
    while True:
        rows = _tuples(
            project,
            f"SELECT {_cols(Response, 'r')} FROM responses r WHERE r.id > ? AND {NOT_GOLD}"
            f"{lang_sql}"
            " ORDER BY r.id LIMIT ?",
            [last, *lang_params, chunk],
        )
        if not rows:
            return
        responses = [Response(*row) for row in rows]
        last = responses[-1].id
        yield _gold_chunk(project, responses)


def _gold_chunk(project: Project, responses: list[Response]) -> list[GoldSource]:
    lo, hi = responses[0].id, responses[-1].id
    prompt_ids = sorted({r.prompt_id for r in responses if r.prompt_id is not None})
    prompts: dict[int, Prompt] = {}
    for start in range(0, len(prompt_ids), 500):
        part = prompt_ids[start : start + 500]
        for row in _tuples(
            project,
            f"SELECT {_cols(Prompt)} FROM prompts WHERE id IN ({', '.join('?' * len(part))})",
            part,
        ):
            prompts[row[0]] = Prompt(*row)
    labels: dict[int, list[GoldLabel]] = {}
    width = len(fields(Label))
    for row in _tuples(
        project,
        f"SELECT {_cols(Label, 'l')}, a.name, a.role FROM labels l"
        " JOIN annotators a ON a.id = l.annotator_id"
        f" WHERE l.response_id BETWEEN ? AND ? AND {current_label('l')}"
        " ORDER BY l.response_id, a.name",
        (lo, hi),
    ):
        label = Label(*row[:width])
        labels.setdefault(label.response_id, []).append(
            GoldLabel(row[width], row[width + 1], label)
        )
    verdicts: dict[int, list[GoldVerdict]] = {}
    width = len(fields(Verdict))
    for row in _tuples(
        project,
        f"SELECT {_cols(Verdict, 'v')}, j.name, j.model FROM verdicts v"
        " JOIN judge_runs j ON j.id = v.run_id"
        " WHERE v.response_id BETWEEN ? AND ? ORDER BY v.response_id, v.run_id",
        (lo, hi),
    ):
        verdict = Verdict(*row[:width])
        verdicts.setdefault(verdict.response_id, []).append(
            GoldVerdict(row[width], row[width + 1], verdict)
        )
    adjudications: dict[int, tuple[Adjudication | None, str | None]] = {}
    width = len(fields(Adjudication))
    for row in _tuples(
        project,
        f"SELECT {_cols(Adjudication, 'd')}, a.name FROM adjudications d"
        " JOIN annotators a ON a.id = d.adjudicator_id"
        f" WHERE d.response_id BETWEEN ? AND ? AND {latest_adjudication('d')}",
        (lo, hi),
    ):
        stored = Adjudication(*row[:width])
        adjudications[stored.response_id] = (stored, row[width])
    out = []
    for response in responses:
        adjudication, adjudicator = adjudications.get(response.id, (None, None))
        out.append(
            GoldSource(
                response=response,
                prompt=prompts.get(response.prompt_id) if response.prompt_id else None,
                labels=tuple(labels.get(response.id, ())),
                verdicts=tuple(verdicts.get(response.id, ())),
                adjudication=adjudication,
                adjudicator=adjudicator,
            )
        )
    return out
