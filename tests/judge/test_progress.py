"""The progress bar shows done / total, rate, ETA and errors, on the console it is given."""

from __future__ import annotations

import io

from rich.console import Console

from polyjudge.judge.progress import RunProgress


def test_progress_shows_counts_eta_and_errors() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with RunProgress("judge m/multijail@1234", 10, console=console) as progress:
        progress.advance(3)
        progress.error(1)
    text = out.getvalue()
    assert "judge m/multijail@1234" in text
    assert "3/10" in text and "ETA" in text and "errors 1" in text


def test_quiet_progress_prints_nothing() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with RunProgress("x", 5, console=console, quiet=True) as progress:
        progress.advance(5)
    assert out.getvalue() == ""
