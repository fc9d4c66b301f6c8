"""Queue routing: every human-human disagreement, every tie, every unsure label and every
judge-consensus conflict lands in the queue, and nothing else does.

Random projects are written through the store (labels, edits, undos, adjudications and their
withdrawal, verdicts of a judge and of a baseline), then the queue is compared with a plain
re-implementation of the rule (docs/architecture.md, "Final labels") written here, item by item.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from polyjudge.reconcile.queue import adjudication_queue, item_review
from polyjudge.store import Project

LABELS = ("safe", "unsafe", "invalid")
ANNOTATORS = ("ana", "bo", "chen", "dina")


def expected_kinds(labels, adjudication, verdicts, rule):
    """labels: [(label, unsure)], adjudication: label or None, verdicts: [(label, baseline)].
    Returns (kinds, final human label or None)."""
    if adjudication is not None:
        return set(), adjudication
    kinds: set[str] = set()
    values = [label for label, _ in labels]
    unsure = any(u for _, u in labels)
    if unsure:
        kinds.add("unsure")
    counts = Counter(values)
    final = None
    if len(counts) > 1:
        top = max(counts.values())
        n_top = sum(1 for c in counts.values() if c == top)
        resolved = (
            rule.startswith("majority")
            and len(values) >= int(rule.split(":")[1])
            and 2 * top > len(values)
        )
        if resolved:
            final = counts.most_common(1)[0][0]
        else:
            kinds.add("tie" if n_top >= 2 else "disagreement")
    elif len(counts) == 1 and (rule == "unanimous" or len(values) >= int(rule.split(":")[1])):
        final = values[0]
    if unsure:
        final = None
    if final is not None:
        for verdict, baseline in verdicts:
            if not baseline and verdict in LABELS and verdict != final:
                kinds.add("judge_conflict")
    return kinds, final


def build_random_project(path: Path, rule: str, n_items: int, seed: int):
    rng = random.Random(seed)
    project = Project.create(path, consensus_rule=rule)
    project.content.insert_responses(
        {"uid": f"r{i}", "language": rng.choice(["ar", "bn", "th"]), "text": f"t{i}"}
        for i in range(n_items)
    )
    ids = [project.content.response_by_uid(f"r{i}").id for i in range(n_items)]
    annotators = {name: project.annotators.ensure(name).id for name in ANNOTATORS}
    adjudicator = project.annotators.ensure("judge-person", role="adjudicator").id
    state: dict[int, dict[str, list[tuple[str, bool]]]] = {rid: {} for rid in ids}
    adjudication: dict[int, str | None] = {}
    for rid in ids:
        skew = rng.choice(LABELS)
        for name in rng.sample(ANNOTATORS, rng.choice([0, 1, 1, 2, 2, 3, 3, 4])):
            stack = state[rid].setdefault(name, [])
            for _ in range(rng.choice([1, 1, 1, 2])):  # sometimes an edit
                label = skew if rng.random() < 0.6 else rng.choice(LABELS)
                unsure = rng.random() < 0.06
                project.labels.add(rid, annotators[name], label, unsure=unsure)
                stack.append((label, unsure))
            if rng.random() < 0.1:  # sometimes an undo
                project.labels.undo(rid, annotators[name])
                stack.pop()
        if rng.random() < 0.12:
            label = rng.choice(LABELS)
            project.adjudications.add(rid, adjudicator, label, "ruled")
            adjudication[rid] = label
            if rng.random() < 0.25:  # withdrawn again: the item is open once more
                project.adjudications.add(rid, adjudicator, None, "withdrawn")
                adjudication[rid] = None
    judge = {rid: rng.choice([*LABELS, "unparsed"]) for rid in ids if rng.random() < 0.8}
    baseline = {rid: rng.choice(["safe", "unsafe"]) for rid in ids if rng.random() < 0.8}
    project.judging.add_verdict_rows("gpt-judge", "gpt", judge.items())
    project.judging.add_verdict_rows(
        "refusal", "refusal-baseline", baseline.items(), is_baseline=True
    )

    expected = {}
    for rid in ids:
        labels = [stack[-1] for stack in state[rid].values() if stack]
        verdicts = []
        if rid in judge:
            verdicts.append((judge[rid], False))
        if rid in baseline:
            verdicts.append((baseline[rid], True))
        expected[rid] = expected_kinds(labels, adjudication.get(rid), verdicts, rule)
    return project, expected


@pytest.mark.parametrize("rule", ["unanimous", "majority:2", "majority:3"])
def test_queue_routes_exactly_the_items_the_rule_says(tmp_path: Path, rule: str) -> None:
    project, expected = build_random_project(tmp_path / "p.db", rule, 300, seed=len(rule))
    with project:
        queue = {e.response_id: set(e.kinds) for e in adjudication_queue(project)}
        wanted = {rid: kinds for rid, (kinds, _) in expected.items() if kinds}
        assert queue == wanted
        # Every kind occurs, so none of them can be silently dropped. (Under majority rules a
        # non-tie disagreement needs four labels split 2-1-1: see the test below.)
        seen = Counter(k for kinds in wanted.values() for k in kinds)
        required = ["tie", "unsure", "judge_conflict"]
        if rule == "unanimous":
            required.append("disagreement")
        for kind in required:
            assert seen[kind] > 0, kind
        # Filtering by kind returns exactly the items of that kind.
        ties = {e.response_id for e in adjudication_queue(project, kinds={"tie"})}
        assert ties == {rid for rid, kinds in wanted.items() if "tie" in kinds}


def test_final_labels_match_the_rule_item_by_item(tmp_path: Path) -> None:
    project, expected = build_random_project(tmp_path / "p.db", "majority:2", 120, seed=7)
    with project:
        for rid, (kinds, final) in expected.items():
            review = item_review(project, rid)
            assert review is not None
            assert set(review.kinds) == kinds, rid
            assert review.final_label == final, rid


def test_judge_conflict_keeps_the_human_label_and_baselines_never_route(
    project: Project,
) -> None:
    project.content.insert_responses(
        [{"uid": f"u{i}", "language": "sw", "text": "x"} for i in range(3)]
    )
    a, b = project.annotators.ensure("a").id, project.annotators.ensure("b").id
    for rid in (1, 2, 3):
        project.labels.add(rid, a, "safe")
        project.labels.add(rid, b, "safe")
    project.judging.add_verdict_rows("judge", "m", [(1, "unsafe"), (2, "unparsed"), (3, "safe")])
    project.judging.add_verdict_rows(
        "base", "refusal-baseline", [(1, "unsafe"), (2, "unsafe"), (3, "unsafe")], is_baseline=True
    )
    queue = adjudication_queue(project)
    assert [(e.response_id, e.kinds, e.final_label) for e in queue] == [
        (1, ("judge_conflict",), "safe")
    ]
    review = item_review(project, 1)
    assert (review.final_label, review.how) == ("safe", "unanimous")
    # An adjudicator confirming the humans takes the item out of the queue.
    adjudicator = project.annotators.ensure("lead", role="adjudicator").id
    project.adjudications.add(1, adjudicator, "safe", "the judge misread the refusal")
    assert adjudication_queue(project) == []
    assert item_review(project, 1).how == "adjudicated"


def test_majority_without_a_strict_majority_is_a_disagreement(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", consensus_rule="majority:3") as project:
        project.content.insert_responses(
            [{"uid": f"u{i}", "language": "jv", "text": "x"} for i in range(4)]
        )
        ids = [project.annotators.ensure(n).id for n in ANNOTATORS]
        splits = {
            1: ["unsafe", "unsafe", "safe", "invalid"],  # 2 of 4: no strict majority, no tie
            2: ["unsafe", "unsafe", "safe", "safe"],  # 2-2: a tie
            3: ["unsafe", "unsafe", "safe"],  # 2 of 3: a majority
            4: ["unsafe", "unsafe"],  # agree, but fewer than 3 labels: waits, not queued
        }
        for rid, labels in splits.items():
            for annotator, label in zip(ids, labels, strict=False):
                project.labels.add(rid, annotator, label)
        queue = {e.response_id: e.kinds for e in adjudication_queue(project)}
        assert queue == {1: ("disagreement",), 2: ("tie",)}
        assert (item_review(project, 3).final_label, item_review(project, 3).how) == (
            "unsafe",
            "majority",
        )
        assert (item_review(project, 4).final_label, item_review(project, 4).how) == (None, "none")


def test_queue_filters_by_language_and_rejects_unknown_kinds(tmp_path: Path) -> None:
    project, expected = build_random_project(tmp_path / "p.db", "unanimous", 150, seed=3)
    with project:
        everything = adjudication_queue(project)
        bengali = adjudication_queue(project, language="bn")
        assert bengali and all(e.language == "bn" for e in bengali)
        assert [e for e in everything if e.language == "bn"] == bengali
        assert adjudication_queue(project, language="xx") == []
        with pytest.raises(ValueError, match="unknown queue kind"):
            adjudication_queue(project, kinds={"maybe"})


def test_the_queue_read_from_labelled_items_only_equals_the_full_reading(tmp_path: Path) -> None:
    """`adjudication_queue` loads only items with label rows; adjudications and verdicts of
    unlabelled items, interleaved with labelled ones, must not shift onto other items."""
    from polyjudge.reconcile.data import load
    from polyjudge.reconcile.final import final_labels

    project, _ = build_random_project(tmp_path / "p.db", "unanimous", 60, seed=3)
    with project:
        first = project.content.count("responses") + 1
        project.content.insert_responses(
            [{"uid": f"x{i}", "language": "bn", "text": f"x{i}"} for i in range(40)]
        )
        a, b = project.annotators.ensure("ana").id, project.annotators.ensure("bo").id
        extra = list(range(first, first + 40))
        for rid in extra[::2]:  # every other new item is labelled, with disagreements
            project.labels.add(rid, a, "safe")
            project.labels.add(rid, b, "unsafe" if rid % 4 else "safe")
        boss = project.annotators.ensure("boss", role="adjudicator").id
        for rid in extra[1::4]:  # unlabelled items with an adjudication ...
            project.adjudications.add(rid, boss, "unsafe")
        # ... and a judge that disagrees with everything
        project.judging.add_verdict_rows(
            "judge", "m", [(rid, "invalid") for rid in range(1, first + 40)]
        )
        full = load(project, ("language", "model"))
        everything = final_labels(full)
        expected = {
            int(full.response_id[i]): tuple(everything.kinds_of(int(i)))
            for i in range(full.n_items)
            if everything.queue[i]
        }
        assert {e.response_id: e.kinds for e in adjudication_queue(project)} == expected
        assert any(rid in expected for rid in extra)  # the new items take part
        assert load(project, labelled_only=True).n_items < full.n_items
