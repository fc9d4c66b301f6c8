"""Generate the README's CLI reference from `--help`, so the two cannot drift.

python -m polyjudge.docs --write   # rewrite the section of README.md between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def _walk(command: click.Command, name: str, parent: click.Context | None):
    """Yield (context, command) for the command and its subcommands, each context made the way
    click makes it for real (so inherited settings such as `-h` show up identically)."""
    ctx = command.make_context(
        name, [], parent=parent, resilient_parsing=True, terminal_width=100, max_content_width=100
    )
    yield ctx, command
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, sub_name, ctx)


def cli_reference() -> str:
    from polyjudge.cli import cli

    parts = []
    for ctx, command in _walk(cli, "polyjudge", None):
        text = command.get_help(ctx)
        parts.append(f"### `{ctx.command_path}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def render_readme(readme: str) -> str:
    head, sep, rest = readme.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"README.md: markers {START} … {END} not found")
    return f"{head}{START}\n\n{cli_reference()}\n{END}{tail}"


def main() -> None:
    readme_path = Path(__file__).resolve().parent.parent / "README.md"
    updated = render_readme(readme_path.read_text(encoding="utf-8"))
    if "--write" in sys.argv:
        readme_path.write_text(updated, encoding="utf-8")
    else:
        sys.stdout.write(updated)


if __name__ == "__main__":
    main()
