"""A small prompt set and the `generate` command line for the generate tests."""

from __future__ import annotations

from pathlib import Path

from polyjudge.store import Project

from tests.judge.server import FakeOpenAI, Recorded, Reply

ENV = {"OPENAI_API_KEY": "sk-test"}
LANGUAGES = ("bn", "zh")


def prompt_project(path: Path, n: int = 3, languages: tuple[str, ...] = LANGUAGES) -> Path:
    """`n` MultiJail-like prompts `prompt item-<k> in <lang>` per language."""
    with Project.create(path) as project:
        project.content.insert_prompts(
            {
                "dataset": "multijail",
                "prompt_key": str(k),
                "language": language,
                "text": f"prompt item-{k} in {language}",
                "category": "Violence",
            }
            for language in languages
            for k in range(n)
        )
    return path


def echo_reply(request: Recorded) -> Reply:
    """The reply names every message it was asked with, role and content."""
    parts = [f"{m['role']}={m['content']}" for m in request.body["messages"]]
    return Reply("ECHO " + " || ".join(parts))


def generate_args(db: Path, fake: FakeOpenAI, *extra: str) -> list[str]:
    return [
        "generate",
        "--db",
        str(db),
        "--model",
        "m-under-test",
        "--base-url",
        fake.base_url,
        "--quiet",
        *extra,
    ]


def generated(db: Path) -> list[dict[str, object]]:
    """Every response with its prompt's key (read with plain SQL, as a user's tool would)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT r.*, p.prompt_key, p.text AS prompt_text FROM responses r"
            " JOIN prompts p ON p.id = r.prompt_id ORDER BY r.id"
        ).fetchall()
    return [dict(r) for r in rows]
