"""The polyjudge Textual app: one project file, opened on one of its screens.

    PolyjudgeApp(path, "annotate", {"annotator": "amina", "languages": ["bn"]}).run()

A start screen `NAME` lives in `polyjudge.tui.NAME_screen` (`annotate_screen.py`, later
`adjudicate_screen.py`, `dashboard_screen.py`), which defines `make_screen(app, options)`
returning the screen. Screens use `app.project` (a `Project` on the UI thread); a thread worker
opens its own `Project(app.project_path)`, since a sqlite3 connection belongs to its thread.
Every screen may offer commands to the palette with a `system_commands()` method.
"""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Keymap
from textual.screen import Screen

from polyjudge.store import Project

from .palette import SCREENSHOT_TITLE, replaced_titles, screenshot_command, unique_titles
from .reader_file import ReaderFile
from .reader_server import ReaderServer
from .terminal_widths import match_terminal_widths

# How often a served app (`polyjudge serve`) checks that the server that started it is there.
SERVER_CHECK_S = 2.0


class PolyjudgeApp(App[None]):
    TITLE = "polyjudge"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        project_path: str | Path,
        start: str = "annotate",
        options: Mapping[str, Any] | None = None,
        *,
        keymap: Keymap | None = None,
        reader: ReaderServer | ReaderFile | None = None,
    ) -> None:
        match_terminal_widths()
        super().__init__()
        self.project_path = Path(project_path)
        self.start = start
        self.options: dict[str, Any] = dict(options or {})
        self.project = Project.open(self.project_path)
        self.sub_title = self.project_path.name
        self.reader = reader  # the browser reader (`--reader`): screens publish their item
        if keymap:
            self.set_keymap(keymap)

    def make_start_screen(self) -> Screen:
        if not self.start.isidentifier():
            raise ValueError(f"unknown screen {self.start!r}")
        module = importlib.import_module(f"polyjudge.tui.{self.start}_screen")
        return module.make_screen(self, self.options)

    def on_mount(self) -> None:
        # Pushed rather than returned from `get_default_screen`, which skips the screen's CSS_PATH.
        self.push_screen(self.make_start_screen())
        self.call_after_refresh(self._freeze_startup_objects)
        if self.is_web:
            self._server_pid = os.getppid()
            self.set_interval(SERVER_CHECK_S, self._exit_without_server)

    def _exit_without_server(self) -> None:
        """Served, and the server is gone (killed: it could not end its sessions itself):
        nobody can see or type into this app any more, so it exits (labels still queued stay
        in the journal for the next session) rather than run on as an orphan, as one was
        found doing, spinning a core for 40 minutes after a test's server died."""
        if os.getppid() != self._server_pid:
            self.exit()

    @staticmethod
    def _freeze_startup_objects() -> None:
        """Move everything alive after start-up (modules, styles, widgets) out of the garbage
        collector's sight: a full collection over them took 130-200 ms, a visible stall every
        few dozen key presses; afterwards only objects made since are scanned."""
        gc.collect()
        gc.freeze()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands, then the screen's (`system_commands()`), each title once.

        Textual's Quit and Keys are left out where the screen has a quit and a help of its own
        (its quit waits for queued labels; Textual's would not), and Textual's Screenshot, which
        saves into a Downloads folder that may not exist, is replaced by one that saves beside
        the project file (`palette.py`)."""
        commands = getattr(screen, "system_commands", None)
        own = list(commands()) if commands is not None else []
        skip = replaced_titles(screen) | {command.title for command in own}
        for command in super().get_system_commands(screen):
            if command.title == SCREENSHOT_TITLE:
                yield screenshot_command(self, self.project_path.parent)
            elif command.title not in skip:
                yield command
        yield from unique_titles(own)

    def on_unmount(self) -> None:
        self.project.close()
