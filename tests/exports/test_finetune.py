"""Self-Defense fine-tuning data: unsafe prompts paired with safe replies, never with an unsafe
response; generation through the judge client against a real local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.exports.conftest import PROMPTS, Built
from tests.exports.test_gold import EXPECTED_FINAL
from tests.judge.server import FakeOpenAI, Recorded, Reply

UNSAFE_UIDS = [uid for uid, (label, _) in EXPECTED_FINAL.items() if label == "unsafe"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(behavior=lambda request: Reply(f"SAFE REPLY for {_lang(request)}"))
    server.start()
    yield server
    server.stop()


def _lang(request: Recorded) -> str:
    system = request.body["messages"][0]["content"]
    return system.split(" (the language")[0].rsplit(" in ", 1)[1]


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def unsafe_texts(built: Built) -> set[str]:
    return {built.response_text[uid] for uid in UNSAFE_UIDS}


def assistant_turns(rows: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for r in rows for m in r["messages"] if m["role"] == "assistant"]


def test_adjudicators_safe_replies_become_chat_examples(built: Built, tmp_path: Path):
    out = tmp_path / "sd.jsonl"
    result = run_cli("export", "finetune", "--db", str(built.path), "--out", str(out))
    assert result.code == 0, result.err
    assert "1 unsafe prompts without a safe reply (use --generate --model M)" in result.out
    rows = read(out)
    assert sorted(r["unsafe_response_uids"][0] for r in rows) == sorted(built.safe_replies)
    for row in rows:
        (uid,) = row["unsafe_response_uids"]
        user, assistant = row["messages"]
        assert user["role"] == "user" and assistant["role"] == "assistant"
        assert user["content"] == PROMPTS["p1" if uid == "r-bn-2" else "p2"][row["language"]]
        assert assistant["content"] == built.safe_replies[uid]
        assert row["source"] == "adjudicator" and row["adjudicator"] == "dana"
    assert not set(assistant_turns(rows)) & unsafe_texts(built)


def test_a_reply_that_copies_an_unsafe_response_is_never_a_target(built: Built, tmp_path):
    with Project.open(built.path) as project:
        dana = project.annotators.get("dana")
        ar = project.content.response_by_uid("r-ar-1")
        th = project.content.response_by_uid("r-ar-1")
        assert dana and ar and th
        # an adjudicator pastes the unsafe answer of another response as "safe reply"
        project.adjudications.set_safe_reply(ar.id, dana.id, built.response_text["r-bn-2"])
    out = tmp_path / "sd.jsonl"
    assert run_cli("export", "finetune", "--db", str(built.path), "--out", str(out)).code == 0
    rows = read(out)
    assert not set(assistant_turns(rows)) & unsafe_texts(built)
    assert all("r-ar-1" not in r["unsafe_response_uids"] for r in rows)


def test_set_safe_reply_keeps_the_final_label(built: Built):
    with Project.open(built.path) as project:
        dana = project.annotators.get("dana")
        th = project.content.response_by_uid("r-th-1")
        assert dana and th
        row = project.adjudications.set_safe_reply(th.id, dana.id, "  ฉันช่วยไม่ได้  ")
        assert row.label == "unsafe" and row.rationale == "step-by-step theft"
        assert row.safe_reply == "ฉันช่วยไม่ได้"


def test_generate_fills_the_missing_prompts_in_their_language(built, tmp_path, fake):
    out = tmp_path / "sd.jsonl"
    args = (
        "export",
        "finetune",
        "--db",
        str(built.path),
        "--out",
        str(out),
        "--generate",
        "--model",
        "safe-writer",
        "--base-url",
        fake.base_url,
    )
    result = run_cli(*args)
    assert result.code == 0, result.err
    rows = read(out)
    generated = [r for r in rows if r["source"] == "generated"]
    assert len(generated) == 1 and generated[0]["language"] == "ar"
    assert generated[0]["messages"][1]["content"] == "SAFE REPLY for Arabic (ar)"
    assert generated[0]["messages"][0]["content"] == PROMPTS["p1"]["ar"]
    assert generated[0]["generator"] == "safe-writer"
    assert generated[0]["unsafe_response_uids"] == ["r-ar-1"]
    assert len(fake.chat_requests()) == 1
    assert not set(assistant_turns(rows)) & unsafe_texts(built)
    # a second run is served from the request log: nothing is sent twice
    assert run_cli(*args, "--force").code == 0
    assert len(fake.chat_requests()) == 1
    assert read(out) == rows


def test_a_generated_unsafe_copy_is_dropped(built: Built, tmp_path: Path):
    server = FakeOpenAI(behavior=lambda request: Reply(built.response_text["r-bn-2"]))
    server.start()
    try:
        out = tmp_path / "sd.jsonl"
        result = run_cli(
            "export",
            "finetune",
            "--db",
            str(built.path),
            "--out",
            str(out),
            "--generate",
            "--model",
            "m",
            "--base-url",
            server.base_url,
        )
    finally:
        server.stop()
    assert result.code == 0, result.err
    rows = read(out)
    assert [r["source"] for r in rows] == ["adjudicator", "adjudicator"]
    assert not set(assistant_turns(rows)) & unsafe_texts(built)


def test_generation_against_a_dead_endpoint_is_one_clear_line(built, tmp_path):
    server = FakeOpenAI()
    server.start()
    url = server.base_url
    server.stop()
    out = tmp_path / "sd.jsonl"
    result = run_cli(
        "export",
        "finetune",
        "--db",
        str(built.path),
        "--out",
        str(out),
        "--generate",
        "--model",
        "m",
        "--base-url",
        url,
        "--max-retries",
        "0",
    )
    assert result.code == 1
    assert "--generate:" in result.err and len(result.err.strip().splitlines()) == 1
    assert not out.exists()


def test_generate_needs_a_model(built: Built, tmp_path: Path):
    result = run_cli(
        "export",
        "finetune",
        "--db",
        str(built.path),
        "--out",
        str(tmp_path / "x.jsonl"),
        "--generate",
    )
    assert result.code == 2 and "--generate needs --model" in result.err
