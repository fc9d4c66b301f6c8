"""The demo project with sample labels (`build_demo(path, with_labels=True)`, what
`polyjudge demo` builds): every queue kind, agreement and unsafe rates in the report, gold
items, a careless annotator, a reveal round and assigned reading conditions in the report's
`annotators`, `anchoring` and `reading` blocks; deterministic and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.demo import build_demo
from polyjudge.demo_labels import ANNOTATORS
from polyjudge.demo_trust import CARELESS, READING_LANGUAGES
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
                        (
                            response_uid,
                            names[annotator_id],
                            row.label,
                            row.unsure,
                            row.note,
                            row.viewed,
                            row.view_assigned,
                            row.after_reveal,
                            row.time_ms,
                        )
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
        gold = [(g.uid, g.label, g.explanation) for g in project.gold_items.all()]
    return {
        "labels": sorted(labels, key=repr),
        "adjudications": adjudications,
        "verdicts": verdicts,
        "runs": sorted(runs.values()),
        "gold": sorted(gold),
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
    assert any(row[3] for row in data["labels"])  # unsure
    assert sum(1 for row in data["labels"] if row[4]) >= 2  # notes
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
    with Project.open(demo_db) as project:
        n_gold = project.gold_items.count()
        # Gold items are control items: they are no items of the report's rates.
        assert (
            report["unsafe_rate"]["overall"]["items"] == project.content.count("responses") - n_gold
        )
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


def _report(path: Path) -> dict:
    result = run_cli("report", "--db", str(path), "--json", "--bootstrap", "0")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_demo_gold_items_and_the_careless_annotator(demo_db: Path) -> None:
    """A few gold items with explanations, answered by every annotator; the careless one has
    the lowest accuracy against gold and the most very fast decisions in the report."""
    with Project.open(demo_db) as project:
        gold = project.gold_items.all()
        answers = project.gold_items.answers()
    assert 3 <= len(gold) <= 8 and all(g.explanation for g in gold)
    assert len({g.language for g in gold}) == len(gold)
    assert {(a.annotator, a.uid) for a in answers} == {(n, g.uid) for n in ANNOTATORS for g in gold}
    # Hand count from the stored answers: kofi misses some, the others none.
    missed = {n: sum(not a.correct for a in answers if a.annotator == n) for n in ANNOTATORS}
    assert missed[CARELESS] >= 2 and all(missed[n] == 0 for n in ANNOTATORS if n != CARELESS)

    blocks = _report(demo_db)["annotators"]["by_language"]
    pooled: dict[str, list[int]] = {n: [0, 0] for n in ANNOTATORS}  # gold n, correct
    fast: dict[str, list[int]] = {n: [0, 0] for n in ANNOTATORS}  # timed, under 2 s
    for block in blocks.values():
        for name, entry in block["annotators"].items():
            if entry["gold"] is not None:
                pooled[name][0] += entry["gold"]["n"]
                pooled[name][1] += entry["gold"]["correct"]
            fast[name][0] += entry["time"]["timed"]
            fast[name][1] += entry["time"]["fast"]
    assert all(n == len(gold) for n, _ in pooled.values())
    accuracy = {name: correct / n for name, (n, correct) in pooled.items()}
    assert accuracy[CARELESS] == min(accuracy.values())
    assert all(accuracy[n] > accuracy[CARELESS] for n in ANNOTATORS if n != CARELESS)
    assert max(fast, key=lambda n: fast[n][1] / fast[n][0]) == CARELESS
    # Dawid–Skene is fitted where the labels allow it.
    assert sum("iterations" in b["dawid_skene"] for b in blocks.values()) >= 5


def test_demo_reveal_round_in_the_anchoring_block(demo_db: Path) -> None:
    """After-reveal rows exist, a couple of them flip toward the judge, and the report's
    anchoring block counts exactly the flips found in the stored rows."""
    with Project.open(demo_db) as project:
        pairs = project.reveals.pairs()
        verdicts = project.reveals.shown_verdicts(p.response_id for p in pairs)
    assert len(pairs) >= 4
    toward = [p for p in pairs if p.blind != verdicts[p.response_id].label]
    flips = sum(p.after == verdicts[p.response_id].label for p in toward)
    assert flips == 2
    anchoring = _report(demo_db)["anchoring"]
    by_language = anchoring["by_language"]
    assert sum(b["revealed"] for b in by_language.values()) == len(pairs)
    assert sum(b["toward_judge"]["k"] for b in by_language.values()) == flips
    assert sum(b["toward_judge"]["n"] for b in by_language.values()) == len(toward)
    assert anchoring["finals"]["judge_seen"] == 1  # the adjudication, with verdicts shown


def test_demo_reading_conditions_in_the_reading_block(demo_db: Path) -> None:
    report = _report(demo_db)["reading"]["by_language"]
    for language in READING_LANGUAGES:
        block = report[language]
        assert block["design"] == "experiment", language
        conditions = block["conditions"]
        assert conditions["original"]["labels"] > 0 and conditions["back_translation"]["labels"] > 0
        assert conditions["original"]["assigned"] == conditions["original"]["labels"]
    assert all(report[x]["design"] == "observational" for x in report if x not in READING_LANGUAGES)
