"""What to do next, per language (`polyjudge status`): how far each stage of the workflow has
come, and the one command that closes the biggest gap.

The stages, in workflow order, and the gap each leaves in a language:

- translate: responses without a back-translation (languages other than English);
- judge: responses without a parsed verdict of a (non-baseline) judge run;
- sample: every response, while nothing in the language is sampled or labelled;
- annotate: sampled items without a current label;
- adjudicate: items queued for adjudication.

The next command is the one of the largest gap over all languages and stages; a tie goes to
the earlier stage (translating before judging, judging before sampling...), then to the
language first in name order.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

STAGES = ("translate", "judge", "sample", "annotate", "adjudicate")
COUNTS = ("responses", "back_translated", "judged", "sampled", "labelled", "final", "queued")
SAMPLE_SIZE = 100  # the `sample --per-language` the next command proposes (at most the gap)


@dataclass(frozen=True, slots=True)
class NextStep:
    language: str
    stage: str
    gap: int
    command: str

    def as_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "stage": self.stage,
            "gap": self.gap,
            "command": self.command,
        }


def stage_rows(
    stages: dict[str, dict[str, int]], queue: dict[str, Any]
) -> dict[str, dict[str, int]]:
    """language -> the counts of `COUNTS` (and `sampled_labelled`), for languages with
    responses: the store's stage counts with the reconciled final and queued counts."""
    finals = queue.get("final_by_language", {})
    queued = queue.get("by_language", {})
    out = {}
    for language, counts in stages.items():
        if not counts.get("responses"):
            continue
        row = dict(counts)
        row["final"] = int(finals.get(language, 0))
        row["queued"] = int(queued.get(language, {}).get("total", 0))
        out[language] = row
    return out


def gaps(language: str, row: dict[str, int]) -> dict[str, int]:
    n = row["responses"]
    return {
        "translate": 0 if language.lower() == "en" else n - row["back_translated"],
        "judge": n - row["judged"],
        "sample": n if row["sampled"] == 0 and row["labelled"] == 0 else 0,
        "annotate": row["sampled"] - row.get("sampled_labelled", 0),
        "adjudicate": row["queued"],
    }


def command_for(
    stage: str, language: str, gap: int, models: dict[str, str | None], db: str | None
) -> str:
    q = shlex.quote
    judge_model = q(models.get("judge") or "MODEL")
    translate_model = q(models.get("translate") or "MODEL")
    parts = {
        "translate": f"polyjudge translate --model {translate_model} --language {q(language)}",
        "judge": f"polyjudge judge --model {judge_model} --language {q(language)}",
        "sample": f"polyjudge sample --per-language {min(SAMPLE_SIZE, gap)}"
        + (" --stratify-by-judge" if models.get("judge") else ""),
        "annotate": f"polyjudge annotate --annotator NAME --language {q(language)}",
        "adjudicate": f"polyjudge adjudicate --adjudicator NAME --language {q(language)}",
    }
    return parts[stage] + (f" --db {q(db)}" if db else "")


def next_step(
    rows: dict[str, dict[str, int]], models: dict[str, str | None], db: str | None = None
) -> NextStep | None:
    """The command for the largest gap (None: nothing left to do)."""
    best: tuple[int, int, str, str] | None = None
    for language in sorted(rows):
        for order, (stage, gap) in enumerate(gaps(language, rows[language]).items()):
            key = (-gap, order, language, stage)
            if gap > 0 and (best is None or key < best):
                best = key
    if best is None:
        return None
    gap, _, language, stage = -best[0], *best[1:]
    return NextStep(language, stage, gap, command_for(stage, language, gap, models, db))
