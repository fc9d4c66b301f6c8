"""What a `generate` run is asked for (`GenerateSettings`), one response it makes (`GenItem`),
and what it did (`GenerateSummary`, counted per language × scenario × condition)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from polyjudge.store import Prompt, content_hash

from .generation_prompts import Arm
from .requests import RunSettings


@dataclass(frozen=True, kw_only=True)
class GenerateSettings(RunSettings):
    arms: tuple[Arm, ...]
    datasets: tuple[str, ...] = ()
    limit: int | None = None
    samples: int = 1

    @property
    def run_name(self) -> str:
        digest = content_hash(
            *(arm.hash for arm in self.arms), json.dumps(self.output_params, sort_keys=True)
        )
        return f"{self.model}/generate@{digest[:8]}"

    def run_params(self) -> dict[str, Any]:
        return {
            **self.output_params,
            "arms": [
                {
                    "scenario": a.scenario,
                    "condition": a.condition,
                    "template": a.jailbreak.origin if a.jailbreak else None,
                    "system_prompt": a.system.origin if a.system else None,
                    "hash": a.hash,
                }
                for a in self.arms
            ],
            "languages": list(self.languages),
            "datasets": list(self.datasets),
            "limit": self.limit,
            "samples": self.samples,
        }


@dataclass(frozen=True)
class GenItem:
    """One response to generate: a prompt, asked one way, the n-th time."""

    prompt: Prompt
    arm: Arm
    sample: int
    uid: str
    key: str


@dataclass
class GenerateSummary:
    run: str
    selected: int = 0
    already: int = 0
    generated: int = 0
    cached: int = 0
    requested: int = 0
    errors: int = 0
    in_batch: int = 0  # --batch: items in a batch (submitted now or earlier, not collected)
    stop_error: str | None = None
    last_error: str | None = None
    probe_error: str | None = None  # --batch: the online first request failed
    adapted: list[str] = field(default_factory=list)
    # "language/scenario/condition" -> counts: selected, already (there), generated, cached,
    # in_batch (in an open batch), failed (asked for and not written)
    cells: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, item: GenItem, what: str, n: int = 1) -> None:
        name = f"{item.prompt.language}/{item.arm.scenario}/{item.arm.condition}"
        cell = self.cells.setdefault(
            name,
            {"selected": 0, "already": 0, "generated": 0, "cached": 0, "in_batch": 0, "failed": 0},
        )
        cell[what] += n

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
