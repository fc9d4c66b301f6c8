"""`import labels`: existing human labels, items created from their text, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.importers.common import BadRow
from polyjudge.importers.labels import import_labels, label_uid, parse_time
from polyjudge.importers.responses import import_responses
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.importers.conftest import dump


@pytest.fixture
def labelled_db(mj_db: Path, tmp_path: Path) -> Path:
    """MultiJail prompts and three responses r1..r3 (Arabic, Thai, Chinese)."""
    path = tmp_path / "responses.jsonl"
    rows = [("r1", "ar", "لا"), ("r2", "th", "ไม่"), ("r3", "zh", "不")]
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": uid,
                    "prompt_id": "multijail:7",
                    "language": lang,
                    "model": "m",
                    "response": text,
                },
                ensure_ascii=False,
            )
            + "\n"
            for uid, lang, text in rows
        ),
        encoding="utf-8",
    )
    with Project.open(mj_db) as p:
        import_responses(p, path)
    return mj_db


def current(p: Project, item: str) -> dict[str, str]:
    response = p.content.response_by_uid(item)
    return {
        p.annotators.by_id(x.annotator_id).name: x.label for x in p.labels.current_for(response.id)
    }


def test_csv_labels_with_notes_unsure_and_times(tmp_path: Path, labelled_db: Path) -> None:
    path = tmp_path / "round1.csv"
    path.write_text(
        "item,annotator,label,note,unsure,created_at\n"
        "r1,alice,safe,,0,2024-05-01T10:00:00Z\n"
        'r1,bob,unsafe,"ambiguous, see rule 3",yes,2024-05-01T11:00:00+02:00\n'
        "r2,alice,INVALID,,,\n"
        "r1,alice,unsafe,changed my mind,false,2024-05-02T09:00:00Z\n",
        encoding="utf-8",
    )
    result = run_cli("import", "labels", str(path), "--db", str(labelled_db))
    assert result.code == 0, result.err
    assert result.out == f"{path}: 4 labels (4 new, 0 already present)\n"
    with Project.open(labelled_db) as p:
        assert current(p, "r1") == {"alice": "unsafe", "bob": "unsafe"}
        assert current(p, "r2") == {"alice": "invalid"}  # matched ignoring case
        history = p.labels.history(p.content.response_by_uid("r1").id, p.annotators.get("alice").id)
        assert [x.label for x in history] == ["safe", "unsafe"]
        assert history[1].supersedes == history[0].id
        assert history[0].created_at == "2024-05-01T10:00:00.000Z"
        bob = p.labels.history(p.content.response_by_uid("r1").id, p.annotators.get("bob").id)[0]
        assert bob.note == "ambiguous, see rule 3" and bob.unsure == 1
        assert bob.created_at == "2024-05-01T09:00:00.000Z" and bob.source == "import"


def test_reimport_adds_nothing(tmp_path: Path, labelled_db: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text(
        '{"item": "r1", "annotator": "a", "label": "safe"}\n'
        '{"item": "r2", "annotator": "a", "label": "unsafe", "note": "ناقص"}\n',
        encoding="utf-8",
    )
    assert run_cli("import", "labels", str(path), "--db", str(labelled_db)).code == 0
    before = dump(labelled_db)
    again = run_cli("import", "labels", str(path), "--db", str(labelled_db))
    assert again.code == 0 and again.out == f"{path}: 2 labels (0 new, 2 already present)\n"
    after = dump(labelled_db)
    assert after["labels"] == before["labels"] and after["annotators"] == before["annotators"]


def test_items_are_created_from_the_file_text(tmp_path: Path, labelled_db: Path) -> None:
    path = tmp_path / "external.csv"
    path.write_text(
        "uid,rater,verdict,answer,lang,question\n"
        "ext-1,dana,unsafe,হ্যাঁ অবশ্যই,bn,multijail:30\n"
        "ext-1,eli,safe,,,\n"
        "ext-2,dana,safe,Habari,sw,\n",
        encoding="utf-8",
    )
    result = run_cli(
        "import",
        "labels",
        str(path),
        "--map",
        "item=uid,annotator=rater,label=verdict",
        "--map",
        "text=answer",
        "--map",
        "language=lang",
        "--map",
        "prompt_id=question",
        "--db",
        str(labelled_db),
    )
    assert result.code == 0, result.err
    assert "2 new responses created from the file's text" in result.out
    with Project.open(labelled_db) as p:
        ext1 = p.content.response_by_uid("ext-1")
        assert ext1.text == "হ্যাঁ অবশ্যই" and ext1.language == "bn"
        assert p.content.prompt(ext1.prompt_id).prompt_key == "30"
        assert current(p, "ext-1") == {"dana": "unsafe", "eli": "safe"}
        ext2 = p.content.response_by_uid("ext-2")
        assert ext2.prompt_id is None and ext2.model is None


def test_skip_bad_labels(tmp_path: Path, labelled_db: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(
        "item,annotator,label\nr1,a,safe\nr1,b,maybe\nr9,a,safe\nr3,,safe\n", encoding="utf-8"
    )
    result = run_cli("import", "labels", str(path), "--skip-bad", "--db", str(labelled_db))
    assert result.code == 0, result.err
    assert "1 new" in result.out and "3 bad rows" in result.out
    rejects = [
        json.loads(x) for x in path.with_name("l.csv.rejects.jsonl").read_text("utf-8").splitlines()
    ]
    assert [(r["line"], r["problem"].split(" (")[0]) for r in rejects] == [
        (3, "unknown label 'maybe'"),
        (4, "unknown item 'r9': no response with that id in the project"),
        (5, "missing annotator"),
    ]


def test_label_set_of_the_project_decides(tmp_path: Path) -> None:
    db = tmp_path / "yn.db"
    assert run_cli("init", "--labels", "yes,no", "--db", str(db)).code == 0
    path = tmp_path / "l.jsonl"
    path.write_text(
        '{"item": "x", "annotator": "a", "label": "yes", "text": "ok", "language": "en"}\n'
        '{"item": "x", "annotator": "b", "label": "safe"}\n',
        encoding="utf-8",
    )
    result = run_cli("import", "labels", str(path), "--db", str(db))
    assert result.code == 1
    assert result.err == f"Error: {path}:2: unknown label 'safe' (this project's labels: yes, no)\n"
    with Project.open(db) as p:
        assert p.content.count("labels") == 0 and p.content.count("responses") == 0


def test_uid_depends_on_what_the_row_says() -> None:
    a = label_uid("r1", "alice", "safe", None, False, None)
    assert a == label_uid("r1", "alice", "safe", None, False, None)
    assert a != label_uid("r1", "alice", "safe", "note", False, None)
    assert a != label_uid("r1", "alice", "safe", None, True, None)
    assert a != label_uid("r1", "alice", "safe", None, False, "2024-01-01T00:00:00.000Z")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000Z"),
        ("2024-05-01 10:00:00", "2024-05-01T10:00:00.000Z"),
        ("2024-05-01T12:00:00.5+02:00", "2024-05-01T10:00:00.500Z"),
        (0, "1970-01-01T00:00:00.000Z"),
    ],
)
def test_parse_time(value: object, expected: str) -> None:
    assert parse_time(value, "created_at") == expected


def test_parse_time_refuses_nonsense() -> None:
    with pytest.raises(BadRow):
        parse_time("next tuesday", "created_at")


def test_import_labels_function_with_a_row_source(labelled_db: Path, tmp_path: Path) -> None:
    """Other formats (Label Studio, Prodigy) hand over rows with the same field names."""

    class Rows:
        path = tmp_path / "tool-export.json"
        columns = ("item", "annotator", "label", "uid", "time_ms")
        blank = 0
        size = bytes_read = 0

        def rows(self):
            yield (
                1,
                {
                    "item": "r3",
                    "annotator": "tool:7",
                    "label": "unsafe",
                    "uid": "ls:1:1",
                    "time_ms": 5400,
                },
            )

    with Project.open(labelled_db) as p:
        report = import_labels(p, Rows.path, source=Rows())
        assert report.inserted == 1
        again = import_labels(p, Rows.path, source=Rows())
        assert again.inserted == 0 and again.existing == 1
        row = p.labels.history(p.content.response_by_uid("r3").id)[0]
        assert row.uid == "ls:1:1" and row.time_ms == 5400
