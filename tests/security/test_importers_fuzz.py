"""Fuzzing every importer through the real CLI entry point.

Inputs are arbitrary bytes, and structured-but-wrong files: JSON Lines, Label Studio and Prodigy
exports and CSV with the right keys but wrong types, huge numbers, deep-ish nesting, control
characters, NULs and stray quotes. The only outcomes allowed: success (exit 0), or exit 1 with
ONE line `Error: ...` on stderr, no traceback, and the project's tables unchanged (a checksum).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from polyjudge.importers.response_rows import FIELDS
from polyjudge.store import Project

from tests.conftest import run_cli

TABLES = ("prompts", "responses", "labels", "annotators", "events")
FUZZ = settings(
    deadline=None, max_examples=60, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
MULTIJAIL_HEAD = "id,source,tags,en,zh\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small project (two prompts, a response `r1` with a label) and a folder for inputs."""
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "seed.db"
    with Project.create(db) as p:
        p.content.insert_prompts(
            [
                {"dataset": "multijail", "prompt_key": "1", "language": lang, "text": f"q {lang}"}
                for lang in ("en", "ar")
            ]
        )
        p.content.insert_responses([{"uid": "r1", "language": "ar", "text": "نعم", "model": "m"}])
        p.labels.add(p.content.response_by_uid("r1").id, p.annotators.ensure("zed").id, "unsafe")
    return folder


def checksum(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for table in TABLES:
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                digest.update(repr(row).encode("utf-8", "surrogatepass"))
            digest.update(b"|")
        return digest.hexdigest()
    finally:
        conn.close()


def check_import(workdir: Path, *args: str) -> None:
    """Run `polyjudge import ARGS` on a fresh copy of the seed project (so that what an earlier
    example imported cannot make this one "already present"): success, or one line, exit 1,
    and nothing changed."""
    db = workdir / "project.db"
    shutil.copyfile(workdir / "seed.db", db)
    before = checksum(db)
    result = run_cli("import", *args, "--db", str(db))
    assert result.code in (0, 1), (result.code, result.err)
    assert "Traceback" not in result.err and "Traceback" not in result.out
    if result.code == 1:
        assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
        assert checksum(db) == before


def write(workdir: Path, name: str, content: bytes) -> Path:
    path = workdir / name
    path.write_bytes(content)
    for reject in workdir.glob("*.rejects.jsonl"):
        reject.unlink()
    return path


# -- values that are wrong in every way a file can make them ---------------------------------------

CONTROL_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Lo", "Ll", "Nd", "Po")),
    max_size=40,
)
HUGE = st.sampled_from([10**30, -(10**30), 1e308, 2**63, -1, 0, 1e20, 0.5])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    HUGE,
    st.integers(),
    st.floats(allow_nan=True),
    CONTROL_TEXT,
    st.sampled_from(
        [
            "safe",
            "unsafe",
            "SAFE",
            "r1",
            "ar",
            "multijail:1",
            "1",
            "accept",
            "reject",
            "ignore",
            "2024-01-01T00:00:00Z",
            "",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["choices", "id", "text", "a"]), inner, max_size=3),
    ),
    max_leaves=8,
)
RESPONSE_KEYS = FIELDS  # every field a response row may have
LABEL_KEYS = (
    "item",
    "annotator",
    "label",
    "note",
    "unsure",
    "created_at",
    "time_ms",
    "uid",
    "text",
    "language",
)
PRODIGY_KEYS = (
    "id",
    "answer",
    "label",
    "accept",
    "options",
    "_task_hash",
    "_annotator_id",
    "_timestamp",
    "meta",
    "text",
)

VALID_RESPONSE = {"prompt_id": "multijail:1", "language": "ar", "model": "m", "response": "x"}
VALID_LABEL = {"item": "r1", "annotator": "a", "label": "safe"}
VALID_PRODIGY = {"id": "r1", "answer": "accept", "label": "safe", "_task_hash": 1}


def rows_of(keys: tuple[str, ...], valid: dict[str, Any]) -> st.SearchStrategy[list[dict]]:
    """Rows that are VALID with a few keys overridden by wrong values (so that the wrong value
    gets past the checks of the other fields), or any keys with any values."""
    wrong_value = st.one_of(HUGE, CONTROL_TEXT, VALUES)
    overridden = st.tuples(st.sampled_from(keys), wrong_value).map(
        lambda wrong: {**valid, wrong[0]: wrong[1]}
    )
    anything = st.dictionaries(st.sampled_from(keys), VALUES, max_size=len(keys))
    return st.lists(st.one_of(overridden, overridden, anything), min_size=1, max_size=4)


def jsonl(rows: list[Any]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(
        "utf-8", "surrogatepass"
    )


def csv_file(header: str, cells: list[list[str]]) -> bytes:
    lines = [header.rstrip("\n")] + [",".join(row) for row in cells]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


CSV_CELLS = st.lists(
    st.lists(
        st.one_of(
            CONTROL_TEXT,
            st.sampled_from(
                ['"', '""', '"a,b"', "r1", "safe", "ar", "multijail:1", "['x']", "[[[", "1e400"]
            ),
        ),
        max_size=6,
    ),
    min_size=1,
    max_size=4,
)


# -- the tests ------------------------------------------------------------------------------


@FUZZ
@given(
    content=st.binary(max_size=300),
    target=st.sampled_from(
        [
            ("responses", "r.jsonl"),
            ("responses", "r.csv"),
            ("labels", "l.csv"),
            ("labels", "l.jsonl"),
            ("labels", "l.json"),
            ("multijail", "m.csv"),
        ]
    ),
    skip_bad=st.booleans(),
)
@example(content=b"[" * 100_000, target=("responses", "r.jsonl"), skip_bad=False)
@example(content=b"[" * 100_000, target=("labels", "l.json"), skip_bad=False)
def test_arbitrary_bytes(
    workdir: Path, content: bytes, target: tuple[str, str], skip_bad: bool
) -> None:
    importer, name = target
    path = write(workdir, name, content)
    extra = ("--skip-bad",) if skip_bad and importer != "multijail" else ()
    check_import(workdir, importer, str(path), *extra)


@FUZZ
@given(
    prefix=st.sampled_from([b"[", b"{", b"\xef\xbb\xbf", b"\xff\xfe", b'{"answer": "accept",']),
    content=st.binary(max_size=200),
)
def test_arbitrary_bytes_after_a_telling_start(
    workdir: Path, prefix: bytes, content: bytes
) -> None:
    path = write(workdir, "sniffed.json", prefix + content)
    check_import(workdir, "labels", str(path), "--skip-bad")


@FUZZ
@given(rows=rows_of(RESPONSE_KEYS, VALID_RESPONSE), skip_bad=st.booleans(), model=st.booleans())
@example(rows=[{"a": [[[[0]]]]}], skip_bad=True, model=True)
def test_response_rows_with_wrong_types(
    workdir: Path, rows: list[dict[str, Any]], skip_bad: bool, model: bool
) -> None:
    path = write(workdir, "responses.jsonl", jsonl(rows))
    extra = (("--skip-bad",) if skip_bad else ()) + (("--model", "m") if model else ())
    check_import(workdir, "responses", str(path), *extra)


@FUZZ
@given(rows=rows_of(LABEL_KEYS, VALID_LABEL), skip_bad=st.booleans())
# Found by the tester, and generated here too: kept as explicit examples.
@example(rows=[{**VALID_LABEL, "time_ms": 10**30}], skip_bad=False)
@example(rows=[{**VALID_LABEL, "created_at": "9999-12-31T23:59:59-05:00"}], skip_bad=True)
def test_label_rows_with_wrong_types(
    workdir: Path, rows: list[dict[str, Any]], skip_bad: bool
) -> None:
    path = write(workdir, "labels.jsonl", jsonl(rows))
    check_import(
        workdir, "labels", str(path), "--format", "jsonl", *(("--skip-bad",) if skip_bad else ())
    )


@FUZZ
@given(rows=rows_of(PRODIGY_KEYS, VALID_PRODIGY), skip_bad=st.booleans())
@example(rows=[{**VALID_PRODIGY, "_timestamp": 1e20}], skip_bad=False)
def test_prodigy_tasks_with_wrong_types(
    workdir: Path, rows: list[dict[str, Any]], skip_bad: bool
) -> None:
    path = write(workdir, "prodigy.jsonl", jsonl(rows))
    check_import(
        workdir, "labels", str(path), "--format", "prodigy", *(("--skip-bad",) if skip_bad else ())
    )


ANNOTATION = st.fixed_dictionaries(
    {},
    optional={
        "id": VALUES,
        "completed_by": VALUES,
        "was_cancelled": VALUES,
        "lead_time": VALUES,
        "created_at": VALUES,
        "result": st.one_of(
            VALUES,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "type": st.sampled_from(["choices", "textarea", 3]),
                        "from_name": VALUES,
                        "value": st.one_of(
                            VALUES,
                            st.fixed_dictionaries({}, optional={"choices": VALUES, "text": VALUES}),
                        ),
                    },
                ),
                max_size=2,
            ),
        ),
    },
)
TASK = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "id": VALUES,
            "data": st.one_of(
                VALUES,
                st.fixed_dictionaries(
                    {}, optional={"uid": VALUES, "text": VALUES, "language": VALUES}
                ),
            ),
            "meta": VALUES,
            "annotations": st.one_of(VALUES, st.lists(ANNOTATION, max_size=2)),
            "label": VALUES,
            "annotator": VALUES,
        },
    ),
)


@FUZZ
@given(tasks=st.lists(TASK, max_size=4), skip_bad=st.booleans())
def test_label_studio_exports_with_wrong_shapes(
    workdir: Path, tasks: list[Any], skip_bad: bool
) -> None:
    path = write(
        workdir,
        "export.json",
        json.dumps(tasks, ensure_ascii=False).encode("utf-8", "surrogatepass"),
    )
    check_import(
        workdir,
        "labels",
        str(path),
        "--format",
        "label-studio",
        *(("--skip-bad",) if skip_bad else ()),
    )


@FUZZ
@given(
    cells=CSV_CELLS,
    kind=st.sampled_from(["responses", "labels", "multijail"]),
    skip_bad=st.booleans(),
)
def test_csv_with_the_right_header_and_wrong_cells(
    workdir: Path, cells: list[list[str]], kind: str, skip_bad: bool
) -> None:
    header = {
        "responses": "id,prompt_id,language,model,response\n",
        "labels": "item,annotator,label,time_ms,created_at,unsure\n",
        "multijail": MULTIJAIL_HEAD,
    }[kind]
    path = write(workdir, f"{kind}.csv", csv_file(header, cells))
    extra = ("--skip-bad",) if skip_bad and kind != "multijail" else ()
    check_import(workdir, kind, str(path), *extra)


@FUZZ
@given(
    content=st.one_of(st.binary(max_size=200), CSV_CELLS.map(lambda c: csv_file("", c))),
    name=st.sampled_from(["Insult_n.csv", "Insult.xlsx", "Insult.csv"]),
)
def test_xsafety_files_with_any_content(workdir: Path, content: bytes, name: str) -> None:
    tree = workdir / "xsafety"
    shutil.rmtree(tree, ignore_errors=True)
    folder = tree / ("en" if name.endswith("_n.csv") else "ar")
    folder.mkdir(parents=True)
    (folder / name).write_bytes(content)
    check_import(workdir, "xsafety", str(tree))
