"""Fixtures for the judge tests: the local OpenAI-compatible server and small projects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.judge.server import FakeOpenAI

KEY = "sk-polyjudge-TEST-key-7f3a9c21e4b0"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    yield server
    server.stop()


def build_project(
    path: Path,
    n: int = 10,
    language: str = "vi",
    with_bt: bool = True,
    texts: list[str] | None = None,
    category: str | None = None,
) -> Path:
    """`n` responses `response item-<i>` to `n` prompts with an English source text."""
    with Project.create(path) as project:
        project.content.insert_prompts(
            {
                "dataset": "test",
                "prompt_key": str(i),
                "language": language,
                "text": f"prompt {i} in {language}",
                "text_en": f"English prompt {i}",
                "category": category,
            }
            for i in range(n)
        )
        prompt_ids = {p: project.content.find_prompt(str(p), language).id for p in range(n)}
        rows = []
        for i in range(n):
            text = texts[i] if texts else f"response item-{i} in {language}"
            rows.append(
                {
                    "uid": f"u{i}",
                    "prompt_id": prompt_ids[i],
                    "language": language,
                    "model": "m-under-test",
                    "text": text,
                    "back_translation": f"back-translation of item-{i}" if with_bt else None,
                }
            )
        project.content.insert_responses(rows)
    return path


def judge_args(db: Path, fake: FakeOpenAI, *extra: str) -> list[str]:
    return [
        "judge",
        "--db",
        str(db),
        "--model",
        "judge-m",
        "--base-url",
        fake.base_url,
        "--quiet",
        *extra,
    ]
