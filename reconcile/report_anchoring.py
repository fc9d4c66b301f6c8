"""The report's `anchoring` block (reconcile/anchoring.py) as typed values: per language, the
agreement with the judge before and after its verdict was revealed and the flip rates; and how
many final labels were decided with the judge visible. Each language keeps its JSON as computed
(`Block`), with typed fields for what renderers show."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .report_base import Block, Interval, JsonDict, opt_float, parse_interval


@dataclass(frozen=True, slots=True)
class Share:
    """k of n, its rate and 95% Wilson interval (rate None: n is 0)."""

    k: int
    n: int
    rate: float | None
    ci95: Interval | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Share:
        return cls(d["k"], d["n"], opt_float(d["rate"]), parse_interval(d["ci95"]))


@dataclass(frozen=True, slots=True)
class LanguageAnchoring(Block):
    revealed: int
    changed: int
    blind_agreement: Share
    after_agreement: Share
    toward_judge: Share
    away_from_judge: Share

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LanguageAnchoring:
        return cls(
            json=copy.deepcopy(dict(d)),
            revealed=d["revealed"],
            changed=d["changed"],
            blind_agreement=Share.from_json(d["blind_agreement"]),
            after_agreement=Share.from_json(d["after_agreement"]),
            toward_judge=Share.from_json(d["toward_judge"]),
            away_from_judge=Share.from_json(d["away_from_judge"]),
        )


@dataclass(frozen=True, slots=True)
class AnchoringSection:
    by_language: Mapping[str, LanguageAnchoring]
    labels_judge_seen: int  # current labels that are not blind (relabelled after an undo)
    final_labels: int
    judge_seen: int
    judge_not_seen: int
    judge_seen_unknown: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnchoringSection:
        finals = d["finals"]
        return cls(
            by_language={k: LanguageAnchoring.from_json(v) for k, v in d["by_language"].items()},
            labels_judge_seen=d["labels_judge_seen"],
            final_labels=finals["final_labels"],
            judge_seen=finals["judge_seen"],
            judge_not_seen=finals["judge_not_seen"],
            judge_seen_unknown=finals["judge_seen_unknown"],
        )

    def as_json(self) -> JsonDict:
        return {
            "by_language": {k: v.as_json() for k, v in self.by_language.items()},
            "labels_judge_seen": self.labels_judge_seen,
            "finals": {
                "final_labels": self.final_labels,
                "judge_seen": self.judge_seen,
                "judge_not_seen": self.judge_not_seen,
                "judge_seen_unknown": self.judge_seen_unknown,
            },
        }
