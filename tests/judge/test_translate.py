"""`polyjudge translate`: back-translations with their engine, cached, kept unless --overwrite."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply

ENV = {"OPENAI_API_KEY": "sk-test"}


def _project(db: Path) -> None:
    with Project.create(db) as project:
        project.content.insert_prompts(
            [
                {"dataset": "t", "prompt_key": "1", "language": "th", "text": "คำถาม item-91"},
                {
                    "dataset": "t",
                    "prompt_key": "2",
                    "language": "th",
                    "text": "คำถาม item-92",
                    "text_en": "known English",
                },
            ]
        )
        project.content.insert_responses(
            [
                {"uid": "a", "language": "th", "text": "ตอบ item-1"},
                {
                    "uid": "b",
                    "language": "th",
                    "text": "ตอบ item-2",
                    "back_translation": "imported",
                    "bt_engine": "google",
                },
                {"uid": "c", "language": "en", "text": "English item-3"},
                {"uid": "d", "language": "sw", "text": "jibu item-4"},
            ]
        )


def _translator(request: Recorded) -> object:
    return Reply(f"EN({request.marker})")


def _args(db: Path, fake: FakeOpenAI, *extra: str) -> list[str]:
    return [
        "translate",
        "--db",
        str(db),
        "--model",
        "mt-1",
        "--base-url",
        fake.base_url,
        "--quiet",
        *extra,
    ]


def test_translate_fills_missing_back_translations(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = tmp_path / "p.db"
    _project(db)
    fake.behavior = _translator
    result = run_cli(*_args(db, fake, "--json"), env=ENV)
    assert result.code == 0, result.err
    assert json.loads(result.out)["responses"] == 2 and json.loads(result.out)["prompts"] == 1
    assert sorted(fake.marker_counts()) == ["item-1", "item-4", "item-91"]
    with Project.open(db) as project:
        a, b, c, d = (project.content.response_by_uid(u) for u in "abcd")
        assert (a.back_translation, a.bt_engine) == ("EN(item-1)", "mt-1") and a.bt_at
        assert (b.back_translation, b.bt_engine) == ("imported", "google")
        assert c.back_translation is None  # English needs none
        assert d.back_translation == "EN(item-4)"
        assert project.content.find_prompt("1", "th").back_translation == "EN(item-91)"
        assert project.content.find_prompt("2", "th").back_translation is None
        (run,) = project.judging.runs("translate")
        assert run.model == "mt-1" and run.status == "finished"
    request = next(r for r in fake.chat_requests() if r.marker == "item-1")
    assert "from Thai into English" in request.user_text
    assert request.body["temperature"] == 0 and "logprobs" not in request.body
    # nothing left to do, and nothing sent
    assert run_cli(*_args(db, fake), env=ENV).code == 0
    assert fake.chat_count == 3


def test_overwrite_replaces_and_the_cache_answers(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = tmp_path / "p.db"
    _project(db)
    fake.behavior = _translator
    assert run_cli(*_args(db, fake), env=ENV).code == 0
    assert run_cli(*_args(db, fake, "--overwrite", "--language", "th"), env=ENV).code == 0
    # only item-2 (imported before) needed a request; the others came from the cache
    assert fake.marker_counts() == {"item-1": 1, "item-4": 1, "item-91": 1, "item-2": 1}
    with Project.open(db) as project:
        b = project.content.response_by_uid("b")
        assert (b.back_translation, b.bt_engine) == ("EN(item-2)", "mt-1")


def test_a_truncated_translation_is_not_stored(tmp_path: Path, fake: FakeOpenAI) -> None:
    db = tmp_path / "p.db"
    _project(db)
    fake.behavior = lambda r: Reply("EN(cut", finish_reason="length")
    result = run_cli(*_args(db, fake, "--max-tokens", "3"), env=ENV)
    assert result.code == 1 and "cut short" in result.err
    with Project.open(db) as project:
        assert project.content.response_by_uid("a").back_translation is None
        assert all(c.error and c.output == "EN(cut" for c in project.judging.llm_calls())


def test_a_model_that_refuses_temperature_is_asked_without_it(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = tmp_path / "p.db"
    _project(db)

    def default_temperature_only(request: Recorded) -> object:
        if "temperature" in request.body:
            return Fail(
                400,
                "Unsupported value: 'temperature' does not support 0 with this "
                "model. Only the default (1) value is supported.",
                param="temperature",
                code="unsupported_value",
            )
        return _translator(request)

    fake.behavior = default_temperature_only
    result = run_cli(*_args(db, fake, "--concurrency", "1"), env=ENV)
    assert result.code == 0, result.err
    assert "note: temperature 0 refused: sent without it" in result.err
    assert "2 responses and 1 prompts translated" in result.out
    assert sum("temperature" in r.body for r in fake.chat_requests()) == 1
