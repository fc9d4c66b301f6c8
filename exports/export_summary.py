"""What a gold export wrote, counted while the rows streamed past: the dataset card's counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

NO_FINAL = "(no final label)"


@dataclass
class ExportSummary:
    """What was written: counted while the rows streamed past."""

    rows: int = 0
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (language, label)
    final_sources: Counter[str] = field(default_factory=Counter)
    annotators: set[str] = field(default_factory=set)
    adjudicators: set[str] = field(default_factory=set)
    judges: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # run: model, hash
    datasets: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # ds: (src, lic)
    extra_files: list[Any] = field(default_factory=list)
    # CSV only: None for other formats; True with --raw-csv. `neutralised`: cells per column
    # that got a leading `'` against formula injection (see `formats.neutralise_formula`).
    raw_csv: bool | None = None
    neutralised: Counter[str] = field(default_factory=Counter)

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        self.labels[(row["language"], row["final_label"] or NO_FINAL)] += 1
        self.final_sources[row["final_source"]] += 1
        for human in row["human_labels"]:
            self.annotators.add(human["annotator"])
        if row["adjudicator"]:
            self.adjudicators.add(row["adjudicator"])
        for verdict in row["verdicts"]:
            self.judges.setdefault(verdict["run"], (verdict["model"], verdict["template_hash"]))
        if row["prompt_dataset"]:
            self.datasets.setdefault(row["prompt_dataset"], set()).add(
                (row["source"] or "", row["license"] or "")
            )

    @property
    def languages(self) -> list[str]:
        return sorted({language for language, _ in self.labels})
