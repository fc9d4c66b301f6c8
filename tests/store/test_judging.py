"""`project.judging` and `project.batches`: runs, verdicts, the call log and cache, batches."""

from __future__ import annotations

import pytest

from polyjudge.store import (
    OUTPUT_CAP_BYTES,
    BatchItem,
    JudgeBatch,
    NewCall,
    NewTranslation,
    NewVerdict,
    PolyjudgeError,
)

from .conftest import Filled


def _call(response_id: int, output: str, input_hash: str = "in-1") -> NewCall:
    return NewCall(
        purpose="judge", model="gm", base_url=None, template_name="t", template_hash="th",
        input_hash=input_hash, run_id=None, response_id=response_id, prompt_id=None,
        output=output, logprobs=None, tokens_in=3, tokens_out=1, latency_ms=5,
        finish_reason="stop", error=None,
    )  # fmt: skip


def _run(filled: Filled, name: str = "j1"):
    return filled.project.judging.find_or_create_run(
        name=name, kind="judge", model="gm", base_url=None, template_name="t",
        template_hash="th", params={"temperature": 0},
    )  # fmt: skip


def test_runs_are_found_reused_and_listed(filled: Filled) -> None:
    j = filled.project.judging
    run = _run(filled)
    assert _run(filled).id == run.id  # a re-run continues the run
    assert j.run(run.id) == run and j.run(999) is None
    j.set_run_status(run.id, "finished")
    finished = j.run(run.id)
    assert finished is not None and finished.status == "finished" and finished.finished_at
    other = j.find_or_create_run(
        name="tr", kind="translate", model="m", base_url=None, template_name="t",
        template_hash="h", params={},
    )  # fmt: skip
    assert [r.id for r in j.runs()] == [run.id, other.id]
    assert [r.id for r in j.runs("translate")] == [other.id]
    assert [r.id for r in j.judge_runs()] == [run.id]
    assert j.find_run("j1").id == run.id and j.find_run(str(run.id)).id == run.id
    with pytest.raises(PolyjudgeError):
        j.find_run("nope")


def test_results_calls_cache_and_verdicts(filled: Filled) -> None:
    j = filled.project.judging
    run = _run(filled)
    assert [i.id for i in j.items(run.id, ["it"])] == [filled.r1, filled.r2]
    call = _call(filled.r1, "unsafe")
    verdict = NewVerdict(
        run_id=run.id, response_id=filled.r1, label="unsafe", p_unsafe=0.8, raw="unsafe",
        template_name="t", template_hash="th", input_hash="in-1", tokens_in=3, tokens_out=1,
        latency_ms=5, input_source='{"response": "original"}', call=call,
    )  # fmt: skip
    j.record_results([call], [verdict], [NewTranslation("response", filled.r3, "No.", "e")])
    items = j.items(run.id)
    assert [(i.id, i.judged) for i in items] == [(filled.r1, 1), (filled.r2, 0), (filled.r3, 0)]
    stored = j.verdicts(run.id)
    assert [(v.response_id, v.label, v.raw) for v in stored] == [(filled.r1, "unsafe", "unsafe")]
    assert j.verdicts(response_id=filled.r2) == []
    assert j.verdict_counts(run.id) == {"unsafe": 1}
    assert j.verdict_input_source(stored[0].id) == {"response": "original"}
    cached = j.cached_calls("gm", "th", ["in-1", "in-2"])
    assert list(cached) == ["in-1"] and cached["in-1"].output == "unsafe"
    assert [c.output for c in j.llm_calls()] == ["unsafe"]
    assert j.llm_calls(run_id=run.id) == []  # the call was logged without a run
    assert [(c.output, c.output_bytes) for c in j.llm_calls()] == [("unsafe", 6)]
    r3 = filled.project.content.response(filled.r3)
    assert r3 is not None and r3.back_translation == "No."


def test_a_long_answer_is_stored_capped_and_is_no_cache_hit(filled: Filled) -> None:
    j = filled.project.judging
    j.record_results([_call(filled.r1, "x" * (OUTPUT_CAP_BYTES + 10), "long")])
    [call] = j.llm_calls()
    assert call.output is not None and len(call.output.encode()) == OUTPUT_CAP_BYTES
    assert call.output_bytes == OUTPUT_CAP_BYTES + 10
    assert j.cached_calls("gm", "th", ["long"]) == {}


def test_translation_items(filled: Filled) -> None:
    j = filled.project.judging
    assert [i.id for i in j.translation_items("response")] == [filled.r1, filled.r2, filled.r3]
    assert j.count_translation_items("response", ["sw"]) == 1
    j.record_results(translations=[NewTranslation("response", filled.r3, "No.", "e")])
    assert j.count_translation_items("response", ["sw"]) == 0
    assert j.count_translation_items("response", ["sw"], overwrite=True) == 1
    assert [i.kind for i in j.translation_items("prompt")] == ["prompt", "prompt"]


def test_add_verdict_rows(filled: Filled) -> None:
    j = filled.project.judging
    run = j.add_verdict_rows("quick", "m", [(filled.r1, "safe"), (filled.r2, "unsafe", 0.7)])
    assert run.status == "finished"
    assert [(v.response_id, v.p_unsafe) for v in j.verdicts(run.id)] == [
        (filled.r1, None),
        (filled.r2, 0.7),
    ]


def test_batches(filled: Filled) -> None:
    project = filled.project
    b = project.batches
    run = _run(filled)
    b.add(
        JudgeBatch(id="batch_1", run_id=run.id, status="validating", requests=1),
        [BatchItem("c1", filled.r1, "h1")],
    )
    b.add_items("batch_1", [BatchItem("c1", filled.r2, "h1")])
    assert [i.response_id for i in b.items("batch_1")] == [filled.r1, filled.r2]
    assert [x.id for x in b.open()] == ["batch_1"]
    assert project.judging.run(run.id).batch_id == "batch_1"  # type: ignore[union-attr]
    assert [i.in_batch for i in project.judging.items(run.id)] == [1, 1, 0]
    b.update("batch_1", status="completed", output_file_id="f-out", done=True)
    got = b.get("batch_1")
    assert got is not None and got.status == "completed" and got.output_file_id == "f-out"
    assert b.open() == [] and b.get("nope") is None
