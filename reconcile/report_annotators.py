"""The report's `annotators` block (reconcile/annotator_quality.py) as typed values: per
language, each annotator's quality entry. Each entry keeps its JSON as computed (`Block`), with
typed fields for what renderers show."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_base import Block, Interval, JsonDict, opt_float, parse_interval


@dataclass(frozen=True, slots=True)
class AnnotatorQuality(Block):
    labels: int
    unsure_rate: float | None
    n_adjudicated: int
    accuracy: float | None  # against standing adjudications
    accuracy_ci95: Interval | None
    n_gold: int
    gold_accuracy: float | None  # against gold items
    gold_accuracy_ci95: Interval | None
    kappa: float | None  # vs the majority of the others: posterior median
    kappa_ci95: Interval | None
    median_ms: float | None
    fast_share: float | None
    ds_accuracy: float | None
    ds_accuracy_ci95: Interval | None
    confusion_labels: tuple[str, ...]
    confusion: tuple[tuple[float, ...], ...]  # Dawid–Skene θ[true, given]
    flagged: bool
    flagged_by: tuple[str, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnnotatorQuality:
        adj, agree, time, ds = d["adjudicated"], d["agreement"], d["time"], d["dawid_skene"]
        gold = d.get("gold")
        conf = ds.get("confusion") or {}
        return cls(
            json=copy.deepcopy(dict(d)),
            labels=d["labels"],
            unsure_rate=opt_float(d["unsure_rate"]),
            n_adjudicated=adj["n"],
            accuracy=opt_float(adj["accuracy"]),
            accuracy_ci95=parse_interval(adj["accuracy_ci95"]),
            n_gold=gold["n"] if isinstance(gold, Mapping) else 0,
            gold_accuracy=opt_float(gold.get("accuracy")) if isinstance(gold, Mapping) else None,
            gold_accuracy_ci95=(
                parse_interval(gold.get("accuracy_ci95")) if isinstance(gold, Mapping) else None
            ),
            kappa=opt_float(agree.get("kappa_median")),
            kappa_ci95=parse_interval(agree.get("kappa_ci95")),
            median_ms=opt_float(time["median_ms"]),
            fast_share=opt_float(time["fast_share"]),
            ds_accuracy=opt_float(ds["accuracy"]),
            ds_accuracy_ci95=parse_interval(ds["accuracy_ci95"]),
            confusion_labels=tuple(conf.get("true") or ()),
            confusion=tuple(tuple(float(x) for x in row) for row in conf.get("matrix") or ()),
            flagged=bool(d["flagged"]),
            flagged_by=tuple(d["flagged_by"]),
        )


@dataclass(frozen=True, slots=True)
class LanguageAnnotators:
    dawid_skene: JsonDict
    annotators: Mapping[str, AnnotatorQuality]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LanguageAnnotators:
        return cls(
            dawid_skene=copy.deepcopy(dict(d["dawid_skene"])),
            annotators={k: AnnotatorQuality.from_json(v) for k, v in d["annotators"].items()},
        )

    def as_json(self) -> JsonDict:
        return {
            "dawid_skene": copy.deepcopy(self.dawid_skene),
            "annotators": {k: v.as_json() for k, v in self.annotators.items()},
        }


@dataclass(frozen=True, slots=True)
class AnnotatorsSection:
    threshold: float
    fast_decision_ms: int
    excluded: tuple[str, ...]
    by_language: Mapping[str, LanguageAnnotators]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnnotatorsSection:
        return cls(
            threshold=float(d["threshold"]),
            fast_decision_ms=d["fast_decision_ms"],
            excluded=tuple(d["excluded"]),
            by_language={k: LanguageAnnotators.from_json(v) for k, v in d["by_language"].items()},
        )

    def as_json(self) -> JsonDict:
        return {
            "threshold": self.threshold,
            "fast_decision_ms": self.fast_decision_ms,
            "excluded": list(self.excluded),
            "by_language": {k: v.as_json() for k, v in self.by_language.items()},
        }

    def rows(self) -> list[tuple[str, str, AnnotatorQuality]]:
        """(language, annotator, entry) in report order: a table's rows."""
        return [
            (lang, name, entry)
            for lang, block in self.by_language.items()
            for name, entry in block.annotators.items()
        ]

    @property
    def flagged(self) -> list[tuple[str, str]]:
        return [(lang, name) for lang, name, e in self.rows() if e.flagged]
