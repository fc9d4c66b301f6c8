"""`polyjudge adjudicate` and `polyjudge dashboard`: the adjudication queue and the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from polyjudge.options import (
    comma_values,
    db_option,
    language_option,
    open_project,
    registers_nobody_on_failure,
)

from .reader_options import reader_options, reader_running

KIND_CHOICES = ("disagreement", "tie", "unsure", "judge_conflict")


def _check_project(db: Path) -> None:
    from polyjudge.store import PolyjudgeError

    if not db.exists():
        raise PolyjudgeError(f"{db}: no such project file (create one with `polyjudge init`)")
    with open_project(db) as project:
        if project.content.count("responses") == 0:
            raise PolyjudgeError(
                f"{db}: no responses yet (add some with `polyjudge import responses`)"
            )


def register(cli: click.Group) -> None:
    """Attach `adjudicate` and `dashboard` to the `polyjudge` group."""

    @cli.command()
    @click.option(
        "--adjudicator",
        required=True,
        metavar="NAME",
        help="Who is adjudicating (registered with the role adjudicator).",
    )
    @click.option(
        "--kind",
        "kinds",
        multiple=True,
        metavar="K",
        help=f"Only items queued as K: {', '.join(KIND_CHOICES)} (repeat, or comma-separated).",
    )
    @language_option
    @click.option(
        "--item",
        "items",
        multiple=True,
        metavar="ID",
        help="Only these items (response ids as imported), queued or not: to look "
        "at or change a decision made earlier (repeat).",
    )
    @click.option(
        "--anonymous", is_flag=True, help="Hide annotator names (shown as annotator 1, 2, …)."
    )
    @click.option(
        "--strict",
        is_flag=True,
        help="Refuse to decide an item you labelled yourself (without it, such a decision "
        "is allowed, shown and logged as a self-adjudication).",
    )
    @reader_options
    @db_option
    def adjudicate(
        db: Path,
        adjudicator: str,
        kinds: tuple[str, ...],
        languages: tuple[str, ...],
        items: tuple[str, ...],
        anonymous: bool,
        strict: bool,
        reader: bool,
        reader_open: bool,
        reader_file: Path | None,
    ) -> None:
        """Set final labels for queued items: disagreements, ties, unsure labels, and judges
        that contradict the humans.

        Keys: s/1 safe, u/2 unsafe, i/3 invalid (or the project's own labels, numbered) set
        the final label and ask for a rationale; r safe reply; z undo; / filter; d dashboard;
        [ ] queue pages; v invisible characters; o open as HTML; h help; q quit. Every
        adjudication is saved at once (append-only) and the item leaves the queue. To change
        a decision made in an earlier session, open its item again with --item. With
        --reader, a local web page shows the selected item as the browser draws it."""
        from polyjudge.store import PolyjudgeError

        kind_list = [k.replace("-", "_") for k in comma_values(kinds)]
        unknown = [k for k in kind_list if k not in KIND_CHOICES]
        if unknown:
            raise click.BadParameter(
                f"{unknown[0]!r} (choose from {', '.join(KIND_CHOICES)})", param_hint="--kind"
            )
        if not adjudicator.strip():
            raise PolyjudgeError("--adjudicator: a name is required")
        _check_project(db)
        with registers_nobody_on_failure(db, [adjudicator]):
            with open_project(db) as project:
                project.annotators.ensure(adjudicator, role="adjudicator")
                chosen = []
                for uid in dict.fromkeys(items):
                    response_id = project.content.response_id_by_uid(uid)
                    if response_id is None:
                        raise PolyjudgeError(f"--item: no response {uid!r} in {db}")
                    chosen.append(response_id)
            options: dict[str, Any] = {
                "adjudicator": adjudicator.strip(),
                "kinds": kind_list,
                "languages": comma_values(languages),
                "items": chosen,
                "anonymous": anonymous,
                "strict": strict,
            }
            from polyjudge.tui.app import PolyjudgeApp

            with reader_running(reader, reader_open, reader_file) as server:
                PolyjudgeApp(db, "adjudicate", options, reader=server).run()

    @cli.command()
    @click.option("--anonymous", is_flag=True, help="Hide annotator names.")
    @db_option
    def dashboard(db: Path, anonymous: bool) -> None:
        """Progress per annotator and language, the adjudication queue, agreement and
        unsafe rates per language with 95% intervals (the numbers of `polyjudge report`).

        Keys: r recompute, a annotator quality, h help, q quit."""
        _check_project(db)
        from polyjudge.tui.app import PolyjudgeApp

        PolyjudgeApp(db, "dashboard", {"anonymous": anonymous}).run()
