"""The SQL of the annotation queue: the filter an annotator asked for, and the predicates
"open" and "visible" on `responses r` (see queue.py), as fragments and pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .current import current_label, latest_label_row
from .gold_items import NOT_GOLD


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What an annotator asked to see. Empty fields do not restrict."""

    languages: tuple[str, ...] = ()
    model: str | None = None
    category: str | None = None
    text: str | None = None
    # The sample that drives the queue, as (language, batch) pairs: only those batches' items
    # in those languages are offered; () offers nothing, None every item. Set by
    # `queue_sample`, never typed by users.
    sample: tuple[tuple[str, str], ...] | None = None

    @property
    def sample_batches(self) -> list[str]:
        return list(dict.fromkeys(batch for _, batch in self.sample or ()))

    def describe(self) -> str:
        parts = []
        if self.sample is not None:
            parts.append("sample " + (", ".join(self.sample_batches) or "(none here)"))
        if self.languages:
            parts.append("language " + ",".join(self.languages))
        if self.model:
            parts.append(f"model {self.model}")
        if self.category:
            parts.append(f"category {self.category}")
        if self.text:
            parts.append(f"text {self.text!r}")
        return "; ".join(parts) or "all items"


# My current label of `responses r` (NULL: none, or undone).
MINE = (
    "(SELECT m.label FROM labels m WHERE m.response_id = r.id AND m.annotator_id = :me"
    f" AND {latest_label_row('m')})"
)
# Annotators (other than me) whose current label of r is a label.
_OTHERS = (
    "(SELECT count(*) FROM labels l WHERE l.response_id = r.id AND l.annotator_id != :me"
    f" AND {current_label('l')})"
)
# Annotators (other than me) holding r without having labelled it: an unexpired claim, on
# screen or in a packet (see claims.py). Who has labelled it is counted by _OTHERS already.
CLAIM_UNLABELLED = (
    "NOT EXISTS (SELECT 1 FROM labels l WHERE l.response_id = c.response_id"
    f" AND l.annotator_id = c.annotator_id AND {current_label('l')})"
)
_HOLDING = (
    "(SELECT count(*) FROM claims c WHERE c.response_id = r.id AND c.annotator_id != :me"
    f" AND c.expires_at > :now AND {CLAIM_UNLABELLED})"
)
TAKEN = f"{_OTHERS} + {_HOLDING}"
# How many other annotators hold `responses r` now (params :me, :now): the K of `--overlap`.
TAKEN_BY_OTHERS = f"({TAKEN})"
# r is an item of its language's sample batch (an index search on assignments_response).
IN_SAMPLE = "EXISTS (SELECT 1 FROM assignments s WHERE s.response_id = r.id AND s.batch = {batch})"
# A batch's items walked in the order `polyjudge sample` wrote them (a random order: the
# assignment row's id, through the index assignments_walk), each joined to its response (CROSS
# JOIN keeps the assignments as the outer loop).
SAMPLE_ITEMS = "assignments s CROSS JOIN responses r ON r.id = s.response_id"


@dataclass(slots=True)
class Where:
    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_where(
    flt: QueueFilter,
    languages: tuple[str, ...],
    *,
    walking: str | None = None,
    with_gold: bool = False,
) -> Where:
    """The filter's predicate on `responses r`, with `languages` in place of the filter's
    own (empty: any language). `walking`: the query reads `SAMPLE_ITEMS`, the rows `s` of
    that batch; otherwise, with a sample, each row is looked up in its language's batch.
    Gold items are never part of the queue (the session mixes them in itself); `with_gold`
    leaves them in, for a count that subtracts them afterwards (`Queue.progress`)."""
    where = Where(clauses=[] if with_gold else [NOT_GOLD])
    if walking is not None:
        where.clauses.append("s.batch = :sample")
        where.params["sample"] = walking
    elif flt.sample is not None:
        cases = []
        for i, (language, batch) in enumerate(flt.sample):
            cases.append(f"WHEN :sample_language{i} THEN :sample_batch{i}")
            where.params[f"sample_language{i}"] = language
            where.params[f"sample_batch{i}"] = batch
        where.clauses.append(
            IN_SAMPLE.format(batch=f"CASE r.language {' '.join(cases)} END") if cases else "0"
        )
    if len(languages) == 1:
        where.clauses.append("r.language = :language")
        where.params["language"] = languages[0]
    elif languages:
        names = [f":language{i}" for i in range(len(languages))]
        where.clauses.append(f"r.language IN ({', '.join(names)})")
        where.params.update(zip((n[1:] for n in names), languages, strict=True))
    if flt.model:
        where.clauses.append("r.model = :model")
        where.params["model"] = flt.model
    if flt.category:
        where.clauses.append(
            "(r.category = :category OR (r.category IS NULL AND r.prompt_id IN"
            " (SELECT p.id FROM prompts p WHERE p.category = :category)))"
        )
        where.params["category"] = flt.category
    if flt.text:
        where.clauses.append(
            "(r.text LIKE :text ESCAPE '\\' OR r.back_translation LIKE :text ESCAPE '\\')"
        )
        where.params["text"] = like_pattern(flt.text)
    return where


def open_clause(overlap: int | None) -> str:
    clause = f"{MINE} IS NULL"
    if overlap is not None:
        clause += f" AND {TAKEN} < :overlap"
    return clause


def visible_clause(overlap: int | None) -> str:
    if overlap is None:
        return "1"
    return f"({MINE} IS NOT NULL OR {TAKEN} < :overlap)"


def language_runs(flt: QueueFilter) -> list[tuple[tuple[str, ...], str | None]]:
    """One index range per language when reading in walk order (merged afterwards), with
    the sample batch it walks (None: the responses themselves)."""
    if flt.sample is not None:
        return [
            ((language,), batch)
            for language, batch in flt.sample
            if not flt.languages or language in flt.languages
        ]
    return [((language,), None) for language in dict.fromkeys(flt.languages)] or [((), None)]


def page_sql(walking: str | None, where: Where, state_clause: str, *, descending: bool) -> str:
    """The keyset page query of (walk key, response id): responses in id order (the key is
    the response id), or a sample batch's items in the batch's random order (the key is the
    assignment row's id; `Queue.walk_key`)."""
    source, key = ("responses r", "r.id")
    if walking is not None:
        source, key = (SAMPLE_ITEMS, "s.id")
    where.clauses.append(f"{key} < :before" if descending else f"{key} > :after")
    return (
        f"SELECT {key}, r.id FROM {source} WHERE {where.sql()} AND {state_clause}"
        f" ORDER BY {key} {'DESC' if descending else 'ASC'} LIMIT :limit"
    )
