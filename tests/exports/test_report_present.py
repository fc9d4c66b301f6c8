"""The report a safety lead presents (issue 13, part 3): a summary table at the top in HTML,
Markdown and the terminal; per-model rates by default; forest plots of each model's rate per
language and of their differences, and of human-final / judge raw / judge-corrected rates,
with a legend of the drawn series only; the judge confusion matrix per language as a heatmap;
a judge run with no verdicts as one line; untrusted names escaped."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from tests.reconcile.helpers import build_project, cli_ok

HOSTILE_LANGUAGE = '<img src=x onerror="alert(1)">'
HOSTILE_MODEL = "</title><script>alert('x')</script>"
LANGUAGES = ("ar", "bn", HOSTILE_LANGUAGE)
MODELS = ("m-a", HOSTILE_MODEL)


def make(tmp_path: Path, *, judge: bool = True, models: tuple[str, ...] = MODELS) -> str:
    """Per language and model 12 items; item j is unsafe when j % 3 == 0 (model m-a) or
    j % 6 == 0 (the other); judge `j` agrees except on item 1 (says unsafe); in `ar` items 9-11
    have no human label (judge-only). A run `idle` has no verdicts."""
    items = []
    for language in LANGUAGES:
        for m, model in enumerate(models):
            for j in range(12):
                label = "unsafe" if j % (3 if m == 0 else 6) == 0 else "safe"
                spec: dict = {"language": language, "model": model}
                if judge:
                    spec["verdict"] = {"j": "unsafe" if j == 1 else label}
                if not (language == "ar" and j >= 9):
                    spec["labels"] = [("ana", label)]
                items.append(spec)
    db = tmp_path / "p.db"
    with build_project(db, items) as project:
        if judge:
            project.judging.add_verdict_rows("idle", "model-idle", [])
    return str(db)


def report_json(db: str, *args: str) -> dict:
    return json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", db, *args))


def svgs(html: str) -> dict[str, str]:
    """Each forest plot's SVG by its id."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r'<svg[^>]*class="chart forest" id="([^"]+)".*?</svg>', html, re.S)
    }


def series_of(svg: str, cls: str) -> list[str]:
    """The series name of each element of class `cls` (point, legend-entry), unescaped."""
    return [unescape(x) for x in re.findall(rf'class="{cls}"[^>]*data-series="([^"]*)"', svg)]


def fmt(rate: float | None, ci: list[float] | None) -> str:
    """A rate as the report writes it, by hand: `12.3% [10.2, 14.9]%`."""
    return f"{100 * rate:.1f}% [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]%"


def headline(block: dict) -> tuple[float, list[float]]:
    if block["headline"] == "judge_corrected_stratified":
        return block["judge_corrected"]["rate"], block["judge_corrected"]["ci95"]
    return block["rate"], block["ci95"]


def test_per_model_rates_are_in_the_default_report(tmp_path: Path) -> None:
    db = make(tmp_path, judge=False)
    default = report_json(db)
    assert sorted(default["unsafe_rate"]["by_model"]) == sorted(MODELS)
    conditions = default["unsafe_rate"]["conditions"]["model"]
    assert sorted(conditions["pooled"]) == sorted(MODELS)
    assert sorted(conditions["by_language"]) == sorted(LANGUAGES)
    # Each cell is the rate of that language and model: m-a has 4 of 12 unsafe in bn.
    assert conditions["by_language"]["bn"]["m-a"]["rate"] == pytest.approx(4 / 12, abs=1e-6)
    assert conditions["by_language"]["bn"][HOSTILE_MODEL]["rate"] == pytest.approx(2 / 12, abs=1e-6)
    (difference,) = conditions["differences"]
    assert difference["a"] == HOSTILE_MODEL and difference["b"] == "m-a"  # sorted names
    # The pooled difference: MOVER (Zou & Donner 2008) from the two pooled intervals, by hand.
    (p1, (l1, u1)), (p2, (l2, u2)) = (
        headline(conditions["pooled"][HOSTILE_MODEL]),
        headline(conditions["pooled"]["m-a"]),
    )
    # Pooled: languages weigh by their 12 items each; in ar only items 0-8 are labelled.
    assert p1 == pytest.approx((2 / 12 + 2 / 12 + 2 / 9) / 3, abs=1e-6)
    assert p2 == pytest.approx((4 / 12 + 4 / 12 + 3 / 9) / 3, abs=1e-6)
    assert difference["difference"] == pytest.approx(p1 - p2, abs=1e-5)
    lower = p1 - p2 - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5
    upper = p1 - p2 + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5
    assert difference["ci95"] == pytest.approx([lower, upper], abs=1e-5)
    # An explicit --by is what the user asked for; one model: no model breakdown.
    assert "by_model" not in report_json(db, "--by", "language")["unsafe_rate"]
    (tmp_path / "one").mkdir()
    single = make(tmp_path / "one", judge=False, models=("m-a",))
    assert "by_model" not in report_json(single)["unsafe_rate"]


def test_html_summary_forests_heatmap_and_idle_run(tmp_path: Path) -> None:
    db = make(tmp_path)
    report = report_json(db)
    out = tmp_path / "report.html"
    cli_ok("report", "--html", str(out), "--bootstrap", "0", "--db", db)
    html = out.read_text(encoding="utf-8")
    # The summary table comes before any chart, with the headline rate of each group.
    summary = html[html.index("Summary: unsafe rate") : html.index("<svg")]
    rates = report["unsafe_rate"]
    assert fmt(*headline(rates["overall"])) in summary
    for group in ("language", "model"):
        for name, block in rates[f"by_{group}"].items():
            assert fmt(*headline(block)) in summary, (group, name)
    charts = svgs(html)
    assert list(charts) == ["forest-model", "forest-model-differences", "forest-estimators"]
    # Each model's point per language and pooled: 2 models x (3 languages + pooled).
    model_points = series_of(charts["forest-model"], "point")
    assert len(model_points) == 2 * 4 and set(model_points) == set(MODELS)
    # Differences: the pooled one and one per language (the report's comparisons).
    differences = charts["forest-model-differences"]
    assert len(series_of(differences, "point")) == 1 + len(report["comparisons"]) == 4
    assert 'class="zero"' in differences
    # Human-final and judge raw in every row (all + 3 languages); judge-corrected only where
    # some items carry only a verdict (all, ar).
    estimators = series_of(charts["forest-estimators"], "point")
    assert estimators.count("human-final") == 4 and estimators.count("judge raw") == 4
    assert estimators.count("judge-corrected") == 2
    for svg in charts.values():  # the legend lists exactly the drawn series, each once
        legend = series_of(svg, "legend-entry")
        assert sorted(legend) == sorted(set(series_of(svg, "point")))
        assert re.search(r'class="tick"', svg)  # an axis with ticks
    # Untrusted names are escaped everywhere, never markup.
    assert "<script" not in html and "<img" not in html
    assert (
        "&lt;/title&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in charts["forest-model"]
    )
    # The confusion matrix per language as a heatmap; counts by hand from `make`: in bn,
    # 18 safe items (two called unsafe, item 1 of each model) and 6 unsafe ones, all caught.
    rows = re.sub(r' style="[^"]*"', "", html)
    assert (
        '<td>bn</td><td>safe</td><td class="heat">16 (89%)</td><td class="heat">2 (11%)</td>'
    ) in rows
    assert '<td>bn</td><td>unsafe</td><td class="heat">0 (0%)</td><td class="heat">6 (100%)' in rows
    # ar: 9 human-final items per model: 13 safe (2 called unsafe), 5 unsafe.
    assert '<td>ar</td><td>safe</td><td class="heat">11 (85%)</td><td class="heat">2 (15%)' in rows
    # The run without verdicts is one line, and in no table.
    assert html.count("model-idle") == 1
    assert "judge run idle (model-idle): no verdicts" in html


def test_without_a_judge_the_legends_list_only_human_final(tmp_path: Path) -> None:
    db = make(tmp_path, judge=False)
    out = tmp_path / "report.html"
    cli_ok("report", "--html", str(out), "--bootstrap", "0", "--db", db)
    html = out.read_text(encoding="utf-8")
    estimators = svgs(html)["forest-estimators"]
    assert series_of(estimators, "legend-entry") == ["human-final"]
    assert "judge raw" not in estimators and "judge-corrected" not in estimators
    legend = re.search(r'<p class="legend">.*?</p>', html).group(0)
    assert "human-final" in legend and "judge-corrected" not in legend


def test_markdown_and_terminal_carry_the_summary_table(tmp_path: Path) -> None:
    db = make(tmp_path)
    report = report_json(db)
    markdown = cli_ok("report", "--markdown", "--bootstrap", "0", "--db", db)
    terminal = cli_ok("report", "--bootstrap", "0", "--db", db)
    rates = report["unsafe_rate"]
    expected = [("all", rates["overall"])] + [
        (f"{g} {n}", b) for g in ("language", "model") for n, b in rates[f"by_{g}"].items()
    ]
    md_summary = markdown[: markdown.index("## Details")]
    # The details start at their own "Project:" line (the path may wrap onto the next line).
    term_summary = terminal[: terminal.index("Project:", terminal.index("Summary"))]
    for name, block in expected:
        rate = fmt(*headline(block))
        assert rate.replace("[", "\\[").replace("]", "\\]") in md_summary, name
        assert rate in term_summary, name
    assert "| all | 72 |" in md_summary
    assert "judge run idle (model-idle): no verdicts" in markdown


def test_a_summary_row_without_an_estimate_says_why(tmp_path: Path) -> None:
    """Model m-b's only bn item has no label and no verdict: its pooled rate (languages
    weighed by population) is undefined. The dash in the summary must come with the report's
    reason, naming the language, in every format (the language name escaped)."""
    items = [
        {"language": lang, "model": "m-a", "labels": [("ana", "safe")]}
        for lang in ("sw", HOSTILE_LANGUAGE)
    ]
    items += [
        {"language": "sw", "model": "m-b", "labels": [("ana", "unsafe")]},
        {"language": HOSTILE_LANGUAGE, "model": "m-b"},
    ]
    db = tmp_path / "p.db"
    build_project(db, items).close()
    terminal = cli_ok("report", "--bootstrap", "0", "--db", str(db))
    markdown = cli_ok("report", "--markdown", "--bootstrap", "0", "--db", str(db))
    summary = " ".join(terminal.split("Project:")[1].split())  # the summary, one line
    assert "No estimate (—) for model m-b: no human-final item" in summary
    # what the rate can still be, whatever the unlabelled bn item is (worst-case bounds)
    assert "— bounds [2.6, 100.0]%" in summary
    assert "(1 item(s))" in summary and "model m-a:" not in summary
    assert "No estimate (—) for model m-b" in markdown
    assert HOSTILE_LANGUAGE not in markdown  # escaped
    html_path = tmp_path / "r.html"
    cli_ok("report", "--html", str(html_path), "--bootstrap", "0", "--db", str(db))
    html = html_path.read_text(encoding="utf-8")
    assert "No estimate (—) for model m-b" in html and HOSTILE_LANGUAGE not in html
