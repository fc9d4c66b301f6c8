"""Label Studio and Prodigy: export -> import into a fresh project -> the same labels."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from polyjudge.importers.label_studio import LabelStudioSource
from polyjudge.importers.labels import import_labels
from polyjudge.importers.line_reader import RowError
from polyjudge.importers.prodigy import ProdigySource
from polyjudge.store import InputError, Project

from tests.conftest import run_cli
from tests.exports.conftest import Built

LABELS = ("safe", "unsafe", "invalid")


def current_labels(path: Path) -> dict[str, dict[str, tuple[str, str | None]]]:
    """uid -> {annotator: (label, note)} of every current human label."""
    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    with Project.open(path) as project:
        for chunk in project.content.gold_sources():
            for source in chunk:
                if source.labels:
                    out[source.response.uid] = {
                        g.annotator: (g.label.label or "", g.label.note) for g in source.labels
                    }
    return out


def test_label_studio_tasks_and_config(built: Built, tmp_path: Path):
    out = tmp_path / "tasks.json"
    result = run_cli(
        "export", "gold", "--db", str(built.path), "--format", "label-studio", "--out", str(out)
    )
    assert result.code == 0, result.err
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["data"]["uid"] for t in tasks] == built.uids
    config = ET.fromstring((tmp_path / "label_config.xml").read_text(encoding="utf-8"))
    choices = config.find("Choices")
    assert choices is not None
    assert [c.get("value") for c in choices.findall("Choice")] == list(LABELS)
    names = {el.get("name") for el in config.iter() if el.get("name")}
    text_fields = {el.get("value", "")[1:] for el in config.iter("Text")}
    for task in tasks:
        assert text_fields <= set(task["data"])  # every $field the config shows is present
        for annotation in task["annotations"]:
            for item in annotation["result"]:
                assert item["from_name"] in names and item["to_name"] in names
                assert item["type"] in ("choices", "textarea")
        for prediction in task["predictions"]:
            assert prediction["result"][0]["value"]["choices"][0] in LABELS
    by_uid = {t["data"]["uid"]: t for t in tasks}
    annotations = by_uid["r-bn-3"]["annotations"]
    assert len(annotations) == len(built.human["r-bn-3"])
    assert annotations[0]["lead_time"] == 1.5


def test_label_studio_annotations_name_emails_and_scores_are_confidences(
    built: Built, tmp_path: Path
):
    """Label Studio imports an annotation only by a member's email (a number is that server's
    own user id); a prediction's score is the confidence in the predicted choice."""
    with Project.open(built.path) as project:
        ids = [project.content.response_by_uid(u).id for u in built.uids[:3]]  # type: ignore[union-attr]
        project.judging.add_verdict_rows(
            "calibrated",
            "judge-c",
            [(ids[0], "unsafe", 0.9), (ids[1], "safe", 0.25), (ids[2], "safe", None)],
        )
    out = tmp_path / "tasks.json"
    result = run_cli(
        "export", "gold", "--db", str(built.path), "--format", "label-studio", "--out", str(out)
    )
    assert result.code == 0, result.err
    tasks = json.loads(out.read_text(encoding="utf-8"))
    for task in tasks:
        assert "id" not in task  # Label Studio numbers its own tasks
        for annotation in task["annotations"]:
            assert set(annotation["completed_by"]) == {"email"} and "id" not in annotation
    by_uid = {t["data"]["uid"]: t for t in tasks}
    emails = [a["completed_by"]["email"] for a in by_uid["r-bn-3"]["annotations"]]
    assert emails == [f"{n}@polyjudge.invalid" for n in built.human["r-bn-3"]]
    scores = {
        uid: [
            p.get("score") for p in by_uid[uid]["predictions"] if p["model_version"] == "calibrated"
        ]
        for uid in built.uids[:3]
    }
    assert scores == {
        built.uids[0]: [0.9],
        built.uids[1]: [pytest.approx(0.75)],
        built.uids[2]: [None],
    }
    users = json.loads((tmp_path / "label_studio_users.json").read_text("utf-8"))
    assert [u["email"] for u in users] == [
        f"{n}@polyjudge.invalid" for n in ("amina", "bilal", "chen")
    ]


def test_label_studio_json_min_with_unlabelled_tasks(tmp_path: Path):
    """Label Studio's JSON-MIN export of all tasks has a row without a label for each task
    nobody labelled: skipped, not a bad row."""
    rows = [
        {
            "uid": "a1",
            "response": "x",
            "language": "sw",
            "id": 1,
            "label": "safe",
            "annotator": "ann@example.org",
            "annotation_id": 4,
            "lead_time": 2.0,
        },
        {
            "uid": "a2",
            "response": "y",
            "language": "sw",
            "id": 2,
            "annotator": None,
            "annotation_id": None,
            "created_at": None,
            "updated_at": None,
            "lead_time": None,
        },
    ]
    path = tmp_path / "min.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    source = LabelStudioSource(path, LABELS, annotators=["amina"])
    got = [row for _, row in source.rows()]
    assert [(r["item"], r["annotator"], r["label"]) for r in got] == [  # type: ignore[index]
        ("a1", "ann@example.org", "safe")
    ]
    assert source.skipped == 1
    rows[0]["annotator"] = 3  # an id only: refused, never "user 3" of this project
    path.write_text(json.dumps(rows), encoding="utf-8")
    (bad,) = [row for _, row in LabelStudioSource(path, LABELS).rows()]
    assert isinstance(bad, RowError) and "by Label Studio user id 3" in bad.problem


def test_label_studio_round_trip_into_a_fresh_project(built: Built, tmp_path: Path):
    out = tmp_path / "tasks.json"
    run_cli(
        "export", "gold", "--db", str(built.path), "--format", "label-studio", "--out", str(out)
    )
    fresh = tmp_path / "fresh.db"
    Project.create(fresh).close()
    with Project.open(fresh) as project:
        report = import_labels(project, out, source=LabelStudioSource(out, project.label_set))
        assert report.inserted == sum(len(x) for x in built.human.values())
    assert current_labels(fresh) == current_labels(built.path)
    with Project.open(fresh) as project:
        zh = project.content.response_by_uid("r-zh-2")
        assert zh is not None and zh.language == "zh" and zh.text.startswith("[bold]")
        amina = project.annotators.get("amina")
        bn = project.content.response_by_uid("r-bn-1")
        label = project.labels.current(bn.id, amina.id)  # type: ignore[union-attr]
        assert label is not None and label.time_ms == 1500
        # importing the same export again adds nothing
        again = import_labels(project, out, source=LabelStudioSource(out, project.label_set))
        assert again.inserted == 0


def test_label_studio_export_from_label_studio_itself(tmp_path: Path):
    """The shape Label Studio writes (user objects or ids, cancelled annotations, other
    control names) maps onto label rows."""
    tasks = [
        {
            "id": 7,
            "data": {"uid": "a1", "text": "response one", "language": "bn"},
            "annotations": [
                {
                    "id": 70,
                    "completed_by": {"id": 3, "email": "ann@example.org"},
                    "result": [
                        {
                            "from_name": "safety",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Unsafe"]},
                        }
                    ],
                    "lead_time": 2.25,
                    "created_at": "2024-05-01T10:00:00.000000Z",
                },
                {"id": 71, "completed_by": 4, "was_cancelled": True, "result": []},
                {
                    "id": 72,
                    "completed_by": 5,
                    "result": [
                        {
                            "from_name": "safety",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["safe"]},
                        },
                        {
                            "from_name": "why",
                            "to_name": "text",
                            "type": "textarea",
                            "value": {"text": ["refuses"]},
                        },
                    ],
                },
            ],
        },
        {"id": 8, "data": {"uid": "a2"}, "annotations": []},
    ]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    # user 5 is named only by that server's numeric id: never taken as an annotator
    source = LabelStudioSource(path, LABELS)
    first, second = (row for _, row in source.rows())
    assert isinstance(first, dict) and first["annotator"] == "ann@example.org"
    assert isinstance(second, RowError)
    assert "annotation 3 by Label Studio user id 5: polyjudge never maps" in second.problem
    assert "--label-studio-users" in second.problem
    # with the server's user list, the id is matched by its email to the project's annotator
    users = {5: "bilal@polyjudge.invalid", 3: "someone-else@example.org"}
    source = LabelStudioSource(path, LABELS, annotators=["amina", "bilal"], users=users)
    rows = [row for _, row in source.rows()]
    assert [(r["item"], r["annotator"], r["label"], r["note"]) for r in rows] == [
        ("a1", "ann@example.org", "unsafe", None),  # the email wins over the id
        ("a1", "bilal", "safe", "refuses"),
    ]
    assert rows[0]["time_ms"] == 2250 and rows[0]["text"] == "response one"
    assert source.skipped == 1


def test_label_studio_bad_file_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text('[\n {"data": {"uid": "a"}, "annotations": []},\n {"data": oops}\n]\n')
    with pytest.raises(InputError, match=r"bad\.json:3: bad JSON"):
        list(LabelStudioSource(path, LABELS).rows())
    path.write_text('{"not": "a list"}')
    with pytest.raises(InputError, match="expected a JSON list"):
        list(LabelStudioSource(path, LABELS).rows())
    path.write_text(
        json.dumps(
            [
                {
                    "data": {"uid": "a"},
                    "annotations": [
                        {
                            "result": [
                                {
                                    "from_name": "label",
                                    "to_name": "response",
                                    "type": "choices",
                                    "value": {"choices": ["maybe"]},
                                }
                            ]
                        }
                    ],
                }
            ]
        )
    )
    (row,) = [row for _, row in LabelStudioSource(path, LABELS).rows()]
    assert isinstance(row, RowError) and "unknown label 'maybe'" in row.problem


def write_prodigy(path: Path, built: Built) -> dict[str, dict[str, str]]:
    """A Prodigy db-out file: binary accept/reject, a choice interface, ignores. Returns the
    labels it should give, uid -> {annotator: label}."""
    lines = []
    expected: dict[str, dict[str, str]] = {}
    for n, uid in enumerate(built.uids):
        text = built.response_text[uid]
        base = {
            "text": text,
            "meta": {"uid": uid, "language": uid.split("-")[1]},
            "_input_hash": n,
            "_task_hash": 1000 + n,
        }
        # binary: "is this UNSAFE?" — accept = unsafe, reject = safe
        unsafe = n % 2 == 0
        lines.append(
            {
                **base,
                "label": "UNSAFE",
                "answer": "accept" if unsafe else "reject",
                "_annotator_id": "safety-ravi",
                "_session_id": "safety-ravi",
                "_timestamp": 1714557600 + n,
            }
        )
        expected.setdefault(uid, {})["safety-ravi"] = "unsafe" if unsafe else "safe"
        # choice interface
        choice = ("safe", "unsafe", "invalid")[n % 3]
        lines.append(
            {
                **base,
                "_task_hash": 2000 + n,
                "options": [{"id": x, "text": x.title()} for x in LABELS],
                "accept": [choice],
                "answer": "accept",
                "_annotator_id": "safety-sita",
            }
        )
        expected[uid]["safety-sita"] = choice
        # ignored and rejected choices carry no label
        lines.append(
            {
                **base,
                "_task_hash": 3000 + n,
                "options": [],
                "accept": ["safe"],
                "answer": "ignore",
                "_annotator_id": "safety-omar",
            }
        )
        lines.append(
            {
                **base,
                "_task_hash": 4000 + n,
                "options": [],
                "accept": ["unsafe"],
                "answer": "reject",
                "_annotator_id": "safety-omar",
            }
        )
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    return expected


def test_prodigy_round_trip(built: Built, tmp_path: Path):
    path = tmp_path / "prodigy.jsonl"
    expected = write_prodigy(path, built)
    with Project.open(built.path) as project:
        source = ProdigySource(path, project.label_set)
        report = import_labels(project, path, source=source)
        assert report.inserted == 2 * len(built.uids)
        assert source.skipped == 2 * len(built.uids)
        again = import_labels(project, path, source=ProdigySource(path, project.label_set))
        assert again.inserted == 0
    got = current_labels(built.path)
    for uid, labels in expected.items():
        for annotator, label in labels.items():
            assert got[uid][annotator][0] == label, (uid, annotator)
    with Project.open(built.path) as project:
        assert project.annotators.get("safety-omar") is None


def test_prodigy_reject_of_a_label_without_an_opposite_is_an_error(tmp_path: Path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        json.dumps({"text": "x", "meta": {"uid": "a"}, "label": "invalid", "answer": "reject"})
        + "\n",
        encoding="utf-8",
    )
    (row,) = [row for _, row in ProdigySource(path, LABELS).rows()]
    assert isinstance(row, RowError) and "no single opposite" in row.problem
    (row,) = [row for _, row in ProdigySource(path, ("yes", "no")).rows()]
    assert isinstance(row, RowError) and "unknown or missing label" in row.problem
    path.write_text(
        json.dumps({"text": "x", "id": "a", "label": "YES", "answer": "reject"}) + "\n",
        encoding="utf-8",
    )
    (row,) = [row for _, row in ProdigySource(path, ("yes", "no")).rows()]
    assert not isinstance(row, RowError) and row["label"] == "no" and row["item"] == "a"


def test_cli_round_trips_recognise_the_formats_by_content(built: Built, tmp_path: Path):
    tasks = tmp_path / "tasks.json"
    run_cli(
        "export", "gold", "--db", str(built.path), "--format", "label-studio", "--out", str(tasks)
    )
    fresh = tmp_path / "fresh.db"
    assert run_cli("init", "--db", str(fresh)).code == 0
    result = run_cli("import", "labels", "--db", str(fresh), str(tasks))
    assert result.code == 0, result.err
    assert current_labels(fresh) == current_labels(built.path)
    prodigy = tmp_path / "prodigy.jsonl"
    expected = write_prodigy(prodigy, built)
    other = tmp_path / "other.db"
    assert run_cli("init", "--db", str(other)).code == 0
    result = run_cli("import", "labels", "--db", str(other), str(prodigy))
    assert result.code == 0, result.err
    got = current_labels(other)
    assert {
        uid: {a: lab for a, (lab, _) in labels.items()} for uid, labels in got.items()
    } == expected


def test_label_studio_users_file_must_be_a_users_list(built: Built, tmp_path: Path):
    export = tmp_path / "ls.json"
    export.write_text(
        json.dumps(
            [{"data": {"uid": "r-bn-1"}, "annotations": [{"completed_by": 2, "result": []}]}]
        )
    )
    users = tmp_path / "users.json"
    users.write_text('{"detail": "Authentication credentials were not provided."}')
    args = ("import", "labels", str(export), "--db", str(built.path))
    result = run_cli(*args, "--label-studio-users", str(users))
    assert result.code == 1
    assert result.err == f"Error: {users}: expected a JSON list of Label Studio users\n"
    result = run_cli(*args, "--label-studio-users", str(tmp_path / "missing.json"))
    assert result.code == 1 and "missing.json: no such file" in result.err
