"""`polyjudge serve`: the annotate screen in a browser, one server for a team, a secret link
per annotator (the server itself is `polyjudge.serve_app`)."""

from __future__ import annotations

import contextlib
import shlex
import sys
import tempfile
from pathlib import Path

import click

from polyjudge.commands.serve_queues import queues
from polyjudge.console import echo
from polyjudge.options import (
    check_sample,
    db_option,
    language_option,
    registers_nobody_on_failure,
    sample_options,
    view_option,
)
from polyjudge.store import PolyjudgeError, Project


def _names(option: str, values: tuple[str, ...]) -> list[str]:
    """Annotator names as given (stripped, in order, once each); an empty one is a usage
    error."""
    names: list[str] = []
    for value in values:
        name = value.strip()
        if not name:
            raise click.UsageError(f"{option}: an annotator needs a name")
        if name not in names:
            names.append(name)
    return names


def serve_command(
    db: Path,
    annotator: str,
    languages: list[str] | tuple[str, ...],
    overlap: int | None = None,
    sample: str | None = None,
    no_sample: bool = False,
    view: str | None = None,
    reader_file: Path | None = None,
) -> str:
    """The shell command each browser session runs: the annotate screen on this project. The
    shell `exec`s it, so that the server is its parent: a served app exits when its server is
    gone (tui/app.py), which it could not tell through a shell left waiting in between."""
    parts = [
        sys.executable,
        "-m",
        "polyjudge",
        "annotate",
        "--db",
        str(db.resolve()),
        "--annotator",
        annotator,
    ]
    for language in languages:
        parts += ["--language", language]
    if overlap is not None:
        parts += ["--overlap", str(overlap)]
    if sample is not None:
        parts += ["--sample", sample]
    if no_sample:
        parts += ["--no-sample"]
    if view is not None:
        parts += ["--view", view]
    if reader_file is not None:
        parts += ["--reader-file", str(reader_file)]
    return "exec " + " ".join(shlex.quote(p) for p in parts)


@click.command("serve")
@click.option(
    "--annotator",
    "annotators",
    multiple=True,
    metavar="NAME",
    help="Serve NAME (repeat for a team). A new link is made and printed once for "
    "an annotator without one; an existing link keeps working and is not shown again.",
)
@click.option(
    "--new-link",
    "new_links",
    multiple=True,
    metavar="NAME",
    help="Serve NAME with a new link, printed once; their old link stops working.",
)
@click.option(
    "--revoke",
    "revokes",
    multiple=True,
    metavar="NAME",
    help="Revoke NAME's link (at once, also in a running server); with no "
    "--annotator, revoke and exit.",
)
@language_option
@click.option(
    "--language-of",
    "language_of",
    multiple=True,
    metavar="NAME=L,L",
    help="NAME's languages instead of --language (repeat for others).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Keep 127.0.0.1 (SSH tunnel, or a TLS reverse proxy on "
    "this machine); any other address prints a warning.",
)
@click.option(
    "--overlap",
    type=click.IntRange(1, None),
    default=None,
    metavar="K",
    help="As `annotate --overlap`: stop offering an item once K annotators have "
    "labelled it (or have it on screen).",
)
@click.option(
    "--overlap-of",
    "overlap_of",
    multiple=True,
    metavar="NAME=K",
    help="NAME's --overlap instead of the server's (e.g. a lead adding a third opinion).",
)
@sample_options
@view_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="The URL browsers use, when it differs from http://HOST:PORT (e.g. "
    "https://labels.example.org behind a TLS proxy); links start with it, and it is "
    "the only other Host and Origin the server accepts.",
)
@db_option
def serve(
    db: Path,
    annotators: tuple[str, ...],
    new_links: tuple[str, ...],
    revokes: tuple[str, ...],
    languages: tuple[str, ...],
    language_of: tuple[str, ...],
    overlap: int | None,
    overlap_of: tuple[str, ...],
    sample: str | None,
    no_sample: bool,
    view: str | None,
    host: str,
    port: int,
    public_url: str | None,
) -> None:
    """The annotate screen in a browser, through textual-serve (`polyjudge[serve]`): one
    server for many annotators, each with a secret link that names them (the token in it is
    stored hashed; who labels comes from the token only). Every browser tab runs its own
    `polyjudge annotate` session on the same project file; beside its terminal, the page shows
    the item on screen as the browser shapes it (right-to-left and complex scripts; a button
    hides it). Requests whose Host or Origin is not this server's are refused."""
    fresh = _names("--new-link", new_links)
    to_serve = _names("--annotator", annotators) + [n for n in fresh if n not in annotators]
    to_revoke = _names("--revoke", revokes)
    if both := sorted(set(to_revoke) & set(to_serve)):
        raise click.UsageError(f"--revoke {both[0]}: cannot serve and revoke the same annotator")
    if not to_serve and not to_revoke:
        raise click.UsageError("name who to serve: --annotator NAME (repeat for a team)")
    queue_of = queues(to_serve, languages, overlap, language_of, overlap_of)

    with contextlib.ExitStack() as stack:  # the reader files' directory, removed at exit
        server = None
        if to_serve:
            try:
                from polyjudge.serve_addresses import check_can_listen, is_loopback
                from polyjudge.serve_app import TeamServer
                from polyjudge.serve_reader import reader_file_of
            except ImportError:
                raise PolyjudgeError(
                    "serve needs textual-serve: pip install 'polyjudge[serve]'"
                ) from None
            # Where each annotator's sessions say which item is on screen, for the reader page.
            reader_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="polyjudge-")))

            def command_for(annotator: str) -> str:
                reader_file = reader_file_of(reader_dir, annotator)
                queue = queue_of[annotator]
                return serve_command(
                    db,
                    annotator,
                    queue.languages,
                    queue.overlap,
                    sample,
                    no_sample,
                    view,
                    reader_file,
                )

            # The addresses, --public-url and the port are checked before the project is touched.
            server = TeamServer(
                db,
                command_for,
                frozenset(to_serve),
                host=host,
                port=port,
                public_url=public_url,
                reader_dir=reader_dir,
            )
            if not is_loopback(host):
                echo(
                    f"Warning: listening on {host}, not a loopback address: anyone who can "
                    "reach it can try links, over plain HTTP unless a TLS proxy is in front "
                    "(see the README's serve section)",
                    err=True,
                )
            check_can_listen(host, port)

        # Links issued before a failure here are removed with whoever they registered; once the
        # server runs, the links printed stay live (an annotator may not have labelled yet).
        with (
            registers_nobody_on_failure(db, to_serve),
            Project.open(db) as project,  # a clear error now rather than in every browser tab
        ):
            check_sample(project, sample, no_sample)
            for name in to_revoke:
                revoked = project.serving.revoke_tokens(name)
                echo(f"{name}: link revoked" if revoked else f"{name}: had no live link", err=True)
            if server is None:
                return
            for name in to_serve:
                live = project.serving.live_link(name)
                if live is None or name in fresh:
                    token = project.serving.issue_token(name)
                    echo(f"{name}: {server.link(token)}")
                    echo(f"  its reader alone, for a second screen: {server.reader_link(token)}")
                else:
                    issued = live.created_at[:16].replace("T", " ")
                    echo(
                        f"{name}: link issued {issued} UTC still works (it is not shown "
                        f"again; --new-link {shlex.quote(name)} replaces it)",
                        err=True,
                    )
        echo("Each link is secret: whoever opens it labels as that annotator.", err=True)
        echo(
            "Each link's page shows, beside the terminal, the item on that screen as the browser "
            "shapes it (right-to-left and complex scripts); LINK/reader/ shows it alone.",
            err=True,
        )
        echo(f"Serving the annotate screen for {db} on {server.addresses.public_url}", err=True)
        server.serve()


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
    cli.add_command(serve)
