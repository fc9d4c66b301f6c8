"""A real Label Studio server for the tests, started from the executable that
`POLYJUDGE_LABEL_STUDIO` names (install it in its own venv: it pins many packages), and a small
REST client on urllib.

The server gets a temporary data directory, a free port on 127.0.0.1, no browser, no version
check, and a known admin with a known API token through Label Studio's documented environment
variables (`LABEL_STUDIO_USERNAME`, `LABEL_STUDIO_PASSWORD`, `LABEL_STUDIO_USER_TOKEN`, with
`LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN` so that `Authorization: Token ...` works). Readiness is
`GET /health` answering 200; teardown ends the server's whole process group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_VAR = "POLYJUDGE_LABEL_STUDIO"
ADMIN = "admin@example.org"
TOKEN = "polyjudge-test-token-0123456789"
START_TIMEOUT_S = 900  # the first start migrates a new database (minutes on a busy machine)


class LabelStudioError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:2000]}")
        self.status = status
        self.body = body


@dataclass
class LabelStudio:
    base_url: str
    log: Path

    def call(self, method: str, path: str, body: Any = None) -> Any:
        raw = self.raw(method, path, body)
        return json.loads(raw) if raw else None

    def raw(self, method: str, path: str, body: Any = None) -> bytes:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise LabelStudioError(exc.code, exc.read().decode("utf-8", "replace")) from None

    def wait_for(self, path: str, done: Any, what: str, timeout_s: float = 120) -> Any:
        """Poll `path` until `done(answer)` is true (an export snapshot being built)."""
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self.call("GET", path)
            if done(answer):
                return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"Label Studio: {what} not done after {timeout_s} s")
            time.sleep(0.2)


def executable() -> str | None:
    """The `label-studio` executable to test against, or None (the tests skip)."""
    path = os.environ.get(ENV_VAR)
    return path if path and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def running_label_studio(exe: str, data_dir: Path) -> Iterator[LabelStudio]:
    port = free_port()
    log = data_dir / "label-studio.log"
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": ADMIN,
        "LABEL_STUDIO_PASSWORD": "polyjudge-test-password",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
    }
    args = [exe, "start", "--no-browser", "--port", str(port), "--internal-host", "127.0.0.1"]
    args += ["--data-dir", str(data_dir / "data")]
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LabelStudio(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(server.base_url):
            if process.poll() is not None:
                raise AssertionError(f"label-studio exited ({process.returncode}):\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"label-studio not ready in {START_TIMEOUT_S} s:\n{_tail(log)}"
                )
            time.sleep(0.5)
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server's process group (the runserver reloader has children)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
