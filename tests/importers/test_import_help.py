"""Import that helps: a missing or misspelt column names the file's columns and the `--map`
that fixes it; a re-import with a newly mapped field fills empty fields (`--update`) or says
how many it ignored."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.importers.conftest import dump


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


ROWS = [
    {
        "id": f"r{i}",
        "prompt_id": f"multijail:{i}",
        "language": "th",
        "model": "m",
        "output": f"คำตอบ {i}",
        "bt_en": f"answer {i}",
        "topic": "Hate speech",
    }
    for i in (1, 2, 3)
]


def test_a_misspelt_map_names_the_columns_and_the_fix(tmp_path: Path, mj_db: Path) -> None:
    path = write_jsonl(tmp_path / "outputs.jsonl", ROWS)
    before = dump(mj_db)
    result = run_cli(
        "import", "responses", str(path), "--map", "response=outputs", "--db", str(mj_db)
    )
    assert result.code == 1
    assert result.err == (
        f"Error: {path}:1: missing required column 'outputs' (columns: id, prompt_id, language, "
        "model, output, bt_en, topic; did you mean --map response=output?)\n"
    )
    assert dump(mj_db) == before


def test_a_csv_header_without_the_column_suggests_the_closest(tmp_path: Path, mj_db: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,prompt_id,lang,model,respons\nc1,multijail:1,th,m,x\n", "utf-8")
    result = run_cli("import", "responses", str(path), "--db", str(mj_db))
    assert result.code == 1
    assert result.err == (
        f"Error: {path}:1: missing required column 'response' (columns: id, prompt_id, lang, "
        "model, respons; did you mean --map response=respons?)\n"
    )
    path.write_text("id,prompt_id,lang,model,response\nc1,multijail:1,th,m,x\n", "utf-8")
    result = run_cli("import", "responses", str(path), "--db", str(mj_db))
    assert "did you mean --map language=lang?" in result.err


def test_labels_jsonl_without_the_annotator_key(tmp_path: Path, mj_db: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"item": "r1", "anotator": "amina", "label": "safe"}])
    result = run_cli("import", "labels", str(path), "--db", str(mj_db))
    assert result.code == 1
    assert result.err == (
        f"Error: {path}:1: missing required column 'annotator' (columns: item, anotator, label; "
        "did you mean --map annotator=anotator?)\n"
    )


def _responses(db: Path) -> dict[str, tuple]:
    with Project.open(db) as project:
        out = {}
        for uid in ("r1", "r2", "r3"):
            r = project.content.response_by_uid(uid)
            assert r is not None
            out[uid] = (r.text, r.back_translation, r.category)
        return out


def test_reimport_with_a_new_field_fills_empty_fields_only_with_update(
    tmp_path: Path, mj_db: Path
) -> None:
    first = [{k: v for k, v in row.items() if k not in ("bt_en", "topic")} for row in ROWS]
    first[1]["back_translation"] = "a translation already there"
    path = write_jsonl(tmp_path / "first.jsonl", first)
    assert (
        run_cli(
            "import", "responses", str(path), "--map", "response=output", "--db", str(mj_db)
        ).code
        == 0
    )
    label = tmp_path / "labels.csv"
    label.write_text("item,annotator,label\nr1,amina,unsafe\n", "utf-8")
    assert run_cli("import", "labels", str(label), "--db", str(mj_db)).code == 0
    with Project.open(mj_db) as project:
        categories = {
            uid: project.content.response_by_uid(uid).category  # type: ignore[union-attr]
            for uid in ("r1", "r2", "r3")
        }
    assert None not in categories.values() and "Hate speech" not in categories.values()

    again = write_jsonl(tmp_path / "again.jsonl", ROWS)
    maps = (
        "--map",
        "response=output",
        "--map",
        "back_translation=bt_en",
        "--map",
        "category=topic",
    )
    before = dump(mj_db)
    result = run_cli("import", "responses", str(again), *maps, "--db", str(mj_db))
    assert result.code == 0, result.err
    assert "0 new, 3 already present" in result.out
    assert (
        "2 empty fields of responses already present ignored (back_translation 2); "
        "use --update to fill them"
    ) in result.out
    after = dump(mj_db)
    assert after["responses"] == before["responses"]

    result = run_cli("import", "responses", str(again), *maps, "--update", "--db", str(mj_db))
    assert result.code == 0, result.err
    assert "2 empty fields of responses already present filled (back_translation 2)" in result.out
    assert _responses(mj_db) == {
        "r1": ("คำตอบ 1", "answer 1", categories["r1"]),
        "r2": ("คำตอบ 2", "a translation already there", categories["r2"]),  # never overwritten
        "r3": ("คำตอบ 3", "answer 3", categories["r3"]),
    }
    with Project.open(mj_db) as project:
        r1 = project.content.response_by_uid("r1")
        assert r1 is not None and r1.bt_engine == "import"
        (only,) = project.labels.current_for(r1.id)  # the human label is untouched
        assert only.label == "unsafe"
        assert only.annotator_id == project.annotators.get("amina").id  # type: ignore[union-attr]
    # a third time there is nothing left to fill
    result = run_cli("import", "responses", str(again), *maps, "--update", "--db", str(mj_db))
    assert "empty field" not in result.out
