"""Shared fixtures: a fresh project file, and the real `polyjudge` entry point in-process."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import locale
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from polyjudge.store import Project

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> CliResult:
    """Run `polyjudge ARGS` in this process through the real entry point (`cli.main`)."""
    from polyjudge.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    old_env = dict(os.environ)
    if env:
        os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_polyjudge(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess (`python -m polyjudge`)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "polyjudge", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project.db"


@pytest.fixture
def project(db_path: Path):
    with Project.create(db_path) as p:
        yield p


@pytest.fixture
def cli():
    return run_cli


def glibc_wcwidth() -> Callable[[str], int] | None:
    """glibc's wcwidth for one character (the table tmux measures with); None where it is not
    available."""
    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return None
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        return None
    libc = ctypes.CDLL(name)
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    return lambda char: max(libc.wcwidth(char), 0)
