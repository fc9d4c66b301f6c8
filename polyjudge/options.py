"""Options and helpers shared by every command module."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click

# The safe console on standard error (see polyjudge.console), kept importable from here.
from polyjudge.console import err_console as err_console

DEFAULT_DB = "polyjudge.db"


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--db PATH` (default ./polyjudge.db, or $POLYJUDGE_DB) on every command."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_DB,
        envvar="POLYJUDGE_DB",
        show_default=True,
        show_envvar=True,
        help="The project file.",
    )(func)


def open_project(db: Path):  # -> Project (import kept lazy for start-up time)
    from polyjudge.store import Project

    return Project.open(db)


@contextlib.contextmanager
def registers_nobody_on_failure(db: Path, names: Iterable[str]) -> Iterator[None]:
    """A command that registers `names` (annotators, adjudicators) and then fails leaves none
    of them behind: those not registered on entry are removed again when the block raises,
    unless they have left work (a label or an adjudication; see `Annotators.forget_unused`).
    A normal end (or a clean exit) keeps them."""
    wanted = [n.strip() for n in names if n.strip()]
    new: list[str] = []
    if wanted and db.exists():
        with open_project(db) as project:
            new = [n for n in wanted if project.annotators.get(n) is None]
    try:
        yield
    except BaseException as exc:
        if new and not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            # The command's own error is the one to report, not a failure to clean up.
            with contextlib.suppress(Exception), open_project(db) as project:
                project.annotators.forget_unused(new)
        raise


def with_project(func: Callable[..., Any]) -> Callable[..., Any]:
    """Open the project named by `--db` and pass it as `project`, closing it afterwards."""

    @functools.wraps(func)
    def wrapper(*args: Any, db: Path, **kwargs: Any) -> Any:
        with open_project(db) as project:
            return func(*args, project=project, **kwargs)

    return db_option(wrapper)


def grouped_options(
    name: str, group: Any, *options: Callable[[Any], Any]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Click options (and arguments) that a command receives as one parameter `name`, the
    dataclass `group` made from their values (its fields are the options' parameter names),
    so that options several commands share are declared, and passed, once: `LlmOptions`,
    `BatchOptions`, `RowFile`. The options keep their order on the command."""
    fields = [f.name for f in dataclasses.fields(group)]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {field: kwargs.pop(field) for field in fields}
            return func(*args, **{name: group(**values)}, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def sample_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--sample BATCH` and `--no-sample` (passed as `sample`, `no_sample`): which sample drives
    the queue of `annotate`, `serve` and `export packet`."""
    func = click.option(
        "--no-sample",
        "no_sample",
        is_flag=True,
        help="Offer every item under the filter, whatever was sampled (labels outside the "
        "sample are outside its design).",
    )(func)
    return click.option(
        "--sample",
        "sample",
        default=None,
        metavar="BATCH",
        help="Offer the items of this sample batch (default: in each language, the latest "
        "batch drawn by `polyjudge sample` with items under the filter; none: every item).",
    )(func)


def language_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--language L` (passed as `languages`; read it with `comma_values`): the languages a
    command's items (an export, a packet, a dataset folder, a queue) are limited to."""
    return click.option(
        "--language",
        "languages",
        multiple=True,
        metavar="L",
        help="Only items in these languages (repeat, or comma-separate).",
    )(func)


def comma_values(values: tuple[str, ...]) -> list[str]:
    """A repeatable option's values, each possibly comma-separated, in order and once each:
    `--language bn --language ar,th,bn` -> ["bn", "ar", "th"]."""
    found = [x.strip() for value in values for x in value.split(",") if x.strip()]
    return list(dict.fromkeys(found))


def final_only_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--final-only` (passed as `final_only`): an export of responses that have a final label."""
    return click.option(
        "--final-only", is_flag=True, help="Only responses that have a final label."
    )(func)


VIEW_CHOICES = ("original", "back_translation", "both", "random")  # store.VIEW_CHOICES


def view_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--view original|back_translation|both|random` (passed as `view`): the reading condition
    a lead assigns in `annotate`, `serve` and `export packet`."""
    return click.option(
        "--view",
        "view",
        type=click.Choice(VIEW_CHOICES),
        default=None,
        metavar="VIEW",
        help="Assign what the annotator reads: original, back_translation, both, or random "
        "(one of the three per item, reproducible per annotator and item). "
        "Panes cannot be switched; an item with no back-translation shows its original, "
        "recorded as such. Default: the annotator chooses with `b`.",
    )(func)


def check_sample(project: Any, sample: str | None, no_sample: bool) -> None:
    """Refuse `--sample` with `--no-sample`, and a batch the project does not have (one line)."""
    if sample is not None and no_sample:
        raise click.UsageError("--sample and --no-sample exclude each other")
    if sample is not None:
        from polyjudge.store import QueueFilter

        project.queue.with_sample(QueueFilter(), sample)
