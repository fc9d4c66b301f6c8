"""Gold items mixed silently into an annotation session (no Textual here).

Before each move to the next item, the mixer draws once from its own random stream: with
probability `rate` (the project's gold rate, or `annotate --gold-rate`) it offers a gold item
in the annotator's languages that they have never labelled, in place of the next queue item
(which stays first in the queue). Gold items are drawn only while the queue still has items,
so the end of the queue looks as it always does. The stream is seeded by the project, the
annotator and an optional seed, so a session is reproducible; nothing on screen marks a gold
item.
"""

from __future__ import annotations

import random
from collections.abc import Container

from polyjudge.safe_text import one_line
from polyjudge.store import Project


class GoldMixer:
    def __init__(
        self,
        project: Project,
        annotator_id: int,
        languages: tuple[str, ...],
        rate: float,
        seed: str | None = None,
    ) -> None:
        self.project = project
        self.annotator_id = annotator_id
        self.languages = languages
        self.rate = rate
        # Deterministic per annotator (and project): the same draws in every session.
        self._rng = random.Random(f"{project.project_id}:{annotator_id}:{seed or ''}")
        self._offered: set[int] = set()  # shown this session (and maybe skipped unlabelled)

    def pick(self, skip: Container[int]) -> int | None:
        """A gold item to show next, or None (the queue's next item)."""
        if self.rate <= 0 or self._rng.random() >= self.rate:
            return None
        candidates = [
            rid
            for rid in self.project.gold_items.unseen_ids(self.annotator_id, self.languages)
            if rid not in self._offered and rid not in skip
        ]
        if not candidates:
            return None
        choice = self._rng.choice(candidates)
        self._offered.add(choice)
        return choice


def feedback_line(project: Project, response_id: int, label: str) -> str | None:
    """`gold: expected unsafe (you: safe) — explanation`, one plain line; None when the item
    is not a gold item."""
    gold = project.gold_items.get(response_id)
    if gold is None:
        return None
    verdict = "correct" if gold.label == label else f"you: {one_line(label, 16)}"
    line = f"gold: expected {one_line(gold.label, 16)} ({verdict})"
    if gold.explanation:
        line += f" — {one_line(gold.explanation, 160)}"
    return line
