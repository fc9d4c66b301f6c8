"""Hostile and broken input files: each is refused with ONE line naming the file (and the line,
where there is one), exit code 1, and the project left exactly as it was; nothing hangs, nothing
reads forever, nothing ends in a traceback.

Things a file can be instead of a regular file (a FIFO, a device, a socket, a directory) are
refused before they are opened. The FIFO and /dev/zero cases run the real command in a
subprocess with a timeout and a 2 GiB address-space limit, so that a regression fails instead of
hanging the test run or eating the machine's memory."""

from __future__ import annotations

import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from polyjudge.demo import data_file
from polyjudge.importers.line_reader import MAX_LINE_BYTES
from polyjudge.importers.multijail import import_multijail
from polyjudge.importers.response_rows import response_uid
from polyjudge.importers.responses import import_responses
from polyjudge.store import Project

from tests.conftest import run_cli

RESPONSE = {"prompt_id": "multijail:1", "language": "ar", "model": "m", "response": "نعم"}
DEEP = 100_000


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read through a fresh read-only connection."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MultiJail prompts, a response `r1` and a label on it: every table the imports touch."""
    folder = tmp_path_factory.mktemp("seed")
    db = folder / "seed.db"
    seed = folder / "seed.jsonl"
    seed.write_text(json.dumps({**RESPONSE, "id": "r1"}, ensure_ascii=False) + "\n", "utf-8")
    with Project.create(db) as p:
        import_multijail(p, data_file("MultiJail.csv"))
        import_responses(p, seed)
        p.labels.add(p.content.response_by_uid("r1").id, p.annotators.ensure("zed").id, "unsafe")
    return db


@pytest.fixture
def db(seed_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project.db"
    copy.write_bytes(seed_db.read_bytes())
    return copy


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def run_limited(*args: str) -> tuple[int, str, str]:
    """`python -m polyjudge ARGS` in a subprocess with a timeout and a memory limit."""
    done = subprocess.run(
        [sys.executable, "-m", "polyjudge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    return done.returncode, done.stdout, done.stderr


def refused(db: Path, *args: str, where: str, problem: str, isolated: bool = False) -> None:
    """`polyjudge import ARGS` fails with exactly `Error: WHERE: PROBLEM`, changing nothing.
    `isolated` runs it in a subprocess with a timeout and a memory limit."""
    before = dump(db), db.read_bytes()
    if isolated:
        code, out, err = run_limited("import", *args, "--db", str(db))
    else:
        result = run_cli("import", *args, "--db", str(db))
        code, out, err = result.code, result.out, result.err
    assert (code, out, err) == (1, "", f"Error: {where}: {problem}\n")
    assert (dump(db), db.read_bytes()) == before


# -- not a regular file ---------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    yield path


@pytest.mark.parametrize("importer", ["responses", "labels", "multijail"])
def test_a_fifo_is_refused_without_hanging(db: Path, fifo: Path, importer: str) -> None:
    refused(
        db,
        importer,
        str(fifo),
        where=str(fifo),
        problem="is a named pipe (FIFO), not a regular file",
        isolated=True,
    )


@pytest.mark.parametrize("importer", ["responses", "labels", "multijail"])
def test_dev_zero_is_refused_without_reading_it(db: Path, importer: str) -> None:
    refused(
        db,
        importer,
        "/dev/zero",
        where="/dev/zero",
        problem="is a character device, not a regular file",
        isolated=True,
    )


@pytest.mark.parametrize("fmt", ["auto", "label-studio", "prodigy", "csv"])
def test_dev_zero_as_labels_in_every_format(db: Path, fmt: str) -> None:
    refused(
        db,
        "labels",
        "/dev/zero",
        "--format",
        fmt,
        where="/dev/zero",
        problem="is a character device, not a regular file",
        isolated=True,
    )


def test_a_socket_is_refused(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        refused(
            db, "responses", str(path), where=str(path), problem="is a socket, not a regular file"
        )
    finally:
        server.close()


@pytest.mark.parametrize("importer", ["multijail", "responses", "labels"])
def test_a_directory_is_one_line(db: Path, tmp_path: Path, importer: str) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    refused(db, importer, str(folder), where=str(folder), problem="is a directory, not a file")


def test_a_fifo_inside_the_xsafety_tree(db: Path, tmp_path: Path) -> None:
    tree = tmp_path / "xsafety"
    (tree / "en").mkdir(parents=True)
    pipe = tree / "en" / "Insult_n.csv"
    os.mkfifo(pipe)
    refused(
        db,
        "xsafety",
        str(tree),
        where=str(pipe),
        problem="is a named pipe (FIFO), not a regular file",
        isolated=True,
    )


def test_a_fifo_as_the_reject_file(db: Path, tmp_path: Path, fifo: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(RESPONSE, ensure_ascii=False) + "\n{bad\n", "utf-8")
    refused(
        db,
        "responses",
        str(path),
        "--skip-bad",
        "--reject-file",
        str(fifo),
        where=str(fifo),
        problem="the reject file must be a regular file",
        isolated=True,
    )


# -- content that broke the parsers ---------------------------------------------------------------


def test_deeply_nested_json_lines(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    good = json.dumps(RESPONSE, ensure_ascii=False)
    path.write_text(f"{good}\n{'[' * DEEP}{']' * DEEP}\n", "utf-8")
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:2",
        problem="JSON nested more than 200 levels deep",
    )


def test_nesting_that_json_parses_but_is_still_too_deep(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    row = {**RESPONSE, "category": None}
    text = json.dumps(row, ensure_ascii=False).replace("null", "[" * 500 + "]" * 500)
    path.write_text(text + "\n", "utf-8")
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:1",
        problem="JSON nested more than 200 levels deep",
    )


def test_deeply_nested_label_studio_export(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('[\n  {"data": {"uid": "r1"}},\n  ' + "[" * DEEP + "]" * DEEP + "\n]\n")
    refused(
        db, "labels", str(path), where=f"{path}:3", problem="JSON nested more than 200 levels deep"
    )


def test_deeply_nested_prodigy_export(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "prodigy.jsonl"
    first = {"id": "r1", "answer": "accept", "label": "safe", "_task_hash": 1}
    path.write_text(json.dumps(first) + "\n" + "{" * 1 + '"a":' + "[" * DEEP + "\n")
    refused(
        db, "labels", str(path), where=f"{path}:2", problem="JSON nested more than 200 levels deep"
    )


def test_a_prodigy_timestamp_no_date_can_have(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "prodigy.jsonl"
    rows = [
        {
            "id": "r1",
            "answer": "accept",
            "label": "safe",
            "_task_hash": 1,
            "_timestamp": 1_700_000_000,
        },
        {"id": "r1", "answer": "accept", "label": "safe", "_task_hash": 2, "_timestamp": 1e20},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:2",
        problem="`_timestamp` 1e+20 is not a time (Unix seconds)",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1e400", "'time_ms' must be a whole number, found inf"),
        (
            "1" + "0" * 30,
            "'time_ms' is 1,000,000,000,000,000,000,000,000,000,000 ms, more than a year",
        ),
    ],
)
def test_huge_and_wrong_numbers_in_labels(
    db: Path, tmp_path: Path, value: str, problem: str
) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(
        '{"item": "r1", "annotator": "a", "label": "safe", "time_ms": 5}\n'
        f'{{"item": "r1", "annotator": "b", "label": "safe", "time_ms": {value}}}\n'
    )
    refused(db, "labels", str(path), where=f"{path}:2", problem=problem)


def test_a_time_past_the_last_date(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("item,annotator,label,created_at\nr1,a,safe,9999-12-31T23:59:59-05:00\n")
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:2",
        problem="'created_at' is not an ISO 8601 time: '9999-12-31T23:59:59-05:00'",
    )


def test_label_studio_shapes_that_are_not_lists(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    tasks = [{"id": 1, "data": {"uid": "r1"}, "annotations": 7}]
    path.write_text(json.dumps(tasks))
    refused(db, "labels", str(path), where=f"{path}:1", problem="task `annotations` is not a list")
    tasks = [{"id": 1, "data": {"uid": "r1"}, "annotations": [{"id": 2, "result": "x"}]}]
    path.write_text(json.dumps(tasks))
    refused(db, "labels", str(path), where=f"{path}:1", problem="annotation `result` is not a list")


def test_label_studio_infinite_lead_time_is_no_time(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    result_ = [{"type": "choices", "from_name": "label", "value": {"choices": ["safe"]}}]
    path.write_text(
        '[{"id": 1, "data": {"uid": "r1"}, "annotations": [{"id": 2, "lead_time": '
        'Infinity, "completed_by": {"id": 1, "email": "ann@example.org"}, "result": '
        + json.dumps(result_)
        + "}]}]"
    )
    result = run_cli("import", "labels", str(path), "--db", str(db))
    assert result.code == 0, result.err
    with Project.open(db) as p:
        label = p.labels.history(
            p.content.response_by_uid("r1").id, p.annotators.get("ann@example.org").id
        )
        assert label[0].time_ms is None


def test_label_studio_export_not_utf8_names_the_line(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b'[\n {"data": {"uid": "r1", "text": "caf\xe9"}}\n]\n')
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:2",
        problem="not UTF-8 text (byte 0xe9 at column 37); save the file as UTF-8",
    )


def test_a_json_array_given_as_json_lines(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "responses.json"
    path.write_text("[\n" + json.dumps(RESPONSE) + "\n]\n")
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:1",
        problem="a JSON array, not JSON Lines (one JSON object per line)",
    )


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_a_line_longer_than_the_limit(db: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"huge.{suffix}"
    head = (
        json.dumps(RESPONSE) + "\n"
        if suffix == "jsonl"
        else "prompt_id,language,model,response\nmultijail:1,ar,m,x\n"
    )
    with path.open("wb") as f:
        f.write(head.encode())
        f.write(b"x" * (MAX_LINE_BYTES + 10))
    line = 2 if suffix == "jsonl" else 3
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:{line}",
        problem="a line longer than 64 MiB (the limit for one line; is this a text file?)",
    )


# -- uid reuse inside one file --------------------------------------------------------------------


def test_a_label_uid_used_twice_in_one_file(db: Path, tmp_path: Path) -> None:
    # A uid from an earlier import is "already present", as before: re-importing adds nothing.
    path = tmp_path / "labels.csv"
    path.write_text("item,annotator,label,uid\nr1,a,safe,u1\nr1,b,unsafe,u2\n")
    first = run_cli("import", "labels", str(path), "--db", str(db))
    assert first.code == 0 and first.out == f"{path}: 2 labels (2 new, 0 already present)\n"
    again = run_cli("import", "labels", str(path), "--db", str(db))
    assert again.code == 0 and again.out == f"{path}: 2 labels (0 new, 2 already present)\n"
    # Inside one file it is an error naming both lines, even when the uid is already present.
    path.write_text("item,annotator,label,uid\nr1,a,safe,u1\nr1,b,safe,u3\nr1,c,unsafe,u1\n")
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:4",
        problem="uid 'u1' is used twice in this file: on line 2 and on line 4",
    )


def test_the_same_label_twice_in_one_file(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("item,annotator,label\nr1,a,safe\nr1,b,safe\nr1,a,safe\n")
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:4",
        problem="line 4 repeats the label on line 2 (the same item, annotator, label, note, "
        "unsure and created_at)",
    )


def test_a_prodigy_task_answered_twice(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "prodigy.jsonl"
    row = {"id": "r1", "answer": "accept", "label": "safe", "_task_hash": 7, "_annotator_id": "ann"}
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "label": "unsafe"}) + "\n")
    refused(
        db,
        "labels",
        str(path),
        where=f"{path}:2",
        problem="uid 'prodigy:7:ann' is used twice in this file: on line 1 and on line 2",
    )


def test_a_response_id_used_twice_in_one_file(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    rows = [{**RESPONSE, "id": "r1"}, {**RESPONSE, "id": "x0"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = run_cli("import", "responses", str(path), "--db", str(db))
    assert result.code == 0 and result.out == f"{path}: 2 responses (1 new, 1 already present)\n"
    rows = [{**RESPONSE, "id": "x1"}, {**RESPONSE, "id": "x2"}, {**RESPONSE, "id": "x1"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:3",
        problem="id 'x1' is used twice in this file: on line 1 and on line 3",
    )
    rows[2]["response"] = "another text"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:3",
        problem="id 'x1' is used twice in this file: on line 1 and on line 3",
    )


def test_a_response_id_reused_in_a_later_chunk(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("polyjudge.importers.responses.CHUNK_ROWS", 2)
    path = tmp_path / "responses.jsonl"
    rows = [{**RESPONSE, "response": f"text {i}"} for i in range(5)] + [
        {**RESPONSE, "response": "text 1"}
    ]  # no id: the same hash as line 2
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    with Project.open(db) as p:
        uid = response_uid("m", "multijail:1", "text 1", "ar")
        assert p.content.response_by_uid(uid) is None
    refused(
        db,
        "responses",
        str(path),
        where=f"{path}:6",
        problem=f"id '{uid}' is used twice in this file: on line 2 and on line 6",
    )


# -- --skip-bad with nothing good -----------------------------------------------------------------


@pytest.mark.parametrize("importer", ["responses", "labels"])
def test_skip_bad_with_every_row_bad_fails(db: Path, tmp_path: Path, importer: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{not json\n[1]\n"text"\n')
    rejects = tmp_path / "bad.jsonl.rejects.jsonl"
    refused(
        db,
        importer,
        str(path),
        "--skip-bad",
        where=str(path),
        problem=f"nothing imported: all 3 rows are bad (written to {rejects})",
    )
    assert [json.loads(x)["line"] for x in rejects.read_text().splitlines()] == [1, 2, 3]
    # One row already present and one bad: not a failure (nothing was lost).
    path.write_text(json.dumps({**RESPONSE, "id": "r1"}, ensure_ascii=False) + "\n{bad\n")
    if importer == "responses":
        result = run_cli("import", importer, str(path), "--skip-bad", "--db", str(db))
        assert result.code == 0, result.err
        assert "0 new, 1 already present, 1 bad row written to" in result.out
