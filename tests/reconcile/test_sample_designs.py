"""`polyjudge sample` designs beyond the uniform one: active (Poisson, π ∝ uncertainty with a
floor), budgets split across languages, what the command prints, and refused combinations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from polyjudge.reconcile.allocation import active_probabilities, neyman
from polyjudge.store import Project

from tests.conftest import run_cli
from tests.reconcile.helpers import build_project, cli_ok


def make(tmp_path: Path, sizes=(("ar", 400), ("bn", 100)), baseline: bool = False) -> Path:
    items = []
    for language, n in sizes:
        for i in range(n):
            verdict = "unsafe" if i % 8 == 0 else "safe"
            items.append(
                {
                    "language": language,
                    "verdict": {("refusal-baseline" if baseline else "judge"): verdict},
                }
            )
    path = tmp_path / "p.db"
    project = build_project(path, items)
    if not baseline:  # a second run that disagrees on every 5th item, with p(unsafe)
        rng = np.random.default_rng(0)
        rows = []
        for rid in range(1, len(items) + 1):
            v = "unsafe" if (rid - 1) % 8 == 0 else "safe"
            if rid % 5 == 0:
                v = "safe" if v == "unsafe" else "unsafe"
            p = None if rid % 7 == 0 else float(rng.beta(0.5, 4))
            rows.append((rid, v, p))
        project.judging.add_verdict_rows("judge2", "model-judge2", rows)
    project.close()
    return path


def test_active_design_gives_every_item_a_floored_probability(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(
        cli_ok(
            "sample",
            "--design",
            "active",
            "--per-language",
            "60",
            "--judge",
            "judge2",
            "--seed",
            "3",
            "--json",
            "--db",
            str(db),
        )
    )
    assert out["design"] == "active" and out["stratified_by"] == "judge2"
    ar = next(r for r in out["strata"] if r["language"] == "ar")
    assert ar["pi_min"] == pytest.approx(0.2 * 60 / 400)  # the floor
    assert ar["pi_max"] <= 1
    with Project.open(db) as project:
        rows = project.assignments.all(out["batch"])
    pis = [1 / a.weight for a in rows]
    assert min(pis) >= 0.2 * 60 / 400 - 1e-12
    assert len({round(p, 6) for p in pis}) > 3  # unequal: it follows the uncertainty
    assert 30 <= sum(1 for i in out["items"] if i["uid"] and i["language"] == "ar") <= 90


def test_active_probabilities_sum_to_n_follow_the_score_and_stay_unbiased() -> None:
    rng = np.random.default_rng(1)
    u = rng.beta(0.3, 3, size=2000)
    y = rng.random(2000) < u  # p(unsafe) calibrated: the truth is drawn from it
    scores = np.sqrt(u * (1 - u))
    pi = active_probabilities(scores, 200)
    assert pi.sum() == pytest.approx(200, rel=1e-6)
    assert pi.min() == pytest.approx(0.2 * 200 / 2000)
    free = (pi > pi.min() + 1e-9) & (pi < 1)
    ratio = pi[free] / scores[free]
    assert ratio.max() == pytest.approx(ratio.min(), rel=1e-6)
    # Horvitz–Thompson over Poisson draws is unbiased for the population rate (simulation).
    estimates = []
    for _ in range(4000):
        s = rng.random(2000) < pi
        estimates.append(np.sum(y[s] / pi[s]) / 2000)
    se = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - y.mean()) < 4 * se


def test_neyman_allocation_matches_cochrans_formula() -> None:
    # n_h = n·N_h S_h / Σ N_h S_h (Cochran 1977, eq. 5.60): 100·(1000·0.2)/(1000·0.2 + 500·0.4
    # + 2000·0.05) = 40, 40, 20.
    assert neyman([1000, 500, 2000], [0.2, 0.4, 0.05], 100) == [40, 40, 20]
    # A stratum smaller than its share is taken whole and the rest re-allocated (§5.8).
    assert neyman([10, 1000], [0.5, 0.001], 100) == [10, 90]
    # Floors keep π > 0 where S_h = 0.
    assert neyman([100, 100], [0.5, 0.0], 20) == [18, 2]


def test_a_budget_is_split_across_languages_and_a_target_width_is_met(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(
        cli_ok("sample", "--budget", "90", "--stratify-by-judge", "--json", "--db", str(db))
    )
    assert out["new"] == 90
    by_language = {}
    for row in out["strata"]:
        by_language[row["language"]] = by_language.get(row["language"], 0) + row["sampled"]
    assert by_language["ar"] > by_language["bn"] > 0  # the larger language needs more
    # The 90 drawn, not labelled yet, are labels to come: a wide target needs nothing more,
    # a narrow one more than they give.
    for seed, (width, more) in enumerate((("0.3", False), ("0.1", True)), 2):
        out = json.loads(
            cli_ok(
                "sample",
                "--target-width",
                width,
                "--json",
                "--seed",
                str(seed),
                "--db",
                str(tmp_path / "p.db"),
            )
        )
        assert out["design"] == "uniform" and (out["new"] > 0) == more, out["new"]
        assert sum(out["waiting"].values()) == 90


def test_two_budgets_asked_before_labelling_draw_what_their_sum_would(tmp_path: Path) -> None:
    # The items the first budget drew are labels to come: the second splits its labels as if
    # they were there, so the two batches together are what one budget of their sum draws.
    # Before, the second split was planned from the same labels as the first and repeated it.
    def drawn(out: dict) -> dict[str, int]:
        by_language: dict[str, int] = {}
        for row in out["strata"]:
            by_language[row["language"]] = by_language.get(row["language"], 0) + row["sampled"]
        return by_language

    sizes = (("ar", 400), ("bn", 60))
    once = tmp_path / "once"
    once.mkdir()
    db = make(once, sizes)
    whole = drawn(json.loads(cli_ok("sample", "--budget", "120", "--json", "--db", str(db))))
    db = make(tmp_path, sizes)
    first = drawn(json.loads(cli_ok("sample", "--budget", "60", "--json", "--db", str(db))))
    out = json.loads(cli_ok("sample", "--budget", "60", "--seed", "2", "--json", "--db", str(db)))
    assert out["waiting"] == first
    second = drawn(out)
    assert sum(second.values()) == 60
    for language, n in whole.items():
        assert abs(first.get(language, 0) + second.get(language, 0) - n) <= 1, (
            language,
            first,
            second,
            whole,
        )
    text = cli_ok("sample", "--budget", "10", "--seed", "3", "--db", str(db))
    assert f"ar: {first['ar'] + second['ar']} item(s) drawn before" in text


def test_sample_prints_its_run_the_baseline_and_short_languages(tmp_path: Path) -> None:
    db = make(tmp_path, sizes=(("ar", 40), ("bn", 12)), baseline=True)
    text = cli_ok("sample", "--per-language", "20", "--stratify-by-judge", "--db", str(db))
    assert "Stratified by judge run refusal-baseline" in text
    assert "refusal baseline" in text and "not a model judge" in text
    assert "bn: asked for 20, only 12 items not yet sampled" in text


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--per-language", "5", "--budget", "10"], 2, "exactly one of"),
        ([], 2, "exactly one of"),
        (["--per-language", "5", "--stratify-by-judge", "--design", "active"], 2, "contradicts"),
        (["--per-language", "5", "--judge", "judge"], 2, "no effect"),
        (["--per-language", "5", "--prior-ppv", "0.3"], 2, "only plan"),
        (
            ["--per-language", "5", "--design", "stratified", "--prior-for", "1.5"],
            2,
            "between 0 and 1",
        ),
        (["--target-width", "0"], 2, "between 0 and 1"),
    ],
)
def test_nonsense_combinations_are_refused_in_one_line(
    tmp_path: Path, args: list[str], code: int, text: str
) -> None:
    db = make(tmp_path)
    result = run_cli("sample", *args, "--db", str(db))
    assert result.code == code, result.err
    assert text in result.err


def test_an_active_sample_is_not_extended(tmp_path: Path) -> None:
    db = make(tmp_path)
    cli_ok("sample", "--design", "active", "--per-language", "20", "--db", str(db))
    again = run_cli("sample", "--per-language", "10", "--seed", "1", "--db", str(db))
    assert again.code == 1 and "active sample" in again.err
    assert len(again.err.strip().splitlines()) == 1


def test_disagreement_between_runs_raises_an_items_probability(tmp_path: Path) -> None:
    from polyjudge.reconcile.data import load
    from polyjudge.reconcile.sampling import disagreement

    db = make(tmp_path, sizes=(("ar", 40),))
    with Project.open(db) as project:
        data = load(project)
    e = disagreement(data)
    # Two non-baseline runs; every 5th response id differs between them.
    assert np.all(e[4::5] == 0.5) and np.all(np.delete(e, np.s_[4::5]) == 0)
    out = json.loads(
        cli_ok(
            "sample",
            "--design",
            "active",
            "--per-language",
            "10",
            "--judge",
            "judge",
            "--seed",
            "1",
            "--json",
            "--db",
            str(db),
        )
    )
    assert out["strata"][0]["pi_max"] > out["strata"][0]["pi_min"]
