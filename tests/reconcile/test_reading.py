"""The report's `reading` block (back-translation effects) against a hand-computed example."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.exports.report_html import render_html
from polyjudge.exports.report_markdown import render_markdown
from polyjudge.exports.report_reading_tables import finding_sentence
from polyjudge.reconcile.report import build_report
from polyjudge.store import Project

U, S = "unsafe", "safe"
# Language ar (an experiment: conditions assigned), items 1..10:
ORIGINAL = [U, U, U, U, S, S, S, S, S, S]  # "ori", assigned and shown the original
BACK = [U, U, S, S, U, S, S, S, S, S]  # "bak", assigned and shown the back-translation
JUDGE = [U, U, U, U, U, S, S, S, S]  # verdicts of items 1..9; item 10 has none


def _project(path: Path) -> Project:
    project = Project.create(path)
    project.content.insert_responses(
        [
            {"uid": f"ar{i}", "language": "ar", "text": f"نص {i}", "back_translation": f"t {i}"}
            for i in range(1, 11)
        ]
        + [{"uid": f"bn{i}", "language": "bn", "text": f"পাঠ {i}"} for i in range(1, 11)]
    )
    ori, bak, free, fb = (project.annotators.ensure(n).id for n in ("ori", "bak", "free", "fb"))
    for i in range(10):
        rid = i + 1
        project.labels.add(rid, ori, ORIGINAL[i], viewed="original", view_assigned="original")
        project.labels.add(
            rid, bak, BACK[i], viewed="back_translation", view_assigned="back_translation"
        )
    project.labels.add(6, free, U, viewed="both")  # chosen: left out of the experiment
    # assigned the back-translation, shown the original (a fallback): left out too
    project.labels.add(7, fb, S, viewed="original", view_assigned="back_translation")
    adjudicator = project.annotators.ensure("adj", "adjudicator").id
    project.adjudications.add(3, adjudicator, U, "ruled")
    project.judging.add_verdict_rows("j", "model-j", [(i + 1, v) for i, v in enumerate(JUDGE)])
    # Language bn (observational: chosen): "ori" read the original and said unsafe on items
    # 11..20, "bak" the back-translation and said safe.
    for rid in range(11, 21):
        project.labels.add(rid, ori, U, viewed="original")
        project.labels.add(rid, bak, S, viewed="back_translation")
    return project


def test_the_reading_block_reproduces_a_hand_computed_example(tmp_path: Path) -> None:
    with _project(tmp_path / "p.db") as project:
        report = build_report(project, resamples=20)
    block = report.as_json()["reading"]["by_language"]
    ar, bn = block["ar"], block["bn"]
    assert ar["design"] == "experiment" and bn["design"] == "observational"
    assert ar["left_out"] == {"chosen": 1, "fallback": 1}
    original, back = ar["conditions"]["original"], ar["conditions"]["back_translation"]
    assert (original["labels"], original["assigned"], original["unsafe"]) == (10, 10, 4)
    assert (back["labels"], back["assigned"], back["unsafe"]) == (10, 10, 3)
    assert ar["conditions"]["both"]["labels"] == 0  # free's label was chosen
    # Wilson 4/10 = [0.1682, 0.6873] (Newcombe 1998 method 3, by hand with z = 1.96).
    assert original["unsafe_rate_ci95"] == pytest.approx([0.1682, 0.6873], abs=1e-4)
    # Final from other evidence, per original label: 1 U←bak U ✓, 2 ✓, 3 adjudicated U ✓,
    # 4 U←bak S ✗, 5 S←bak U ✗, 6 others {bak S, free U} disagree: no reference,
    # 7 others {bak S, fb S}: S ✓, 8-10 S←bak S ✓✓✓ → 7 of 9.
    assert (original["final"]["agree"], original["final"]["n"]) == (7, 9)
    # Back-translation labels: 1 ✓, 2 ✓, 3 S vs adjudicated U ✗, 4 S←ori U ✗, 5 U←ori S ✗,
    # 6 none, 7 ✓, 8-10 ✓✓✓ → 6 of 9.
    assert (back["final"]["agree"], back["final"]["n"]) == (6, 9)
    # Judge on items 1..9 (U U U U U S S S S): original 1-4 ✓, 5 ✗, 6-9 ✓ → 8/9; back 1,2 ✓,
    # 3,4 ✗, 5 ✓, 6-9 ✓ → 7/9.
    assert (original["judge"]["agree"], original["judge"]["n"]) == (8, 9)
    assert (back["judge"]["agree"], back["judge"]["n"]) == (7, 9)

    comparison = ar["comparison"]
    # Shared items 1..10; table (original × back): UU 2 (1, 2), US 2 (3, 4), SU 1 (5), SS 5.
    assert comparison["shared_items"] == 10
    assert (comparison["agreement"]["agree"], comparison["agreement"]["n"]) == (7, 10)
    # Wilson 7/10 = 1 − Wilson 3/10 mirrored = [0.3968, 0.8922].
    assert comparison["agreement"]["ci95"] == pytest.approx([0.3968, 0.8922], abs=1e-4)
    # Cohen's κ: p_o = 0.7, p_e = 0.4·0.3 + 0.6·0.7 = 0.54, κ = 0.16 / 0.46 = 0.347826.
    assert comparison["kappa"] == pytest.approx(0.16 / 0.46, abs=1e-6)
    lo, hi = comparison["kappa_ci95"]
    assert lo < comparison["kappa_median"] < hi
    # Difference back − original = 0.3 − 0.4 = −0.1. Newcombe hybrid (method 10) with Wilson
    # 3/10 = [0.1078, 0.6032] and 4/10 = [0.1682, 0.6873]:
    # lower = −0.1 − √((0.3−0.1078)² + (0.6873−0.4)²) = −0.1 − √0.11949 = −0.4457
    # upper = −0.1 + √((0.6032−0.3)² + (0.4−0.1682)²) = −0.1 + √0.14568 = 0.2817
    assert comparison["difference"] == pytest.approx(-0.1)
    assert comparison["difference_ci95"] == pytest.approx([-0.4457, 0.2817], abs=2e-4)
    assert comparison["finding"] == "no_difference"

    # bn: 10 of 10 unsafe (original) vs 0 of 10 (back): −1.0; Wilson 0/10 = [0, z²/(n+z²)]
    # = [0, 0.2775], 10/10 = [0.7225, 1]; upper = −1 + √(0.2775² + 0.2775²) = −0.6076.
    bn_comparison = bn["comparison"]
    assert bn["conditions"]["original"]["assigned"] == 0
    assert bn_comparison["difference"] == pytest.approx(-1.0)
    assert bn_comparison["difference_ci95"] == pytest.approx([-1.0, -0.6076], abs=2e-4)
    assert bn_comparison["finding"] == "different"

    assert report.reading is not None
    typed = report.reading.by_language
    assert finding_sentence("bn", typed["bn"], "unsafe") == (
        "In bn, back-translation readers labelled unsafe 0.0% vs 100.0% for original readers "
        "(-100.0 pp [-100.0, -60.8]%): they label differently. Annotators chose what to read: "
        "a correlation, not an effect."
    )
    assert finding_sentence("ar", typed["ar"], "unsafe") == (
        "In ar, no difference detected between back-translation and original readers "
        "(unsafe 30.0% vs 40.0%, -10.0 pp [-44.6, 28.2]%; n=20 labels). Reading conditions "
        "were assigned (an experiment)."
    )
    for rendered in (render_markdown(report), render_html(report)):
        assert "they label differently" in rendered and "no difference detected" in rendered


def test_an_undo_keeps_the_reading_condition_of_the_label_it_restores(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db") as project:
        project.content.insert_responses([{"uid": "a", "language": "ar", "text": "x"}])
        who = project.annotators.ensure("ori").id
        project.labels.add(1, who, U, viewed="original", view_assigned="original")
        project.labels.add(1, who, S, viewed="both")
        row = project.labels.undo(1, who)
        assert row is not None and (row.label, row.view_assigned) == (U, "original")


def test_an_annotators_own_ruling_is_not_other_evidence_for_their_label(tmp_path: Path) -> None:
    """ori labels item 1 unsafe and then adjudicates it unsafe; bak said safe. Checked against
    its own ruling, ori's label would agree with "other evidence"; the reference must instead
    come from the others (bak: safe), so ori disagrees. For bak the ruling is someone else's
    (ori's), and bak's safe disagrees with it. Item 2: adjudicated by a third person, who is
    other evidence for both."""
    with Project.create(tmp_path / "p.db") as project:
        project.content.insert_responses(
            [
                {"uid": f"ar{i}", "language": "ar", "text": f"نص {i}", "back_translation": "t"}
                for i in (1, 2)
            ]
        )
        ori = project.annotators.ensure("ori").id
        bak = project.annotators.ensure("bak").id
        third = project.annotators.ensure("third", "adjudicator").id
        for rid in (1, 2):
            project.labels.add(rid, ori, U, viewed="original", view_assigned="original")
            project.labels.add(
                rid, bak, S, viewed="back_translation", view_assigned="back_translation"
            )
        project.adjudications.add(1, ori, U, "my own call")
        project.adjudications.add(2, third, U, "ruled")
        report = build_report(project, resamples=20)
    conditions = report.as_json()["reading"]["by_language"]["ar"]["conditions"]
    original, back = conditions["original"]["final"], conditions["back_translation"]["final"]
    # ori: item 1 reference = bak's S (own ruling skipped) ✗; item 2 = third's U ✓ → 1 of 2.
    assert (original["agree"], original["n"]) == (1, 2)
    # bak: item 1 reference = ori's ruling U ✗; item 2 = third's U ✗ → 0 of 2.
    assert (back["agree"], back["n"]) == (0, 2)
