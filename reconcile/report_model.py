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
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

JsonDict = dict[str, Any]
Interval = tuple[float, float]
T = TypeVar("T")

CORRECTED = "judge_corrected_stratified"


def _interval(value: Any) -> Interval | None:
    """A 95% interval as a pair; missing and empty intervals are None."""
    if not value:
        return None
    lo, hi = value
    return (float(lo), float(hi))


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _by_fields(block: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(k[3:] for k in block if k.startswith("by_"))


@dataclass(frozen=True, slots=True)
class _Block:
    """A statistical block that keeps its own JSON (see the module docstring)."""

    json: JsonDict = field(repr=False)

    def as_json(self) -> JsonDict:
        return copy.deepcopy(self.json)


# -- the project header --------------------------------------------------------------------


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


# -- sections grouped by field ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grouped(Generic[T]):
    """A block for all items and one per group of each `--by` field (`by_<field>` in JSON)."""

    overall: T
    by: Mapping[str, Mapping[str, T]]  # field -> group name -> block

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.by)

    def groups(self, field_name: str) -> list[tuple[str, T]]:
        return list(self.by.get(field_name, {}).items())

    def rows(self, field_name: str) -> list[tuple[str, T]]:
        """("all", overall), then the groups of `field_name`: a table's rows."""
        return [("all", self.overall), *self.groups(field_name)]

    @staticmethod
    def parse_by(d: Mapping[str, Any], parse: Callable[[Any], T]) -> dict[str, dict[str, T]]:
        return {
            f: {name: parse(block) for name, block in d[f"by_{f}"].items()} for f in _by_fields(d)
        }

    def by_json(self, dump: Callable[[T], Any]) -> JsonDict:
        return {
            f"by_{f}": {name: dump(block) for name, block in groups.items()}
            for f, groups in self.by.items()
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


def _final_from_json(d: Mapping[str, Any]) -> FinalSection:
    return Grouped(FinalCounts.from_json(d["overall"]), Grouped.parse_by(d, FinalCounts.from_json))


def _final_json(section: FinalSection) -> JsonDict:
    return {"overall": section.overall.as_json(), **section.by_json(FinalCounts.as_json)}


# -- agreement -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementBlock(_Block):
    alpha: float | None
    ci95: Interval | None
    units: int
    pairable_values: int
    observed_agreement: float | None
    positive_agreement: float | None
    fleiss_kappa: float | None
    caveat: str | None
    reasons: Mapping[str, str]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AgreementBlock:
        return cls(
            json=copy.deepcopy(dict(d)),
            alpha=_opt_float(d["alpha"]),
            ci95=_interval(d["ci95"]),
            units=d["units"],
            pairable_values=d["pairable_values"],
            observed_agreement=_opt_float(d["observed_agreement"]),
            positive_agreement=_opt_float(d.get("positive_agreement")),
            fleiss_kappa=_opt_float(d["fleiss_kappa"]),
            caveat=d.get("caveat"),
            reasons=dict(d.get("reasons") or {}),
        )


@dataclass(frozen=True, slots=True)
class PairKappa(_Block):
    """Cohen's kappa of one annotator pair."""

    annotators: tuple[str, ...]
    shared_items: int
    kappa: float | None
    observed_agreement: float | None
    reason: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairKappa:
        return cls(
            json=copy.deepcopy(dict(d)),
            annotators=tuple(d["annotators"]),
            shared_items=d["shared_items"],
            kappa=_opt_float(d["kappa"]),
            observed_agreement=_opt_float(d["observed_agreement"]),
            reason=d.get("reason") or "",
        )


@dataclass(frozen=True, slots=True)
class AgreementSection(Grouped[AgreementBlock]):
    pairwise: tuple[PairKappa, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AgreementSection:
        return cls(
            overall=AgreementBlock.from_json(d["overall"]),
            by=Grouped.parse_by(d, AgreementBlock.from_json),
            pairwise=tuple(PairKappa.from_json(p) for p in d["pairwise"]),
        )

    def as_json(self) -> JsonDict:
        return {
            "overall": self.overall.as_json(),
            "pairwise": [p.as_json() for p in self.pairwise],
            **self.by_json(AgreementBlock.as_json),
        }


# -- unsafe rates ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate(_Block):
    """A judge-based rate (`judge_raw`, `judge_corrected`): rate, interval, why it is missing."""

    rate: float | None
    ci95: Interval | None
    reasons: Mapping[str, str]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Estimate:
        return cls(
            json=copy.deepcopy(dict(d)),
            rate=_opt_float(d.get("rate")),
            ci95=_interval(d.get("ci95")),
            reasons=dict(d.get("reasons") or {}),
        )


@dataclass(frozen=True, slots=True)
class Headline:
    """The estimate a group is summed up by: judge-corrected or human-final."""

    rate: float | None
    ci95: Interval | None
    corrected: bool


@dataclass(frozen=True, slots=True)
class RateBlock(_Block):
    """The unsafe rate of one group (`unsafe_rate.overall`, `unsafe_rate.by_<field>.<name>`)."""

    estimator: str
    n: int
    unsafe: int
    rate: float | None
    ci95: Interval | None
    invalid: int
    invalid_rate: float | None
    items: int
    pending: int
    judge_only: int
    headline: str
    reasons: Mapping[str, str]
    judge_raw: Estimate | None
    judge_corrected: Estimate | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RateBlock:
        raw, corrected = d.get("judge_raw"), d.get("judge_corrected")
        return cls(
            json=copy.deepcopy(dict(d)),
            estimator=d["estimator"],
            n=d["n"],
            unsafe=d["unsafe"],
            rate=_opt_float(d["rate"]),
            ci95=_interval(d["ci95"]),
            invalid=d["invalid"],
            invalid_rate=_opt_float(d["invalid_rate"]),
            items=d["items"],
            pending=d["pending"],
            judge_only=d["judge_only"],
            headline=d["headline"],
            reasons=dict(d.get("reasons") or {}),
            judge_raw=Estimate.from_json(raw) if raw else None,
            judge_corrected=Estimate.from_json(corrected) if corrected else None,
        )

    @property
    def is_corrected(self) -> bool:
        return self.headline == CORRECTED

    def headline_estimate(self) -> Headline:
        """Judge-corrected when the group has judge-only items and a defined correction, else
        the human-final rate (what the bar charts and the dashboard show)."""
        if self.is_corrected and self.judge_corrected is not None:
            return Headline(self.judge_corrected.rate, self.judge_corrected.ci95, True)
        return Headline(self.rate, self.ci95, False)


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

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UnsafeRateSection:
        look = d["sequential"]
        return cls(
            overall=RateBlock.from_json(d["overall"]),
            by=Grouped.parse_by(d, RateBlock.from_json),
            design={k: DesignRow.from_json(v) for k, v in d["design"].items()},
            sequential=SequentialLook.from_json(look) if look is not None else None,
        )

    def as_json(self) -> JsonDict:
        return {
            "overall": self.overall.as_json(),
            "design": {k: v.as_json() for k, v in self.design.items()},
            "sequential": self.sequential.as_json() if self.sequential else None,
            **self.by_json(RateBlock.as_json),
        }


# -- judges ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Confusion:
    gold: tuple[str, ...]
    verdict: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class CalibrationBlock(_Block):
    """A judge run against the human-final labels (gold) of one group."""

    n_gold: int
    kappa: float | None
    kappa_median: float | None
    kappa_ci95: Interval | None
    sensitivity: float | None
    sensitivity_ci95: Interval | None
    specificity: float | None
    specificity_ci95: Interval | None
    share_unparsed: float | None
    share_unparsed_ci95: Interval | None
    confusion: Confusion

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CalibrationBlock:
        conf = d["confusion"]
        return cls(
            json=copy.deepcopy(dict(d)),
            n_gold=d["n_gold"],
            kappa=_opt_float(d.get("kappa")),
            kappa_median=_opt_float(d.get("kappa_median")),
            kappa_ci95=_interval(d.get("kappa_ci95")),
            sensitivity=_opt_float(d.get("sensitivity")),
            sensitivity_ci95=_interval(d.get("sensitivity_ci95")),
            specificity=_opt_float(d.get("specificity")),
            specificity_ci95=_interval(d.get("specificity_ci95")),
            share_unparsed=_opt_float(d.get("share_unparsed")),
            share_unparsed_ci95=_interval(d.get("share_unparsed_ci95")),
            confusion=Confusion(
                tuple(conf["gold"]),
                tuple(conf["verdict"]),
                tuple(tuple(row) for row in conf["matrix"]),
            ),
        )


@dataclass(frozen=True, slots=True)
class JudgeEntry(_Block):
    """One judge run (`judges.<name>`). A run with no verdicts has no blocks (`no_verdicts`)."""

    run_id: int
    model: str | None
    baseline: bool
    template: str | None
    no_verdicts: bool
    warning: str | None
    calibration: Grouped[CalibrationBlock] | None
    no_verdicts_in: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> JudgeEntry:
        calibration = None
        if not d.get("no_verdicts"):
            calibration = Grouped(
                CalibrationBlock.from_json(d["overall"]),
                Grouped.parse_by(d, CalibrationBlock.from_json),
            )
        return cls(
            json=copy.deepcopy(dict(d)),
            run_id=d["run_id"],
            model=d.get("model"),
            baseline=bool(d.get("baseline")),
            template=d.get("template"),
            no_verdicts=bool(d.get("no_verdicts")),
            warning=d.get("warning"),
            calibration=calibration,
            no_verdicts_in={k: tuple(v) for k, v in (d.get("no_verdicts_in") or {}).items()},
        )


# -- comparisons, budget, queue, progress ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairedDifference(_Block):
    n_pairs: int
    difference: float
    ci95: Interval | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairedDifference:
        return cls(
            json=copy.deepcopy(dict(d)),
            n_pairs=d["n_pairs"],
            difference=float(d["difference"]),
            ci95=_interval(d["ci95"]),
        )


@dataclass(frozen=True, slots=True)
class Comparison(_Block):
    """Two conditions (A, B) of one field, within one language."""

    field: str
    language: str
    a: str
    b: str
    n_a: int | None
    n_b: int | None
    rate_a: float | None
    rate_b: float | None
    difference: float | None
    ci95: Interval | None
    method: str
    paired: PairedDifference | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Comparison:
        paired = d.get("paired")
        return cls(
            json=copy.deepcopy(dict(d)),
            field=d["field"],
            language=d.get("language") or "",
            a=d["a"],
            b=d["b"],
            n_a=d.get("n_a"),
            n_b=d.get("n_b"),
            rate_a=_opt_float(d.get("rate_a")),
            rate_b=_opt_float(d.get("rate_b")),
            difference=_opt_float(d.get("difference")),
            ci95=_interval(d.get("ci95")),
            method=d["method"],
            paired=PairedDifference.from_json(paired) if paired else None,
        )


@dataclass(frozen=True, slots=True)
class BudgetRow:
    n: int
    current_width: float | None
    planning_rate: float | None
    labels_needed: int
    more_labels: int
    available: int
    reachable: bool


@dataclass(frozen=True, slots=True)
class Budget(_Block):
    """`--target-width`: labels needed per language for the headline interval's width."""

    target_width: float
    by_language: Mapping[str, BudgetRow]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Budget:
        return cls(
            json=copy.deepcopy(dict(d)),
            target_width=float(d["target_width"]),
            by_language={
                name: BudgetRow(
                    n=x["n"],
                    current_width=_opt_float(x.get("current_width")),
                    planning_rate=_opt_float(x.get("planning_rate")),
                    labels_needed=x["labels_needed"],
                    more_labels=x["more_labels"],
                    available=x.get("available", 0),
                    reachable=bool(x.get("reachable", True)),
                )
                for name, x in d["by_language"].items()
            },
        )


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


# -- the report ------------------------------------------------------------------------------


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

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Report:
        budget = d.get("budget")
        return cls(
            project=ProjectInfo.from_json(d["project"]),
            labels=tuple(d["labels"]),
            final=_final_from_json(d["final"]),
            agreement=AgreementSection.from_json(d["agreement"]),
            unsafe_rate=UnsafeRateSection.from_json(d["unsafe_rate"]),
            judges={k: JudgeEntry.from_json(v) for k, v in d["judges"].items()},
            comparisons=tuple(Comparison.from_json(c) for c in d["comparisons"]),
            queue=Queue.from_json(d["queue"]),
            progress=Progress.from_json(d["progress"]),
            methods=dict(d["methods"]),
            budget=Budget.from_json(budget) if budget else None,
        )

    def as_json(self) -> JsonDict:
        """The `report --json` dict (DESIGN.md's shape): same keys, nesting, nulls and order."""
        out: JsonDict = {
            "project": self.project.as_json(),
            "labels": list(self.labels),
            "final": _final_json(self.final),
            "agreement": self.agreement.as_json(),
            "unsafe_rate": self.unsafe_rate.as_json(),
            "judges": {k: v.as_json() for k, v in self.judges.items()},
            "comparisons": [c.as_json() for c in self.comparisons],
            "queue": self.queue.as_json(),
            "progress": self.progress.as_json(),
            "methods": dict(self.methods),
        }
        if self.budget is not None:
            out["budget"] = self.budget.as_json()
        return out
