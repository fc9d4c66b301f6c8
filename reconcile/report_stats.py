"""Agreement, judge calibration and comparison blocks of the report: each keeps the JSON it
was computed as, with typed fields for what renderers show."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_base import Block, Grouped, Interval, JsonDict, opt_float, parse_interval


@dataclass(frozen=True, slots=True)
class AgreementBlock(Block):
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
            alpha=opt_float(d["alpha"]),
            ci95=parse_interval(d["ci95"]),
            units=d["units"],
            pairable_values=d["pairable_values"],
            observed_agreement=opt_float(d["observed_agreement"]),
            positive_agreement=opt_float(d.get("positive_agreement")),
            fleiss_kappa=opt_float(d["fleiss_kappa"]),
            caveat=d.get("caveat"),
            reasons=dict(d.get("reasons") or {}),
        )


@dataclass(frozen=True, slots=True)
class PairKappa(Block):
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
            kappa=opt_float(d["kappa"]),
            observed_agreement=opt_float(d["observed_agreement"]),
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


@dataclass(frozen=True, slots=True)
class Confusion:
    gold: tuple[str, ...]
    verdict: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class CalibrationBlock(Block):
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
            kappa=opt_float(d.get("kappa")),
            kappa_median=opt_float(d.get("kappa_median")),
            kappa_ci95=parse_interval(d.get("kappa_ci95")),
            sensitivity=opt_float(d.get("sensitivity")),
            sensitivity_ci95=parse_interval(d.get("sensitivity_ci95")),
            specificity=opt_float(d.get("specificity")),
            specificity_ci95=parse_interval(d.get("specificity_ci95")),
            share_unparsed=opt_float(d.get("share_unparsed")),
            share_unparsed_ci95=parse_interval(d.get("share_unparsed_ci95")),
            confusion=Confusion(
                tuple(conf["gold"]),
                tuple(conf["verdict"]),
                tuple(tuple(row) for row in conf["matrix"]),
            ),
        )


@dataclass(frozen=True, slots=True)
class JudgeEntry(Block):
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


@dataclass(frozen=True, slots=True)
class PairedDifference(Block):
    n_pairs: int
    difference: float
    ci95: Interval | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairedDifference:
        return cls(
            json=copy.deepcopy(dict(d)),
            n_pairs=d["n_pairs"],
            difference=float(d["difference"]),
            ci95=parse_interval(d["ci95"]),
        )


@dataclass(frozen=True, slots=True)
class Comparison(Block):
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
            rate_a=opt_float(d.get("rate_a")),
            rate_b=opt_float(d.get("rate_b")),
            difference=opt_float(d.get("difference")),
            ci95=parse_interval(d.get("ci95")),
            method=d["method"],
            paired=PairedDifference.from_json(paired) if paired else None,
        )
