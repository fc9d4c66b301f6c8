"""A judge (or translator, or reply generator) that answers with megabytes: the answer is parsed
whole but stored once, at most 64 KiB of it, with its full length in bytes and its SHA-256.

Against the real local OpenAI-compatible server (tests/judge/server.py) and a real project file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from polyjudge.store import OUTPUT_CAP_BYTES, Project

from tests.conftest import run_cli
from tests.judge.conftest import build_project, judge_args
from tests.judge.server import FakeOpenAI, Recorded, Reply

ENV = {"OPENAI_API_KEY": "sk-test"}
MEGABYTES = 2 * 1024 * 1024


def huge_answer(label: str) -> str:
    """2 MiB that the multijail template (exact match) reads as LABEL only when it sees the
    whole text: the label is at the very end, after 2 MiB of blanks and Thai text."""
    filler = (" " * 60 + "\n") * (MEGABYTES // 61)
    return filler + label


def stored_output_bytes(db: Path) -> tuple[int, int]:
    """(bytes in llm_calls.output, bytes in verdicts.raw) of the project file."""
    conn = sqlite3.connect(db)
    try:
        calls = conn.execute(
            "SELECT coalesce(sum(length(CAST(output AS BLOB))), 0) FROM llm_calls"
        ).fetchone()[0]
        raws = conn.execute(
            "SELECT coalesce(sum(length(CAST(raw AS BLOB))), 0) FROM verdicts"
        ).fetchone()[0]
        return calls, raws
    finally:
        conn.close()


def test_a_2_mib_judge_answer_is_parsed_whole_and_stored_once_capped(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "p.db", n=4)
    answers = {f"item-{i}": huge_answer("unsafe" if i % 2 else "safe") for i in range(4)}
    fake.behavior = lambda r: Reply(answers[r.marker])
    result = run_cli(*judge_args(db, fake), env=ENV)
    assert result.code == 0, result.err

    with Project.open(db) as project:
        verdicts = {project.content.response_by_uid(f"u{i}").id: i for i in range(4)}
        for verdict in project.judging.verdicts():
            i = verdicts[verdict.response_id]
            # parsed from the whole answer: a cut one would be `unparsed`
            assert verdict.label == ("unsafe" if i % 2 else "safe")
            # what the verdict shows is the stored (capped) answer, read from its call
            assert verdict.raw is not None and 0 < len(verdict.raw.encode()) <= OUTPUT_CAP_BYTES
            assert answers[f"item-{i}"].startswith(verdict.raw)
        calls = project.judging.llm_calls()
        assert len(calls) == 4
        by_hash = {hashlib.sha256(a.encode()).hexdigest(): a for a in answers.values()}
        for call in calls:
            whole = by_hash[call.output_sha256 or ""]  # the hash of the whole answer
            assert call.output_bytes == len(whole.encode()) > OUTPUT_CAP_BYTES
            assert whole.startswith(call.output or "\0")
            assert len((call.output or "").encode()) <= OUTPUT_CAP_BYTES
    calls_bytes, raw_bytes = stored_output_bytes(db)
    assert raw_bytes == 0  # one copy: the verdict links to its call
    assert calls_bytes <= 4 * OUTPUT_CAP_BYTES
    assert db.stat().st_size < 4 * MEGABYTES  # 8 MiB of answers, stored twice before

    # A cut answer is not the answer: it is not a cache hit for a later run.
    with Project.open(db) as project:
        run = project.judging.runs()[0]
        hashes = [c.input_hash for c in project.judging.llm_calls()]
        assert project.judging.cached_calls(run.model, run.template_hash, hashes) == {}


def test_short_answers_stay_whole_and_are_still_cached(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = build_project(tmp_path / "p.db", n=3)
    fake.behavior = lambda r: Reply("unsafe")
    assert run_cli(*judge_args(db, fake), env=ENV).code == 0
    with Project.open(db) as project:
        (call, *_) = project.judging.llm_calls()
        assert call.output == "unsafe" and call.output_bytes == 6
        assert call.output_sha256 == hashlib.sha256(b"unsafe").hexdigest()
        assert {v.raw for v in project.judging.verdicts()} == {"unsafe"}
    assert stored_output_bytes(db)[1] == 0
    with Project.open(db) as project:
        run = project.judging.runs()[0]
        calls = project.judging.llm_calls()
        cached = project.judging.cached_calls(run.model, run.template_hash, [calls[0].input_hash])
        assert cached[calls[0].input_hash].id == calls[0].id  # a whole answer is cached


def test_a_2_mib_translation_is_stored_capped_in_the_call_log(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = tmp_path / "t.db"
    with Project.create(db) as project:
        project.content.insert_responses([{"uid": "a", "language": "th", "text": "ตอบ item-1"}])
    long_translation = "English. " * (MEGABYTES // 9)

    def translator(request: Recorded) -> Reply:
        return Reply(long_translation)

    fake.behavior = translator
    result = run_cli(
        "translate",
        "--db",
        str(db),
        "--model",
        "mt",
        "--base-url",
        fake.base_url,
        "--quiet",
        env=ENV,
    )
    assert result.code == 0, result.err
    with Project.open(db) as project:
        (call,) = project.judging.llm_calls()
        assert call.output_bytes == len(long_translation.encode())
        assert len((call.output or "").encode()) <= OUTPUT_CAP_BYTES
        assert call.output_sha256 == hashlib.sha256(long_translation.encode()).hexdigest()
        # the translation itself is the response's data, kept whole
        assert project.content.response_by_uid("a").back_translation == long_translation.strip()


def test_the_judge_help_states_the_cap() -> None:
    result = run_cli("judge", "--help")
    assert result.code == 0
    assert "64 KiB" in " ".join(result.out.split())


def test_cap_output_cuts_at_a_character_boundary() -> None:
    from polyjudge.store import cap_output

    text = "ก" * OUTPUT_CAP_BYTES  # 3 bytes each
    stored, size, digest = cap_output(text)
    assert stored is not None and size == 3 * OUTPUT_CAP_BYTES
    assert len(stored.encode()) <= OUTPUT_CAP_BYTES and set(stored) == {"ก"}
    assert digest == hashlib.sha256(text.encode()).hexdigest()
    assert json.dumps(cap_output(None)) == "[null, null, null]"
