"""The layout rules of DESIGN.md, checked: a headless core, and no SQL outside `store/`."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

CORE = ("store", "importers", "judge", "reconcile", "exports")


def test_core_packages_never_import_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"for pkg in {CORE!r}:\n"
        "    mod = importlib.import_module('polyjudge.' + pkg)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, mod.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I)


def test_no_sql_outside_store() -> None:
    offenders = []
    for folder in ("importers", "judge", "reconcile", "exports", "tui", "polyjudge"):
        for path in (REPO / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL.search(line) or ".execute(" in line or "sqlite3.connect" in line:
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []
