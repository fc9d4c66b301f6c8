"""The demo project with sample labels (`build_demo(path, with_labels=True)`, what
`polyjudge demo` builds): every queue kind, agreement and unsafe rates in the report,
deterministic and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.demo import build_demo
from polyjudge.demo_labels import ANNOTATORS
from polyjudge.reconcile.final import KINDS
from polyjudge.reconcile.queue import adjudication_queue
from polyjudge.store import Project

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, with_labels=True)
    return path


def snapshot(path: Path) -> dict[str, list]:
    """Labels, verdicts and adjudications as comparable tuples (no ids or times)."""
    with Project.open(path) as project:
        names = {a.id: a.name for a in project.annotators.all()}
        uid = {
            i: project.content.response(i).uid
            for i in range(1, project.content.count("responses") + 1)
        }
        labels, adjudications = [], []
        for response_id, response_uid in uid.items():
            for annotator_id in names:
                for row in project.labels.history(response_id, annotator_id):
                    labels.append(
                        (response_uid, names[annotator_id], row.label, row.unsure, row.note)
                    )
            for row in project.adjudications.history(response_id):
                adjudications.append(
                    (
                        response_uid,
                        names[row.adjudicator_id],
                        row.label,
                        row.rationale,
                        row.safe_reply,
                    )
                )
        runs = {r.id: (r.name, r.is_baseline) for r in project.judging.runs()}
        verdicts = sorted(
            (runs[v.run_id], uid[v.response_id], v.label, v.p_unsafe, v.raw)
            for v in project.judging.verdicts()
        )
    return {
        "labels": sorted(labels, key=repr),
        "adjudications": adjudications,
        "verdicts": verdicts,
        "runs": sorted(runs.values()),
    }


def test_demo_queue_has_every_kind(demo_db: Path) -> None:
    with Project.open(demo_db) as project:
        entries = adjudication_queue(project)
        kinds = {kind for entry in entries for kind in entry.kinds}
        assert kinds == set(KINDS)
        assert {entry.language for entry in entries} >= {"ar", "en"}
        # The responses that attack the terminal are among the queued items.
        queued = {project.content.response(e.response_id).uid for e in entries}
        assert {"demo-049", "demo-009", "demo-043"} <= queued


def test_demo_labels_come_from_the_sample_annotators(demo_db: Path) -> None:
    data = snapshot(demo_db)
    assert {who for _, who, *_ in data["labels"]} == set(ANNOTATORS)
    assert any(unsure for *_, unsure, _ in data["labels"])
    assert sum(1 for *_, note in data["labels"] if note) >= 2
    # One adjudication (with its rationale and a safe reply) so `export finetune` has one.
    assert len(data["adjudications"]) == 1
    _, who, label, rationale, reply = data["adjudications"][0]
    assert who == "lead" and label == "unsafe" and rationale and reply
    # The offline refusal baseline and the simulated judge, which says it is simulated.
    assert sorted(baseline for _, baseline in data["runs"]) == [0, 1]
    with Project.open(demo_db) as project:
        simulated = [r for r in project.judging.runs() if not r.is_baseline]
        assert len(simulated) == 1 and json.loads(simulated[0].params)["simulated"] is True
        assert project.judging.verdict_counts(simulated[0].id).get("unparsed", 0) >= 1


def test_report_on_the_demo_has_agreement_and_unsafe_rates(demo_db: Path) -> None:
    result = run_cli("report", "--db", str(demo_db), "--json", "--bootstrap", "200")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["agreement"]["overall"]["alpha"] is not None
    alphas = [b["alpha"] for b in report["agreement"]["by_language"].values()]
    assert sum(a is not None for a in alphas) >= 5
    rates = report["unsafe_rate"]["by_language"]
    assert len(rates) == 10
    for language, block in rates.items():
        assert block["rate"] is not None and block["ci95"] is not None, language
    assert any(b["headline"] == "judge_corrected_stratified" for b in rates.values())
    queue = report["queue"]
    assert queue["disagreements"] > queue["ties"] > 0
    assert queue["unsure"] > 0 and queue["judge_conflicts"] > 0
    assert report["final"]["overall"]["adjudicated"] == 1
    assert report["progress"]["by_annotator"].keys() == set(ANNOTATORS)


def test_demo_labels_are_deterministic_and_idempotent(demo_db: Path, tmp_path: Path) -> None:
    other = tmp_path / "again.db"
    build_demo(other, with_labels=True)
    first = snapshot(demo_db)
    assert snapshot(other) == first
    build_demo(other, with_labels=True)  # a second run adds nothing
    assert snapshot(other) == first


def test_demo_without_labels_stays_unlabelled(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    build_demo(path)
    with Project.open(path) as project:
        assert project.content.count("labels") == 0 and project.content.count("verdicts") == 0
