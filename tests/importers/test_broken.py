"""A corpus of broken files: each fails with ONE line naming the file, the line and the problem,
exit code 1, and leaves the project exactly as it was (rows and bytes).

Every broken file has good rows before the bad one, so a rollback is what keeps them out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polyjudge.importers.responses import import_responses
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.importers.conftest import XSAFETY_SUBSET, dump

GOOD = (
    '{"id": "ok%d", "prompt_id": "multijail:%d", "language": "ar", "model": "m", '
    '"response": "نعم"}\n'
)
LATIN1_ROW = (GOOD.replace("نعم", "caf\xe9") % (9, 9)).encode("latin-1")
GOOD_ROWS = "".join(GOOD % (i, i) for i in range(3)).encode()
CSV_HEAD = b"id,prompt_id,language,model,response\n"
CSV_GOOD = b"c1,multijail:1,th,m,\xe0\xb8\x84\xe0\xb8\xa3\xe0\xb8\xb1\xe0\xb8\x9a\n"

# (importer, file name, content, line, problem)
CASES = [
    (
        "responses",
        "bad_json.jsonl",
        GOOD_ROWS + b'{"id": "x", "response": \n',
        4,
        "bad JSON: Expecting value at column 25",
    ),
    (
        "responses",
        "array.jsonl",
        GOOD_ROWS + b"[1, 2]\n",
        4,
        "expected a JSON object, found an array",
    ),
    (
        "responses",
        "latin1.jsonl",
        GOOD_ROWS + LATIN1_ROW,
        4,
        "not UTF-8 text (byte 0xe9 at column 91); save the file as UTF-8",
    ),
    (
        "responses",
        "nul.jsonl",
        GOOD_ROWS + b'{"id": "n", \x00 "x": 1}\n',
        4,
        "NUL byte at column 13",
    ),
    (
        "responses",
        "utf16.jsonl",
        GOOD.encode("utf-16"),
        1,
        "UTF-16 text; polyjudge reads UTF-8 (save it as UTF-8)",
    ),
    (
        "responses",
        "empty_response.jsonl",
        GOOD_ROWS + b'{"prompt_id": "multijail:1", "language": "ar", "model": "m", '
        b'"response": "  "}\n',
        4,
        "empty response ('response')",
    ),
    (
        "responses",
        "missing_field.jsonl",
        GOOD_ROWS + b'{"prompt_id": "multijail:1", "language": "ar", "response": "x"}\n',
        4,
        "missing model ('model'; or pass --model)",
    ),
    (
        "responses",
        "unknown_prompt.jsonl",
        GOOD_ROWS + b'{"prompt_id": "multijail:400", "language": "ar", "model": "m", '
        b'"response": "x"}\n',
        4,
        "unknown prompt_id 'multijail:400': no imported prompt with that key in language 'ar'",
    ),
    (
        "responses",
        "bad_language.jsonl",
        GOOD_ROWS + b'{"prompt_id": "1", "language": "Arabic!", "model": "m", "response": "x"}\n',
        4,
        "language 'Arabic!' is not a language code such as en, ar or zh-hant",
    ),
    (
        "responses",
        "not_text.jsonl",
        GOOD_ROWS + b'{"prompt_id": "1", "language": "ar", "model": "m", "response": ["x"]}\n',
        4,
        "response ('response') must be text, found list",
    ),
    (
        "responses",
        "surrogate.jsonl",
        GOOD_ROWS + b'{"prompt_id": "1", "language": "ar", "model": "m", "response": "\\ud800"}\n',
        4,
        "text with an unpaired surrogate \\ud800 (not Unicode)",
    ),
    (
        "responses",
        "surrogate_bt.jsonl",
        GOOD_ROWS + b'{"prompt_id": "1", "language": "ar", "model": "m", "response": "x", '
        b'"back_translation": "a\\udfffb"}\n',
        4,
        "text with an unpaired surrogate \\udfff (not Unicode)",
    ),
    (
        "responses",
        "missing_column.csv",
        b"id,prompt_id,language,output\nc1,multijail:1,th,x\n",
        1,
        "missing required column 'response' (columns: id, prompt_id, language, output; "
        "use --map response=COLUMN)",
    ),
    (
        "responses",
        "unclosed_quote.csv",
        CSV_HEAD + CSV_GOOD + b'c2,multijail:2,th,m,"open\nmore\n',
        3,
        "bad CSV quoting: a quoted cell that starts on this line never closes "
        "(it runs to line 4, the end of the file)",
    ),
    (
        "responses",
        "text_after_quote.csv",
        CSV_HEAD + CSV_GOOD + b'c2,multijail:2,th,m,"a"b\n',
        3,
        "bad CSV quoting: ',' expected after '\"' (text after a closing quote)",
    ),
    (
        "responses",
        "short_row.csv",
        CSV_HEAD + CSV_GOOD + b"c2,multijail:2,th\n",
        3,
        "expected 5 cells (as in the header), found 3",
    ),
    (
        "responses",
        "latin1.csv",
        CSV_HEAD + CSV_GOOD + "c2,multijail:2,th,m,ol\xe1\n".encode("latin-1"),
        3,
        "not UTF-8 text (byte 0xe1 at column 23); save the file as UTF-8",
    ),
    (
        "responses",
        "nul.csv",
        CSV_HEAD + CSV_GOOD + b"c2,multijail:2,th,m,a\x00b\n",
        3,
        "NUL byte at column 22",
    ),
    ("responses", "empty.csv", b"", None, "empty file: no header line"),
    (
        "labels",
        "unknown_label.csv",
        b"item,annotator,label\nr1,alice,safe\nr1,bob,unsafe\nr1,carol,harmful\n",
        4,
        "unknown label 'harmful' (this project's labels: safe, unsafe, invalid)",
    ),
    (
        "labels",
        "unknown_item.csv",
        b"item,annotator,label\nr1,alice,safe\nnope,alice,safe\n",
        3,
        "unknown item 'nope': no response with that id in the project (to create it from this "
        "file, give its text: --map text=COLUMN --map language=COLUMN)",
    ),
    (
        "labels",
        "bad_time.jsonl",
        b'{"item": "r1", "annotator": "a", "label": "safe"}\n'
        b'{"item": "r1", "annotator": "b", "label": "safe", "created_at": "yesterday"}\n',
        2,
        "'created_at' is not an ISO 8601 time: 'yesterday'",
    ),
    (
        "labels",
        "missing_column.csv",
        b"item,who,label\nr1,alice,safe\n",
        1,
        "missing required column 'annotator' (columns: item, who, label; "
        "use --map annotator=COLUMN)",
    ),
    (
        "multijail",
        "tags.csv",
        b"\xef\xbb\xbfid,source,tags,en,zh\n0,x,['a'],hello,\xe4\xbd\xa0\xe5\xa5\xbd\n"
        b"1,x,\"__import__('os')\",hi,\xe4\xbd\xa0\n",
        3,
        "tags \"__import__('os')\" is not a Python list literal (malformed node or string on "
        "line 1: <ast.Call object at",
    ),
    (
        "multijail",
        "no_tags_column.csv",
        b"id,source,en\n0,x,hello\n",
        1,
        "missing column 'tags': not a MultiJail file (expected columns "
        "id,source,tags,en,zh,it,vi,ar,ko,th,bn,sw,jv)",
    ),
    (
        "multijail",
        "empty_cell.csv",
        b"id,source,tags,en,zh\n0,x,['a'],hello,\n",
        2,
        "empty 'zh' text for id 0",
    ),
]


@pytest.fixture
def full_db(mj_db: Path, tmp_path: Path) -> Path:
    """MultiJail prompts, a response `r1` and a label on it: every table has rows."""
    path = tmp_path / "seed.jsonl"
    path.write_text(GOOD.replace("ok%d", "r1").replace("%d", "1"), encoding="utf-8")
    with Project.open(mj_db) as p:
        import_responses(p, path)
        p.labels.add(p.content.response_by_uid("r1").id, p.annotators.ensure("zed").id, "unsafe")
    return mj_db


def _snapshot(db: Path) -> tuple[dict, bytes]:
    return dump(db), db.read_bytes()


@pytest.mark.parametrize(
    ("importer", "name", "content", "line", "problem"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_broken_file_fails_with_one_line_and_changes_nothing(
    tmp_path: Path,
    full_db: Path,
    importer: str,
    name: str,
    content: bytes,
    line: int | None,
    problem: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = _snapshot(full_db)
    result = run_cli("import", importer, str(path), "--db", str(full_db))
    assert result.code == 1
    where = f"{path}:{line}" if line is not None else str(path)
    if importer == "multijail" and name == "tags.csv":  # the ast message names an address
        assert result.err.startswith(f"Error: {where}: {problem}")
    else:
        assert result.err == f"Error: {where}: {problem}\n"
    assert result.err.count("\n") == 1 and result.out == ""
    assert _snapshot(full_db) == before
    assert not path.with_name(name + ".rejects.jsonl").exists()


def test_broken_xsafety_files(tmp_path: Path, full_db: Path) -> None:
    tree = tmp_path / "xsafety"
    shutil.copytree(XSAFETY_SUBSET, tree)
    before = _snapshot(full_db)
    xlsx = tree / "bn" / "Insult_n.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 this is not a zip archive")
    result = run_cli("import", "xsafety", str(tree), "--db", str(full_db))
    assert result.code == 1
    assert result.err.startswith(f"Error: {xlsx}: not a readable .xlsx file (")
    assert result.err.count("\n") == 1
    assert _snapshot(full_db) == before

    shutil.copy(XSAFETY_SUBSET / "bn" / "Insult_n.xlsx", xlsx)
    latin = tree / "sp" / "Insult.csv"
    lines = latin.read_bytes().split(b"\r\n")
    lines[41] = "¿Qué pasa?".encode("latin-1")
    latin.write_bytes(b"\r\n".join(lines))
    result = run_cli("import", "xsafety", str(tree), "--db", str(full_db))
    assert result.code == 1
    assert result.err == (
        f"Error: {latin}:42: not UTF-8 text (byte 0xbf at column 1); save the file as UTF-8\n"
    )
    assert _snapshot(full_db) == before


def test_the_same_file_with_skip_bad_keeps_the_good_rows(tmp_path: Path, full_db: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(GOOD_ROWS + LATIN1_ROW)
    result = run_cli("import", "responses", str(path), "--skip-bad", "--db", str(full_db))
    assert result.code == 0, result.err
    assert "3 new" in result.out and "1 bad row written to" in result.out


@pytest.mark.parametrize("importer", ["responses", "labels", "multijail"])
def test_a_missing_file(tmp_path: Path, full_db: Path, importer: str) -> None:
    before = _snapshot(full_db)
    missing = tmp_path / "missing.jsonl"
    result = run_cli("import", importer, str(missing), "--db", str(full_db))
    assert result.code == 1 and result.err == f"Error: {missing}: no such file\n"
    assert _snapshot(full_db) == before
