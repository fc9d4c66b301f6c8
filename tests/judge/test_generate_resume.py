"""A `generate` run killed with SIGKILL midway resumes: no response twice, no request for a
response already written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import REPO
from tests.judge.generate_helpers import ENV, generate_args, generated, prompt_project
from tests.judge.server import FakeOpenAI, Recorded, Reply

N = 20  # prompts per language
CONCURRENCY = 4
PROMPT = re.compile(r"item-\d+ in \w+")


def _wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _asked(request: Recorded) -> str:
    found = PROMPT.search(request.user_text)
    assert found is not None
    return found.group(0)


def _asked_counts(fake: FakeOpenAI) -> Counter[str]:
    """How often each prompt was asked (a request the kill cut before its body: none)."""
    return Counter(_asked(r) for r in fake.chat_requests() if r.body is not None)


def test_killed_generate_resumes_without_duplicates(tmp_path: Path) -> None:
    fake = FakeOpenAI(behavior=lambda r: Reply("answer to " + _asked(r)), latency=0.1)
    fake.start()
    try:
        db = prompt_project(tmp_path / "p.db", n=N)
        command = [
            sys.executable,
            "-m",
            "polyjudge",
            *generate_args(db, fake, "--concurrency", str(CONCURRENCY)),
        ]
        env = {**os.environ, **ENV}
        first = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _wait_for(lambda: len(generated(db)) >= 8)
        first.send_signal(signal.SIGKILL)
        first.wait()
        done_at_kill = {f"item-{r['prompt_key']} in {r['language']}" for r in generated(db)}
        sent_before = _asked_counts(fake)
        assert 8 <= len(done_at_kill) < 2 * N

        second = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stderr
    finally:
        fake.stop()

    rows = generated(db)
    keys = [(r["prompt_id"], r["scenario"], r["condition"]) for r in rows]
    assert len(rows) == 2 * N and len(set(keys)) == len(keys)  # every prompt once
    assert all(r["text"] == f"answer to {r['prompt_text'].removeprefix('prompt ')}" for r in rows)
    counts = _asked_counts(fake)
    assert all(counts[asked] == 1 for asked in done_at_kill)  # nothing written was asked again
    repeated = {a for a, c in counts.items() if c > 1}
    assert repeated <= set(sent_before) - done_at_kill  # only what was in flight at the kill
    assert len(repeated) <= 2 * CONCURRENCY
