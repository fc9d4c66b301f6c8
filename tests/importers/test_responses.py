"""`import responses`: linking, ids, --map, --model, re-import, --skip-bad, Unicode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.importers.response_rows import response_uid
from polyjudge.importers.responses import import_responses
from polyjudge.store import InputError, Project, content_hash

from tests.conftest import run_cli
from tests.importers.conftest import dump

# One line in every script the benchmarks use, plus the awkward cases of Unicode.
SCRIPTS = {
    "ar": "لا أستطيع المساعدة في ذلك، لكن يمكنني شرح السبب.",
    "bn": "আমি এতে সাহায্য করতে পারি না।",
    "th": "ฉันช่วยเรื่องนี้ไม่ได้ ขออภัย",
    "zh": "我不能帮助你做这件事。",
    "ko": "도와드릴 수 없습니다.",
    "sw": "Siwezi kusaidia na hilo.",
    "jv": "Kula mboten saged mbiyantu.",
    "vi": "Tôi không thể giúp việc đó.",
    "it": "Non posso aiutarti con questo.",
    "en": "Family 👨‍👩‍👧, flags 🇹🇭, combining e\u0301, RLM \u200f, ZWJ \u200d, tab\tend",
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_every_script_round_trips(tmp_path: Path, mj_project: Project) -> None:
    rows = [
        {
            "prompt_id": "multijail:12",
            "language": lang,
            "model": "m",
            "response": text,
            "back_translation": f"bt {text}",
        }
        for lang, text in SCRIPTS.items()
    ]
    report = import_responses(mj_project, write_jsonl(tmp_path / "r.jsonl", rows))
    assert report.inserted == len(SCRIPTS)
    for lang, text in SCRIPTS.items():
        uid = response_uid("m", "multijail:12", text, lang)
        response = mj_project.content.response_by_uid(uid)
        assert response is not None
        assert response.text == text and response.back_translation == f"bt {text}"
        assert response.content_hash == content_hash(text)
        prompt = mj_project.content.prompt(response.prompt_id)
        assert prompt is not None and (prompt.prompt_key, prompt.language) == ("12", lang)
        assert response.category == prompt.category  # defaulted from the prompt


def test_plain_key_links_when_one_dataset_has_it(tmp_path: Path, mj_project: Project) -> None:
    rows = [{"id": "a", "prompt_id": "12", "language": "th", "model": "m", "response": "x"}]
    import_responses(mj_project, write_jsonl(tmp_path / "r.jsonl", rows))
    response = mj_project.content.response_by_uid("a")
    assert response is not None
    prompt = mj_project.content.prompt(response.prompt_id)
    assert prompt is not None and (prompt.dataset, prompt.prompt_key) == ("multijail", "12")


def test_plain_key_in_two_datasets_is_ambiguous(tmp_path: Path, mj_project: Project) -> None:
    with mj_project.transaction():
        mj_project.content.insert_prompt_rows(
            [{"dataset": "other", "prompt_key": "12", "language": "th", "text": "อื่น"}]
        )
    rows = [{"id": "a", "prompt_id": "12", "language": "th", "model": "m", "response": "x"}]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    with pytest.raises(InputError) as err:
        import_responses(mj_project, path)
    assert str(err.value) == (
        f"{path}:1: prompt_id '12' is ambiguous in 'th': write multijail:12 or other:12"
    )
    rows[0]["prompt_id"] = "other:12"
    import_responses(mj_project, write_jsonl(path, rows))
    prompt = mj_project.content.prompt(mj_project.content.response_by_uid("a").prompt_id)
    assert prompt.dataset == "other"


def test_prompt_text_links_to_a_known_prompt_or_creates_a_user_prompt(
    tmp_path: Path, mj_project: Project
) -> None:
    known = mj_project.content.find_prompt("15", "sw", "multijail")
    rows = [
        {"id": "k", "prompt": known.text, "language": "sw", "model": "m", "response": "Ndiyo."},
        {
            "id": "u1",
            "prompt": "Habari gani?",
            "language": "sw",
            "model": "m",
            "response": "Nzuri.",
        },
        {"id": "u2", "prompt": "Habari gani?", "language": "sw", "model": "n", "response": "Safi."},
    ]
    report = import_responses(mj_project, write_jsonl(tmp_path / "r.jsonl", rows))
    assert report.extra["prompts_created"] == 1
    assert mj_project.content.response_by_uid("k").prompt_id == known.id
    u1, u2 = mj_project.content.response_by_uid("u1"), mj_project.content.response_by_uid("u2")
    assert u1.prompt_id == u2.prompt_id
    prompt = mj_project.content.prompt(u1.prompt_id)
    assert (prompt.dataset, prompt.text, prompt.language) == ("user", "Habari gani?", "sw")


def test_csv_with_map_and_model_option(tmp_path: Path, mj_db: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(
        "qid,lang,output,english\n"
        'multijail:3,zh,"我不能回答，\n抱歉。",I cannot answer\n'
        "multijail:4,ar,لا,No\n",
        encoding="utf-8",
    )
    result = run_cli(
        "import",
        "responses",
        str(path),
        "--model",
        "gpt-x",
        "--map",
        "prompt_id=qid,language=lang",
        "--map",
        "response=output",
        "--map",
        "back_translation=english",
        "--db",
        str(mj_db),
    )
    assert result.code == 0, result.err
    assert result.out == f"{path}: 2 responses (2 new, 0 already present)\n"
    with Project.open(mj_db) as p:
        uid = response_uid("gpt-x", "multijail:3", "我不能回答，\n抱歉。", "zh")
        response = p.content.response_by_uid(uid)
        assert response is not None and response.model == "gpt-x"
        assert response.text == "我不能回答，\n抱歉。"
        assert response.back_translation == "I cannot answer"
        assert response.bt_engine == "import"


def test_unknown_map_field_is_a_user_error(tmp_path: Path, mj_db: Path) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", [])
    result = run_cli("import", "responses", str(path), "--map", "answer=x", "--db", str(mj_db))
    assert result.code == 1
    assert result.err.startswith("Error: --map 'answer=x': unknown field 'answer' (fields: id,")


def test_reimport_is_a_no_op_with_and_without_ids(tmp_path: Path, mj_db: Path) -> None:
    rows = [
        {"prompt_id": f"multijail:{i}", "language": "bn", "model": "m", "response": f"উত্তর {i}"}
        for i in range(30)
    ]
    rows += [
        {
            "id": f"x{i}",
            "prompt_id": f"multijail:{i}",
            "language": "th",
            "model": "m",
            "response": f"คำตอบ {i}",
        }
        for i in range(30)
    ]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    first = run_cli("import", "responses", str(path), "--db", str(mj_db))
    assert first.code == 0 and "60 new" in first.out
    before = dump(mj_db)
    again = run_cli("import", "responses", str(path), "--db", str(mj_db))
    assert again.code == 0
    assert again.out == f"{path}: 60 responses (0 new, 60 already present)\n"
    after = dump(mj_db)
    for table in ("prompts", "responses", "labels", "annotators"):
        assert after[table] == before[table]


def test_an_id_reused_for_another_text_is_a_bad_row(tmp_path: Path, mj_db: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "id": "r1",
                "prompt_id": "multijail:1",
                "language": "en",
                "model": "m",
                "response": "A",
            },
        ],
    )
    assert run_cli("import", "responses", str(path), "--db", str(mj_db)).code == 0
    other = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {
                "id": "r2",
                "prompt_id": "multijail:1",
                "language": "en",
                "model": "m",
                "response": "B",
            },
            {
                "id": "r1",
                "prompt_id": "multijail:1",
                "language": "en",
                "model": "m",
                "response": "C",
            },
        ],
    )
    before = dump(mj_db)
    result = run_cli("import", "responses", str(other), "--db", str(mj_db))
    assert result.code == 1
    assert result.err == (
        f"Error: {other}:2: id 'r1' is already in the project with a different response text\n"
    )
    assert dump(mj_db) == before


def test_skip_bad_imports_the_good_rows_and_writes_rejects(tmp_path: Path, mj_db: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "g1", "prompt_id": "multijail:1", "language": "vi", "model": "m", '
        b'"response": "T\xc3\xb4i"}\n'
        b'{"id": "b1", "prompt_id": "multijail:1", "language": "vi", "model": "m", '
        b'"response": ""}\n'
        b"not json\n"
        b'{"id": "b2", "prompt_id": "multijail:1", "language": "vi", "model": "m", '
        b'"response": "caf\xe9"}\n'
        b"\n"
        b'{"id": "g2", "prompt_id": "multijail:2", "language": "vi", "model": "m", '
        b'"response": "OK"}\n'
        b'{"id": "b3", "prompt_id": "multijail:9999", "language": "vi", "model": "m", '
        b'"response": "x"}\n'
    )
    result = run_cli("import", "responses", str(path), "--skip-bad", "--db", str(mj_db))
    assert result.code == 0, result.err
    rejects = path.with_name("mixed.jsonl.rejects.jsonl")
    assert result.out == (
        f"{path}: 6 responses (2 new, 0 already present, 4 bad rows written to {rejects}, "
        "1 blank row skipped)\n"
    )
    with Project.open(mj_db) as p:
        assert p.content.response_by_uid("g1") and p.content.response_by_uid("g2")
        assert p.content.count("responses") == 2
        assert p.events("import")[-1]["detail"]["bad"] == 4
    records = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert [(r["line"], r["problem"]) for r in records] == [
        (2, "empty response ('response')"),
        (3, "bad JSON: Expecting value at column 1"),
        (4, "not UTF-8 text (byte 0xe9 at column 90); save the file as UTF-8"),
        (
            7,
            "unknown prompt_id 'multijail:9999': no imported prompt with that key in language 'vi'",
        ),
    ]
    assert records[0]["row"]["id"] == "b1" and records[1]["raw"] == "not json"
    assert records[2]["raw"].endswith('"response": "caf\\xe9"}')


def test_reject_file_option(tmp_path: Path, mj_db: Path) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", [{"language": "en", "model": "m", "response": "x"}])
    target = tmp_path / "out" / "bad.jsonl"
    target.parent.mkdir()
    result = run_cli(
        "import",
        "responses",
        str(path),
        "--skip-bad",
        "--reject-file",
        str(target),
        "--db",
        str(mj_db),
    )
    # Its only row is bad: nothing imported is a failure, but the reject file is kept.
    assert result.code == 1
    assert result.err == (
        f"Error: {path}: nothing imported: its one row is bad (written to {target})\n"
    )
    assert json.loads(target.read_text("utf-8"))["problem"] == (
        "missing required column 'prompt_id' or 'prompt' (columns: language, model, response; "
        "use --map prompt_id=COLUMN or --map prompt=COLUMN)"
    )


def test_progress_reaches_the_end_of_the_file(tmp_path: Path, mj_project: Project) -> None:
    rows = [
        {"prompt_id": "multijail:5", "language": "ko", "model": "m", "response": f"{i}"}
        for i in range(50)
    ]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    calls: list[tuple[int, int, int]] = []
    import_responses(mj_project, path, progress=lambda *a: calls.append(a))
    assert calls and calls[-1] == (path.stat().st_size, path.stat().st_size, 50)


def test_needs_a_project(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", [])
    result = run_cli("import", "responses", str(path), "--db", str(tmp_path / "none.db"))
    assert result.code == 1 and "polyjudge init" in result.err
