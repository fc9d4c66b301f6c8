"""The report's annotator tables (the `annotators` block), one row per language and annotator:
quality (labels, unsure, accuracy against adjudications, κ against the others, time, flag) and
competence from the Dawid–Skene model (accuracy, and the confusion matrix's diagonal: how
often they give each true label)."""

from __future__ import annotations

from polyjudge.reconcile.report_model import Report

from .numbers import MISSING, fmt_count, fmt_estimate, fmt_rate, fmt_seconds
from .report_format import plain
from .report_table import ReportTable

FLAG_BASIS = {"adjudicated": "vs adjudications", "gold": "vs gold", "dawid_skene": "Dawid–Skene"}


def annotator_tables(report: Report) -> list[ReportTable]:
    section = report.annotators
    if section is None or not section.by_language:
        return []
    fast = fmt_seconds(section.fast_decision_ms)
    excluded = (
        f" Recomputed without: {', '.join(plain(n) for n in section.excluded)}."
        if section.excluded
        else ""
    )
    quality = ReportTable(
        "Annotator quality",
        [
            "language",
            "annotator",
            "labels",
            "unsure",
            "accuracy vs adjudications [95% CI]",
            "accuracy vs gold [95% CI]",
            "κ vs the others [95% CI]",
            "median time",
            f"under {fast}",
            "flag",
        ],
        note="κ: posterior median against the majority label of the other annotators. "
        "Flagged: an accuracy interval (against adjudications, gold items or Dawid–Skene) wholly "
        f"below {fmt_rate(section.threshold)} (project setting annotator_accuracy_threshold)."
        + excluded,
    )
    competence = ReportTable(
        "Annotator competence (Dawid–Skene)",
        ["language", "annotator", "accuracy [95% CI]", "P(gives the true label)", "flag"],
        note="Dawid & Skene (1979) model fitted per language: accuracy is the expected share "
        "of their labels equal to the latent true label; the diagonal of their confusion "
        "matrix per true label (the whole matrix is in report --json).",
    )
    for language, name, e in section.rows():
        accuracy = fmt_estimate(e.accuracy, e.accuracy_ci95)
        if e.accuracy is not None:
            accuracy += f" (n={fmt_count(e.n_adjudicated)})"
        gold = fmt_estimate(e.gold_accuracy, e.gold_accuracy_ci95)
        if e.gold_accuracy is not None:
            gold += f" (n={fmt_count(e.n_gold)})"
        flag = ""
        if e.flagged:
            flag = "FLAGGED (" + ", ".join(FLAG_BASIS.get(b, b) for b in e.flagged_by) + ")"
        quality.rows.append(
            [
                plain(language),
                plain(name),
                fmt_count(e.labels),
                fmt_rate(e.unsure_rate),
                accuracy,
                gold,
                fmt_estimate(e.kappa, e.kappa_ci95, percent=False),
                fmt_seconds(e.median_ms),
                fmt_rate(e.fast_share),
                flag,
            ]
        )
        diagonal = " · ".join(
            f"{plain(label)} {fmt_rate(row[i])}"
            for i, (label, row) in enumerate(zip(e.confusion_labels, e.confusion, strict=True))
        )
        competence.rows.append(
            [
                plain(language),
                plain(name),
                fmt_estimate(e.ds_accuracy, e.ds_accuracy_ci95),
                diagonal or MISSING,
                flag,
            ]
        )
    return [quality, competence]
