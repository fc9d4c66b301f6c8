"""`polyjudge serve`: the annotate screen in a browser through textual-serve, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.commands.exporting import serve_command

from tests.conftest import REPO, run_cli
from tests.exports.conftest import Built


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, deadline: float) -> str:
    """GET `url`, retrying while the server starts (bounded by `deadline`)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def serving(built: Built, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "polyjudge", "serve", "--db", str(built.path),
         "--annotator", "amina", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"}, start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


async def first_screen_bytes(url: str, timeout: float = 30) -> int:
    """Open the page's websocket, as the browser does, and count the bytes the app sends."""
    import aiohttp

    received = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json(["resize", {"width": 100, "height": 30}])
        end = time.monotonic() + timeout
        while received < 2000 and time.monotonic() < end:
            try:
                message = await ws.receive(timeout=max(0.1, end - time.monotonic()))
            except TimeoutError:
                break
            if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                received += len(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                  aiohttp.WSMsgType.ERROR):
                break
    return received


def test_serve_answers_on_a_local_port_and_runs_the_annotate_screen(built: Built):
    pytest.importorskip("textual_serve")
    port = free_port()
    with serving(built, port):
        page = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 30)
        assert "polyjudge — amina" in page
        assert f"ws://127.0.0.1:{port}/ws" in page
        sent = asyncio.run(first_screen_bytes(f"ws://127.0.0.1:{port}/ws?width=100&height=30"))
    assert sent >= 2000  # the annotate screen drew itself into the browser's terminal


def test_serve_command_quotes_untrusted_names(tmp_path: Path):
    command = serve_command(tmp_path / "my project.db", "a; rm -rf ~", ["bn"])
    assert "'a; rm -rf ~'" in command
    assert "--language bn" in command and "annotate --db" in command
    assert "--overlap" not in command
    assert serve_command(tmp_path / "p.db", "amina", [], 2).endswith("--overlap 2")


def test_serve_without_the_extra_is_one_clear_line(built: Built, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    result = run_cli("serve", "--db", str(built.path), "--annotator", "amina")
    assert result.code == 1
    assert "pip install 'polyjudge[serve]'" in result.err
    assert len(result.err.strip().splitlines()) == 1
