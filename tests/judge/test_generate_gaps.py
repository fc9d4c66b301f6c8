"""`generate`'s loose ends: the online probe of `--batch`, a uid that names the template, the
`--language` help and a progress total of what is still to do (against the local server)."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.store import generated_uid

from tests.conftest import run_cli
from tests.judge.generate_helpers import ENV, generate_args, generated, prompt_project
from tests.judge.server import Fail, FakeOpenAI, Recorded, Reply


def _uploaded_lines(fake: FakeOpenAI) -> list[dict[str, object]]:
    files = [f for f in fake.files.values() if f["meta"]["purpose"] == "batch"]
    return [json.loads(x) for f in files for x in f["content"].decode().splitlines()]


def test_batch_sends_the_first_request_online_and_keeps_its_response(tmp_path: Path) -> None:
    db = prompt_project(tmp_path / "p.db", n=3)  # 6 prompts
    fake = FakeOpenAI(behavior=lambda r: Reply("answer"))
    fake.start()
    try:
        result = run_cli(*generate_args(db, fake, "--batch", "--no-wait", "--json"), env=ENV)
    finally:
        fake.stop()
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(fake.chat_requests()) == 1  # the probe, before the upload
    assert (data["generated"], data["in_batch"], data["requested"]) == (1, 5, 6)
    (probe,) = generated(db)  # its response is kept, not sent again in the batch
    assert probe["uid"] not in {line["custom_id"] for line in _uploaded_lines(fake)}
    assert len(_uploaded_lines(fake)) == 5


def test_a_failed_probe_is_named_and_its_request_goes_into_the_batch(tmp_path: Path) -> None:
    db = prompt_project(tmp_path / "p.db", n=2)
    fake = FakeOpenAI(behavior=lambda r: Fail(404, "The model does not exist"))
    fake.start()
    try:
        result = run_cli(
            *generate_args(db, fake, "--batch", "--no-wait", "--max-retries", "0"), env=ENV
        )
    finally:
        fake.stop()
    assert result.code == 0, result.err
    assert "the online first request failed" in result.err
    assert "The model does not exist" in result.err
    assert len(_uploaded_lines(fake)) == 4 and generated(db) == []


def _echo(request: Recorded) -> Reply:
    return Reply("answer to " + request.user_text)


def test_another_template_under_the_same_model_is_generated_not_already_there(
    tmp_path: Path,
) -> None:
    db = prompt_project(tmp_path / "p.db", n=2, languages=("bn",))
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("TEMPLATE-A {prompt}", encoding="utf-8")
    second.write_text("TEMPLATE-B {prompt}", encoding="utf-8")
    fake = FakeOpenAI(behavior=_echo)
    fake.start()
    try:
        for template in (first, second):
            args = ("--scenario", "intentional", "--template", str(template), "--json")
            result = run_cli(*generate_args(db, fake, *args), env=ENV)
            assert result.code == 0, result.err
            assert json.loads(result.out)["generated"] == 2
        plain = run_cli(*generate_args(db, fake, "--json"), env=ENV)
        assert plain.code == 0, plain.err
    finally:
        fake.stop()
    rows = generated(db)
    texts = sorted(str(r["text"]).split(" ")[2] for r in rows if r["scenario"] == "intentional")
    assert texts == ["TEMPLATE-A", "TEMPLATE-A", "TEMPLATE-B", "TEMPLATE-B"]
    # Without a template the uid is what it always was (prompt, model, scenario, condition).
    unintentional = {r["uid"] for r in rows if r["scenario"] == "unintentional"}
    assert unintentional == {
        generated_uid("multijail", str(k), "bn", "m-under-test", "unintentional", "none")
        for k in range(2)
    }


def test_generate_language_help_names_prompts() -> None:
    result = run_cli("generate", "--help")
    assert result.code == 0
    assert "Only prompts in this language" in result.out
    assert "Only responses in this language" not in result.out


def test_the_progress_total_counts_only_what_is_not_generated_yet(tmp_path: Path) -> None:
    db = prompt_project(tmp_path / "p.db", n=3)  # 6 prompts
    fake = FakeOpenAI(behavior=_echo)
    fake.start()
    try:
        assert run_cli(*generate_args(db, fake, "--limit", "1"), env=ENV).code == 0  # 2 done
        args = [a for a in generate_args(db, fake) if a != "--quiet"]
        result = run_cli(*args, env=ENV)
    finally:
        fake.stop()
    assert result.code == 0, result.err
    assert "4/4" in result.err and "/6" not in result.err
