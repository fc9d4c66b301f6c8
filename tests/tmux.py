"""A real terminal for tests and benches: a tmux server of its own per use, driven by
`tmux -L SOCKET` (keys typed, screen read back), and killed afterwards."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

COLS, ROWS = 120, 40  # the terminal's size unless a test asks for another


class Tmux:
    """A tmux server of its own (`-L` with a unique socket name), killed by `kill`."""

    def __init__(self, prefix: str = "polyjudge-test") -> None:
        self.socket = f"{prefix}-{uuid.uuid4().hex[:12]}"

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {result.stderr.strip()}")
        return result.stdout

    def start(
        self, command: list[str], session: str = "t", cols: int = COLS, rows: int = ROWS
    ) -> None:
        # The shell prints the exit status when the program ends and then stays alive, so the
        # pane never dies: when a pane died, tmux sometimes marked it dead before drawing the
        # program's last output (1 run in 15 lost the status line; #{pane_dead_status} was not
        # reliably set either). The test's own server is killed afterwards.
        wrapped = ["sh", "-c", '"$@"; echo "polyjudge-exit=$?"; exec sleep 600', "sh", *command]
        self.run(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(cols),
            "-y",
            str(rows),
            shlex.join(wrapped),
        )
        self.run("set-option", "-t", session, "remain-on-exit", "on")  # readable if sh dies

    def respawn(self, command: list[str], session: str = "t") -> int:
        """Run `command` in place of whatever the pane runs (killing it); its process id."""
        self.run("respawn-pane", "-k", "-t", session, "exec " + shlex.join(command))
        return int(self.run("display-message", "-p", "-t", session, "#{pane_pid}").strip())

    def dead(self, session: str = "t") -> bool:
        """Has the pane's own process ended (`remain-on-exit` keeps its last screen)?"""
        return self.run("display-message", "-p", "-t", session, "#{pane_dead}").strip() == "1"

    def screen(self, session: str = "t") -> str:
        return self.run("capture-pane", "-p", "-t", session)

    def history(self, session: str = "t") -> str:
        """The screen and what scrolled off it, wrapped lines joined."""
        return self.run("capture-pane", "-p", "-J", "-S", "-200", "-t", session)

    def title(self) -> str:
        return self.run("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def exited(self, session: str = "t") -> bool:
        return self.exit_status(session) != ""

    def exit_status(self, session: str = "t") -> str:
        """The program's exit status once it has ended, else ""."""
        found = re.search(r"polyjudge-exit=(\d+)", self.history(session))
        return found.group(1) if found else ""

    def keys(self, *keys: str, session: str = "t") -> None:
        self.run("send-keys", "-t", session, *keys)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """Poll until `condition()` holds (no blind sleeps)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; {self.screens()}")
            time.sleep(0.05)

    def screens(self) -> str:
        """Every session's screen and scroll-back, for a failure message."""
        names = self.run("list-sessions", "-F", "#{session_name}").split()
        return "".join(f"\n--- session {name} ---\n{self.history(name)}" for name in names)

    def wait_for_text(self, text: str, timeout: float = 30, session: str = "t") -> str:
        self.wait(lambda: text in self.screen(session), repr(text), timeout)
        return self.screen(session)

    def kill(self) -> None:
        """Stop this test's own server and remove its socket file."""
        found = subprocess.run(
            ["tmux", "-L", self.socket, "display-message", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
        if found.returncode == 0 and found.stdout.strip():
            Path(found.stdout.strip()).unlink(missing_ok=True)
