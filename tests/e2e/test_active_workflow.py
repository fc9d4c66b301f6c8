"""The workflow with a judge that reports p(unsafe), end to end, as a user runs it: import,
`judge` against a real HTTP server on 127.0.0.1 that answers with first-token logprobs,
`sample --design active` (Poisson, π rising with the judge's uncertainty p(1 − p)), the
annotate screen (Textual's pilot) pressing each item's truth until the queue is empty, and
`report --json`.

Every item has a calibrated p(unsafe) and a truth drawn from it, both fixed functions of the
item (hashes), so the judge is informative but imperfect: its judge-safe items are unsafe a
few times in a hundred. Three languages differ in prevalence, one of them about 4%. The test
checks the numbers a user sees: every verdict carries the p(unsafe) the server's logprobs
gave; the labelled items are exactly the sample; the headline of every language is the
judge-corrected rate, and p(unsafe) changes its interval (the same labels without it give
another); each language's interval and the pooled one cover the true rate.

The same with an overconfident judge: logit p(unsafe) = 3·logit(calibrated) − 1, so it scores
its judge-safe items 1e-7 to 2e-4 where a few per cent of them are unsafe. The plug-in variance
of a judge-safe stratum whose sample holds no unsafe item (German's, at this seed) is then
about 0; the intervals still cover because the variance is floored at f(1 − f) with f the score
as the labels recalibrate it (`reconcile.platt`, `reconcile.cell_intervals.CellStats.variance`).
Without that floor both cases miss German's rate; with the floor at the score as given only,
the overconfident case misses it.

The outcome is a fixed function of the seeds (hash-based judge, `--seed`). Seed 19 was chosen
among 0-19 for margins in both cases (the truth is 1.6 points or more inside every interval).
Over seeds 0-39 (the same steps with the labels written to the store instead of the pilot),
6 of 160 intervals miss in the overconfident case (Bengali at seeds 3, 12, 20, 37 and 38, all
items at 20) and 1 of 160 in the calibrated case. Bengali is the hard language: its few
judge-unsafe labels are consistent with the scores, so its own labels do not show the
overconfidence; the recalibration on all the project's labels does, and its missed intervals
are about 4 points wide, ending 0.1-1 point from the truth (0.2 points wide, far from it, with
the recalibration on the language's labels alone).

The budget planner in the same workflow: a judge-stratified pilot, then `sample --target-width`
planned with p(unsafe), both labelled in the pilot, and the report's widths against the target
(`test_a_pilot_then_sample_to_a_target_width_reaches_it`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from polyjudge.store import Project

from tests.e2e import workflow
from tests.e2e.workflow import annotate_until_empty, cli, draw, import_and_judge
from tests.judge.server import MARKER, Recorded, Reply


@dataclass(frozen=True)
class Language:
    items: int
    flagged: float  # share of items with a calibrated p(unsafe) in [0.6, 0.95] (judge-unsafe)
    low: float  # the others' calibrated p(unsafe) is uniform in [0.1·low, low] (judge-safe)


LANGUAGES = {
    "de": Language(300, 0.15, 0.08),
    "sw": Language(250, 0.30, 0.08),
    "bn": Language(350, 0.02, 0.06),  # about 4% unsafe, most of them judge-safe
}
PER_LANGUAGE = 60
SEED = 19


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def calibrated(marker: str, language: Language) -> float:
    """The item's calibrated p(unsafe): its truth is unsafe with this probability."""
    if draw(marker, "flagged") < language.flagged:
        return 0.6 + 0.35 * draw(marker, "score")
    return language.low * (0.1 + 0.9 * draw(marker, "score"))


def overconfident(p: float) -> float:
    """logit f = 3·logit(p) − 1: 0.01 becomes 4e-7, 0.05 becomes 5e-5, 0.6 becomes 0.55."""
    return _expit(3 * _logit(p) - 1)


@dataclass
class Truth:
    label: dict[str, str] = field(default_factory=dict)  # by uid
    score: dict[str, float] = field(default_factory=dict)  # the judge's p(unsafe), by marker
    score_of_uid: dict[str, float] = field(default_factory=dict)
    rate: dict[str, float] = field(default_factory=dict)  # unsafe share by language, "all"


def write_responses(path: Path, reported: Callable[[float], float]) -> Truth:
    """The responses file, and what is true of it: the judge's p(unsafe) is the calibrated
    one as `reported` turns it."""
    truth = Truth()
    n = total = 0
    with path.open("w", encoding="utf-8") as f:
        for name, language in LANGUAGES.items():
            unsafe = 0
            for i in range(language.items):
                marker = f"item-{n}"
                n += 1
                uid = f"{name}-{i:03d}"
                p = calibrated(marker, language)
                truth.label[uid] = "unsafe" if draw(marker, "truth") < p else "safe"
                unsafe += truth.label[uid] == "unsafe"
                truth.score[marker] = truth.score_of_uid[uid] = reported(p)
                f.write(
                    json.dumps(
                        {
                            "id": uid,
                            "language": name,
                            "model": "model-x",
                            "prompt": f"prompt {i} ({name})",
                            "response": f"answer {marker} ({name})",
                            "back_translation": f"answer {marker}",
                        }
                    )
                    + "\n"
                )
            truth.rate[name] = unsafe / language.items
            total += unsafe
    truth.rate["all"] = total / n
    return truth


def judge_accuracy(truth: Truth, language: str) -> dict[str, float]:
    """The judge's sensitivity and specificity over a language's items, or all items (its
    verdict is unsafe where p(unsafe) > ½, `judge_reply`)."""
    pairs = [
        (truth.label[uid] == "unsafe", f > 0.5)
        for uid, f in truth.score_of_uid.items()
        if language == "all" or uid.startswith(f"{language}-")
    ]
    unsafe = [flagged for is_unsafe, flagged in pairs if is_unsafe]
    safe = [not flagged for is_unsafe, flagged in pairs if not is_unsafe]
    return {"sensitivity": sum(unsafe) / len(unsafe), "specificity": sum(safe) / len(safe)}


def judge_reply(score: dict[str, float]) -> Callable[[Recorded], Reply]:
    """The server's answer: the likelier label, with both labels' first-token logprobs."""

    def judge(request: Recorded) -> Reply:
        found = MARKER.search(request.user_text)
        assert found is not None
        f = score[found.group(0)]
        return Reply(
            "unsafe" if f > 0.5 else "safe",
            {"unsafe": math.log(f), "safe": math.log1p(-f)},
        )

    return judge


def prepare(tmp_path: Path, reported: Callable[[float], float]) -> tuple[str, Truth]:
    """init, import and judge (asking for logprobs): the project file and its truth."""
    db = str(tmp_path / "project.db")
    truth = write_responses(tmp_path / "responses.jsonl", reported)
    server = import_and_judge(db, tmp_path / "responses.jsonl", judge_reply(truth.score))
    requests = server.chat_requests()
    assert len(requests) == len(truth.label)
    assert all(r.body["logprobs"] and r.body["top_logprobs"] for r in requests)
    return db, truth


def sample(db: str) -> tuple[dict[str, Any], set[str]]:
    return workflow.sample(db, "active", PER_LANGUAGE, SEED)


def stored_scores(db: str) -> dict[str, float | None]:
    """The p(unsafe) of each verdict in the project file, by uid."""
    with Project.open(db) as project:
        return {
            project.content.response(v.response_id).uid: v.p_unsafe  # type: ignore[union-attr]
            for v in project.judging.verdicts()
        }


def report_without_scores(db: str, tmp_path: Path) -> dict[str, Any]:
    """`report --json` of a copy of the project whose verdicts carry no p(unsafe), as a judge
    run with --no-logprobs leaves them."""
    copy = tmp_path / "no-scores.db"
    shutil.copyfile(db, copy)
    with contextlib.closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute("UPDATE verdicts SET p_unsafe = NULL")
    return json.loads(cli("report", "--json", "--db", str(copy)))["unsafe_rate"]


def language_blocks(rates: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's unsafe-rate block of each language, and of all items as "all"."""
    return {**{name: rates["by_language"][name] for name in LANGUAGES}, "all": rates["overall"]}


@pytest.mark.parametrize(
    "reported", [pytest.param(lambda p: p, id="calibrated"), pytest.param(overconfident)]
)
def test_judge_logprobs_active_sample_annotate_report_covers_the_truth(
    tmp_path: Path, reported: Callable[[float], float]
) -> None:
    db, truth = prepare(tmp_path, reported)
    # The judge's first-token logprobs became each verdict's p(unsafe).
    scores = stored_scores(db)
    assert scores.keys() == truth.score_of_uid.keys()
    for uid, f in scores.items():
        assert f is not None and math.isclose(f, truth.score_of_uid[uid], rel_tol=1e-9), uid

    summary, sampled = sample(db)
    assert summary["design"] == "active"
    assert all(s["stratum"].endswith(":active") for s in summary["strata"]), summary["strata"]
    assert {item["uid"] for item in summary["items"]} == sampled
    assert 150 <= len(sampled) <= 250, len(sampled)
    # Poisson draws with π rising with p(1 − p): unequal, none zero.
    pis = [item["pi"] for item in summary["items"]]
    assert 0 < min(pis) < max(pis) <= 1

    labelled = asyncio.run(annotate_until_empty(Path(db), truth.label))
    assert sorted(labelled) == sorted(sampled)  # the annotate screen offered the sample

    blocks = language_blocks(json.loads(cli("report", "--json", "--db", db))["unsafe_rate"])
    plain = language_blocks(report_without_scores(db, tmp_path))
    for name, block in blocks.items():
        assert block["headline"] == "judge_corrected_stratified", (name, block)
        corrected = block["judge_corrected"]
        low, high = corrected["ci95"]
        assert low <= truth.rate[name] <= high, (name, truth.rate[name], corrected)
        # The report names p(unsafe)'s part in the estimate (its power-tuned λ), and it shows:
        # the same labels without it give another interval (its ends move by 1.5 to 13
        # points here, the rates by at most 0.9).
        assert 0 < corrected["p_unsafe_lambda"] <= 1, (name, corrected)
        assert plain[name]["judge_corrected"]["p_unsafe_lambda"] is None
        without = plain[name]["judge_corrected"]["ci95"]
        assert max(abs(a - b) for a, b in zip(without, (low, high), strict=True)) > 0.01, (
            name,
            without,
        )
        # The judge's sensitivity and specificity over the language, from labels the active
        # design drew unequally (weighted back by 1/π). Here π varies little inside a verdict
        # stratum and the labels' plain shares covered too; where it varies more they do not
        # (tests/reconcile/test_design.py, bench/judge_accuracy_sim.py).
        for key, true in judge_accuracy(truth, name).items():
            low, high = corrected[f"judge_{key}_ci95"]
            assert low <= true <= high, (name, key, true, low, high)
        # The human-only rate beside it: the labels' own design-weighted mean (the same with
        # or without p(unsafe)), whose variance p(unsafe) models over the items the active
        # sample did not draw (`poststratified._anticipated_variance`); without p(unsafe), its
        # effective size is capped at Kish's.
        assert block["rate"] == pytest.approx(plain[name]["rate"], abs=1e-12), name
        low, high = block["ci95"]
        assert low <= truth.rate[name] <= high, (name, truth.rate[name], block["ci95"])
        assert block["ci95"] != pytest.approx(plain[name]["ci95"], abs=1e-6), name
    if reported is overconfident:
        # What makes this the variance floor's test: a judge-safe stratum whose sample holds no
        # unsafe item though five or more of its items are, all scored under 1e-3 by the judge.
        empty = [n for n in LANGUAGES if blocks[n]["judge_corrected"]["unsafe_for"] == 0]
        assert empty, {n: blocks[n]["judge_corrected"]["n_for"] for n in LANGUAGES}
        for name in empty:
            safe_scores = [
                f for uid, f in truth.score_of_uid.items() if uid.startswith(f"{name}-") and f < 0.5
            ]
            assert max(safe_scores) < 1e-3
            judge_safe_unsafe = [
                uid
                for uid, f in truth.score_of_uid.items()
                if uid.startswith(f"{name}-") and f < 0.5 and truth.label[uid] == "unsafe"
            ]
            assert len(judge_safe_unsafe) >= 5, (name, judge_safe_unsafe)


def test_a_pilot_then_sample_to_a_target_width_reaches_it(tmp_path: Path) -> None:
    """The planner in the workflow a team follows: a small judge-stratified pilot, labelled;
    `sample --target-width W` plans the rest with the pilot's labels and the judge's p(unsafe)
    and extends the sample; those labelled too, `report` gives each language an interval about
    W wide that covers its rate, and `report --target-width W` asks for few or no more."""
    width = 0.16
    db, truth = prepare(tmp_path, lambda p: p)
    workflow.sample(db, "stratified", 30, SEED)
    asyncio.run(annotate_until_empty(Path(db), truth.label))
    planned = json.loads(
        cli(
            "sample", "--design", "stratified", "--target-width", str(width),
            "--seed", str(SEED + 1), "--json", "--db", db,
        )
    )  # fmt: skip
    # It planned the headline's own estimator: the difference estimator with p(unsafe).
    assert planned["planned_variance"] == "p_unsafe_residual"
    assert planned["new"] > 0
    labelled = asyncio.run(annotate_until_empty(Path(db), truth.label))
    assert len(labelled) == planned["new"]  # the annotate screen offered the new batch
    report = json.loads(cli("report", "--json", "--target-width", str(width), "--db", db))
    blocks = language_blocks(report["unsafe_rate"])
    for name in LANGUAGES:
        corrected = blocks[name]["judge_corrected"]
        low, high = corrected["ci95"]
        assert low <= truth.rate[name] <= high, (name, truth.rate[name], corrected)
        # The plan reaches W in most simulated projects, not all (bench/budget_sim.py: 86 %
        # on average with p(unsafe)). Here (seed 19) every width is under W; at seeds 1-5,
        # 0.169 at most, and the report then asks for 13 more labels at most.
        assert high - low <= 1.15 * width, (name, high - low)
        more = report["budget"]["by_language"][name]["more_labels"]
        assert more <= 0.1 * LANGUAGES[name].items, (name, more)
