"""Final labels back to an Inspect AI log: one JSON line per sample and epoch imported from the
log (`polyjudge import inspect`) that has a human final label:

    {"id": SAMPLE_ID, "epoch": EPOCH, "value": LABEL, "explanation": TEXT}

`id` is the sample id exactly as the log has it (number or text), `epoch` its epoch, `value` the
final label as text (`safe`, `unsafe`, `invalid`: the project's label set; judge verdicts never
set it), `explanation` how it was reached: the adjudicator's rationale, or the consensus of the
annotators and their labels. These are the fields of an Inspect score (`Score.value`,
`Score.explanation`), so each line attaches to its sample with Inspect's own
`inspect_ai.log.edit_score(log, id, "polyjudge", ScoreEdit(value=..., explanation=...),
epoch=epoch)`.

The responses of one eval are written: the only one imported, or the one `eval_id` names.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polyjudge.importers.inspect_log import parse_inspect_uid
from polyjudge.store import PolyjudgeError, Project

from .formats import atomic_text, refuse_overwrite
from .gold import iter_gold_rows


@dataclass
class InspectScores:
    """What an export wrote: the eval, the lines, and the responses left out (no final label)."""

    eval_id: str
    written: int = 0
    without_final: int = 0
    labels: Counter[str] = field(default_factory=Counter)


def explanation(row: dict[str, Any]) -> str:
    """How a final label was reached, in words."""
    how = row["final_source"]
    if how == "adjudicated":
        rationale = (row.get("adjudication_rationale") or "").strip()
        who = row.get("adjudicator") or "an adjudicator"
        return f"adjudicated by {who}" + (f": {rationale}" if rationale else "")
    labels = [h["label"] for h in row["human_labels"] if h.get("label")]
    n = len(labels)
    counts = ", ".join(f"{label} {k}" for label, k in Counter(labels).most_common())
    if how == "single":
        return f"labelled by 1 annotator ({counts})"
    return f"{how} consensus of {n} annotators ({counts})"


def export_inspect_scores(
    project: Project, out: Path, *, eval_id: str | None = None, force: bool = False
) -> InspectScores:
    """Write the final labels of one imported Inspect eval to `out` (JSON Lines)."""
    if out.is_dir():
        raise PolyjudgeError(f"{out}: is a directory; --out names the file to write")
    refuse_overwrite([out], force)
    by_eval: dict[str, list[tuple[int, Any, dict[str, Any]]]] = {}
    with project.read_snapshot():
        for row in iter_gold_rows(project):
            key = parse_inspect_uid(row["uid"])
            if key is not None:
                by_eval.setdefault(key[0], []).append((key[1], key[2], row))
    if not by_eval:
        raise PolyjudgeError("no responses imported from an Inspect log (polyjudge import inspect)")
    if eval_id is None:
        if len(by_eval) > 1:
            raise PolyjudgeError(
                "responses from several Inspect evals: choose one with --eval-id "
                f"({', '.join(sorted(by_eval))})"
            )
        eval_id = next(iter(by_eval))
    if eval_id not in by_eval:
        raise PolyjudgeError(
            f"--eval-id {eval_id!r}: no responses from that eval "
            f"(imported: {', '.join(sorted(by_eval))})"
        )
    result = InspectScores(eval_id)
    with atomic_text(out) as handle:
        for epoch, sample_id, row in by_eval[eval_id]:
            label = row["final_label"]
            if label is None:
                result.without_final += 1
                continue
            line = {
                "id": sample_id,
                "epoch": epoch,
                "value": label,
                "explanation": explanation(row),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            result.written += 1
            result.labels[label] += 1
    project.log_event("export_inspect_scores", out=str(out), eval_id=eval_id, rows=result.written)
    return result
