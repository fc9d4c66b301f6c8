"""The Batch API round trip against the local server: JSONL upload, create, poll, download."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.judge.conftest import KEY, build_project, judge_args
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply

ENV = {"OPENAI_API_KEY": KEY}


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
    result = run_cli(*judge_args(db, fake, "--batch", "--poll-interval", "0.01", "--json"),
                     env=ENV)
    assert result.code == 1  # one line failed: like a failed online request, an error
    assert result.err.startswith("Error: batch ") and "1 response(s) have no verdict" in result.err
    assert result.err.count("\n") == 1
    data = json.loads(result.out)
    (batch_id,) = data["batches"]
    assert data["collected"] == [{"batch": batch_id, "status": "completed", "verdicts": 5,
                                  "errors": 1, "unanswered": 0, "failure": None}]
    # what went over the wire: one JSONL upload for the batch, the batch, three polls
    upload = next(r for r in fake.requests if r.path == "/v1/files")
    assert b'name="purpose"' in upload.raw and b"batch" in upload.raw
    created = next(r for r in fake.requests if r.path == "/v1/batches")
    assert created.body["endpoint"] == "/v1/chat/completions"
    assert created.body["completion_window"] == "24h"
    (uploaded,) = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
    lines = [json.loads(x) for x in uploaded["content"].decode().splitlines()]
    assert len(lines) == 6 and len({x["custom_id"] for x in lines}) == 6
    assert all(x["url"] == "/v1/chat/completions" and x["body"]["model"] == "judge-m"
               for x in lines)
    assert fake.chat_count == 0  # nothing was sent online
    with Project.open(db) as project:
        (run,) = project.judge_runs()
        assert run.batch_id == batch_id and run.status == "incomplete"
        by_uid = {project.response(v.response_id).uid: v for v in project.verdicts()}
        assert set(by_uid) == {"u0", "u1", "u2", "u3", "u5"}
        assert by_uid["u2"].label == "unsafe" and by_uid["u2"].p_unsafe > 0.8
        assert by_uid["u2"].template_hash == run.template_hash
        failed = [c for c in project.llm_calls() if c.error]
        assert len(failed) == 1 and "batch line failed" in failed[0].error
        assert project.judge_batch(batch_id).done == 1
    # the failed line is sent again by the next run (online this time), nothing else
    fake.behavior = lambda r: Reply("invalid")
    assert run_cli(*judge_args(db, fake), env=ENV).code == 0
    assert fake.marker_counts() == {"item-4": 1}


def test_batch_no_wait_then_batch_status(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=4)
    fake.batch_polls = 2
    submitted = run_cli(*judge_args(db, fake, "--batch", "--no-wait"), env=ENV)
    assert submitted.code == 0, submitted.err
    batch_id = submitted.out.split("batch ")[1].split()[0]
    assert "polyjudge judge --batch-status" in submitted.out
    with Project.open(db) as project:
        assert project.count("verdicts") == 0 and project.open_batches()[0].id == batch_id
    # submitting again while the batch is open adds nothing
    again = run_cli(*judge_args(db, fake, "--batch", "--no-wait", "--json"), env=ENV)
    assert json.loads(again.out)["in_batch"] == 4 and json.loads(again.out)["batches"] == []
    # a later process collects it; the base URL comes from the run
    status = run_cli("judge", "--db", str(db), "--batch-status", "--poll-interval", "0.01",
                     "--quiet", env=ENV)
    assert status.code == 0, status.err
    assert f"batch {batch_id} completed: 4 verdicts" in status.out
    with Project.open(db) as project:
        assert project.count("verdicts") == 4 and project.open_batches() == []
    assert len([r for r in fake.requests if r.path == "/v1/batches"]) == 1
    missing = run_cli("judge", "--db", str(db), "--batch-status", "batch_nope", env=ENV)
    assert missing.code == 1 and "batch 'batch_nope' was not started" in missing.err


def test_a_failed_batch_is_an_error_and_can_be_resubmitted(tmp_path: Path,
                                                           fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=3)
    fake.batch_failure = "model not available for batch"
    failed = run_cli(*judge_args(db, fake, "--batch", "--poll-interval", "0.01"), env=ENV)
    assert failed.code == 1
    assert "ended failed (model not available for batch): 3 response(s)" in failed.err
    with Project.open(db) as project:
        assert project.count("verdicts") == 0 and project.open_batches() == []
    fake.batch_failure = None
    again = run_cli(*judge_args(db, fake, "--batch", "--poll-interval", "0.01"), env=ENV)
    assert again.code == 0, again.err
    with Project.open(db) as project:
        assert project.count("verdicts") == 3
    assert len([r for r in fake.requests if r.path == "/v1/batches"]) == 2


def test_large_selections_are_split_into_several_batches(tmp_path: Path, fake: FakeOpenAI) -> None:
    import asyncio

    from polyjudge.judge import batch as batch_api
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
        settings = JudgeSettings(model="judge-m", quiet=True,
                                 template=load_template(str(template_file), project.label_set))
        summary, batch_ids = asyncio.run(batch_api.submit(project, endpoint, settings,
                                                          max_requests=2))
        assert len(batch_ids) == 2 and summary.requested == 3 and summary.in_batch == 5
        reports = asyncio.run(batch_api.collect(project, endpoint, batch_ids, 0.01, True))
        assert sum(r["verdicts"] for r in reports) == 5
        assert project.count("verdicts") == 5
    lines = [line for f in fake.files.values() if f["meta"]["purpose"] == "batch"
             for line in f["content"].decode().splitlines()]
    assert len(lines) == 3
