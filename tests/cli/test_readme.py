"""The README's commands and CLI reference cannot drift from the code."""

from __future__ import annotations

import re

from polyjudge.docs import render_readme

from tests.conftest import REPO


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_cli_reference_matches_help_output() -> None:
    readme = _readme()
    assert render_readme(readme) == readme, (
        "README's CLI reference is stale: run `python -m polyjudge.docs --write`"
    )


def test_ci_runs_exactly_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", _readme(), flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_every_command_is_in_the_reference() -> None:
    from polyjudge.cli import cli

    readme = _readme()
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        assert f"### `polyjudge {name}" in readme, name
