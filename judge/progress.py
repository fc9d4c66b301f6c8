"""A rich progress bar on standard error: done / total, rate, ETA, errors.

Its console is a `SafeConsole` (the run's name carries the user's `--model`): nothing in the
description reaches the terminal as an escape sequence.

On a terminal it redraws a few times a second; elsewhere (a pipe, a test) rich prints nothing
until the end, so it never interleaves with captured output. `quiet` disables it entirely.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from polyjudge.safe_console import SafeConsole
from polyjudge.safe_text import terminal_text


def _label(description: str) -> str:
    """The description on one line, every control or bidi character a visible token (rich's
    Text would drop BEL, backspace and CR unseen)."""
    return " ".join(terminal_text(description).split())


class RunProgress:
    def __init__(
        self,
        description: str,
        total: int | None,
        *,
        quiet: bool = False,
        console: Console | None = None,
    ) -> None:
        self.errors = 0
        self.done = 0
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[errors]}"),
            console=console or SafeConsole(stderr=True),
            refresh_per_second=4,
            disable=quiet,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(
            _label(description), total=total, rate="", errors="errors 0"
        )

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._refresh_fields()
        self._progress.stop()

    def set_description(self, description: str) -> None:
        self._progress.update(self._task, description=_label(description))

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._progress.advance(self._task, n)
        if self.done % 16 == 0:
            self._refresh_fields()

    def set_completed(self, n: int) -> None:
        self.done = n
        self._progress.update(self._task, completed=n)
        self._refresh_fields()

    def error(self, n: int = 1) -> None:
        self.errors += n
        self._refresh_fields()

    def _refresh_fields(self) -> None:
        task = self._progress.tasks[0]
        speed = task.speed
        rate = f"{speed:,.1f}/s" if speed else ""
        self._progress.update(self._task, rate=rate, errors=f"errors {self.errors}")
