"""Each annotator's queue under `serve`: the server's `--language` and `--overlap`, or that
annotator's own (`--language-of NAME=L,L`, `--overlap-of NAME=K`), so that one server can give
a Bengali speaker Bengali and a Thai speaker Thai, or let a lead add a third opinion where the
others stop at two."""

from __future__ import annotations

from dataclasses import dataclass

import click

from polyjudge.options import comma_values


@dataclass(frozen=True, slots=True)
class Queue:
    """What one annotator's annotate sessions are started with."""

    languages: tuple[str, ...]
    overlap: int | None


def _split(option: str, value: str, served: list[str]) -> tuple[str, str]:
    """`NAME=VALUE` (split at the last `=`, so a name may hold one), NAME one of `served`."""
    name, equals, given = value.rpartition("=")
    name, given = name.strip(), given.strip()
    if not equals or not name or not given:
        raise click.UsageError(f"{option} {value!r}: expected NAME=VALUE")
    if name not in served:
        raise click.UsageError(f"{option} {value!r}: {name} is not served here (--annotator)")
    return name, given


def queues(
    served: list[str],
    languages: tuple[str, ...],
    overlap: int | None,
    language_of: tuple[str, ...] = (),
    overlap_of: tuple[str, ...] = (),
) -> dict[str, Queue]:
    """Each served annotator's queue; a usage error names the option and value at fault."""
    own_languages: dict[str, tuple[str, ...]] = {}
    for value in language_of:
        name, given = _split("--language-of", value, served)
        own_languages[name] = tuple(comma_values(own_languages.get(name, ()) + (given,)))
    own_overlap: dict[str, int] = {}
    for value in overlap_of:
        name, given = _split("--overlap-of", value, served)
        if not (given.isascii() and given.isdigit()) or int(given) < 1:
            raise click.UsageError(f"--overlap-of {value!r}: K is a whole number ≥ 1")
        own_overlap[name] = int(given)
    base = tuple(comma_values(languages))
    return {
        name: Queue(own_languages.get(name, base), own_overlap.get(name, overlap))
        for name in served
    }
