"""Opening input files: only a regular file is read (a FIFO would block, a device could read
forever, a directory cannot be read), checked before opening and again on the descriptor."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from polyjudge.store import InputError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is ("a named pipe (FIFO)"), else None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), None)
    return f"is {kind}, not a regular file" if kind else "not a regular file"


def check_file(path: Path) -> os.stat_result:
    """Stat PATH before anything opens it: only a regular file is read (a FIFO would block,
    a device could read forever, a directory cannot be read). One-line `InputError` otherwise."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read it ({exc.strerror or exc})") from None
    problem = _not_regular(info.st_mode)
    if problem:
        raise InputError(str(path), None, problem)
    return info


def open_regular(path: Path) -> BinaryIO:
    """PATH opened for reading in binary, refusing anything but a regular file. Opened without
    blocking and checked again on the open descriptor, so a file swapped for a FIFO after
    `check_file` cannot hang the import either."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read it ({exc.strerror or exc})") from None
    try:
        problem = _not_regular(os.fstat(fd).st_mode)
        if problem:
            raise InputError(str(path), None, problem)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
