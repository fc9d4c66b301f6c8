"""What the `polyjudge import` commands share: their options, the last guard against input
that exhausts a library, the progress bar on stderr, and the one-line summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from polyjudge.options import err_console, grouped_options
from polyjudge.safe_text import terminal_text

if TYPE_CHECKING:
    from polyjudge.importers.common import ImportReport

map_option = click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from COLUMN (a CSV header or JSON key). Repeat it, or separate pairs "
    "with commas: --map response=output,language=lang.",
)
skip_bad_option = click.option(
    "--skip-bad",
    is_flag=True,
    help="Import the good rows and write the bad ones to a reject file, instead of stopping "
    "at the first bad row with nothing imported.",
)
reject_file_option = click.option(
    "--reject-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --skip-bad writes bad rows (JSON Lines: line, problem, row). "
    "Default: PATH.rejects.jsonl.",
)
# Not click.Path(exists=..., dir_okay=False): the importers check the path themselves, so that
# a directory, a FIFO or a device gets the same one-line error as any other bad input.
input_path = click.argument("path", type=click.Path(path_type=Path), metavar="PATH")


@dataclass(frozen=True)
class RowFile:
    """The file of a row import (`import responses|labels|gold`) and how to read it: PATH,
    `--map`, `--skip-bad` and `--reject-file`, as `row_file_options` passes them."""

    path: Path
    maps: tuple[str, ...]
    skip_bad: bool
    reject_file: Path | None

    def mapping(self, fields: Sequence[str]) -> dict[str, str]:
        """The `--map FIELD=COLUMN` options over the importer's `fields` (see `parse_map`)."""
        from polyjudge.importers.common import parse_map

        return parse_map(pairs(self.maps), fields)

    def run(
        self,
        importer: Callable[..., ImportReport],
        project: Any,
        mapping: dict[str, str],
        **options: Any,
    ) -> ImportReport:
        """Import the file with `importer` (one transaction) under the progress bar on stderr,
        its input errors one line each (`one_line_errors`)."""
        with one_line_errors(self.path), progress_bar(f"Importing {self.path.name}") as progress:
            return importer(
                project,
                self.path,
                mapping=mapping,
                skip_bad=self.skip_bad,
                reject_file=self.reject_file,
                progress=progress,
                **options,
            )


# PATH, `--map`, `--skip-bad` and `--reject-file` of a row import, passed as one `rows`.
row_file_options = grouped_options(
    "rows", RowFile, input_path, map_option, skip_bad_option, reject_file_option
)


@contextmanager
def one_line_errors(path: Path) -> Iterator[None]:
    """The last guard of an import: input that exhausts the stack or memory in a library (a
    parser, openpyxl) is one line naming the file, like every other bad input. The import's
    transaction has rolled back by the time this sees the error."""
    from polyjudge.store import InputError

    try:
        yield
    except RecursionError:
        raise InputError(str(path), None, "nested too deeply to read") from None
    except MemoryError:
        raise InputError(str(path), None, "too large to read into memory") from None


def pairs(maps: tuple[str, ...]) -> list[str]:
    return [pair for item in maps for pair in item.split(",") if pair.strip()]


class _RowsColumn:
    """`12,345 rows · 81,000 rows/s` for a rich progress bar (built lazily)."""

    @staticmethod
    def make() -> Any:
        from rich.progress import ProgressColumn
        from rich.text import Text

        class RowsColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                rows = task.fields.get("rows", 0)
                elapsed = task.elapsed or 0
                rate = f" · {rows / elapsed:,.0f} rows/s" if elapsed > 0.5 else ""
                return Text(f"{rows:,} rows{rate}")

        return RowsColumn()


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int, int], None] | None]:
    """A rich progress bar on stderr (by bytes read, so the ETA is real) when stderr is a
    terminal; otherwise no callback at all."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        _RowsColumn.make(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(terminal_text(label), total=None, rows=0)

        def update(done: int, total: int, rows: int) -> None:
            progress.update(task, completed=done, total=max(total, 1), rows=rows)

        yield update


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def summary(report: ImportReport, noun: str, where: str = "") -> str:
    parts = [f"{report.inserted:,} new", f"{report.existing:,} already present"]
    if report.bad:
        parts.append(f"{plural(report.bad, 'bad row')} written to {report.rejects}")
    if report.blank:
        parts.append(f"{plural(report.blank, 'blank row')} skipped")
    return f"{report.file}: {plural(report.rows, noun)}{where} ({', '.join(parts)})"
