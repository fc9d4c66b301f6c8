"""A judge run killed with SIGKILL midway resumes without repeating finished requests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from polyjudge.store import Project

from tests.conftest import REPO
from tests.judge.conftest import KEY, build_project, judge_args
from tests.judge.server import FakeOpenAI, Reply

N = 60
CONCURRENCY = 4


def _judged(db: Path) -> set[str]:
    with Project.open(db) as project:
        return {
            project.content.response(v.response_id).text.split()[1]
            for v in project.judging.verdicts()
        }


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_killed_run_resumes_without_repeating_finished_requests(tmp_path: Path) -> None:
    fake = FakeOpenAI(
        behavior=lambda r: Reply("unsafe" if r.marker.endswith("7") else "safe"), latency=0.12
    )
    fake.start()
    try:
        db = build_project(tmp_path / "p.db", n=N)
        command = [
            sys.executable,
            "-m",
            "polyjudge",
            *judge_args(db, fake, "--concurrency", str(CONCURRENCY)),
        ]
        env = {**os.environ, "OPENAI_API_KEY": KEY}
        first = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _wait_for(lambda: len(_judged(db)) >= 15)
        first.send_signal(signal.SIGKILL)
        first.wait()
        done_at_kill = _judged(db)
        sent_before = fake.marker_counts()
        assert 15 <= len(done_at_kill) < N

        second = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stderr
    finally:
        fake.stop()

    assert len(_judged(db)) == N
    counts = fake.marker_counts()
    assert set(counts) == {f"item-{i}" for i in range(N)}
    # nothing that had a verdict when the process died was asked again
    assert all(counts[marker] == 1 for marker in done_at_kill)
    # the only repeats are requests that were in flight (or not yet written) at the kill
    repeated = {m for m, c in counts.items() if c > 1}
    assert repeated <= set(sent_before) - done_at_kill
    assert len(repeated) <= 2 * CONCURRENCY
    with Project.open(db) as project:
        assert len(project.judging.runs()) == 1
        labels = {
            project.content.response(v.response_id).text.split()[1]: v.label
            for v in project.judging.verdicts()
        }
    assert labels["item-17"] == "unsafe" and labels["item-18"] == "safe"
