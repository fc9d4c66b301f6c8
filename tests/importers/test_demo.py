"""`build_demo`: the bundled demo project."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from polyjudge.demo import DEMO_RESPONSES, build_demo, data_file
from polyjudge.store import Project

from tests.importers.conftest import dump


def _lines() -> list[dict]:
    return [json.loads(x) for x in data_file(DEMO_RESPONSES).read_text("utf-8").splitlines()]


def test_demo_project(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    build_demo(db)
    rows = _lines()
    with Project.open(db) as p:
        status = p.status()
        assert status["prompts"] == 3150 and status["responses"] == len(rows)
        for row in rows:
            response = p.content.response_by_uid(row["id"])
            assert response is not None
            assert response.text == row["response"] and response.language == row["language"]
            prompt = p.content.prompt(response.prompt_id)
            assert prompt is not None and f"multijail:{prompt.prompt_key}" == row["prompt_id"]
            assert prompt.language == row["language"]
            if row["language"] != "en":
                assert response.back_translation
    before = dump(db)
    build_demo(db)  # running it again adds nothing
    after = dump(db)
    assert after["responses"] == before["responses"] and after["prompts"] == before["prompts"]


def test_demo_data_is_what_the_brief_asks_for() -> None:
    rows = _lines()
    assert 40 <= len(rows) <= 60
    languages = Counter(r["language"] for r in rows)
    assert len(languages) >= 8 and {"ar", "bn", "th", "zh", "sw"} <= set(languages)
    assert set(Counter(r["intended"] for r in rows)) == {"safe", "unsafe", "invalid"}
    assert len({r["model"] for r in rows}) >= 2
    texts = [r["response"] for r in rows]
    assert any("[bold]" in t and "[link=" in t for t in texts)
    assert any("\x1b]" in t and "\x07" in t for t in texts)  # an OSC sequence
    assert any("\u200b" in t and "\u202e" in t for t in texts)  # zero-width and bidi controls
    # The file itself keeps invisible and control characters as visible JSON escapes.
    raw = data_file(DEMO_RESPONSES).read_text("utf-8")
    assert "\x1b" not in raw and "\u202e" not in raw and "\u200b" not in raw
