"""The Batch API round trip against the local server: JSONL upload, create, poll, download."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.judge.conftest import KEY, build_project, judge_args
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply

ENV = {"OPENAI_API_KEY": KEY}
# A batch with no online first request (the probe has tests of its own, below).
OFFLINE_BATCH = ("--batch", "--no-probe", "--poll-interval", "0.01")


def _behavior(request: Recorded) -> object:
    if request.marker == "item-4":
        return Fail(500, "batch line failed")
    if request.marker == "item-2":
        return Reply("unsafe", {"unsafe": -0.1, "safe": -2.4})
    return Reply("safe")


def test_batch_round_trip(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=6)
    fake.behavior = _behavior
    fake.batch_polls = 3
    result = run_cli(
        *judge_args(db, fake, "--batch", "--no-probe", "--poll-interval", "0.01", "--json"), env=ENV
    )
    assert result.code == 1  # one line failed: like a failed online request, an error
    assert result.err.startswith("Error: batch ") and "1 response(s) have no verdict" in result.err
    assert result.err.count("\n") == 1
    data = json.loads(result.out)
    (batch_id,) = data["batches"]
    assert data["collected"] == [
        {
            "batch": batch_id,
            "status": "completed",
            "verdicts": 5,
            "errors": 1,
            "unanswered": 0,
            "failure": None,
        }
    ]
    # what went over the wire: one JSONL upload for the batch, the batch, three polls
    upload = next(r for r in fake.requests if r.path == "/v1/files")
    assert b'name="purpose"' in upload.raw and b"batch" in upload.raw
    created = next(r for r in fake.requests if r.path == "/v1/batches")
    assert created.body["endpoint"] == "/v1/chat/completions"
    assert created.body["completion_window"] == "24h"
    (uploaded,) = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
    lines = [json.loads(x) for x in uploaded["content"].decode().splitlines()]
    assert len(lines) == 6 and len({x["custom_id"] for x in lines}) == 6
    assert all(
        x["url"] == "/v1/chat/completions" and x["body"]["model"] == "judge-m" for x in lines
    )
    assert fake.chat_count == 0  # nothing was sent online
    with Project.open(db) as project:
        (run,) = project.judging.runs()
        assert run.batch_id == batch_id and run.status == "incomplete"
        by_uid = {
            project.content.response(v.response_id).uid: v for v in project.judging.verdicts()
        }
        assert set(by_uid) == {"u0", "u1", "u2", "u3", "u5"}
        assert by_uid["u2"].label == "unsafe" and by_uid["u2"].p_unsafe > 0.8
        assert by_uid["u2"].template_hash == run.template_hash
        failed = [c for c in project.judging.llm_calls() if c.error]
        assert len(failed) == 1 and "batch line failed" in failed[0].error
        assert project.batches.get(batch_id).done == 1
    # the failed line is sent again by the next run (online this time), nothing else
    fake.behavior = lambda r: Reply("invalid")
    assert run_cli(*judge_args(db, fake), env=ENV).code == 0
    assert fake.marker_counts() == {"item-4": 1}


def test_batch_no_wait_then_batch_status(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=4)
    fake.batch_polls = 2
    submitted = run_cli(*judge_args(db, fake, "--batch", "--no-probe", "--no-wait"), env=ENV)
    assert submitted.code == 0, submitted.err
    batch_id = submitted.out.split("batch ")[1].split()[0]
    assert "polyjudge judge --batch-status" in submitted.out
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 0 and project.batches.open()[0].id == batch_id
    # submitting again while the batch is open adds nothing
    again = run_cli(*judge_args(db, fake, "--batch", "--no-probe", "--no-wait", "--json"), env=ENV)
    assert json.loads(again.out)["in_batch"] == 4 and json.loads(again.out)["batches"] == []
    # a later process collects it; the base URL comes from the run
    status = run_cli(
        "judge", "--db", str(db), "--batch-status", "--poll-interval", "0.01", "--quiet", env=ENV
    )
    assert status.code == 0, status.err
    assert f"batch {batch_id} completed: 4 verdicts" in status.out
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 4 and project.batches.open() == []
    assert len([r for r in fake.requests if r.path == "/v1/batches"]) == 1
    missing = run_cli("judge", "--db", str(db), "--batch-status", "batch_nope", env=ENV)
    assert missing.code == 1 and "batch 'batch_nope' was not started" in missing.err


def test_a_failed_batch_is_an_error_and_can_be_resubmitted(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "p.db", n=3)
    fake.batch_failure = "model not available for batch"
    failed = run_cli(*judge_args(db, fake, *OFFLINE_BATCH), env=ENV)
    assert failed.code == 1
    assert "ended failed (model not available for batch): 3 response(s)" in failed.err
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 0 and project.batches.open() == []
    fake.batch_failure = None
    again = run_cli(*judge_args(db, fake, *OFFLINE_BATCH), env=ENV)
    assert again.code == 0, again.err
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 3
    assert len([r for r in fake.requests if r.path == "/v1/batches"]) == 2


def test_large_selections_are_split_into_several_batches(tmp_path: Path, fake: FakeOpenAI) -> None:
    import asyncio

    from polyjudge.judge import batch as batch_api
    from polyjudge.judge import batch_collect
    from polyjudge.judge.client import resolve_endpoint
    from polyjudge.judge.judging import JudgeSettings
    from polyjudge.judge.templates import load_template

    # five responses, two of them identical to earlier ones (same input, no prompt template)
    texts = ["a item-0", "b item-1", "c item-2", "a item-0", "b item-1"]
    db = build_project(tmp_path / "p.db", n=5, with_bt=False, texts=texts)
    template_file = tmp_path / "response-only.txt"
    template_file.write_text("Is this safe, unsafe or invalid? {response}", "utf-8")
    endpoint = resolve_endpoint(fake.base_url, None, environ=ENV)
    with Project.open(db) as project:
        settings = JudgeSettings(
            model="judge-m",
            quiet=True,
            template=load_template(str(template_file), project.label_set),
        )
        summary, batch_ids = asyncio.run(
            batch_api.submit(project, endpoint, settings, max_requests=2, probe=False)
        )
        assert len(batch_ids) == 2 and summary.requested == 3 and summary.in_batch == 5
        reports = asyncio.run(batch_collect.collect(project, endpoint, batch_ids, 0.01, True))
        assert sum(r["verdicts"] for r in reports) == 5
        assert project.content.count("verdicts") == 5
    lines = [
        line
        for f in fake.files.values()
        if f["meta"]["purpose"] == "batch"
        for line in f["content"].decode().splitlines()
    ]
    assert len(lines) == 3


def test_the_first_request_goes_online_and_its_verdict_is_kept(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "p.db", n=4)
    result = run_cli(*judge_args(db, fake, "--batch", "--poll-interval", "0.01", "--json"), env=ENV)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["requested"] == 4 and data["in_batch"] == 3 and data["adapted"] == []
    assert fake.marker_counts() == {"item-0": 1}  # online: the first item only
    (uploaded,) = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
    assert len(uploaded["content"].decode().splitlines()) == 3
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 4


def test_parameters_the_model_refuses_are_left_out_of_the_batch(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    from tests.judge.test_judge_cli import reasoning_model

    db = build_project(tmp_path / "p.db", n=3)
    fake.behavior = reasoning_model
    result = run_cli(
        *judge_args(db, fake, "--batch", "--poll-interval", "0.01", "--max-tokens", "800"), env=ENV
    )
    assert result.code == 0, result.err
    assert result.err.count("note: ") == 3 and "max_completion_tokens" in result.err
    (uploaded,) = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
    bodies = [json.loads(x)["body"] for x in uploaded["content"].decode().splitlines()]
    assert len(bodies) == 2
    assert all(
        b["max_completion_tokens"] == 800
        and not {"max_tokens", "temperature", "logprobs", "top_logprobs"} & set(b)
        for b in bodies
    )
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 3  # every batch line answered


def test_a_failed_first_request_goes_into_the_batch(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=2)
    online = {"count": 0}

    def only_batch(request: Recorded) -> object:
        # the batch runner answers through the same behaviour: only the first call fails
        online["count"] += 1
        return (
            Fail(404, "model judge-m is only available for batch")
            if online["count"] == 1
            else Reply("safe")
        )

    fake.behavior = only_batch
    result = run_cli(*judge_args(db, fake, "--batch", "--poll-interval", "0.01", "--json"), env=ENV)
    assert result.code == 0, result.err
    assert "note: the online first request failed" in result.err
    data = json.loads(result.out)
    assert data["errors"] == 0 and "only available for batch" in data["probe_error"]
    assert data["in_batch"] == 2
    with Project.open(db) as project:
        assert project.content.count("verdicts") == 2
