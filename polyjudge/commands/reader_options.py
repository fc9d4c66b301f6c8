"""`--reader` and `--reader-open` of `annotate` and `adjudicate`: the browser reader beside the
terminal (`tui/reader_server.py`), started before the app and stopped when it exits."""

from __future__ import annotations

import contextlib
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from polyjudge.console import echo


def reader_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options, passed as `reader`, `reader_open` and (hidden, for `serve`) `reader_file`."""
    func = click.option(
        "--reader-open",
        "reader_open",
        is_flag=True,
        help="Start the reader (as --reader) and open it with the system's web browser.",
    )(func)
    func = click.option(
        "--reader-file",
        "reader_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        hidden=True,  # set by `serve` for the annotate session of a browser tab
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
def reader_running(
    reader: bool, reader_open: bool, reader_file: Path | None = None
) -> Iterator[Any]:
    """A started `ReaderServer` (its link printed, and opened on request), the file that
    `serve`'s reader page reads (`--reader-file`, set by `serve`), or None."""
    if reader_file is not None:
        from polyjudge.tui.reader_file import ReaderFile

        yield ReaderFile(reader_file)
        return
    if not (reader or reader_open):
        yield None
        return
    from polyjudge.tui.reader_server import ReaderServer

    with ReaderServer() as server:
        echo(f"Reader (open in a browser): {server.url}")
        if reader_open:
            webbrowser.open(server.url)
        yield server
