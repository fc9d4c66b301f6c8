"""`polyjudge sample`: seeded, reproducible, stratified by judge verdict with weights."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli
from tests.reconcile.helpers import build_project, cli_ok


def make(tmp_path: Path) -> Path:
    items = []
    for language in ("ar", "bn", "zh"):
        for i in range(100):
            spec = {"language": language,
                    "verdict": {"judge": "unsafe" if i % 10 == 0 else "safe"}}
            if i >= 95:
                spec["labels"] = [("a", "safe")]  # already labelled: never sampled
            items.append(spec)
    path = tmp_path / "p.db"
    build_project(path, items).close()
    return path


def sampled(db: Path, batch: str | None = None) -> list:
    with Project.open(db) as project:
        return project.assignments(batch)


def test_same_seed_same_sample_different_seed_different(tmp_path: Path) -> None:
    db = make(tmp_path)
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    cli_ok("sample", "--per-language", "20", "--seed", "5", "--db", str(db))
    cli_ok("sample", "--per-language", "20", "--seed", "5", "--db", str(copy))
    first = [a.response_id for a in sampled(db)]
    assert first == [a.response_id for a in sampled(copy)]
    assert len(first) == 60
    cli_ok("sample", "--per-language", "20", "--seed", "6", "--db", str(copy))
    batches = Counter(a.batch for a in sampled(copy))
    assert len(batches) == 2
    second = [a.response_id for a in sampled(copy) if a.batch != sampled(db)[0].batch]
    assert set(second).isdisjoint(first)  # a new batch never repeats an earlier one
    with Project.open(db) as project:
        labelled = {rid for rid in range(1, 301) if project.current_labels_for(rid)}
    assert labelled.isdisjoint(first)


def test_stratified_sample_oversamples_judge_unsafe_with_weights(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(cli_ok("sample", "--per-language", "20", "--stratify-by-judge",
                            "--seed", "1", "--json", "--db", str(db)))
    assert out["stratified_by"] == "judge"
    rows = sampled(db, out["batch"])
    assert len(rows) == 60
    with Project.open(db) as project:
        for language in ("ar", "bn", "zh"):
            mine = [a for a in rows if project.response(a.response_id).language == language]
            unsafe = [a for a in mine if a.stratum.endswith(":unsafe")]
            other = [a for a in mine if a.stratum.endswith(":other")]
            # 10 judge-unsafe candidates (i % 10 == 0, none labelled): all of them, weight 1;
            # the other 10 of the quota from 85 unlabelled judge-safe items, weight 8.5.
            assert len(unsafe) == 10 and all(a.weight == pytest.approx(1.0) for a in unsafe)
            assert len(other) == 10 and all(a.weight == pytest.approx(8.5) for a in other)


def test_an_existing_batch_is_refused_and_bad_input_is_one_line(tmp_path: Path) -> None:
    db = make(tmp_path)
    cli_ok("sample", "--per-language", "5", "--db", str(db))
    again = run_cli("sample", "--per-language", "5", "--db", str(db))
    assert again.code == 1
    assert "already exists" in again.err and len(again.err.strip().splitlines()) == 1
    missing = run_cli("sample", "--per-language", "5", "--stratify-by-judge", "--judge",
                      "nope", "--db", str(db))
    assert missing.code == 1 and "no judge run" in missing.err


def test_report_after_a_stratified_sample_warns_and_corrects(tmp_path: Path) -> None:
    db = make(tmp_path)
    out = json.loads(cli_ok("sample", "--per-language", "20", "--stratify-by-judge",
                            "--seed", "2", "--json", "--db", str(db)))
    with Project.open(db) as project:
        annotator = project.ensure_annotator("rater").id
        for a in project.assignments(out["batch"]):
            verdict = project.verdicts(run_id=1, response_id=a.response_id)[0].label
            # The judge is right on judge-unsafe items and misses 1 in 5 unsafe among the rest.
            label = "unsafe" if verdict == "unsafe" or a.response_id % 5 == 0 else "safe"
            project.add_label(a.response_id, annotator, label)
    report = json.loads(cli_ok("report", "--json", "--db", str(db), "--bootstrap", "0"))
    assert report["project"]["estimator_run"]["name"] == "judge"
    assert "stratified" in report["judges"]["judge"]["warning"]
    corrected = report["unsafe_rate"]["by_language"]["bn"]["judge_corrected"]
    assert corrected["estimator"] == "judge_corrected_stratified"
    assert 0 < corrected["judge_sensitivity"] < 1
    lo, hi = corrected["judge_sensitivity_ci95"]
    assert lo <= corrected["judge_sensitivity"] <= hi
