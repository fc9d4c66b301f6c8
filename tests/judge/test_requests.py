"""The shared request loop (judge/requests.py) on its own: against the real local
OpenAI-compatible server (tests/judge/server.py) and a real project file."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from polyjudge.judge.client import Endpoint
from polyjudge.judge.engine import Outcome
from polyjudge.judge.progress import RunProgress
from polyjudge.judge.requests import CallLog, RequestLoop, Results
from polyjudge.store import OUTPUT_CAP_BYTES, CachedCall, NewCall, Project, content_hash

from tests.judge.server import Action, Fail, FakeOpenAI, Recorded, Reply

LOG = CallLog("test", "loop-m", "loop-template", "t" * 64)


@dataclass(frozen=True)
class Item:
    n: int
    text: str = ""

    @property
    def marker(self) -> str:
        return f"item-{self.n}"


@dataclass
class Seen:
    """What the loop handed back: fresh answers (per item) and cached ones."""

    answered: dict[str, str]
    cached: dict[str, str]
    groups: list[int]


def make_loop(
    project: Project,
    fake: FakeOpenAI,
    seen: Seen,
    *,
    max_retries: int = 2,
    concurrency: int = 4,
    progress: RunProgress | None = None,
    check: bool = False,
) -> RequestLoop[Item]:
    def key(item: Item) -> str:
        return content_hash(item.text or item.marker)

    def build(item: Item) -> list[dict[str, str]]:
        return [{"role": "user", "content": f"answer {item.text or item.marker}"}]

    def cached(item: Item, call: CachedCall) -> Results:
        seen.cached[item.marker] = call.output
        return Results()

    def answered(items: list[Item], outcome: Outcome, call: NewCall) -> Results:
        seen.groups.append(len(items))
        for item in items:
            seen.answered[item.marker] = outcome.output or ""
        return Results()

    def refuse_empty(outcome: Outcome) -> str | None:
        return "empty answer" if not (outcome.output or "").strip() else None

    endpoint = Endpoint(fake.base_url, "sk-test", timeout=10, max_retries=max_retries)
    loop = RequestLoop(
        project,
        endpoint,
        LOG,
        {"temperature": 0},
        concurrency,
        key=key,
        build=build,
        cached=cached,
        answered=answered,
        progress=progress,
    )
    if check:
        loop.check = refuse_empty
    return loop


def run(loop: RequestLoop[Item], items: list[Item]) -> None:
    asyncio.run(loop.run(items))


def items(n: int) -> list[Item]:
    return [Item(i) for i in range(n)]


def echo(request: Recorded) -> Action:
    return Reply(f"ANSWER {request.marker}")


def test_a_429_and_a_500_are_retried_and_only_the_answer_is_logged(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    tries: Counter[str] = Counter()

    def flaky(request: Recorded) -> Action:
        marker = request.marker or ""
        tries[marker] += 1
        if tries[marker] == 1:  # Retry-After in ms keeps the test fast
            return Fail(429 if marker == "item-0" else 500, headers={"retry-after-ms": "10"})
        return echo(request)

    fake.behavior = flaky
    seen = Seen({}, {}, [])
    with Project.create(tmp_path / "p.db") as project:
        loop = make_loop(project, fake, seen)
        run(loop, items(3))
        assert fake.marker_counts() == {f"item-{i}": 2 for i in range(3)}
        assert seen.answered == {f"item-{i}": f"ANSWER item-{i}" for i in range(3)}
        assert (loop.requested, loop.errors, loop.failed_requests) == (3, 0, 0)
        calls = project.judging.llm_calls()
        assert len(calls) == 3 and all(c.error is None for c in calls)
        assert {c.purpose for c in calls} == {"test"}


def test_a_request_that_keeps_failing_is_logged_with_its_error_and_counted(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.behavior = lambda r: Fail(500) if r.marker == "item-1" else echo(r)
    seen = Seen({}, {}, [])
    with Project.create(tmp_path / "p.db") as project:
        with RunProgress("t", 3, quiet=True) as progress:
            loop = make_loop(project, fake, seen, max_retries=0, progress=progress)
            run(loop, items(3))
        assert (loop.requested, loop.failed_requests, loop.errors) == (3, 1, 1)
        assert loop.last_error is not None and loop.last_error.startswith("HTTP 500")
        assert loop.first_error == loop.last_error and loop.stop_error is None
        assert (progress.done, progress.errors) == (2, 1)
        assert "item-1" not in seen.answered
        failed = [c for c in project.judging.llm_calls() if c.error is not None]
        assert len(failed) == 1 and failed[0].output is None


def test_a_rerun_answers_from_the_cache_and_sends_nothing(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.behavior = echo
    with Project.create(tmp_path / "p.db") as project:
        run(make_loop(project, fake, Seen({}, {}, [])), items(5))
        assert fake.chat_count == 5
        seen = Seen({}, {}, [])
        with RunProgress("t", 5, quiet=True) as progress:
            loop = make_loop(project, fake, seen, progress=progress)
            run(loop, items(5))
        assert fake.chat_count == 5  # nothing sent again
        assert seen.cached == {f"item-{i}": f"ANSWER item-{i}" for i in range(5)}
        assert (loop.hits, loop.requested, progress.done) == (5, 0, 5)
        assert len(project.judging.llm_calls()) == 5


def test_items_with_the_same_input_share_one_request(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.behavior = lambda r: Reply("shared")
    seen = Seen({}, {}, [])
    twins = [Item(i, text="the same text") for i in range(4)]
    with Project.create(tmp_path / "p.db") as project:
        loop = make_loop(project, fake, seen, concurrency=2)
        run(loop, twins)
        assert fake.chat_count == 1 and loop.requested == 1
        assert seen.groups == [4] and set(seen.answered) == {f"item-{i}" for i in range(4)}
        assert len(project.judging.llm_calls()) == 1


def test_a_huge_answer_is_handed_over_whole_and_stored_capped(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    huge = "x" * (3 * OUTPUT_CAP_BYTES) + " END"
    fake.behavior = lambda r: Reply(huge)
    seen = Seen({}, {}, [])
    with Project.create(tmp_path / "p.db") as project:
        run(make_loop(project, fake, seen), items(1))
        assert seen.answered["item-0"] == huge  # the use sees all of it
        (call,) = project.judging.llm_calls()
        assert call.output_bytes == len(huge) and len((call.output or "").encode()) <= (
            OUTPUT_CAP_BYTES
        )
        assert call.output_sha256 == hashlib.sha256(huge.encode()).hexdigest()
        # a cut answer is no cache hit: a re-run asks again
        again = Seen({}, {}, [])
        loop = make_loop(project, fake, again)
        run(loop, items(1))
        assert (loop.hits, loop.requested, fake.chat_count) == (0, 1, 2)
        assert again.answered["item-0"] == huge


def test_an_answer_the_use_refuses_is_logged_as_an_error_and_asked_again(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.behavior = lambda r: Reply("   ")
    seen = Seen({}, {}, [])
    with Project.create(tmp_path / "p.db") as project:
        loop = make_loop(project, fake, seen, check=True)
        run(loop, items(2))
        assert seen.answered == {} and (loop.errors, loop.last_error) == (2, "empty answer")
        assert {c.error for c in project.judging.llm_calls()} == {"empty answer"}
        fake.behavior = echo
        loop = make_loop(project, fake, seen, check=True)
        run(loop, items(2))
        assert (loop.hits, loop.requested, loop.errors) == (0, 2, 0)
        assert set(seen.answered) == {"item-0", "item-1"}


def test_repeated_failures_stop_the_loop_early(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.behavior = lambda r: Fail(503, "down")
    seen = Seen({}, {}, [])
    with Project.create(tmp_path / "p.db") as project:
        loop = make_loop(project, fake, seen, max_retries=0, concurrency=1)
        loop.max_consecutive_failures = 3
        run(loop, items(20))
        assert loop.stop_error is not None and "HTTP 503" in loop.stop_error
        assert loop.requested == 3 and fake.chat_count == 3
        assert len(project.judging.llm_calls()) == 3


def test_a_cancelled_loop_keeps_what_was_answered(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.behavior = echo
    fake.latency = 0.2
    seen = Seen({}, {}, [])

    async def cancel_midway(loop: RequestLoop[Item]) -> None:
        task = asyncio.create_task(loop.run(items(40)))
        while loop.requested < 3:
            await asyncio.sleep(0.02)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:  # pragma: no cover - the run cannot have finished 40 requests yet
            raise AssertionError("the loop was not cancelled")

    with Project.create(tmp_path / "p.db") as project:
        loop = make_loop(project, fake, seen, concurrency=2)
        asyncio.run(cancel_midway(loop))
        answered = loop.requested
        assert 3 <= answered < 40
        # every finished request was written, though the run was cancelled
        assert len(project.judging.llm_calls()) == answered == len(seen.answered)
        fake.latency = 0.0
        sent_before = fake.chat_count
        again = Seen({}, {}, [])
        loop = make_loop(project, fake, again)
        run(loop, items(40))
        assert loop.hits == answered and set(again.cached) == set(seen.answered)
        # only what was never answered is sent (requests in flight at the cancel may repeat)
        assert loop.requested == 40 - answered
        assert fake.chat_count - sent_before == 40 - answered
