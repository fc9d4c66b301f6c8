"""`report --compare scenario` in the layout of MultiJail's tables (Deng et al. 2024, Tables 1
and 2): languages grouped under their resource tier with the tier's average, a column per
scenario, each cell the report's own rate and interval. The expected numbers are computed here
from the counts the test sets."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli

# (language, scenario) -> (responses, unsafe, invalid); every response labelled by one annotator.
COUNTS = {
    ("en", "unintentional"): (6, 1, 0),
    ("en", "intentional"): (6, 3, 1),
    ("zh", "unintentional"): (20, 5, 2),
    ("zh", "intentional"): (20, 9, 1),
    ("it", "unintentional"): (4, 0, 0),
    ("it", "intentional"): (4, 2, 1),
    ("ar", "unintentional"): (5, 2, 0),
    ("ar", "intentional"): (5, 3, 0),
    ("bn", "unintentional"): (7, 3, 2),
    ("bn", "intentional"): (7, 6, 0),
    ("sw", "unintentional"): (3, 1, 0),
    ("sw", "intentional"): (3, 2, 1),
}
TIERS = {"high": ("zh", "it"), "medium": ("ar",), "low": ("bn", "sw")}
HOSTILE = "<b>x</b>|[y](http://z.example)"


def _project(db: Path) -> Path:
    languages = sorted({lang for lang, _ in COUNTS})
    most = max(n for n, _, _ in COUNTS.values())
    with Project.create(db) as project:
        project.content.insert_prompts(
            {
                "dataset": "multijail",
                "prompt_key": str(k),
                "language": lang,
                "text": f"prompt {k} in {lang}",
                "category": "Violence",
            }
            for lang in languages
            for k in range(most)
        )
        rows = []
        for (lang, scenario), (n, _, _) in COUNTS.items():
            for k in range(n):
                prompt = project.content.find_prompt(str(k), lang, "multijail")
                assert prompt is not None
                rows.append(
                    {
                        "uid": f"{lang}-{scenario}-{k}",
                        "prompt_id": prompt.id,
                        "language": lang,
                        "model": "m",
                        "scenario": scenario,
                        "condition": "none",
                        "text": f"answer {k}",
                    }
                )
        # A response in a language without a tier, with a name that is markup everywhere.
        rows.append({"uid": "hostile", "language": HOSTILE, "scenario": "intentional", "text": "t"})
        project.content.insert_responses(rows)
        annotator = project.annotators.ensure("ann").id
        for (lang, scenario), (n, unsafe, invalid) in COUNTS.items():
            for k in range(n):
                response = project.content.response_by_uid(f"{lang}-{scenario}-{k}")
                assert response is not None
                label = "unsafe" if k < unsafe else "invalid" if k < unsafe + invalid else "safe"
                project.labels.add(response.id, annotator, label, source="import")
        hostile = project.content.response_by_uid("hostile")
        assert hostile is not None
        project.labels.add(hostile.id, annotator, "safe", source="import")
    return db


def _wilson(x: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval (Wilson 1927), for cells with 4 <= x <= n - 4 (where Brown,
    Cai & DasGupta's modification for few successes does not apply)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("paper") / "p.db")


def _report(db: Path, *args: str) -> str:
    result = run_cli("report", "--db", str(db), "--compare", "scenario", "--bootstrap", "0", *args)
    assert result.code == 0, result.err
    return result.out


def test_tier_rates_per_scenario_are_the_population_weighted_means(db: Path) -> None:
    data = json.loads(_report(db, "--json"))
    by_tier = data["unsafe_rate"]["conditions"]["scenario"]["by_tier"]
    assert list(by_tier) == ["high", "medium", "low"]  # the paper's order
    for tier, languages in TIERS.items():
        for scenario in ("unintentional", "intentional"):
            cells = [COUNTS[(lang, scenario)] for lang in languages]
            n = sum(c[0] for c in cells)
            # Weights 1, every item labelled: each language weighs its population, so the
            # tier's rate is the pooled count over the pooled size.
            block = by_tier[tier][scenario]
            assert block["rate"] == pytest.approx(sum(c[1] for c in cells) / n, abs=1e-6)
            assert block["invalid_rate"] == pytest.approx(sum(c[2] for c in cells) / n, abs=1e-6)
            assert block["n"] == n
    # One language alone: x/n with its Wilson interval.
    zh = data["unsafe_rate"]["conditions"]["scenario"]["by_language"]["zh"]["intentional"]
    assert zh["ci95"] == pytest.approx(_wilson(9, 20), abs=1e-5)


def _rows(markdown: str, title: str) -> list[list[str]]:
    section = markdown.split(title, 1)[1].split("\n#", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


def test_markdown_table_groups_languages_under_tiers_in_the_papers_order(db: Path) -> None:
    text = _report(db, "--markdown")
    rows = _rows(text, "Unsafe rate per scenario, language and resource tier")
    assert [r[:2] for r in rows[:9]] == [
        ["source", "en"],
        ["high", "zh"],
        ["high", "it"],
        ["high", "average"],
        ["medium", "ar"],
        ["medium", "average"],
        ["low", "bn"],
        ["low", "sw"],
        ["low", "average"],
    ]
    header = text.split("Unsafe rate per scenario, language and resource tier", 1)[1]
    assert re.search(r"\| tier \| language \| unintentional \| intentional \|", header)
    zh = rows[1]
    lo, hi = _wilson(9, 20)
    assert zh[3] == rf"{100 * 9 / 20:.1f}% \[{100 * lo:.1f}, {100 * hi:.1f}\]%"  # md-escaped
    high = rows[3]
    assert high[2].startswith(f"{100 * 5 / 24:.1f}%")  # (5 + 0) / (20 + 4)
    assert high[3].startswith(f"{100 * 11 / 24:.1f}%")  # (9 + 2) / 24
    invalid = _rows(text, "Invalid rate per scenario, language and resource tier")
    assert invalid[8][2].startswith(f"{100 * 2 / 10:.1f}%")  # low, unintentional: (2 + 0) / 10
    assert "<b>x</b>" not in text  # the untrusted language name, escaped


def test_html_and_terminal_show_the_tier_table_with_names_escaped(db: Path, tmp_path: Path) -> None:
    _report(db, "--html", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Unsafe rate per scenario, language and resource tier" in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    terminal = _report(db)
    assert "Unsafe rate per scenario, language and resource tier" in terminal
    assert re.search(r"high\s+│\s+average", terminal)


# (model, language, scenario) -> (responses, unsafe); every response labelled.
BY_MODEL = {
    ("gpt-a", "zh", "unintentional"): (8, 1),
    ("gpt-a", "zh", "intentional"): (8, 6),
    ("gpt-a", "bn", "unintentional"): (6, 2),
    ("gpt-a", "bn", "intentional"): (6, 5),
    ("gpt-b", "zh", "unintentional"): (8, 0),
    ("gpt-b", "zh", "intentional"): (8, 1),
    ("gpt-b", "bn", "unintentional"): (6, 0),
    ("gpt-b", "bn", "intentional"): (6, 2),
}


def test_with_two_models_each_model_gets_its_own_paper_table(tmp_path: Path) -> None:
    """As MultiJail's Table 1 gives ChatGPT's and GPT-4's scenarios apart: per model, the
    scenario columns hold that model's rates only (exact proportions here: all labelled)."""
    db = tmp_path / "models.db"
    with Project.create(db) as project:
        project.content.insert_prompts(
            {"dataset": "multijail", "prompt_key": str(k), "language": lang, "text": "q"}
            for lang in ("zh", "bn")
            for k in range(8)
        )
        rows = []
        for (model, lang, scenario), (n, _) in BY_MODEL.items():
            for k in range(n):
                prompt = project.content.find_prompt(str(k), lang, "multijail")
                assert prompt is not None
                uid = f"{model}-{lang}-{scenario}-{k}"
                rows.append(
                    {"uid": uid, "prompt_id": prompt.id, "language": lang, "model": model}
                    | {"scenario": scenario, "text": "a"}
                )
        project.content.insert_responses(rows)
        ann = project.annotators.ensure("ann").id
        for (model, lang, scenario), (n, unsafe) in BY_MODEL.items():
            for k in range(n):
                response = project.content.response_by_uid(f"{model}-{lang}-{scenario}-{k}")
                assert response is not None
                label = "unsafe" if k < unsafe else "safe"
                project.labels.add(response.id, ann, label, source="import")
    data = json.loads(_report(db, "--json"))
    by_model = data["unsafe_rate"]["conditions"]["scenario"]["by_model"]
    assert sorted(by_model) == ["gpt-a", "gpt-b"]
    for (model, lang, scenario), (n, unsafe) in BY_MODEL.items():
        cell = by_model[model]["by_language"][lang][scenario]
        assert (cell["n"], cell["unsafe"]) == (n, unsafe)
        assert cell["rate"] == pytest.approx(unsafe / n, abs=1e-6)
    # gpt-a's high tier (zh alone) and pooled intentional: 6/8, then (6 + 5) / 14.
    assert by_model["gpt-a"]["by_tier"]["high"]["intentional"]["rate"] == pytest.approx(6 / 8)
    assert by_model["gpt-a"]["pooled"]["intentional"]["rate"] == pytest.approx(11 / 14)
    text = _report(db, "--markdown")
    title = "Unsafe rate per scenario, language and resource tier (95% CI) — model gpt-b"
    rows = _rows(text, title)
    assert [r[:2] for r in rows] == [
        ["high", "zh"],
        ["high", "average"],
        ["low", "bn"],
        ["low", "average"],
        ["", "all (pooled)"],
    ]
    assert rows[0][3].startswith(f"{100 * 1 / 8:.1f}%")  # gpt-b, zh, intentional
    assert rows[4][3].startswith(f"{100 * 3 / 14:.1f}%")  # gpt-b pooled intentional
    # The table over both models is still there, with the models pooled: (6 + 1) / 16.
    pooled = _rows(text, "Unsafe rate per scenario, language and resource tier (95% CI)\n")
    assert pooled[0][3].startswith(f"{100 * 7 / 16:.1f}%")
