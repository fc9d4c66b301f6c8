"""Report sections that are plain counts: the project header, how items got their final label,
the adjudication queue and annotator progress. Each rebuilds its JSON from typed fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_base import Grouped, JsonDict


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    name: str
    model: str | None
    baseline: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RunInfo:
        return cls(d["id"], d["name"], d["model"], bool(d["baseline"]))

    def as_json(self) -> JsonDict:
        return {"id": self.id, "name": self.name, "model": self.model, "baseline": self.baseline}


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    path: str
    label_set: tuple[str, ...]
    consensus_rule: str
    items: int
    human_labels: int
    estimator_run: RunInfo | None
    conflict_runs: tuple[str, ...]
    bootstrap_resamples: int
    seed: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ProjectInfo:
        run = d["estimator_run"]
        return cls(
            path=d["path"],
            label_set=tuple(d["label_set"]),
            consensus_rule=d["consensus_rule"],
            items=d["items"],
            human_labels=d["human_labels"],
            estimator_run=RunInfo.from_json(run) if run is not None else None,
            conflict_runs=tuple(d["conflict_runs"]),
            bootstrap_resamples=d["bootstrap_resamples"],
            seed=d["seed"],
        )

    def as_json(self) -> JsonDict:
        return {
            "path": self.path,
            "label_set": list(self.label_set),
            "consensus_rule": self.consensus_rule,
            "items": self.items,
            "human_labels": self.human_labels,
            "estimator_run": self.estimator_run.as_json() if self.estimator_run else None,
            "conflict_runs": list(self.conflict_runs),
            "bootstrap_resamples": self.bootstrap_resamples,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class FinalCounts:
    """How many items got their final label which way (`final.*`)."""

    adjudicated: int
    unanimous: int
    majority: int
    single: int
    judge_only: int
    queued: int
    needs_labels: int
    items: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FinalCounts:
        return cls(
            d["adjudicated"],
            d["unanimous"],
            d["majority"],
            d["single"],
            d["judge-only"],
            d["queued"],
            d["needs_labels"],
            d["items"],
        )

    def as_json(self) -> JsonDict:
        return {
            "adjudicated": self.adjudicated,
            "unanimous": self.unanimous,
            "majority": self.majority,
            "single": self.single,
            "judge-only": self.judge_only,
            "queued": self.queued,
            "needs_labels": self.needs_labels,
            "items": self.items,
        }


FinalSection = Grouped[FinalCounts]


def final_from_json(d: Mapping[str, Any]) -> FinalSection:
    return Grouped(FinalCounts.from_json(d["overall"]), Grouped.parse_by(d, FinalCounts.from_json))


def final_json(section: FinalSection) -> JsonDict:
    return {"overall": section.overall.as_json(), **section.by_json(FinalCounts.as_json)}


@dataclass(frozen=True, slots=True)
class QueueCounts:
    disagreements: int  # ties included
    ties: int
    unsure: int
    judge_conflicts: int
    total: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> QueueCounts:
        return cls(d["disagreements"], d["ties"], d["unsure"], d["judge_conflicts"], d["total"])

    def as_json(self) -> JsonDict:
        return {
            "disagreements": self.disagreements,
            "ties": self.ties,
            "unsure": self.unsure,
            "judge_conflicts": self.judge_conflicts,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Queue:
    """The adjudication queue: all items (flat in JSON), then per language."""

    overall: QueueCounts
    by_language: Mapping[str, QueueCounts]

    def rows(self) -> list[tuple[str, QueueCounts]]:
        return [("all", self.overall), *self.by_language.items()]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Queue:
        return cls(
            QueueCounts.from_json(d),
            {k: QueueCounts.from_json(v) for k, v in d.get("by_language", {}).items()},
        )

    def as_json(self) -> JsonDict:
        return {
            **self.overall.as_json(),
            "by_language": {k: v.as_json() for k, v in self.by_language.items()},
        }


@dataclass(frozen=True, slots=True)
class AnnotatorProgress:
    labels: int
    unsure: int
    by_language: Mapping[str, int]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnnotatorProgress:
        return cls(d["labels"], d["unsure"], dict(d["by_language"]))

    def as_json(self) -> JsonDict:
        return {"labels": self.labels, "unsure": self.unsure, "by_language": dict(self.by_language)}


@dataclass(frozen=True, slots=True)
class Progress:
    """Current labels per annotator (overall and per language) and items per language."""

    by_annotator: Mapping[str, AnnotatorProgress]
    items_by_language: Mapping[str, int]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Progress:
        return cls(
            {k: AnnotatorProgress.from_json(v) for k, v in d["by_annotator"].items()},
            dict(d["items_by_language"]),
        )

    def as_json(self) -> JsonDict:
        return {
            "by_annotator": {k: v.as_json() for k, v in self.by_annotator.items()},
            "items_by_language": dict(self.items_by_language),
        }
