"""Typed `unsafe_rate.conditions`: each condition's (model's, scenario's) rate per language and
pooled, and the pooled differences between conditions (reconcile/report_conditions.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .report_base import Block, Interval, JsonDict, opt_float, parse_interval

B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class PooledDifference(Block):
    """A − B of two conditions' pooled headline estimates, MOVER 95% interval."""

    a: str
    b: str
    difference: float | None
    ci95: Interval | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PooledDifference:
        return cls(
            json=copy.deepcopy(dict(d)),
            a=d["a"],
            b=d["b"],
            difference=opt_float(d.get("difference")),
            ci95=parse_interval(d.get("ci95")),
        )


@dataclass(frozen=True, slots=True)
class ConditionRates(Generic[B]):
    """One field's conditions: value -> rate block, pooled, per language and per MultiJail
    resource tier (in the paper's order; empty without MultiJail prompts); `by_model`, for a
    field other than `model` in a project of 2–6 models, the same within each model's items
    (with no differences and no `by_model` of their own)."""

    pooled: Mapping[str, B]
    by_language: Mapping[str, Mapping[str, B]]
    by_tier: Mapping[str, Mapping[str, B]]
    differences: tuple[PooledDifference, ...]
    by_model: Mapping[str, ConditionRates[B]] = field(default_factory=dict)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.pooled)

    @classmethod
    def parse(cls, d: Mapping[str, Any], parse: Callable[[Any], B]) -> ConditionRates[B]:
        return cls(
            pooled={k: parse(v) for k, v in d["pooled"].items()},
            by_language={
                lang: {k: parse(v) for k, v in cells.items()}
                for lang, cells in d["by_language"].items()
            },
            by_tier={
                tier: {k: parse(v) for k, v in cells.items()}
                for tier, cells in d.get("by_tier", {}).items()
            },
            differences=tuple(PooledDifference.from_json(x) for x in d.get("differences", ())),
            by_model={m: cls.parse(x, parse) for m, x in d.get("by_model", {}).items()},
        )

    def dump(self, dump: Callable[[B], Any]) -> JsonDict:
        return {
            "pooled": {k: dump(v) for k, v in self.pooled.items()},
            "by_language": {
                lang: {k: dump(v) for k, v in cells.items()}
                for lang, cells in self.by_language.items()
            },
            "by_tier": {
                tier: {k: dump(v) for k, v in cells.items()} for tier, cells in self.by_tier.items()
            },
            "differences": [x.as_json() for x in self.differences],
            "by_model": {m: x.dump(dump) for m, x in self.by_model.items()},
        }
