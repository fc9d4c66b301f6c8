"""The command palette's app-wide entries: each title once, no Textual command that a screen
does better itself, and a Screenshot that works.

Textual's own Screenshot saves into the user's Downloads folder, which a server or a fresh
account may not have (the palette then only says it failed); this one saves the SVG beside the
project file, and under `polyjudge serve` the browser downloads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

SCREENSHOT_TITLE = "Screenshot"
# Textual's palette entries that a screen's own binding of this action replaces.
REPLACED_BY_ACTION = {"quit": "Quit", "help": "Keys"}
# The palette closes before the screenshot is taken (as Textual's own command waits).
SCREENSHOT_DELAY_S = 0.1


def replaced_titles(screen: Screen) -> set[str]:
    """Titles of Textual's commands that the screen's own keys replace."""
    actions = {
        active.binding.action for active in screen.active_bindings.values() if active.node is screen
    }
    return {title for action, title in REPLACED_BY_ACTION.items() if action in actions}


def unique_titles(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """The commands, each title once (the first wins)."""
    seen: set[str] = set()
    for command in commands:
        if command.title not in seen:
            seen.add(command.title)
            yield command


def screenshot_command(app: App[Any], directory: Path) -> SystemCommand:
    """Save an SVG of the screen in `directory` (the project file's), saying where."""
    return SystemCommand(
        SCREENSHOT_TITLE,
        "Save an SVG picture of the screen beside the project file",
        lambda: app.set_timer(
            SCREENSHOT_DELAY_S, partial(app.deliver_screenshot, path=str(directory))
        ),
    )
