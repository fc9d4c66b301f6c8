"""`polyjudge annotate` and `polyjudge demo`: the annotation screen."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from polyjudge.console import echo
from polyjudge.options import (
    check_sample,
    comma_values,
    db_option,
    language_option,
    open_project,
    registers_nobody_on_failure,
    sample_options,
    view_option,
)

from .reader_options import reader_options, reader_running


def parse_keymap(values: tuple[str, ...], labels: tuple[str, ...]) -> dict[str, str]:
    """`--key annotate.undo=backspace --key annotate.label.safe=a,1` -> a Textual keymap, with
    every binding id checked against the screen's own (a typo is an error, not a no-op)."""
    from polyjudge.store import PolyjudgeError
    from polyjudge.tui.annotate_keys import SCREEN_BINDINGS, label_bindings

    known = [b.id for b in [*SCREEN_BINDINGS, *label_bindings(labels)] if b.id]
    keymap: dict[str, str] = {}
    for value in values:
        binding_id, sep, keys = value.partition("=")
        binding_id, keys = binding_id.strip(), keys.strip()
        if not sep or not keys:
            raise PolyjudgeError(f"--key {value!r}: expected ID=KEY[,KEY], e.g. annotate.undo=u")
        if binding_id not in known:
            raise PolyjudgeError(
                f"--key {value!r}: unknown binding id {binding_id!r} (known: {', '.join(known)})"
            )
        keymap[binding_id] = keys
    return keymap


def run_annotate(
    db: Path,
    options: dict[str, Any],
    keys: tuple[str, ...] = (),
    reader: tuple[bool, bool, Path | None] = (False, False, None),
) -> None:
    """Check the project and the annotator, then run the app on the annotate screen."""
    from polyjudge.store import PolyjudgeError, check_before_annotating

    check_before_annotating(db, options["annotator"])  # before anything writes into the file
    with registers_nobody_on_failure(db, [options["annotator"]]):
        with open_project(db) as project:
            project.annotators.ensure(options["annotator"])
            project.reveals.share(options.get("reveal_share"))  # a bad project setting: here
            if not project.content.has_responses():
                raise PolyjudgeError(
                    f"{db}: no responses to annotate yet (add some with "
                    "`polyjudge import responses`)"
                )
            check_sample(project, options.get("sample"), bool(options.get("no_sample")))
            keymap = parse_keymap(keys, project.label_set)
        from polyjudge.tui.app import PolyjudgeApp

        with reader_running(*reader) as server:
            PolyjudgeApp(db, "annotate", options, keymap=keymap or None, reader=server).run()


# `--reveal-judge` without a share (the example: 10 % of the items).
DEFAULT_REVEAL_SHARE = 0.1


def register(cli: click.Group) -> None:
    """Attach `annotate` and `demo` to the `polyjudge` group."""

    @cli.command()
    @click.option(
        "--annotator",
        required=True,
        metavar="NAME",
        help="Who is labelling (registered on first use).",
    )
    @language_option
    @click.option("--model", default=None, metavar="M", help="Only responses of this model.")
    @click.option("--category", default=None, metavar="C", help="Only items of this category.")
    @click.option(
        "--overlap",
        type=click.IntRange(min=1),
        default=None,
        metavar="K",
        help="Stop offering an item once K annotators have labelled it (or have it on screen).",
    )
    @sample_options
    @click.option(
        "--guidelines",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="A Markdown file shown with `g` (default: the project's).",
    )
    @click.option(
        "--gold-rate",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        metavar="R",
        help="Share of gold items mixed silently into the queue (default: the project's, set "
        "with `import gold --rate`; 0.05 once the project has gold items; 0: none).",
    )
    @click.option(
        "--gold-feedback",
        is_flag=True,
        help="After a gold item is labelled, show its expected label and explanation (for "
        "training rounds; default: nothing is shown, for measurement).",
    )
    @view_option
    @click.option(
        "--reveal-judge",
        "reveal_judge",
        type=click.FloatRange(0.0, 1.0),
        is_flag=False,
        flag_value=DEFAULT_REVEAL_SHARE,
        default=None,
        metavar="[SHARE]",
        help="Measured anchoring: on this share of the items (chosen per annotator and item, "
        "the same in every session) show the judge's verdict after your blind label; keep it "
        "(Enter/k) or change it (a label key), stored as its own after-reveal row that no "
        f"statistic but the report's anchoring block reads. Alone: {DEFAULT_REVEAL_SHARE}. "
        "Default: the project setting reveal_share (0: off).",
    )
    @click.option(
        "--key",
        "keys",
        multiple=True,
        metavar="ID=KEY",
        help="Remap a key by its binding id, e.g. annotate.undo=backspace or "
        "annotate.label.safe=a,1 (repeat; ids are listed in the help screen).",
    )
    @reader_options
    @db_option
    def annotate(
        db: Path,
        annotator: str,
        languages: tuple[str, ...],
        model: str | None,
        category: str | None,
        overlap: int | None,
        sample: str | None,
        no_sample: bool,
        guidelines: Path | None,
        gold_rate: float | None,
        gold_feedback: bool,
        view: str | None,
        reveal_judge: float | None,
        keys: tuple[str, ...],
        reader: bool,
        reader_open: bool,
        reader_file: Path | None,
    ) -> None:
        """Label responses in the terminal, beside their English back-translations.

        Keys: s/1 safe, u/2 unsafe, i/3 invalid (or the project's own labels, numbered),
        ? unsure, n note, z undo, ←/→ previous/next, / filter, g guidelines, t layout,
        b panes, v invisible characters, o open as HTML, h help, q quit; Enter/k keeps your
        label after a reveal (--reveal-judge). A label is saved
        the moment its key is pressed.

        The sample is the queue: when `polyjudge sample` has drawn items under the filter, only
        they are offered, in each language those of its latest batch (the header shows
        `sample k / N`). Gold items (`import gold`) are mixed in at the gold rate, each at
        most once per annotator, and look like any other item.

        With --reader, a local web page shows the item on screen as the browser draws it
        (right-to-left text in order, Indic and Thai scripts shaped) and follows every move;
        the header offers it for such items."""
        options: dict[str, Any] = {
            "annotator": annotator,
            "languages": comma_values(languages),
            "model": model,
            "category": category,
            "overlap": overlap,
            "sample": sample,
            "no_sample": no_sample,
            "gold_rate": gold_rate,
            "gold_feedback": gold_feedback,
            "view": view,
            "reveal_share": reveal_judge,
        }
        if guidelines is not None:
            options["guidelines"] = guidelines.read_text(encoding="utf-8")
        run_annotate(db, options, keys, (reader, reader_open, reader_file))

    @cli.command()
    @click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Build the demo project here (default: a new temporary directory).",
    )
    @click.option("--no-tui", is_flag=True, help="Build the project and print its status only.")
    @click.option(
        "--annotator",
        default="demo",
        show_default=True,
        metavar="NAME",
        help="Annotator name to label as.",
    )
    @click.option(
        "--guidelines",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="A Markdown file of guidelines (default: the bundled ones, which quote the MultiJail "
        "paper's definitions of safe, unsafe and invalid).",
    )
    @click.pass_context
    def demo(
        ctx: click.Context, db: Path | None, no_tui: bool, annotator: str, guidelines: Path | None
    ) -> None:
        """Build the bundled demo project (MultiJail prompts and sample multilingual responses
        with back-translations) and open it in the annotation screen; `g` shows its
        guidelines."""
        from polyjudge.demo import build_demo

        if db is None:
            db = Path(tempfile.mkdtemp(prefix="polyjudge-demo-")) / "demo.db"
        text = guidelines.read_text(encoding="utf-8") if guidelines is not None else None
        build_demo(db, with_labels=True, guidelines=text)
        if no_tui:
            echo(f"Demo project built at {db}")
            status = cli.get_command(ctx, "status")
            if status is not None:
                ctx.invoke(status, db=db, as_json=False)
            return
        run_annotate(db, {"annotator": annotator})
        echo(f"Your labels are in {db} (`polyjudge status --db {db}`).")
