"""`polyjudge export packet` and `polyjudge merge`: offline annotator packets, out and back."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from polyjudge.console import echo
from polyjudge.options import (
    check_sample,
    comma_values,
    language_option,
    sample_options,
    view_option,
    with_project,
)
from polyjudge.store import Project

from .exporting import export_group


@export_group.command("packet")
@click.option("--annotator", required=True, metavar="NAME", help="Whose packet it is.")
@language_option
@click.option(
    "--limit", type=click.IntRange(1, None), default=None, metavar="N", help="At most N items."
)
@click.option(
    "--overlap",
    type=click.IntRange(1, None),
    default=None,
    metavar="K",
    help="Only items fewer than K other annotators have labelled or hold (on "
    "screen or in a packet); the packet's items are then held for its annotator.",
)
@click.option(
    "--hold-days",
    type=click.FloatRange(min=0, min_open=True),
    default=14.0,
    show_default=True,
    metavar="DAYS",
    help="With --overlap: how long the packet's items stay held if it does not come back.",
)
@sample_options
@view_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The packet file to write (a small project file).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@with_project
def export_packet(
    project: Project,
    annotator: str,
    languages: tuple[str, ...],
    limit: int | None,
    overlap: int | None,
    hold_days: float,
    sample: str | None,
    no_sample: bool,
    view: str | None,
    out: Path,
    force: bool,
) -> None:
    """A small project file with the items ANNOTATOR would be offered (blind: no other labels,
    no verdicts): the sample is the queue, as in `annotate`. They run
    `polyjudge annotate --db FILE --annotator NAME` anywhere; bring the labels back with
    `polyjudge merge FILE`. With `--view` the packet assigns that reading condition to its
    annotate sessions, and the merged labels record it."""
    from polyjudge.exports.packet import create_packet

    check_sample(project, sample, no_sample)
    n = create_packet(
        project,
        annotator,
        out,
        languages=comma_values(languages) or None,
        limit=limit,
        overlap=overlap,
        hold_days=hold_days,
        force=force,
        sample=sample,
        no_sample=no_sample,
        view=view,
    )
    echo(f"Wrote a packet of {n:,} items for {annotator} to {out}")
    if overlap is not None:
        echo(
            f"  held for {annotator} for {hold_days:g} days (other packets and "
            "annotators with --overlap are offered other items)"
        )
    echo(
        f"  annotate: polyjudge annotate --db {shlex.quote(str(out))} "
        f"--annotator {shlex.quote(annotator)}"
    )
    echo(f"  merge:    polyjudge merge {shlex.quote(str(out))}")


@click.command("merge")
@click.argument("packet", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--release",
    is_flag=True,
    help="The packet is done: give back the items it still holds (exported with "
    "--overlap, left unlabelled) at once instead of when the hold expires.",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Merge the packet's valid label rows and count the others, instead of "
    "refusing the whole packet (still exit 1 when no row is valid).",
)
@click.option(
    "--legacy-packet",
    is_flag=True,
    help="Also merge a packet exported by a polyjudge that kept no record of its "
    "items, if this project exported one to the annotator it names (its labels on "
    "its items are checked as usual; vouch for where the file has been).",
)
@click.option(
    "--as",
    "as_name",
    default=None,
    metavar="NAME",
    help="Merge the packet's labels as NAME: for a packet whose labels were typed under "
    "another name than the one it was exported for (refused without --as), or to give "
    "them to someone else. The lead vouches for who labelled.",
)
@with_project
def merge(
    project: Project,
    packet: Path,
    release: bool,
    skip_bad: bool,
    legacy_packet: bool,
    as_name: str | None,
) -> None:
    """Bring a packet's labels back into the project (merging twice adds nothing). Only the
    packet's own annotator's labels on its own items are taken, each checked as a label typed
    on screen; a packet with anything else is refused with one line and nothing is merged."""
    from polyjudge.exports.packet import merge_packet

    result = merge_packet(
        project, packet, release=release, skip_bad=skip_bad, legacy=legacy_packet, as_name=as_name
    )
    who = ", ".join(result.annotators) or "nobody"
    echo(
        f"Merged {result.added:,} label rows from {packet} ({who}); "
        f"{result.already_merged:,} were already merged"
        + (f"; {result.rejected:,} invalid rows skipped" if result.rejected else "")
    )
    if release:
        echo(f"Released {result.released:,} held item(s) of the packet")


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group (`export packet` is attached to
    the `export` group by its decorator, when this module is imported)."""
    cli.add_command(merge)
