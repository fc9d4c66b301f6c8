"""The report as typed, immutable values: what `build_report` returns and every renderer reads.

Frozen slotted dataclasses rather than TypedDicts: renderers read attributes that mypy checks
(`block.judge_corrected.rate`), the values cannot be changed by one renderer under another,
and names that are not identifiers in the JSON (`judge-only`, `for`) get plain attribute names.

`Report.as_json()` gives back the `report --json` dict, key for key and in the same order.
The structure (sections, `by_<field>` groups, counts, the project header, queue, progress,
design, sequential look) is rebuilt from the typed fields. The statistical blocks (rates,
agreement, calibration, comparisons, budget) carry optional and estimator-specific keys
(`pending_range`, `notes`, `bootstrap`, PPV/FOR, `by_cell`...) that no renderer reads: each
keeps its JSON block as it was computed (`json`), with typed fields for what is shown.

The sections live in `report_counts` (header, final counts, queue, progress),
`report_estimates` (unsafe rates, design, budget) and `report_stats` (agreement, judges,
comparisons), on the shared pieces of `report_base`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_anchoring import AnchoringSection
from .report_annotators import AnnotatorsSection
from .report_base import JsonDict
from .report_counts import FinalSection, Progress, ProjectInfo, Queue, final_from_json, final_json
from .report_estimates import Budget, UnsafeRateSection
from .report_reading import ReadingSection
from .report_stats import AgreementSection, Comparison, JudgeEntry


@dataclass(frozen=True, slots=True)
class Report:
    project: ProjectInfo
    labels: tuple[str, ...]
    final: FinalSection
    agreement: AgreementSection
    unsafe_rate: UnsafeRateSection
    judges: Mapping[str, JudgeEntry]
    comparisons: tuple[Comparison, ...]
    queue: Queue
    progress: Progress
    methods: Mapping[str, str]
    budget: Budget | None = None
    annotators: AnnotatorsSection | None = None
    anchoring: AnchoringSection | None = None
    reading: ReadingSection | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Report:
        budget = d.get("budget")
        annotators = d.get("annotators")
        anchoring = d.get("anchoring")
        reading = d.get("reading")
        return cls(
            project=ProjectInfo.from_json(d["project"]),
            labels=tuple(d["labels"]),
            final=final_from_json(d["final"]),
            agreement=AgreementSection.from_json(d["agreement"]),
            unsafe_rate=UnsafeRateSection.from_json(d["unsafe_rate"]),
            judges={k: JudgeEntry.from_json(v) for k, v in d["judges"].items()},
            comparisons=tuple(Comparison.from_json(c) for c in d["comparisons"]),
            queue=Queue.from_json(d["queue"]),
            progress=Progress.from_json(d["progress"]),
            methods=dict(d["methods"]),
            budget=Budget.from_json(budget) if budget else None,
            annotators=AnnotatorsSection.from_json(annotators) if annotators else None,
            anchoring=AnchoringSection.from_json(anchoring) if anchoring else None,
            reading=ReadingSection.from_json(reading) if reading else None,
        )

    def as_json(self) -> JsonDict:
        """The `report --json` dict (docs/architecture.md, "The report"): same keys, nesting, nulls
        and order."""
        out: JsonDict = {
            "project": self.project.as_json(),
            "labels": list(self.labels),
            "final": final_json(self.final),
            "agreement": self.agreement.as_json(),
            "unsafe_rate": self.unsafe_rate.as_json(),
            "judges": {k: v.as_json() for k, v in self.judges.items()},
            "comparisons": [c.as_json() for c in self.comparisons],
            "queue": self.queue.as_json(),
            "progress": self.progress.as_json(),
            **({"annotators": self.annotators.as_json()} if self.annotators else {}),
            **({"anchoring": self.anchoring.as_json()} if self.anchoring else {}),
            **({"reading": self.reading.as_json()} if self.reading else {}),
            "methods": dict(self.methods),
        }
        if self.budget is not None:
            out["budget"] = self.budget.as_json()
        return out
