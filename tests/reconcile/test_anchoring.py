"""The report's `anchoring` block (annotate --reveal-judge): numbers against a hand-computed
example, and after-reveal rows entering nothing but it (calibration, agreement, final labels
and rates read blind labels only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.exports.report_markdown import render_markdown
from polyjudge.reconcile.report import build_report
from polyjudge.store import Project

from tests.tui.conftest import add_items, plain_items

# (blind label, judge verdict, answer after the reveal) of ana's five revealed items.
REVEALED = [
    ("safe", "unsafe", "unsafe"),  # disagreed, moved to the judge
    ("safe", "unsafe", "unsafe"),  # disagreed, moved to the judge
    ("safe", "unsafe", "safe"),  # disagreed, kept
    ("unsafe", "unsafe", "safe"),  # agreed, moved away
    ("safe", "safe", "safe"),  # agreed, kept
]


def build(path: Path, *, reveals: bool) -> Project:
    project = Project.create(path)
    ids = add_items(project, plain_items(8))
    ana = project.annotators.ensure("ana").id
    ben = project.annotators.ensure("ben").id
    lead = project.annotators.ensure("lead", role="adjudicator").id
    verdicts = [(rid, judge) for rid, (_, judge, _) in zip(ids, REVEALED, strict=False)]
    verdicts += [(ids[5], "unsafe"), (ids[6], "safe"), (ids[7], "unsafe")]
    project.judging.add_verdict_rows("gpt-judge", "gpt-test", verdicts)
    for rid, (blind, _, after) in zip(ids, REVEALED, strict=False):
        project.labels.add(rid, ana, blind)
        if reveals:
            project.labels.add(rid, ana, after, after_reveal=True)
    for rid in ids[5:]:
        project.labels.add(rid, ana, "safe")
        project.labels.add(rid, ben, "safe")
    # ben's reveal on item 6 stands on a blind label he undid since: it counts nowhere.
    if reveals:
        project.labels.add(ids[6], ben, "unsafe", after_reveal=True)
    project.labels.undo(ids[6], ben)
    project.adjudications.add(ids[5], lead, "unsafe", judge_seen=True)
    project.adjudications.add(ids[7], lead, "safe")  # a path that cannot tell: unknown
    return project


def test_anchoring_numbers_by_hand(tmp_path: Path) -> None:
    with build(tmp_path / "p.db", reveals=True) as project:
        report = build_report(project, resamples=20)
    section = report.anchoring
    assert section is not None
    assert list(section.by_language) == ["sw"]
    sw = section.by_language["sw"]
    assert sw.revealed == 5 and sw.changed == 3
    # Wilson 95% intervals (Newcombe 1998, method 3), worked by hand:
    # 2/5 -> [0.1176, 0.7693]; 3/5 -> [0.2307, 0.8824]; 2/3 -> [0.2077, 0.9385];
    # 1/2 -> [0.0945, 0.9055].
    expected = {
        "blind_agreement": (2, 5, (0.1176, 0.7693)),
        "after_agreement": (3, 5, (0.2307, 0.8824)),
        "toward_judge": (2, 3, (0.2077, 0.9385)),
        "away_from_judge": (1, 2, (0.0945, 0.9055)),
    }
    for name, (k, n, (lo, hi)) in expected.items():
        share = getattr(sw, name)
        assert (share.k, share.n) == (k, n), name
        assert share.rate == pytest.approx(k / n)
        assert share.ci95 is not None
        assert share.ci95[0] == pytest.approx(lo, abs=1e-4), name
        assert share.ci95[1] == pytest.approx(hi, abs=1e-4), name
    # 8 items, each with a human final label; 1 adjudicated on a screen showing verdicts.
    assert (section.final_labels, section.judge_seen, section.judge_seen_unknown) == (8, 1, 1)
    text = render_markdown(report)
    assert "1 of 8 final labels were decided with the judge visible" in text
    assert "40.0% blind, 60.0% after the reveal" in text
    assert report.as_json()["anchoring"]["by_language"]["sw"]["revealed"] == 5


def test_after_reveal_rows_enter_no_other_statistic(tmp_path: Path) -> None:
    """Every answer after a reveal that changed a label would move the final labels, the
    agreement, the calibration against the judge and the rates if it were counted."""
    with build(tmp_path / "a.db", reveals=True) as project:
        revealed = build_report(project, resamples=50).as_json()
    with build(tmp_path / "b.db", reveals=False) as project:
        blind = build_report(project, resamples=50).as_json()
    for key in ("final", "agreement", "unsafe_rate", "judges", "queue", "progress", "annotators"):
        assert revealed[key] == blind[key], key
    assert revealed["project"]["human_labels"] == blind["project"]["human_labels"]
    assert revealed["anchoring"]["by_language"] and not blind["anchoring"]["by_language"]
