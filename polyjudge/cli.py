"""The `polyjudge` command.

Commands live in `polyjudge/commands/` (one module per area) and are attached to the group
here. Heavy libraries (Textual, openai, numpy) are imported inside the commands that need them,
so that `polyjudge status` starts fast.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from polyjudge import __version__
from polyjudge.commands import (
    adjudicating,
    annotate,
    exporting,
    generating,
    importing,
    judging,
    packets,
    reporting,
    sampling,
    serving,
    translating,
)
from polyjudge.console import (
    echo,
    echo_err,
    echo_json,
    error_line,
    out_console,
    show_click_error,
)
from polyjudge.options import db_option, with_project
from polyjudge.store import PolyjudgeError, Project


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="polyjudge")
def cli() -> None:
    """Label multilingual LLM-safety responses, reconcile humans with LLM judges, and report
    unsafe rates per language with honest intervals."""


@cli.command()
@click.option(
    "--labels",
    default=None,
    metavar="A,B,C",
    help="The project's label set, comma-separated (default: safe,unsafe,invalid).",
)
@click.option(
    "--guidelines",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A Markdown file of annotation guidelines, shown with `g` in the annotate screen.",
)
@click.option(
    "--consensus",
    default=None,
    metavar="RULE",
    help="How human labels agree: `unanimous` (default) or `majority:N`.",
)
@db_option
def init(db: Path, labels: str | None, guidelines: Path | None, consensus: str | None) -> None:
    """Create a project file (or change the settings of an existing one)."""
    label_list = None
    if labels is not None:
        label_list = [x.strip() for x in labels.split(",") if x.strip()]
        if len(label_list) < 2 or len(set(label_list)) != len(label_list):
            raise PolyjudgeError(f"--labels: need two or more distinct labels, got {labels!r}")
    if consensus is not None:
        from polyjudge.store import parse_consensus_rule

        parse_consensus_rule(consensus)
    text = guidelines.read_text(encoding="utf-8") if guidelines else None
    existed = db.exists()
    if existed and label_list is not None:
        with Project.open(db) as project:
            if project.content.count("labels") and list(project.label_set) != label_list:
                raise PolyjudgeError(
                    f"{db}: the project already has labels; its label set cannot change"
                )
    with Project.create(db, labels=label_list, guidelines=text, consensus_rule=consensus) as p:
        p.log_event("init", labels=list(p.label_set), guidelines=str(guidelines or ""))
        verb = "Updated" if existed else "Created"
        echo(f"{verb} {db} (labels: {', '.join(p.label_set)}; rule: {p.consensus_rule})")


def _db_argument(path: Path) -> str | None:
    """The project path for a suggested command: None when `--db` may be left out (the
    default file, or the one POLYJUDGE_DB names)."""
    default = Path(os.environ.get("POLYJUDGE_DB") or "polyjudge.db")
    return None if default.resolve() == path.resolve() else str(path)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_project
def status(project: Project, as_json: bool) -> None:
    """Per language: how many responses are back-translated, judged, sampled, labelled, final
    and queued, and the next command (the one for the biggest gap)."""
    from polyjudge.reconcile.next_step import next_step, stage_rows
    from polyjudge.reconcile.queue import queue_sizes

    queue = queue_sizes(project)
    finals = queue.pop("final_by_language")
    counts = project.status()
    stages = stage_rows(counts.pop("stages"), {**queue, "final_by_language": finals})
    step = next_step(stages, counts.pop("latest_models"), _db_argument(project.path))
    data = {
        **counts,
        "by_annotator": project.annotators.progress(),
        "queue": queue,
        "held": project.claims.holds(),
        "stages": stages,
        "next": step.as_json() if step else None,
    }
    if as_json:
        echo_json(data, indent=2)
        return
    from polyjudge.safe_text import one_line

    console = out_console()
    summary = Text(one_line(str(project.path), 200), style="bold")
    summary.append(f"  labels: {one_line(', '.join(data['label_set']), 200)}", style="")
    console.print(summary)
    console.print(
        Text(
            f"prompts {data['prompts']:,} · responses {data['responses']:,} · "
            f"labels {data['labels']:,} · annotators {data['annotators']} · "
            f"verdicts {data['verdicts']:,}"
            + (f" · gold items {data['gold_items']:,}" if data["gold_items"] else "")
        )
    )
    columns = ("responses", "back_translated", "judged", "sampled", "labelled", "final", "queued")
    headers = ("responses", "translated", "judged", "sampled", "labelled", "final", "queued")
    table = Table("lang", *headers, show_edge=False)
    for language, row in stages.items():
        cells = (one_line(language, 20), *(f"{row[k]:,}" for k in columns))
        table.add_row(*(Text(c) for c in cells))
    if stages:
        console.print(table)
    if step is not None:
        console.print(Text(f"next: {one_line(step.command, 300)}", style="bold"), soft_wrap=True)
        console.print(
            Text(
                f"  ({step.gap:,} item(s) to {step.stage} in {one_line(step.language, 20)}: "
                "the biggest gap)",
                style="dim",
            )
        )
    if data["by_annotator"]:
        people = Table("annotator", "role", "labels", "last label")
        for who in data["by_annotator"]:
            people.add_row(
                Text(one_line(who["annotator"], 40)),
                Text(one_line(who["role"], 20)),
                Text(f"{who['labels']:,}"),
                Text(one_line(who["last_label_at"] or "–", 40)[:16]),
            )
        console.print(people)
    queue = data["queue"]
    console.print(
        Text(
            f"adjudication queue: {queue['total']:,} item(s) "
            f"(disagreements {queue['disagreements']:,} incl. ties {queue['ties']:,}, "
            f"unsure {queue['unsure']:,}, judge conflicts "
            f"{queue['judge_conflicts']:,})"
        )
    )
    if data["held"]:
        held = "; ".join(
            f"{one_line(h['annotator'], 40)}: {h['items']:,} item(s) "
            + ("on screen" if h["kind"] == "screen" else f"in a packet until {h['until'][:10]}")
            for h in data["held"]
        )
        console.print(Text(f"held (--overlap): {held}"))


for module in (
    importing,
    annotate,
    judging,
    translating,
    generating,
    reporting,
    sampling,
    adjudicating,
    exporting,
    packets,
    serving,
):
    module.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit code 1, never a traceback."""
    try:
        cli.main(args=argv, prog_name="polyjudge", standalone_mode=False)
    except click.exceptions.Abort:
        echo_err("Aborted.")
        sys.exit(1)
    except click.ClickException as exc:
        show_click_error(exc)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except PolyjudgeError as exc:
        echo_err(f"Error: {error_line(exc)}")
        sys.exit(1)
    except (OSError, sqlite3.Error, UnicodeError, ValueError) as exc:
        if os.environ.get("POLYJUDGE_DEBUG"):
            raise
        echo_err(f"Error: {error_line(exc)}")
        sys.exit(1)
    except KeyboardInterrupt:
        echo_err("Interrupted.")
        sys.exit(130)
