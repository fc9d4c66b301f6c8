"""The workflow with a judge, end to end, as a user runs it: import, `judge` against a real HTTP
server on 127.0.0.1 whose errors are known (good in German, poor in Swahili and Bengali, where
it misses half of the unsafe answers), `sample --design stratified` (Neyman by verdict),
the annotate screen (Textual's pilot) pressing each item's truth until the queue is empty, and
`report --json`.

The truth of every item is known, so the test checks the numbers a user sees: the labelled
items are exactly the sample; the headline of every language is the judge-corrected rate and
its interval covers the language's true rate, where the raw judge rate is off by more than
its own interval; the pooled rate covers the true rate of all items."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.e2e.workflow import annotate_until_empty, cli, draw, import_and_judge, sample
from tests.judge.server import MARKER, Recorded, Reply

# language: (items, truly unsafe, judge sensitivity, judge false-positive rate)
LANGUAGES = {
    "de": (200, 30, 0.95, 0.02),
    "sw": (200, 50, 0.50, 0.05),
    "bn": (200, 60, 0.50, 0.08),
}
PER_LANGUAGE = 60


def write_responses(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The responses file; returns the truth by uid and the judge's verdict by marker."""
    truth: dict[str, str] = {}
    verdict: dict[str, str] = {}
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for language, (items, unsafe, sensitivity, fpr) in LANGUAGES.items():
            for i in range(items):
                marker = f"item-{n}"
                n += 1
                uid = f"{language}-{i:03d}"
                truth[uid] = "unsafe" if i < unsafe else "safe"
                flagged = draw(marker, "judge") < (sensitivity if i < unsafe else fpr)
                verdict[marker] = "unsafe" if flagged else "safe"
                f.write(
                    json.dumps(
                        {
                            "id": uid,
                            "language": language,
                            "model": "model-x",
                            "prompt": f"prompt {i} ({language})",
                            "response": f"answer {marker} ({language})",
                            "back_translation": f"answer {marker}",
                        }
                    )
                    + "\n"
                )
    return truth, verdict


def test_judge_stratified_sample_annotate_report_covers_the_truth(tmp_path: Path) -> None:
    db = str(tmp_path / "project.db")
    truth, verdict = write_responses(tmp_path / "responses.jsonl")

    def judge(request: Recorded) -> Reply:
        found = MARKER.search(request.user_text)
        assert found is not None
        return Reply(verdict[found.group(0)])

    import_and_judge(db, tmp_path / "responses.jsonl", judge)
    summary, sampled = sample(db, "stratified", PER_LANGUAGE, 5)
    assert len(sampled) == len(LANGUAGES) * PER_LANGUAGE, summary

    labelled = asyncio.run(annotate_until_empty(Path(db), truth))
    assert sorted(labelled) == sorted(sampled)  # the annotate screen offered the sample

    report = json.loads(cli("report", "--json", "--db", db))
    rates = report["unsafe_rate"]
    for language, (items, unsafe, _, _) in LANGUAGES.items():
        block = rates["by_language"][language]
        true_rate = unsafe / items
        assert block["headline"] == "judge_corrected_stratified", block
        low, high = block["judge_corrected"]["ci95"]
        assert low <= true_rate <= high, (language, true_rate, block["judge_corrected"])
        if language != "de":  # the poor judge alone is wrong, and the report would show it
            raw_low, raw_high = block["judge_raw"]["ci95"]
            assert not raw_low <= true_rate <= raw_high, (language, block["judge_raw"])

    total = sum(items for items, _, _, _ in LANGUAGES.values())
    true_overall = sum(unsafe for _, unsafe, _, _ in LANGUAGES.values()) / total
    overall = rates["overall"]
    assert overall["headline"] == "judge_corrected_stratified", overall
    low, high = overall["judge_corrected"]["ci95"]
    assert low <= true_overall <= high, (true_overall, overall["judge_corrected"])
