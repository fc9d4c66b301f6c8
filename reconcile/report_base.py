"""What every part of the report model shares: JSON aliases, optional floats and intervals,
the block that keeps its own JSON, and sections grouped by `--by` field."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

JsonDict = dict[str, Any]
Interval = tuple[float, float]
T = TypeVar("T")


OVERALL = "all"  # the row over every group
POOLED = "all (pooled)"  # the row pooling languages in a by-model (by-scenario) table


def distinct_label(label: str, names: Iterable[str]) -> str:
    """`label` for a row over every group, with "*" appended as often as needed where a group
    already has that name (group names are imported: untrusted), so that the row is never
    taken for the group's, in a table or as a chart's key."""
    taken = set(names)
    while label in taken:
        label += "*"
    return label


def parse_interval(value: Any) -> Interval | None:
    """A 95% interval as a pair; missing and empty intervals are None."""
    if not value:
        return None
    lo, hi = value
    return (float(lo), float(hi))


def opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _by_fields(block: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(k[3:] for k in block if k.startswith("by_"))


@dataclass(frozen=True, slots=True)
class Block:
    """A statistical block that keeps its own JSON (see the module docstring)."""

    json: JsonDict = field(repr=False)

    def as_json(self) -> JsonDict:
        return copy.deepcopy(self.json)


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
        """(label, overall), then the groups of `field_name`: a table's rows, the overall one
        always first. The label is "all", made distinct from the groups' names
        (`distinct_label`: a language imported as "all" is not the overall row)."""
        groups = self.groups(field_name)
        return [(distinct_label(OVERALL, (name for name, _ in groups)), self.overall), *groups]

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
