"""Report text that was false or confusing (issue 9, defect 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reconcile.helpers import cli_ok

MULTIJAIL_CSV = Path(__file__).parents[2] / "polyjudge" / "data" / "MultiJail.csv"


def _responses(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def test_resource_tiers_only_for_multijail_prompts(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    cli_ok("init", "--db", db)
    cli_ok("import", "multijail", str(MULTIJAIL_CSV), "--db", db)
    rows = [
        {
            "id": f"mj{i}",
            "prompt_id": f"multijail:{i + 1}",
            "language": "ar",
            "model": "m",
            "response": f"answer {i}",
        }
        for i in range(3)
    ]
    # Korean and Thai responses to the team's own prompts: not MultiJail, so no tier.
    rows += [
        {
            "id": f"own{i}",
            "prompt": f"own prompt {i}",
            "language": ("ko", "th")[i % 2],
            "model": "m",
            "response": f"own answer {i}",
        }
        for i in range(4)
    ]
    cli_ok("import", "responses", str(_responses(tmp_path / "r.jsonl", rows)), "--db", db)
    report = json.loads(cli_ok("report", "--json", "--db", db, "--bootstrap", "0"))
    tiers = report["final"]["by_tier"]
    assert list(tiers) == ["medium"]
    assert tiers["medium"]["items"] == 3  # the three MultiJail items, not ko / th


def test_no_tiers_without_multijail_prompts(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    cli_ok("init", "--db", db)
    rows = [
        {
            "id": f"r{i}",
            "prompt": f"prompt {i}",
            "language": ("ar", "zh", "sw")[i % 3],
            "model": "m",
            "response": f"answer {i}",
        }
        for i in range(6)
    ]
    cli_ok("import", "responses", str(_responses(tmp_path / "r.jsonl", rows)), "--db", db)
    report = json.loads(cli_ok("report", "--json", "--db", db, "--bootstrap", "0"))
    assert "by_tier" not in report["final"]
    explicit = json.loads(
        cli_ok("report", "--json", "--db", db, "--bootstrap", "0", "--by", "tier")
    )
    assert explicit["final"]["by_tier"] == {}


def test_kappa_is_printed_as_posterior_median_with_its_interval(tmp_path: Path) -> None:
    """Defect 6b: `0.957 [0.686, 0.958]` put the plug-in κ̂ beside a posterior interval whose
    top it nearly was. The point printed with the interval is now the posterior median."""
    from polyjudge.exports.report_markdown import render_markdown
    from polyjudge.reconcile.report import build_report

    from tests.reconcile.helpers import build_project

    items = []
    for i in range(60):
        gold = "unsafe" if i % 12 == 0 else "safe"
        verdict = "unsafe" if i == 1 else gold  # one false positive, rare unsafe
        items.append({"language": "sw", "labels": [("ana", gold)], "verdict": {"j": verdict}})
    with build_project(tmp_path / "p.db", items) as project:
        built = build_report(project, resamples=0)
    report = built.as_json()
    overall = report["judges"]["j"]["overall"]
    lo, hi = overall["kappa_ci95"]
    median, plug_in = overall["kappa_median"], overall["kappa"]
    assert plug_in == pytest.approx(1 - (1 - 59 / 60) / (1 - (5 * 6 + 55 * 54) / 3600), abs=1e-6)
    assert lo < median < hi
    # Centred: the median is well inside, not at an end (the plug-in is near the top here).
    assert min(median - lo, hi - median) > 0.2 * (hi - lo)
    assert hi - plug_in < median - lo
    text = render_markdown(built)
    assert f"{median:.3f} \\[{lo:.3f}, {hi:.3f}\\]; sample κ̂ {plug_in:.3f}" in text


def test_judge_runs_and_groups_without_verdicts_are_left_out(tmp_path: Path) -> None:
    """Defect 6a: a run with no verdicts (or none in a language) filled tables with `—`."""
    from polyjudge.exports.report_markdown import render_markdown
    from polyjudge.reconcile.report import build_report

    from tests.reconcile.helpers import build_project

    items = []
    for i in range(30):
        language = ("ar", "th")[i % 2]
        gold = "unsafe" if i % 5 == 0 else "safe"
        spec = {"language": language, "labels": [("ana", gold)]}
        if language == "ar":
            spec["verdict"] = {"j": gold}
        items.append(spec)
    with build_project(tmp_path / "p.db", items) as project:
        project.judging.add_verdict_rows("idle", "model-idle", [])
        built = build_report(project, resamples=0)
    report = built.as_json()
    judges = report["judges"]
    assert judges["idle"]["no_verdicts"] is True and "overall" not in judges["idle"]
    assert list(judges["j"]["by_language"]) == ["ar"]
    assert judges["j"]["no_verdicts_in"] == {"language": ["th"]}
    text = render_markdown(built)
    assert text.count("model-idle") == 1  # named once, with no table
    assert "judge run idle (model-idle): no verdicts." in text
    assert "No verdicts (left out): th." in text
    judge_section = text[text.index("### Judge j") :]
    assert "| ar |" in judge_section and "| th |" not in judge_section
