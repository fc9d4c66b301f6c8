"""A small but realistic project for report-shape tests: three languages, two models, two
scenarios, three annotators (disagreements, ties, unsure labels, one adjudication), an LLM
judge run on most items (some items judge-only) and a baseline run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.reconcile.helpers import build_project


def realistic_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for lang_i, language in enumerate(("en", "bn", "sw")):
        for i in range(24):
            unsafe = (i * (lang_i + 2)) % 7 == 0
            label = "unsafe" if unsafe else "safe"
            other = "safe" if unsafe else "unsafe"
            spec: dict[str, Any] = {
                "language": language,
                "model": ("alpha", "beta")[i % 2],
                "scenario": ("unintentional", "intentional/AIM")[(i // 2) % 2],
            }
            if i < 16:  # human-labelled
                labels: list[tuple] = [("ana", label), ("bo", label)]
                if i % 5 == 0:
                    labels.append(("cy", other))  # a disagreement
                if i == 3:
                    labels = [("ana", label), ("bo", other)]  # a tie
                if i == 7:
                    labels = [("ana", label, True), ("bo", label)]  # unsure
                spec["labels"] = labels
            if i == 9:
                spec["adjudication"] = label
            if i != 11:  # one item the judge never saw
                judged = other if i % 6 == 1 else label
                spec["verdict"] = {"llm": judged, "keyword baseline": label if i % 3 else "safe"}
            items.append(spec)
    return items


def realistic_project(path: Path):
    return build_project(path, realistic_items())
