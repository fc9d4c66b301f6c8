"""Unsafe-rate sections of the report: per-group rates with their judge-based estimates, the
sampling design, the sequential look and the labelling budget."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .report_base import Block, Grouped, Interval, JsonDict, opt_float, parse_interval
from .report_condition_model import ConditionRates

CORRECTED = "judge_corrected_stratified"


@dataclass(frozen=True, slots=True)
class Estimate(Block):
    """A judge-based rate (`judge_raw`, `judge_corrected`): rate, interval, why it is missing."""

    rate: float | None
    ci95: Interval | None
    reasons: Mapping[str, str]
    # Where `rate` is undefined because some strata have no label: what it can still be
    # (`poststratified._worst_case_bounds`).
    bounds95: Interval | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Estimate:
        return cls(
            json=copy.deepcopy(dict(d)),
            rate=opt_float(d.get("rate")),
            ci95=parse_interval(d.get("ci95")),
            reasons=dict(d.get("reasons") or {}),
            bounds95=parse_interval(d.get("bounds95")),
        )


@dataclass(frozen=True, slots=True)
class Headline:
    """The estimate a group is summed up by: judge-corrected or human-final."""

    rate: float | None
    ci95: Interval | None
    corrected: bool
    reason: str | None = None  # why `rate` is undefined (the report's own words), or None
    bounds95: Interval | None = None  # what an undefined rate can still be (worst case)


@dataclass(frozen=True, slots=True)
class RateBlock(Block):
    """The unsafe rate of one group (`unsafe_rate.overall`, `unsafe_rate.by_<field>.<name>`)."""

    estimator: str
    n: int
    unsafe: int
    rate: float | None
    ci95: Interval | None
    invalid: int
    invalid_rate: float | None
    invalid_ci95: Interval | None
    items: int
    pending: int
    judge_only: int
    headline: str
    reasons: Mapping[str, str]
    judge_raw: Estimate | None
    judge_corrected: Estimate | None
    bounds95: Interval | None = None  # as `Estimate.bounds95`, of the human-final rate

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RateBlock:
        raw, corrected = d.get("judge_raw"), d.get("judge_corrected")
        return cls(
            json=copy.deepcopy(dict(d)),
            estimator=d["estimator"],
            n=d["n"],
            unsafe=d["unsafe"],
            rate=opt_float(d["rate"]),
            ci95=parse_interval(d["ci95"]),
            invalid=d["invalid"],
            invalid_rate=opt_float(d["invalid_rate"]),
            invalid_ci95=parse_interval(d.get("invalid_ci95")),
            items=d["items"],
            pending=d["pending"],
            judge_only=d["judge_only"],
            headline=d["headline"],
            reasons=dict(d.get("reasons") or {}),
            judge_raw=Estimate.from_json(raw) if raw else None,
            judge_corrected=Estimate.from_json(corrected) if corrected else None,
            bounds95=parse_interval(d.get("bounds95")),
        )

    @property
    def is_corrected(self) -> bool:
        return self.headline == CORRECTED

    def headline_estimate(self) -> Headline:
        """Judge-corrected when the group has judge-only items and a defined correction, else
        the human-final rate (what the bar charts and the dashboard show)."""
        if self.is_corrected and self.judge_corrected is not None:
            corrected = self.judge_corrected
            return Headline(
                corrected.rate,
                corrected.ci95,
                True,
                corrected.reasons.get("rate"),
                corrected.bounds95,
            )
        return Headline(self.rate, self.ci95, False, self.reasons.get("rate"), self.bounds95)


@dataclass(frozen=True, slots=True)
class DesignRow:
    """Per language: how its human labels were chosen and how many the estimates use."""

    sample: str  # none | equal_probability | weighted
    sampled: int
    used: int
    outside_design: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DesignRow:
        return cls(d["sample"], d["sampled"], d["used"], d["outside_design"])

    def as_json(self) -> JsonDict:
        return {
            "sample": self.sample,
            "sampled": self.sampled,
            "used": self.used,
            "outside_design": self.outside_design,
        }


@dataclass(frozen=True, slots=True)
class SequentialLook:
    """`--sequential`: which look this is and the interval level it spends."""

    look: int
    alpha: float
    level: float
    z: float
    rule: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SequentialLook:
        return cls(d["look"], d["alpha"], d["level"], d["z"], d["rule"])

    def as_json(self) -> JsonDict:
        return {
            "look": self.look,
            "alpha": self.alpha,
            "level": self.level,
            "z": self.z,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class UnsafeRateSection(Grouped[RateBlock]):
    design: Mapping[str, DesignRow] = field(default_factory=dict)
    sequential: SequentialLook | None = None
    # field (model, scenario) -> each value's rate per language and pooled
    conditions: Mapping[str, ConditionRates[RateBlock]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UnsafeRateSection:
        look = d["sequential"]
        return cls(
            overall=RateBlock.from_json(d["overall"]),
            by=Grouped.parse_by(d, RateBlock.from_json),
            design={k: DesignRow.from_json(v) for k, v in d["design"].items()},
            sequential=SequentialLook.from_json(look) if look is not None else None,
            conditions={
                k: ConditionRates.parse(v, RateBlock.from_json)
                for k, v in d.get("conditions", {}).items()
            },
        )

    def as_json(self) -> JsonDict:
        return {
            "overall": self.overall.as_json(),
            "design": {k: v.as_json() for k, v in self.design.items()},
            "sequential": self.sequential.as_json() if self.sequential else None,
            **self.by_json(RateBlock.as_json),
            "conditions": {k: v.dump(RateBlock.as_json) for k, v in self.conditions.items()},
        }


@dataclass(frozen=True, slots=True)
class BudgetRow:
    n: int
    current_width: float | None
    planning_rate: float | None
    labels_needed: int
    more_labels: int
    available: int
    reachable: bool
    drawn_unlabelled: int = 0  # of the more labels, items a sample drew, not labelled yet


@dataclass(frozen=True, slots=True)
class Budget(Block):
    """`--target-width`: labels needed per language for the headline interval's width."""

    target_width: float
    by_language: Mapping[str, BudgetRow]
    # The variance planned with: the difference estimator's with p(unsafe)
    # (`p_unsafe_residual`) or the verdict strata's proportions (`proportion`).
    planned_variance: str = "proportion"

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Budget:
        return cls(
            json=copy.deepcopy(dict(d)),
            target_width=float(d["target_width"]),
            planned_variance=d.get("planned_variance", "proportion"),
            by_language={
                name: BudgetRow(
                    n=x["n"],
                    current_width=opt_float(x.get("current_width")),
                    planning_rate=opt_float(x.get("planning_rate")),
                    labels_needed=x["labels_needed"],
                    more_labels=x["more_labels"],
                    available=x.get("available", 0),
                    reachable=bool(x.get("reachable", True)),
                    drawn_unlabelled=int(x.get("drawn_unlabelled", 0)),
                )
                for name, x in d["by_language"].items()
            },
        )
