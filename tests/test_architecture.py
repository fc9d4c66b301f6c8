"""The rules of docs/architecture.md ("Rules, and how CI checks them"), checked: a headless core,
no SQL outside `store/`, every byte for a terminal through the sanitiser."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator

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
    assert printed_by_fresh_python(code) == "[]"


def printed_by_fresh_python(code: str) -> str:
    """What `code` prints in a new interpreter (nothing imported by the tests before it)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_annotate_screen_starts_without_numpy_or_pandas() -> None:
    """`annotate` needs neither: sqlite-utils would import both at module level when installed
    (store/_sqlite_utils.py keeps them out), costing every start ~0.1-0.5 s."""
    code = (
        "import sys\n"
        "import polyjudge.cli, polyjudge.store, polyjudge.tui.annotate_screen\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas'}))\n"
    )
    assert printed_by_fresh_python(code) == "[]"


SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I)


def test_no_sql_outside_store() -> None:
    offenders = []
    for folder in ("importers", "judge", "reconcile", "exports", "tui", "polyjudge"):
        for path in (REPO / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL.search(line) or ".execute(" in line or "sqlite3.connect" in line:
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


# Printing is the job of polyjudge/console.py (`echo`, `echo_err`, `echo_json`, the rich consoles
# it hands out), which makes every byte safe for a terminal; nothing else prints directly.
PRINTERS = {
    "click.echo",
    "click.secho",
    "click.echo_via_pager",
    "print",
    "sys.stdout.write",
    "sys.stderr.write",
    "pprint",
    "pprint.pprint",
}
PRINT_ALLOWED = {
    "polyjudge/console.py": "the sanitising layer itself",
    "polyjudge/docs.py": "writes the repository's own README text (`python -m polyjudge.docs`)",
}
PRINT_ALLOWED_LINES: set[tuple[str, str]] = set()


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _calls(folder: str) -> Iterator[tuple[str, int, str, ast.Call, str]]:
    for path in sorted((REPO / folder).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                name = path.relative_to(REPO).as_posix()
                yield name, node.lineno, _dotted(node.func), node, lines[node.lineno - 1]


def test_cli_output_goes_through_the_terminal_sanitiser() -> None:
    offenders = []
    calls = (call for folder in ("polyjudge", *CORE, "tui") for call in _calls(folder))
    for path, number, func, node, line in calls:
        if (
            func in PRINTERS
            and path not in PRINT_ALLOWED
            and not any(path == p and text in line for p, text in PRINT_ALLOWED_LINES)
        ):
            offenders.append(f"{path}:{number}: {line.strip()}")
        # JSON for the terminal is `echo_json` (control and bidi characters as \\u escapes)
        if func in ("echo", "echo_err") and any(
            isinstance(arg, ast.Call) and _dotted(arg.func) == "json.dumps" for arg in node.args
        ):
            offenders.append(f"{path}:{number}: {line.strip()} (use echo_json)")
    for path in sorted((REPO / "polyjudge").rglob("*.py")):  # `from click import echo` too
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "click"
                and any(alias.name in ("echo", "secho", "echo_via_pager") for alias in node.names)
                and path.relative_to(REPO).as_posix() not in PRINT_ALLOWED
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: imports click's echo")
    assert offenders == []


def test_every_rich_console_is_a_safe_console() -> None:
    offenders = []
    for folder in ("polyjudge", "store", "importers", "judge", "reconcile", "exports"):
        for path, number, func, _, line in _calls(folder):
            if func in ("Console", "rich.console.Console") and path != "polyjudge/safe_console.py":
                offenders.append(f"{path}:{number}: {line.strip()} (use SafeConsole)")
    assert offenders == []
