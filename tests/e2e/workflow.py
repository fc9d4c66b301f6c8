"""Helpers shared by the end-to-end workflows with a judge (`test_judged_workflow`,
`test_active_workflow`): a fixed number per item, the CLI that must succeed, init + import +
judge against the test server, `sample --json`, and the annotate screen (Textual's pilot)
pressing each item's truth until its queue is empty."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from polyjudge.store import Project
from polyjudge.tui.app import PolyjudgeApp

from tests.conftest import run_cli
from tests.judge.conftest import KEY
from tests.judge.server import FakeOpenAI, Recorded, Reply

KEYS = {"safe": "s", "unsafe": "u"}


def draw(marker: str, salt: str) -> float:
    """A fixed number in [0, 1) for an item: the judge's errors are part of the data."""
    digest = hashlib.sha256(f"{salt}:{marker}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli(*args, env=env)
    assert result.code == 0, result.err
    return result.out


def import_and_judge(db: str, responses: Path, judge: Callable[[Recorded], Reply]) -> FakeOpenAI:
    """`init`, `import responses` and `judge` against a real HTTP server on 127.0.0.1 that
    answers with `judge`; returns the (stopped) server, whose requests can be read."""
    server = FakeOpenAI(judge)
    server.start()
    try:
        cli("init", "--db", db)
        cli("import", "responses", str(responses), "--db", db)
        cli(
            "judge",
            "--db",
            db,
            "--model",
            "judge-m",
            "--base-url",
            server.base_url,
            "--quiet",
            env={"OPENAI_API_KEY": KEY},
        )
    finally:
        server.stop()
    return server


def sample(db: str, design: str, per_language: int, seed: int) -> tuple[dict[str, Any], set[str]]:
    """`sample --json`'s summary and the uids the stored sample holds."""
    summary = json.loads(
        cli(
            "sample",
            "--design",
            design,
            "--per-language",
            str(per_language),
            "--seed",
            str(seed),
            "--json",
            "--db",
            db,
        )
    )
    with Project.open(db) as project:
        sampled = {
            project.content.response(a.response_id).uid  # type: ignore[union-attr]
            for a in project.assignments.all()
        }
    return summary, sampled


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
