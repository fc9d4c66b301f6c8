"""Commands of this area. Filled in by the work that owns it."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Attach this module's commands to the `polyjudge` group."""
