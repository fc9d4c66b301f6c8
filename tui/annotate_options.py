"""What `polyjudge annotate` was asked for, read from the options the app was started with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from polyjudge.store import QueueFilter


@dataclass(frozen=True, slots=True)
class Options:
    """What `polyjudge annotate` was asked for."""

    annotator: str
    filter: QueueFilter = QueueFilter()
    overlap: int | None = None
    guidelines: str | None = None
    sample: str | None = None  # `--sample BATCH`; None: the latest batch for the filter
    no_sample: bool = False  # `--no-sample`: every item, whatever was sampled
    gold_rate: float | None = None  # `--gold-rate R`; None: the project's gold rate
    gold_feedback: bool = False  # `--gold-feedback`: show the expected label after a gold item
    gold_seed: str | None = None  # seeds the gold draws (with the project and annotator)
    view: str | None = None  # `--view`: the reading condition assigned (annotate_reading.py)
    reveal_share: float | None = None  # `--reveal-judge [SHARE]`; None: the project's setting


def options_from(options: Mapping[str, Any]) -> Options:
    """`PolyjudgeApp(path, "annotate", options)`: annotator (required), languages, model,
    category, text, overlap, sample (a batch name), no_sample, guidelines (Markdown text),
    gold_rate, gold_feedback, gold_seed, view, reveal_share."""
    flt = QueueFilter(
        languages=tuple(options.get("languages") or ()),
        model=options.get("model"),
        category=options.get("category"),
        text=options.get("text"),
    )
    return Options(
        annotator=options["annotator"],
        filter=flt,
        overlap=options.get("overlap"),
        guidelines=options.get("guidelines"),
        sample=options.get("sample"),
        no_sample=bool(options.get("no_sample")),
        gold_rate=options.get("gold_rate"),
        gold_feedback=bool(options.get("gold_feedback")),
        gold_seed=options.get("gold_seed"),
        view=options.get("view"),
        reveal_share=options.get("reveal_share"),
    )
