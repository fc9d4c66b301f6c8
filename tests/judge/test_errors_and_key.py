"""The API key never reaches the project file or the terminal; endpoint errors are one line."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli, run_polyjudge
from tests.judge.conftest import KEY, build_project, judge_args
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply


def _project_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def _echo_key(request: Recorded) -> object:
    """A server that quotes the Authorization header back in its errors, as some do."""
    auth = request.headers.get("authorization", "")
    if request.marker == "item-1":
        return Fail(401, f"Incorrect API key provided: {auth.removeprefix('Bearer ')}")
    if request.marker == "item-2":
        return Fail(500, f"upstream rejected {auth}")
    return Reply("safe")


def test_the_key_is_never_stored_or_printed(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=4)
    fake.behavior = _echo_key
    env = {"MY_JUDGE_KEY": KEY, "OPENAI_API_KEY": ""}
    # a reader holding the file open keeps the write-ahead log from being checkpointed away
    reader = Project.open(db)
    result = run_cli(
        *judge_args(db, fake, "--api-key-env", "MY_JUDGE_KEY", "--max-retries", "1"), env=env
    )
    assert result.code == 1
    # the server did receive the key ...
    assert {r.headers.get("authorization") for r in fake.chat_requests()} == {f"Bearer {KEY}"}
    # ... and the errors it echoed were stored and printed without it
    with Project.open(db) as project:
        errors = [c.error for c in project.judging.llm_calls() if c.error]
    assert len(errors) == 2 and all("[key]" in e for e in errors)
    assert KEY not in result.err and KEY not in result.out
    translated = run_cli(
        "translate",
        "--db",
        str(db),
        "--model",
        "t",
        "--base-url",
        fake.base_url,
        "--api-key-env",
        "MY_JUDGE_KEY",
        "--quiet",
        env=env,
    )
    assert KEY not in translated.err + translated.out
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and b"Incorrect API key provided" in wal.read_bytes()
    data = _project_bytes(db)
    assert KEY.encode() not in data
    assert KEY[:16].encode() not in data
    reader.close()
    assert KEY.encode() not in _project_bytes(db)


def test_the_key_in_a_subprocess_run_with_the_default_variable(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "p.db", n=3)
    fake.behavior = _echo_key
    done = run_polyjudge(
        *judge_args(db, fake, "--max-retries", "0"),
        env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": ""},
    )
    assert done.returncode == 1
    assert KEY not in done.stdout + done.stderr
    assert KEY.encode() not in _project_bytes(db)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound by this test and never listened on,
    so that no other process (a parallel test worker) can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--base-url", "http://127.0.0.1:{port}/v1", "--max-retries", "0"],
            {"OPENAI_API_KEY": KEY},
            "cannot connect to http://127.0.0.1:{port}/v1",
        ),
        (
            ["--base-url", "ftp://example.org/v1"],
            {"OPENAI_API_KEY": KEY},
            "--base-url: expected an http:// or https:// URL",
        ),
        (["--base-url", "not a url"], {"OPENAI_API_KEY": KEY}, "--base-url: expected"),
        ([], {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}, "no API key: set OPENAI_API_KEY"),
        (["--api-key-env", "NOPE_NOT_SET"], {"NOPE_NOT_SET": ""}, "NOPE_NOT_SET is not set"),
        (["--template", "missing.txt"], {"OPENAI_API_KEY": KEY}, "no built-in template or file"),
    ],
)
def test_endpoint_errors_are_one_line(
    tmp_path: Path, closed_port: int, args: list[str], env: dict[str, str], message: str
) -> None:
    db = build_project(tmp_path / "p.db", n=3)
    port = closed_port
    args = [a.format(port=port) for a in args]
    result = run_cli("judge", "--db", str(db), "--model", "m", "--quiet", *args, env=env)
    assert result.code == 1
    assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
    assert message.format(port=port) in result.err
    assert "Traceback" not in result.err and KEY not in result.err
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 0


def test_a_dead_endpoint_stops_the_run_early(tmp_path: Path, closed_port: int) -> None:
    db = build_project(tmp_path / "p.db", n=40)
    port = closed_port
    result = run_cli(
        "judge",
        "--db",
        str(db),
        "--model",
        "m",
        "--quiet",
        "--max-retries",
        "0",
        "--concurrency",
        "2",
        "--base-url",
        f"http://127.0.0.1:{port}/v1",
        env={"OPENAI_API_KEY": KEY},
    )
    assert result.code == 1 and result.err.startswith("Error: stopped after repeated failures")
    with Project.open(db) as project:
        assert 10 <= project.content.count("llm_calls") < 40


def test_a_control_sequence_in_a_server_error_is_not_printed(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "p.db", n=1)
    fake.behavior = lambda r: Fail(403, "denied \x1b]2;pwned\x07 [bold]x[/bold]")
    result = run_cli(*judge_args(db, fake), env={"OPENAI_API_KEY": KEY})
    assert result.code == 1 and "\x1b" not in result.err and "[bold]x[/bold]" in result.err
