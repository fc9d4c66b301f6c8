"""Headless Chromium driven over the DevTools protocol, for the browser tests (`serve`'s page,
the reader). Tests that use it skip when Chromium is missing (CI installs it)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, ws: object) -> None:
        self.ws = ws
        self.calls = 0

    async def call(self, method: str, **params: object) -> dict[str, object]:
        self.calls += 1
        await self.ws.send_json({"id": self.calls, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json()
            if message.get("id") == self.calls:
                return message.get("result") or {}

    async def evaluate(self, expression: str) -> object:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")  # type: ignore[union-attr]

    async def wait_for(self, expression: str, timeout: float = 60) -> None:
        """Poll a JavaScript expression until it is true (bounded by `timeout`)."""
        end = time.monotonic() + timeout
        while not await self.evaluate(expression):
            assert time.monotonic() < end, f"timed out waiting for {expression}"
            await asyncio.sleep(0.2)

    async def screenshot(self, path: Path) -> Path:
        """Save what the page shows as a PNG."""
        result = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(str(result["data"])))
        return path

    async def press(self, key: str) -> None:
        """Click the terminal (to focus it) and type one key, as a person would."""
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=400, y=300, button="left", clickCount=1
            )
        code = f"Digit{key}" if key.isdigit() else f"Key{key.upper()}"
        await self.call(
            "Input.dispatchKeyEvent",
            type="keyDown",
            key=key,
            text=key,
            code=code,
            windowsVirtualKeyCode=ord(key.upper()),
        )
        await self.call(
            "Input.dispatchKeyEvent",
            type="keyUp",
            key=key,
            code=code,
            windowsVirtualKeyCode=ord(key.upper()),
        )


def _wait_for_group_exit(pgid: int, timeout: float = 10) -> None:
    """Until no process of the group is left (killed processes take a moment to go)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


@contextlib.asynccontextmanager
async def browser(url: str) -> AsyncIterator[Page]:
    """Headless Chromium showing `url` (its own profile, killed afterwards)."""
    import aiohttp

    assert CHROMIUM is not None
    # Chromium's helper processes (renderer, crashpad) outlive a kill of the browser process
    # alone and keep writing into the profile while it is removed ("Directory not empty"): it
    # runs in its own process group, and the whole group is killed before the profile goes.
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--window-size=1100,700",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert process.stderr is not None
            devtools = None
            for line in process.stderr:
                if found := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
                    devtools = int(found[1])
                    break
            assert devtools is not None, "chromium did not start"
            async with aiohttp.ClientSession() as session:
                end = time.monotonic() + 30
                while True:
                    async with session.get(f"http://127.0.0.1:{devtools}/json") as response:
                        targets = await response.json()
                    pages = [t for t in targets if t["type"] == "page" and t["url"] == url]
                    if pages:
                        break
                    assert time.monotonic() < end, targets
                    await asyncio.sleep(0.2)
                async with session.ws_connect(
                    pages[0]["webSocketDebuggerUrl"], max_msg_size=0
                ) as ws:
                    yield Page(ws)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            _wait_for_group_exit(process.pid)
