"""Group names are imported, so untrusted: a language called "all" or "all (pooled)" must not
be taken for the overall or pooled row, in a table or as a chart's key (before, the chart's
overall point was the language's, and the side-by-side table gave the language the judge's
overall κ)."""

from __future__ import annotations

from pathlib import Path

from polyjudge.exports.report_charts import condition_forests, estimator_forest
from polyjudge.exports.report_condition_tables import condition_tables
from polyjudge.exports.report_trust_tables import side_by_side_table
from polyjudge.reconcile.report import build_report

from tests.reconcile.helpers import build_project


def _report(tmp_path: Path):
    items = []
    # "all": every item unsafe; "all (pooled)": none; "bn": a third. The judge agrees with the
    # humans everywhere but in "all", where it says safe to half the items.
    for language, unsafe_every in (("all", 1), ("all (pooled)", 0), ("bn", 3)):
        for i in range(12):
            unsafe = unsafe_every and i % unsafe_every == 0
            label = "unsafe" if unsafe else "safe"
            judged = "safe" if language == "all" and i % 2 else label
            items.append(
                {
                    "language": language,
                    "model": ("m1", "m2")[i % 2],
                    "labels": [("a", label)],
                    "verdict": {"judge": judged},
                }
            )
    with build_project(tmp_path / "p.db", items) as project:
        return build_report(project, resamples=0, by=("model",))


def test_a_language_named_all_is_not_the_overall_row(tmp_path: Path) -> None:
    report = _report(tmp_path)
    overall = report.unsafe_rate.overall
    rows = report.unsafe_rate.rows("language")
    assert [name for name, _ in rows] == ["all*", "all", "all (pooled)", "bn"]
    assert rows[0][1] is overall

    forest = estimator_forest(report)
    assert forest is not None
    assert forest.rows[:2] == ["all*", "all"]
    assert forest.points[("all*", "human-final")][0] == overall.rate
    assert forest.points[("all", "human-final")][0] == 1.0

    table = side_by_side_table(report)
    run = report.judges[report.project.estimator_run.name]  # type: ignore[union-attr]
    kappas = dict(run.calibration.groups("language"))  # type: ignore[union-attr]
    first, second = table.rows[0], table.rows[1]
    assert first[0] == "all*" and second[0] == "all"
    assert first[-1] != second[-1]  # the language's own κ, not the overall one
    assert kappas["all"].kappa != run.calibration.overall.kappa  # type: ignore[union-attr]


def test_a_language_named_all_pooled_is_not_the_pooled_row(tmp_path: Path) -> None:
    report = _report(tmp_path)
    rates = report.unsafe_rate.conditions["model"]
    forests = condition_forests(report)
    rows = forests[0].rows
    assert rows[0] == "all (pooled)*" and "all (pooled)" in rows[1:]
    for value in rates.values:
        pooled = rates.pooled[value].headline_estimate().rate
        language = rates.by_language["all (pooled)"][value].headline_estimate().rate
        assert forests[0].points[("all (pooled)*", value)][0] == pooled
        assert forests[0].points[("all (pooled)", value)][0] == language == 0.0
    labels = [row[0] for row in condition_tables(report)[0].rows]
    assert labels.count("all (pooled)") == 1 and labels[0] == "all (pooled)*"


def test_the_dashboards_pooled_row_is_not_a_language_named_all(tmp_path: Path) -> None:
    # The dashboard's model view labels its pooled row "all"; a language of that name had a row
    # labelled the same beside it.
    from rich.console import Console

    from polyjudge.tui.dashboard_models import model_view

    console = Console(width=200, record=True, color_system=None)
    console.print(model_view(_report(tmp_path)))
    firsts = [line.split()[0] for line in console.export_text().splitlines()[2:5]]
    assert firsts == ["all*", "all", "all"]  # the last one is "all (po…"
