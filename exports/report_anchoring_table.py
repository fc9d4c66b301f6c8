"""The report's anchoring table (the `anchoring` block): per language, agreement with the judge
of the blind labels and after its verdict was revealed, the flip rates toward and away from it,
and one plain sentence; its note says how many final labels were decided with the judge
visible."""

from __future__ import annotations

from polyjudge.reconcile.report_anchoring import LanguageAnchoring, Share
from polyjudge.reconcile.report_model import Report

from .numbers import fmt_count, fmt_estimate, fmt_rate
from .report_format import plain
from .report_table import ReportTable


def _share(share: Share) -> str:
    text = fmt_estimate(share.rate, share.ci95)
    return text if share.rate is None else f"{text} ({fmt_count(share.k)}/{fmt_count(share.n)})"


def sentence(entry: LanguageAnchoring) -> str:
    """What the numbers say, in one plain sentence."""
    return (
        f"Agreement with the judge: {fmt_rate(entry.blind_agreement.rate)} blind, "
        f"{fmt_rate(entry.after_agreement.rate)} after the reveal; "
        f"{fmt_rate(entry.toward_judge.rate)} of the labels that disagreed moved to the "
        f"judge, {fmt_rate(entry.away_from_judge.rate)} of those that agreed moved away."
    )


def finals_sentence(report: Report) -> str:
    section = report.anchoring
    if section is None:
        return ""
    text = (
        f"{fmt_count(section.judge_seen)} of {fmt_count(section.final_labels)} final labels "
        "were decided with the judge visible (adjudicated on the adjudicate screen)"
    )
    if section.judge_seen_unknown:
        text += (
            f"; {fmt_count(section.judge_seen_unknown)} adjudications have no record of "
            "whether it was"
        )
    text += "."
    if section.labels_judge_seen:
        text += (
            f" {fmt_count(section.labels_judge_seen)} current labels are not blind (given again "
            "after an undo, once the judge had been shown) and count as ordinary labels."
        )
    return text


def anchoring_table(report: Report) -> ReportTable | None:
    section = report.anchoring
    if section is None:
        return None
    t = ReportTable(
        "Anchoring on the judge (blind, then reveal)",
        [
            "language",
            "revealed",
            "agreement blind [95% CI]",
            "agreement after reveal [95% CI]",
            "toward the judge [95% CI]",
            "away from the judge [95% CI]",
            "in words",
        ],
        note="annotate --reveal-judge shows the judge's verdict after the blind label; the "
        "annotator keeps or changes it. Toward: share of blind labels that disagreed with the "
        "judge and were changed to its label; away: share of those that agreed and were "
        "changed. Wilson intervals. Calibration, agreement and rates use blind labels only. "
        + finals_sentence(report),
    )
    for language, entry in section.by_language.items():
        t.rows.append(
            [
                plain(language),
                fmt_count(entry.revealed),
                _share(entry.blind_agreement),
                _share(entry.after_agreement),
                _share(entry.toward_judge),
                _share(entry.away_from_judge),
                sentence(entry),
            ]
        )
    return t
