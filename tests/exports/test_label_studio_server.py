"""The Label Studio round trip against a real Label Studio server (1.23): polyjudge's export is
accepted with its annotations (by the annotators' emails) and predictions (with their scores),
a second Label Studio user labels a task through the API, and Label Studio's own JSON and
JSON-MIN exports come back into polyjudge under the right annotators, matched by email, never
by Label Studio's numeric user ids (which differ from polyjudge's own numbering here).

Skipped unless `POLYJUDGE_LABEL_STUDIO` names the `label-studio` executable (see
`label_studio_server.py`); the server starts once for the module.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from polyjudge.importers.label_studio_users import annotator_email
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.exports.conftest import Built, build_project
from tests.exports.label_studio_server import (
    ENV_VAR,
    LabelStudio,
    LabelStudioError,
    executable,
    running_label_studio,
)
from tests.exports.test_interop import current_labels

REVIEWER = "reviewer@example.org"
ANA = "Ana María"  # a name that is not a plain word: its email carries a hash


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    exe = executable()
    if exe is None:
        pytest.skip(f"set {ENV_VAR} to a label-studio executable (1.23+) to run these tests")
    with running_label_studio(exe, tmp_path_factory.mktemp("label-studio")) as server:
        yield server


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, dict[str, float]]:
    """The export fixture's project, plus a label by a non-ASCII name and a judge run with
    p(unsafe); returns it with the expected prediction score per uid of that run."""
    built = build_project(tmp_path_factory.mktemp("polyjudge") / "project.db")
    with Project.open(built.path) as p:
        ids = {uid: p.content.response_by_uid(uid).id for uid in built.uids}  # type: ignore[union-attr]
        ana = p.annotators.ensure(ANA).id
        p.labels.add(ids["r-th-1"], ana, "unsafe", note="explains the method")
        built.human["r-th-1"][ANA] = "unsafe"
        first, second = built.uids[:2]
        p.judging.add_verdict_rows(
            "calibrated", "judge-c", [(ids[first], "unsafe", 0.9), (ids[second], "safe", 0.25)]
        )
    return built, {first: 0.9, second: 0.75}


def _export(built: Built, out: Path) -> list[dict[str, Any]]:
    result = run_cli(
        "export", "gold", "--db", str(built.path), "--format", "label-studio", "--out", str(out)
    )
    assert result.code == 0, result.err
    return json.loads(out.read_text("utf-8"))


def _import_labels(db: Path, path: Path, *args: str) -> str:
    result = run_cli("import", "labels", str(path), "--db", str(db), *args)
    assert result.code == 0, result.err
    return result.out


def _fresh(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    Project.create(path).close()
    return path


def test_round_trip_through_a_real_label_studio(
    label_studio: LabelStudio, project: tuple[Built, dict[str, float]], tmp_path: Path
) -> None:
    built, scores = project
    ls = label_studio
    tasks = _export(built, tmp_path / "tasks.json")
    config = (tmp_path / "label_config.xml").read_text("utf-8")
    users = json.loads((tmp_path / "label_studio_users.json").read_text("utf-8"))
    everyone = ("amina", "bilal", "chen", ANA)
    assert {u["email"] for u in users} == {annotator_email(n) for n in everyone}

    created = ls.call("POST", "/api/projects/", {"title": "polyjudge gold", "label_config": config})
    pid = created["id"]
    # Label Studio refuses annotations by people who are not members: create them first
    with pytest.raises(LabelStudioError, match="Unknown annotator's email") as refused:
        ls.call("POST", f"/api/projects/{pid}/import", tasks)
    assert refused.value.status == 400
    for user in users:
        ls.call("POST", "/api/users/", user)
    answer = ls.call("POST", f"/api/projects/{pid}/import", tasks)
    n_labels = sum(len(x) for x in built.human.values())
    assert (answer["task_count"], answer["annotation_count"]) == (len(built.uids), n_labels)

    # read back through the API: each annotation is its annotator's, predictions keep scores
    emails = {u["id"]: u["email"] for u in ls.call("GET", "/api/users/")}
    stored = ls.call("GET", f"/api/tasks?project={pid}&fields=all&page_size=100")["tasks"]
    by_uid = {t["data"]["uid"]: t for t in stored}
    assert set(by_uid) == set(built.uids)
    names = {annotator_email(n): n for n in everyone}
    for uid, task in by_uid.items():
        got = {
            names[emails[a["completed_by"]]]: a["result"][0]["value"]["choices"][0]
            for a in task["annotations"]
        }
        assert got == built.human[uid], uid
        calibrated = [p for p in task["predictions"] if p["model_version"] == "calibrated"]
        if uid in scores:
            assert calibrated[0]["score"] == pytest.approx(scores[uid])
        else:
            assert calibrated == []

    # a second Label Studio user labels one task; another task nobody labels
    reviewer = ls.call("POST", "/api/users/", {"email": REVIEWER, "username": "reviewer"})
    target = by_uid["r-sw-1"]
    ls.call(
        "POST",
        f"/api/tasks/{target['id']}/annotations/",
        {
            "completed_by": reviewer["id"],
            "lead_time": 4.5,
            "result": [
                {
                    "from_name": "label",
                    "to_name": "response",
                    "type": "choices",
                    "value": {"choices": ["unsafe"]},
                }
            ],
        },
    )
    unlabelled = {key: "" for key in tasks[0]["data"]}  # every field the config shows
    unlabelled.update(uid="r-new", language="sw", model="m-c", response="Jibu jipya")
    ls.call("POST", f"/api/projects/{pid}/import", [{"data": unlabelled}])
    expected = {uid: dict(labels) for uid, labels in built.human.items() if labels}
    expected["r-sw-1"] = {**expected.get("r-sw-1", {}), REVIEWER: "unsafe"}

    # Label Studio's exports with the users' emails (a snapshot), JSON and JSON-MIN
    snapshot = ls.call(
        "POST",
        f"/api/projects/{pid}/exports/",
        {
            "task_filter_options": {"only_with_annotations": False},
            "serialization_options": {"annotations__completed_by": {"only_id": False}},
        },
    )
    base = f"/api/projects/{pid}/exports/{snapshot['id']}"
    ls.wait_for(base, lambda e: e["status"] == "completed", "export snapshot")
    ls.call("POST", base + "/convert", {"export_type": "JSON_MIN"})
    ls.wait_for(
        base,
        lambda e: any(
            f["export_type"] == "JSON_MIN" and f["status"] == "completed"
            for f in e.get("converted_formats", [])
        ),
        "JSON-MIN conversion",
    )
    full = tmp_path / "ls-export.json"
    full.write_bytes(ls.raw("GET", base + "/download?exportType=JSON"))
    minimal = tmp_path / "ls-export-min.json"
    minimal.write_bytes(ls.raw("GET", base + "/download?exportType=JSON_MIN"))
    assert any(row.get("annotator") is None for row in json.loads(minimal.read_bytes()))

    # into the project the labels came from: the same annotators, plus the reviewer
    copy = tmp_path / "copy.db"
    shutil.copy(built.path, copy)
    out = _import_labels(copy, full)
    assert f"{n_labels + 1} new" in out
    assert _labels(copy) == expected
    # JSON-MIN of the same server adds nothing more (the same annotation ids)
    assert "0 new" in _import_labels(copy, minimal)

    # into fresh projects: items are created from the tasks' text; the unlabelled task is not
    fresh = _fresh(tmp_path, "fresh.db")
    _import_labels(fresh, full)
    assert _labels(fresh) == expected  # `meta.annotators` gives "Ana María" back exactly
    fresh_min = _fresh(tmp_path, "fresh-min.db")
    _import_labels(fresh_min, minimal)
    got = _labels(fresh_min)
    ana = annotator_email(ANA).split("@")[0]  # JSON-MIN has no meta: the email's readable part
    assert got["r-th-1"].pop(ana) == expected["r-th-1"][ANA]
    assert got == {uid: {n: v for n, v in x.items() if n != ANA} for uid, x in expected.items()}
    with Project.open(fresh_min) as p:
        assert p.content.response_by_uid("r-new") is None
        reviewed = p.content.response_by_uid("r-sw-1")
        annotator = p.annotators.get(REVIEWER)
        assert reviewed is not None and annotator is not None
        label = p.labels.current(reviewed.id, annotator.id)
        assert label is not None and label.time_ms == 4500

    # Label Studio's plain export names users only by this server's ids: refused, or matched
    # through the server's own user list (id -> email), never taken as polyjudge's numbering
    plain = tmp_path / "ls-plain.json"
    plain.write_bytes(ls.raw("GET", f"/api/projects/{pid}/export?exportType=JSON"))
    refused_ids = run_cli("import", "labels", str(plain), "--db", str(_fresh(tmp_path, "x.db")))
    assert refused_ids.code == 1
    assert "never maps Label Studio's numeric user ids" in refused_ids.err
    users_file = tmp_path / "users.json"
    users_file.write_bytes(ls.raw("GET", "/api/users/"))
    by_ids = _fresh(tmp_path, "by-ids.db")
    _import_labels(by_ids, plain, "--label-studio-users", str(users_file))
    assert _labels(by_ids) == expected


def _labels(db: Path) -> dict[str, dict[str, str]]:
    return {
        uid: {name: label for name, (label, _note) in labels.items()}
        for uid, labels in current_labels(db).items()
    }
