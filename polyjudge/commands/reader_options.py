"""`--reader` and `--reader-open` of `annotate` and `adjudicate`: the browser reader beside the
terminal (`tui/reader_server.py`), started before the app and stopped when it exits."""

from __future__ import annotations

import contextlib
import webbrowser
from collections.abc import Callable, Iterator
from typing import Any

import click

from polyjudge.console import echo


def reader_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The two options, passed as `reader` and `reader_open`."""
    func = click.option(
        "--reader-open",
        "reader_open",
        is_flag=True,
        help="Start the reader (as --reader) and open it with the system's web browser.",
    )(func)
    return click.option(
        "--reader",
        "reader",
        is_flag=True,
        help="Also show the item on screen in a local web page (127.0.0.1, a secret link "
        "printed at start), where the browser shapes Arabic, Bengali, Thai and other complex "
        "scripts; it follows every move. Labelling stays in the terminal.",
    )(func)


@contextlib.contextmanager
def reader_running(reader: bool, reader_open: bool) -> Iterator[Any]:
    """A started `ReaderServer` (its link printed, and opened on request), or None."""
    if not (reader or reader_open):
        yield None
        return
    from polyjudge.tui.reader_server import ReaderServer

    with ReaderServer() as server:
        echo(f"Reader (open in a browser): {server.url}")
        if reader_open:
            webbrowser.open(server.url)
        yield server
