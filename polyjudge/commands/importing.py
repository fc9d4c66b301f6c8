"""`polyjudge import`: the group, and `import responses|labels|gold` (rows of a file); the
prompt importers are in `importing_prompts.py`, the harness importers in
`importing_harness.py`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from polyjudge.console import echo
from polyjudge.options import with_project

from .import_options import RowFile, one_line_errors, plural, row_file_options, summary

if TYPE_CHECKING:
    from polyjudge.importers.common import ImportReport
    from polyjudge.store import Project


@click.group("import")
def import_group() -> None:
    """Bring prompts, model responses and human labels into the project.

    Every import is one transaction: a bad row stops it with one line naming the file, the
    line and the problem, and the project is left exactly as it was (unless --skip-bad).
    Importing the same file again adds nothing.
    """


@import_group.command("responses")
@click.option("--model", default=None, metavar="M", help="The model for rows that do not name one.")
@row_file_options
@click.option(
    "--update",
    is_flag=True,
    help="Fill the empty back_translation, category and scenario of responses already in the "
    "project from this file (values already there, texts and labels are never changed).",
)
@with_project
def import_responses_cmd(project: Project, rows: RowFile, model: str | None, update: bool) -> None:
    """Model responses from a JSON Lines or CSV file (by extension, else sniffed).

    Fields: id, prompt_id, prompt, language, model, response, back_translation, category,
    scenario. Required: response, language, model (or --model), and prompt_id or prompt.

    prompt_id links to an imported prompt in the response's language: multijail:12,
    xsafety:Insult:17, or plain 12 when only one dataset has that key. prompt (its text)
    links to the prompt with exactly that text, else creates one in dataset `user`.
    Without an id, a response's id is a hash of model, prompt, response and language;
    category and scenario default to the prompt's. Re-importing adds nothing; with --update
    it fills the empty fields of the responses already present (e.g. a back-translation
    mapped only now), otherwise it says how many such fields it ignored.
    """
    from polyjudge.importers.responses import FIELDS, import_responses

    report = rows.run(import_responses, project, rows.mapping(FIELDS), model=model, update=update)
    echo(summary(report, "response"))
    _print_fields(report)
    created = report.extra.get("prompts_created")
    if created:
        echo(f"{plural(created, 'new prompt')} in dataset `user` (prompt text with no match)")


@import_group.command("labels")
@row_file_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "jsonl", "label-studio", "prodigy"]),
    default="auto",
    show_default=True,
    help="The file's format: CSV / JSON Lines with the fields below, a Label Studio JSON "
    "export, or a Prodigy JSONL export (auto: an export is recognised by its content, else "
    "CSV / JSON Lines by extension).",
)
@click.option(
    "--label-studio-users",
    "users_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="USERS.json",
    help="Label Studio's user list (the JSON of GET /api/users/), for an export that names "
    "annotators only by that server's numeric user id: each id is matched to its email.",
)
@with_project
def import_labels_cmd(project: Project, rows: RowFile, fmt: str, users_path: Path | None) -> None:
    """Existing human labels (an earlier round, another tool's output).

    Fields: item, annotator, label (required), note, unsure, created_at, time_ms, uid.
    `item` is a response id in this project; a label outside the project's label set is
    a bad row.

    An unknown item is created from the row when it carries the response's text
    (--map text=COLUMN --map language=COLUMN; model, prompt_id, prompt, back_translation,
    category and scenario are used too). Without a uid, a label's id is a hash of item,
    annotator, label, note, unsure and created_at.

    Label Studio (JSON or JSON-MIN export): each annotation's user is matched by email (or
    username) to this project's annotators (an annotator named NAME is NAME@polyjudge.invalid
    there, unless the name is an email); another email becomes an annotator of that name.
    Numeric user ids are never taken as annotators: export with emails, or give
    --label-studio-users. Tasks nobody labelled and skipped annotations are left out.
    """
    from polyjudge.importers.labels import FIELDS, import_labels

    mapping = rows.mapping(FIELDS)
    source = _label_source(project, rows.path, fmt, users_path)
    if users_path is not None and getattr(source, "kind", None) != "label-studio":
        raise click.UsageError("--label-studio-users applies to a Label Studio export only")
    if fmt in ("label-studio", "prodigy") and mapping:
        raise click.UsageError(f"--map does not apply to --format {fmt}")
    report = rows.run(import_labels, project, mapping, source=source)
    echo(summary(report, "label"))
    created = report.extra.get("items_created")
    if created:
        echo(f"{plural(created, 'new response')} created from the file's text")


@import_group.command("gold")
@row_file_options
@click.option(
    "--rate",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    metavar="R",
    help="Also set the project's gold rate: the share of gold items mixed into each "
    "annotator's queue (default 0.05 once the project has gold items).",
)
@with_project
def import_gold_cmd(project: Project, rows: RowFile, rate: float | None) -> None:
    """Gold items: existing responses with a known expected label (JSON Lines or CSV).

    Fields: uid (a response id in this project), label (one of the project's labels),
    explanation (optional, shown by `annotate --gold-feedback`). Gold items are mixed silently
    into annotators' queues (`annotate --gold-rate`) and left out of agreement, final labels,
    the adjudication queue and rates.
    """
    from polyjudge.importers.gold import FIELDS, import_gold

    report = rows.run(import_gold, project, rows.mapping(FIELDS), rate=rate)
    echo(summary(report, "gold item"))
    if report.extra.get("updated"):
        echo(f"{plural(report.extra['updated'], 'gold item')} corrected (label or explanation)")
    echo(f"Gold rate: {project.gold_items.rate():g}")


def _print_fields(report: ImportReport) -> None:
    """The empty fields of responses already present that this file filled (--update) or
    could have filled."""
    for key, done in (("filled", "filled"), ("ignored", "ignored")):
        counts = report.extra.get(key) or {}
        if not counts:
            continue
        total = sum(counts.values())
        each = ", ".join(f"{field} {n:,}" for field, n in counts.items())
        line = f"{plural(total, 'empty field')} of responses already present {done} ({each})"
        if key == "ignored":
            line += "; use --update to fill them"
        echo(line)


def _label_source(project: Project, path: Path, fmt: str, users_path: Path | None = None) -> Any:
    from polyjudge.importers.reading import open_rows
    from polyjudge.importers.regular_file import check_file

    check_file(path)
    if fmt == "auto":  # a Label Studio or Prodigy export, recognised by its content
        from polyjudge.importers.label_formats import sniff_label_format

        fmt = sniff_label_format(path) or fmt
    if fmt in ("csv", "jsonl"):
        return open_rows(path, fmt)
    if fmt == "label-studio":
        from polyjudge.importers.label_studio import LabelStudioSource
        from polyjudge.importers.label_studio_users import read_users

        users = None
        if users_path is not None:
            with one_line_errors(users_path):
                users = read_users(users_path)
        names = [a.name for a in project.annotators.all()]
        return LabelStudioSource(path, project.label_set, annotators=names, users=users)
    if fmt == "prodigy":
        from polyjudge.importers.prodigy import ProdigySource

        return ProdigySource(path, project.label_set)
    return None


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    from .importing_harness import register as add_harness_importers
    from .importing_prompts import register as add_prompt_importers

    add_prompt_importers(import_group)
    add_harness_importers(import_group)
    cli.add_command(import_group)
