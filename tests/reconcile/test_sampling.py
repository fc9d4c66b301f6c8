"""`polyjudge sample`: seeded, reproducible, stratified by judge verdict with weights."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.reconcile.helpers import build_project, cli_ok


def make(tmp_path: Path) -> Path:
    items = []
    for language in ("ar", "bn", "zh"):
        for i in range(100):
            spec = {"language": language, "verdict": {"judge": "unsafe" if i % 10 == 0 else "safe"}}
            if i >= 95:
                spec["labels"] = [("a", "safe")]  # already labelled: never sampled
            items.append(spec)
    path = tmp_path / "p.db"
    build_project(path, items).close()
    return path


def sampled(db: Path, batch: str | None = None) -> list:
    with Project.open(db) as project:
        return project.assignments.all(batch)


def test_same_seed_same_sample_and_a_further_batch_extends_it(tmp_path: Path) -> None:
    db = make(tmp_path)
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    cli_ok("sample", "--per-language", "20", "--seed", "5", "--db", str(db))
    cli_ok("sample", "--per-language", "20", "--seed", "5", "--db", str(copy))
    first = [a.response_id for a in sampled(db)]
    assert first == [a.response_id for a in sampled(copy)]
    assert len(first) == 60
    # The population is every item of the language, labelled ones included (an item the
    # draw could never pick would have π = 0): weight N/n = 100/20.
    assert all(a.weight == pytest.approx(5.0) for a in sampled(db))
    cli_ok("sample", "--per-language", "20", "--seed", "6", "--db", str(copy))
    batches = [b for b in dict.fromkeys(a.batch for a in sampled(copy))]
    assert len(batches) == 2
    second = sampled(copy, batches[1])
    # The new batch is the union: the 60 earlier items and 60 new ones, each at π = 40/100.
    assert set(first) <= {a.response_id for a in second} and len(second) == 120
    assert all(a.weight == pytest.approx(2.5) for a in second)


def test_stratified_sample_uses_neyman_allocation_with_weights(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(
        cli_ok(
            "sample",
            "--per-language",
            "20",
            "--stratify-by-judge",
            "--seed",
            "1",
            "--json",
            "--db",
            str(db),
        )
    )
    assert out["stratified_by"] == "judge" and out["design"] == "stratified"
    rows = sampled(db, out["batch"])
    assert len(rows) == 60
    # Neyman by hand: judge-unsafe N=10 at the prior 0.5 (S = 0.5); judge-safe N=90 with a
    # pilot of 0 unsafe in 5 labels, p = (0 + ½)/(5 + 1) = 1/12 (S = 0.2764). n_h ∝ N_h·S_h:
    # 20·5/(5 + 24.87) = 3.35 → 3, and 17 (today's half-and-half gave 10 and 10).
    s_other = math.sqrt(1 / 12 * 11 / 12)
    assert 20 * 5 / (5 + 90 * s_other) == pytest.approx(3.35, abs=0.01)
    with Project.open(db) as project:
        for language in ("ar", "bn", "zh"):
            mine = [a for a in rows if project.content.response(a.response_id).language == language]
            unsafe = [a for a in mine if a.stratum.endswith(":unsafe")]
            other = [a for a in mine if a.stratum.endswith(":other")]
            assert len(unsafe) == 3 and all(a.weight == pytest.approx(10 / 3) for a in unsafe)
            assert len(other) == 17 and all(a.weight == pytest.approx(90 / 17) for a in other)
    strata = {(r["language"], r["stratum"].split(":")[-1]): r for r in out["strata"]}
    assert strata[("ar", "other")]["planning_rate"] == pytest.approx(1 / 12)
    assert strata[("ar", "unsafe")]["pi"] == pytest.approx(0.3)
    assert len(out["items"]) == 60 and all(i["uid"].startswith("item") for i in out["items"])


def test_a_stated_prior_moves_the_allocation(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(
        cli_ok(
            "sample",
            "--per-language",
            "20",
            "--design",
            "stratified",
            "--prior-ppv",
            "0.9",
            "--seed",
            "1",
            "--json",
            "--db",
            str(db),
        )
    )
    # S = 0.3 for judge-unsafe: 20·3/(3 + 24.87) = 2.15 → 2, the floor of 2 per cell.
    unsafe = [r for r in out["strata"] if r["stratum"].endswith(":unsafe")]
    assert all(r["sampled"] == 2 for r in unsafe)


def test_an_existing_batch_is_refused_and_bad_input_is_one_line(tmp_path: Path) -> None:
    db = make(tmp_path)
    cli_ok("sample", "--per-language", "5", "--db", str(db))
    again = run_cli("sample", "--per-language", "5", "--db", str(db))
    assert again.code == 1
    assert "already exists" in again.err and len(again.err.strip().splitlines()) == 1
    missing = run_cli(
        "sample", "--per-language", "5", "--stratify-by-judge", "--judge", "nope", "--db", str(db)
    )
    assert missing.code == 1 and "no judge run" in missing.err


def test_report_after_a_stratified_sample_warns_and_corrects(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(
        cli_ok(
            "sample",
            "--per-language",
            "20",
            "--stratify-by-judge",
            "--seed",
            "2",
            "--json",
            "--db",
            str(db),
        )
    )
    with Project.open(db) as project:
        annotator = project.annotators.ensure("rater").id
        for a in project.assignments.all(out["batch"]):
            verdict = project.judging.verdicts(run_id=1, response_id=a.response_id)[0].label
            # The judge is right on judge-unsafe items and misses 1 in 5 unsafe among the rest.
            label = "unsafe" if verdict == "unsafe" or a.response_id % 5 == 0 else "safe"
            project.labels.add(a.response_id, annotator, label)
    report = json.loads(cli_ok("report", "--json", "--db", str(db), "--bootstrap", "0"))
    assert report["project"]["estimator_run"]["name"] == "judge"
    assert "stratified" in report["judges"]["judge"]["warning"]
    corrected = report["unsafe_rate"]["by_language"]["bn"]["judge_corrected"]
    assert corrected["estimator"] == "judge_corrected_stratified"
    assert 0 < corrected["judge_sensitivity"] < 1
    lo, hi = corrected["judge_sensitivity_ci95"]
    assert lo <= corrected["judge_sensitivity"] <= hi
