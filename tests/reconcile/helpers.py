"""Helpers for reconcile tests: write label files and run the real CLI on them."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from tests.conftest import REPO, run_cli


def bench_module(name: str) -> ModuleType:
    """A script of bench/ (not a package) loaded as a module, so that a test checks the very
    code a bench runs."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def write_labels(
    path: Path,
    rows: Iterable[tuple[str, str, str]],
    language: str = "en",
    extra: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A labels CSV (item, annotator, label) that also carries each item's text and language,
    so that `import labels` creates the items. `extra[item]` adds columns (model, ...)."""
    rows = list(rows)
    extra = extra or {}
    columns = ["item", "annotator", "label", "text", "language"]
    more = sorted({k for d in extra.values() for k in d})
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns + more)
        for item, annotator, label in rows:
            writer.writerow(
                [item, annotator, label, f"response {item}", language]
                + [extra.get(item, {}).get(k, "") for k in more]
            )
    return path


def cli_ok(*args: str) -> str:
    result = run_cli(*args)
    assert result.code == 0, result.err
    return result.out


def import_and_report(
    tmp_path: Path, rows, labels: str | None = None, *report_args: str, **kw
) -> dict:
    """`polyjudge init [--labels ...]`, `import labels FILE`, `report --json`."""
    db = str(tmp_path / "project.db")
    init = ["init", "--db", db] + (["--labels", labels] if labels else [])
    cli_ok(*init)
    path = write_labels(tmp_path / "labels.csv", rows, **kw)
    cli_ok("import", "labels", str(path), "--db", db)
    return json.loads(cli_ok("report", "--json", "--db", db, *report_args))


def matrix_rows(matrix: list[list[object]], missing: object = None) -> list[tuple[str, str, str]]:
    """Reliability data (one row per observer, one column per unit) as label rows."""
    rows = []
    for o, observer in enumerate(matrix):
        for u, value in enumerate(observer):
            if value is not missing:
                rows.append((f"unit{u + 1:02d}", f"observer{o + 1}", str(value)))
    return rows


def build_project(
    path: Path, items: list[dict], rule: str | None = None, labels: list[str] | None = None
):
    """A project from item specs: {"language", "model", "scenario", "labels": [(annotator,
    label) or (annotator, label, unsure)], "verdict": {run: label}, "adjudication": label}.
    Runs named "*baseline*" are baselines. Returns the open Project."""
    from polyjudge.store import Project

    project = Project.create(path, labels=labels, consensus_rule=rule)
    project.content.insert_responses(
        {
            "uid": f"item{i}",
            "language": spec.get("language", "en"),
            "model": spec.get("model"),
            "scenario": spec.get("scenario"),
            "text": f"text {i}",
        }
        for i, spec in enumerate(items)
    )
    runs: dict[str, list[tuple[int, str]]] = {}
    adjudicator = None
    for i, spec in enumerate(items):
        rid = i + 1
        for entry in spec.get("labels", []):
            name, label = entry[0], entry[1]
            unsure = bool(entry[2]) if len(entry) > 2 else False
            annotator = project.annotators.ensure(name).id
            project.labels.add(rid, annotator, label, unsure=unsure)
        for run, verdict in spec.get("verdict", {}).items():
            runs.setdefault(run, []).append((rid, verdict))
        if spec.get("adjudication"):
            adjudicator = adjudicator or project.annotators.ensure("adj", "adjudicator").id
            project.adjudications.add(rid, adjudicator, spec["adjudication"], "ruled")
    for run, rows in runs.items():
        project.judging.add_verdict_rows(run, f"model-{run}", rows, is_baseline="baseline" in run)
    return project
