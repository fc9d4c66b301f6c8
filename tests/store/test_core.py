"""`Project` itself (meta, events, snapshot, status), and the rule "current label" written once."""

from __future__ import annotations

import re
from pathlib import Path

from polyjudge.store import Project

from .conftest import Filled

STORE = Path(__file__).resolve().parents[2] / "store"


def test_meta_events_snapshot_and_status(filled: Filled) -> None:
    project = filled.project
    project.set_meta("guidelines", "v2")
    assert project.meta("guidelines") == "v2" and project.meta("nope", "d") == "d"
    project.set_label_set(["ok", "bad"])
    assert project.label_set == ("ok", "bad")
    project.log_event("import", rows=3)
    assert [(e["kind"], e["detail"]) for e in project.events("import")] == [("import", {"rows": 3})]
    with project.read_snapshot():
        assert project.conn.in_transaction
    assert not project.conn.in_transaction
    project.labels.add(filled.r1, filled.ana, "ok")
    project.labels.add(filled.r1, filled.ana, "bad")
    project.labels.add(filled.r3, filled.ben, "ok")
    project.labels.undo(filled.r3, filled.ben)
    status = project.status()
    assert (status["labels"], status["label_rows"]) == (1, 4)
    assert status["by_language"]["it"]["labels"] == 1 and status["by_language"]["sw"]["labels"] == 0


def test_project_is_composed_and_small() -> None:
    public = [name for name in dir(Project) if not name.startswith("_")]
    assert len(public) <= 30, public
    assert Project.__mro__ == (Project, object)


def test_the_latest_row_rule_is_written_only_in_current_py() -> None:
    """Any other `max(id)` or `ORDER BY id DESC LIMIT 1` over labels or adjudications would be a
    second definition of "current"."""
    pattern = re.compile(
        r"max\(id\)[^\"]*FROM (labels|adjudications)|FROM (labels|adjudications)[^\"]*"
        r"ORDER BY \w*\.?id DESC LIMIT 1",
        re.I,
    )
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in sorted(STORE.glob("*.py"))
        if path.name != "current.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert offenders == []


def test_callers_import_only_from_the_package() -> None:
    """Outside store/ (and the store's own tests), nothing imports a module of the store: the
    package's `__init__` is its interface, so modules can move without touching callers."""
    root = STORE.parent
    pattern = re.compile(r"\bpolyjudge\.store\.\w+")
    offenders = [
        f"{path.relative_to(root)}: {line.strip()}"
        for folder in ("importers", "judge", "reconcile", "exports", "tui", "polyjudge", "bench")
        for path in sorted((root / folder).rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    offenders += [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in sorted((root / "tests").rglob("*.py"))
        if "store" not in path.relative_to(root / "tests").parts[:1]
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert offenders == []
