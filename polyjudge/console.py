"""The one way a command writes to the terminal.

Every message, error line, JSON document and rich table a command prints goes through here,
built on `polyjudge.safe_text`: control characters (ESC, BEL, C1 CSI ...) become visible tokens
(`␛`, `⟨U+009B⟩`) and bidi or invisible characters `⟨U+202E⟩` tokens, so a file name, annotator
or model name cannot retitle the pane, write the clipboard or reorder a line. Newlines and tabs
stay. `tests/test_architecture.py` fails if a module calls `click.echo` or `print` directly.
"""

from __future__ import annotations

import io
from typing import Any

import click

from polyjudge.safe_console import SafeConsole
from polyjudge.safe_text import json_text, terminal_text

# Standard error gets the one-line errors and progress bars; standard out the results.
err_console = SafeConsole(stderr=True)


def out_console() -> SafeConsole:
    """A rich console on standard out for tables (markup off, every segment made safe)."""
    return SafeConsole()


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` of a message made safe for the terminal."""
    click.echo(terminal_text(str(message)), err=err, nl=nl)


def echo_err(message: object = "", *, nl: bool = True) -> None:
    """A message on standard error, made safe for the terminal."""
    echo(message, err=True, nl=nl)


def error_line(message: object) -> str:
    """An error as ONE line: made safe, and a newline inside it (from a file name, say) shown
    as `␊` so that the line cannot be split or followed by a forged one."""
    return terminal_text(str(message)).replace("\n", "\u240a")


def echo_json(value: Any, *, indent: int | None = None) -> None:
    """`value` as JSON on standard out, control and bidi characters as `\\uXXXX` escapes."""
    click.echo(json_text(value, indent=indent))


class _Captured(io.StringIO):
    """Click's error text, captured whole: claims to be a terminal so that click does not
    strip ANSI sequences itself (we show them as tokens instead of hiding them)."""

    def isatty(self) -> bool:
        return True


def show_click_error(exc: click.ClickException) -> None:
    """Click's own error (usage, bad parameter: it may echo a bad argument back), made safe."""
    captured = _Captured()
    exc.show(file=captured)
    echo_err(captured.getvalue(), nl=False)
