"""The report's `reading` block (reconcile/reading.py) as typed values: per language, how
labels differ by what the annotator read. Each language keeps its JSON as computed (`Block`),
with typed fields for what renderers show."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_base import Block, Interval, JsonDict, opt_float, parse_interval


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of a condition's labels with one reference, where the reference exists."""

    n: int
    rate: float | None
    ci95: Interval | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Agreement:
        return cls(n=d["n"], rate=opt_float(d["rate"]), ci95=parse_interval(d["ci95"]))


@dataclass(frozen=True, slots=True)
class ReadingCondition:
    labels: int
    assigned: int
    unsafe_rate: float | None
    unsafe_rate_ci95: Interval | None
    final: Agreement  # with the item's label from other evidence
    judge: Agreement  # with the estimator run's verdict

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ReadingCondition:
        return cls(
            labels=d["labels"],
            assigned=d["assigned"],
            unsafe_rate=opt_float(d["unsafe_rate"]),
            unsafe_rate_ci95=parse_interval(d["unsafe_rate_ci95"]),
            final=Agreement.from_json(d["final"]),
            judge=Agreement.from_json(d["judge"]),
        )


@dataclass(frozen=True, slots=True)
class ReadingLanguage(Block):
    design: str  # `experiment` (conditions assigned) or `observational` (chosen)
    left_out_chosen: int
    left_out_fallback: int
    conditions: Mapping[str, ReadingCondition]
    shared_items: int
    agreement: Agreement
    kappa: float | None  # posterior median
    kappa_ci95: Interval | None
    difference: float | None  # back-translation minus original, share `positive`
    difference_ci95: Interval | None
    finding: str  # `different`, `no_difference`, `no_data`

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ReadingLanguage:
        comparison = d["comparison"]
        return cls(
            json=copy.deepcopy(dict(d)),
            design=d["design"],
            left_out_chosen=d["left_out"]["chosen"],
            left_out_fallback=d["left_out"]["fallback"],
            conditions={k: ReadingCondition.from_json(v) for k, v in d["conditions"].items()},
            shared_items=comparison["shared_items"],
            agreement=Agreement.from_json(comparison["agreement"]),
            kappa=opt_float(comparison["kappa_median"]),
            kappa_ci95=parse_interval(comparison["kappa_ci95"]),
            difference=opt_float(comparison["difference"]),
            difference_ci95=parse_interval(comparison["difference_ci95"]),
            finding=comparison["finding"],
        )


@dataclass(frozen=True, slots=True)
class ReadingSection:
    positive: str
    by_language: Mapping[str, ReadingLanguage]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ReadingSection:
        return cls(
            positive=d["positive"],
            by_language={k: ReadingLanguage.from_json(v) for k, v in d["by_language"].items()},
        )

    def as_json(self) -> JsonDict:
        return {
            "positive": self.positive,
            "by_language": {k: v.as_json() for k, v in self.by_language.items()},
        }
