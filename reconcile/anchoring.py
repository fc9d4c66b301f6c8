"""The report's `anchoring` block: how the judge's verdict moves annotators once it is shown
(`annotate --reveal-judge`, docs/architecture.md "The report").

Per language, over the items whose verdict was revealed to an annotator after their blind label
(one pair per item and annotator: the current blind label and the standing answer to its
reveal, `store/current.py`):

- agreement with the judge of the blind labels, and of the answers after the reveal;
- the flip rate toward the judge: of the blind labels that disagreed with it, the share
  changed to its label;
- the flip rate away from it: of the blind labels that agreed with it, the share changed.

Each with a Wilson interval (`intervals.wilson`). The judge is the verdict a reveal shows
(`Reveals.shown_verdict`: the latest non-baseline judge run with a verdict on the item), read
when the report is built. After-reveal answers enter nothing else: calibration, agreement, final
labels and rates read blind labels only. The block also says how many final labels were decided
by an adjudicator with the judge's verdicts on screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from polyjudge.store import JudgeSeenFinals, Project

from .intervals import wilson


@dataclass(frozen=True, slots=True)
class RevealedLabel:
    """One revealed item of one annotator: language, blind label, answer after, the judge."""

    language: str
    blind: str
    after: str
    judge: str


def proportion(k: int, n: int, what: str) -> dict[str, Any]:
    """`k` of `n` with its share and Wilson interval; null with a reason when n is 0."""
    if n == 0:
        return {"k": 0, "n": 0, "rate": None, "ci95": None, "reason": f"no {what}"}
    ci = wilson(k, n)
    return {"k": k, "n": n, "rate": k / n, "ci95": list(ci) if ci else None}


def language_block(revealed: list[RevealedLabel]) -> dict[str, Any]:
    n = len(revealed)
    disagreed = [r for r in revealed if r.blind != r.judge]
    agreed = [r for r in revealed if r.blind == r.judge]
    return {
        "revealed": n,
        "changed": sum(r.after != r.blind for r in revealed),
        "blind_agreement": proportion(sum(r.blind == r.judge for r in revealed), n, "reveals"),
        "after_agreement": proportion(sum(r.after == r.judge for r in revealed), n, "reveals"),
        "toward_judge": proportion(
            sum(r.after == r.judge for r in disagreed),
            len(disagreed),
            "blind labels that disagreed with the judge",
        ),
        "away_from_judge": proportion(
            sum(r.after != r.judge for r in agreed),
            len(agreed),
            "blind labels that agreed with the judge",
        ),
    }


def anchoring(
    revealed: Iterable[RevealedLabel],
    finals: JudgeSeenFinals,
    final_labels: int,
    labels_judge_seen: int = 0,
) -> dict[str, Any]:
    """The `anchoring` block: per language (sorted), and the finals decided with the judge
    visible (`final_labels`: items with a human final label); `labels_judge_seen`: current
    labels that are not blind (given again after an undo, once the judge had been shown).
    Numbers only: the renderers (`exports/report_anchoring_table.py`) say them in a sentence."""
    by_language: dict[str, list[RevealedLabel]] = {}
    for item in revealed:
        by_language.setdefault(item.language, []).append(item)
    return {
        "by_language": {lang: language_block(items) for lang, items in sorted(by_language.items())},
        "labels_judge_seen": labels_judge_seen,
        "finals": {
            "final_labels": final_labels,
            "judge_seen": finals.seen,
            "judge_not_seen": finals.not_seen,
            "judge_seen_unknown": finals.unknown,
        },
    }


def revealed_labels(
    project: Project, exclude_annotators: Iterable[int] = ()
) -> list[RevealedLabel]:
    """Every current blind label with a standing answer to its reveal and a verdict to compare
    with (read from the project)."""
    pairs = project.reveals.pairs(frozenset(exclude_annotators))
    verdicts = project.reveals.shown_verdicts(p.response_id for p in pairs)
    return [
        RevealedLabel(p.language, p.blind, p.after, verdicts[p.response_id].label)
        for p in pairs
        if p.response_id in verdicts
    ]
