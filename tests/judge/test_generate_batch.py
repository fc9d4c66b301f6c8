"""`polyjudge generate --batch`: the same responses through the Batch API of the local server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.judge.generate_helpers import ENV, generate_args, generated, prompt_project
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply

# --no-probe: these tests count what goes into the batch; the online probe has its own test
# (test_generate_gaps.py).
BATCH = ("--batch", "--no-probe", "--poll-interval", "0.01")


def _behavior(request: Recorded) -> object:
    if "item-2 in bn" in request.user_text and "JB" in request.user_text:
        return Fail(500, "this line failed")
    return Reply("answer: " + request.user_text)


def test_batch_round_trip_stores_responses_and_a_failed_line_is_sent_again(
    tmp_path: Path,
) -> None:
    db = prompt_project(tmp_path / "p.db")
    template = tmp_path / "jb.txt"
    template.write_text("JB {prompt}", encoding="utf-8")
    scenarios = ("--scenario", "unintentional", "--scenario", "intentional")
    fake = FakeOpenAI(behavior=_behavior, batch_polls=2)
    fake.start()
    try:
        args = generate_args(db, fake, *scenarios, "--template", str(template), *BATCH)
        first = run_cli(*args, "--json", env=ENV)
        assert first.code == 1
        assert "1 request(s) have no response" in first.err
        assert len(first.err.strip().splitlines()) == 1
        data = json.loads(first.out)
        (batch_id,) = data["batches"]
        assert data["collected"][0]["verdicts"] == 11 and data["collected"][0]["errors"] == 1
        assert fake.chat_requests() == []  # nothing online
        (uploaded,) = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
        lines = [json.loads(x) for x in uploaded["content"].decode().splitlines()]
        rows = {r["uid"]: r for r in generated(db)}
        assert len(lines) == 12 and len(rows) == 11
        for line in lines:
            if line["custom_id"] in rows:
                row = rows[line["custom_id"]]  # custom_id is the response's uid
                user = line["body"]["messages"][-1]["content"]
                assert row["text"] == "answer: " + user
                assert user == ("JB " if row["scenario"] == "intentional" else "") + str(
                    row["prompt_text"]
                )
                assert row["call_id"] is not None and row["condition"] == "none"

        fake.behavior = lambda r: Reply("answer: " + r.user_text)
        second = run_cli(*args, "--json", env=ENV)
        assert second.code == 0, second.err
        again = json.loads(second.out)
        assert (again["already"], again["requested"]) == (11, 1)  # only the failed line
    finally:
        fake.stop()
    rows = generated(db)
    assert len(rows) == 12
    assert len({(r["prompt_id"], r["scenario"]) for r in rows}) == 12


def test_no_wait_then_batch_status_and_no_double_submission(tmp_path: Path) -> None:
    db = prompt_project(tmp_path / "p.db", n=2)
    fake = FakeOpenAI(behavior=lambda r: Reply("fine"))
    fake.start()
    try:
        submitted = run_cli(*generate_args(db, fake, *BATCH, "--no-wait", "--json"), env=ENV)
        assert submitted.code == 0, submitted.err
        (batch_id,) = json.loads(submitted.out)["batches"]
        assert generated(db) == []

        # a second submission finds the items in the open batch and sends nothing
        twice = run_cli(*generate_args(db, fake, *BATCH, "--no-wait", "--json"), env=ENV)
        assert twice.code == 0, twice.err
        data = json.loads(twice.out)
        assert (data["batches"], data["in_batch"], data["requested"]) == ([], 4, 0)

        # judge's --batch-status does not take a generate batch for its own
        judged = run_cli(
            "judge", "--db", str(db), "--base-url", fake.base_url, "--batch-status", env=ENV
        )
        assert judged.code == 1 and "no open batch" in judged.err

        collected = run_cli(
            "generate",
            "--db",
            str(db),
            "--base-url",
            fake.base_url,
            "--quiet",
            "--batch-status",
            "--poll-interval",
            "0.01",
            env=ENV,
        )
        assert collected.code == 0, collected.err
        assert f"batch {batch_id} completed: 4 responses, 0 failed" in collected.out
    finally:
        fake.stop()
    assert sorted(r["text"] for r in generated(db)) == ["fine"] * 4
