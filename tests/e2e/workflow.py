"""Helpers shared by the end-to-end workflows with a judge (`test_judged_workflow`,
`test_active_workflow`): a fixed number per item, the CLI that must succeed, and the annotate
screen (Textual's pilot) pressing each item's truth until its queue is empty."""

from __future__ import annotations

import hashlib
from pathlib import Path

from polyjudge.tui.app import PolyjudgeApp

from tests.conftest import run_cli

KEYS = {"safe": "s", "unsafe": "u"}


def draw(marker: str, salt: str) -> float:
    """A fixed number in [0, 1) for an item: the judge's errors are part of the data."""
    digest = hashlib.sha256(f"{salt}:{marker}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli(*args, env=env)
    assert result.code == 0, result.err
    return result.out


async def annotate_until_empty(db: Path, truth: dict[str, str]) -> list[str]:
    app = PolyjudgeApp(db, "annotate", {"annotator": "ana"})
    done: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        while (item := app.screen.session.item) is not None:  # type: ignore[attr-defined]
            uid = item.response.uid
            await pilot.press(KEYS[truth[uid]])
            done.append(uid)
        await pilot.app.workers.wait_for_complete()
    return done
