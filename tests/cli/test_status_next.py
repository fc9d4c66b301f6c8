"""`polyjudge status` says what to do next (issue 13, part 4): per language with responses,
how many are back-translated, judged, sampled, labelled, final and queued, and the command for
the biggest gap. Counts are known by construction."""

from __future__ import annotations

import json
from pathlib import Path

from polyjudge.reconcile.next_step import next_step
from polyjudge.store import Project

from tests.conftest import run_cli


def build(db: Path) -> None:
    """ar: 10 responses, all back-translated, 9 judged (item 10's verdict unparsed), items 1-6
    sampled, labels on 1-4 and 7 (item 4 unsure: queued). bn: 6 responses, 2 back-translated,
    nothing else. en: 4 responses judged only by a baseline. fr: a prompt, no response."""
    with Project.create(db) as p:
        p.content.insert_prompts(
            [{"dataset": "d", "prompt_key": "k", "language": "fr", "text": "q"}]
        )
        rows = [
            {"uid": f"ar{i}", "language": "ar", "text": f"a {i}", "back_translation": "bt"}
            for i in range(1, 11)
        ]
        rows += [
            {"uid": f"bn{i}", "language": "bn", "text": f"b {i}"}
            | ({"back_translation": "bt"} if i <= 2 else {})
            for i in range(1, 7)
        ]
        rows += [{"uid": f"en{i}", "language": "en", "text": f"e {i}"} for i in range(1, 5)]
        p.content.insert_responses(rows)
        ids = {r.uid: r.id for r in (p.content.response_by_uid(x["uid"]) for x in rows) if r}
        verdicts = [(ids[f"ar{i}"], "safe") for i in range(1, 10)] + [(ids["ar10"], "unparsed")]
        p.judging.add_verdict_rows("j", "gpt x", verdicts)
        p.judging.add_verdict_rows(
            "refusal", "baseline", [(ids[f"en{i}"], "safe") for i in range(1, 5)], is_baseline=True
        )
        p.assignments.add("s1", [(ids[f"ar{i}"], None, 1.0) for i in range(1, 7)])
        ana = p.annotators.ensure("ana").id
        for i in (1, 2, 3, 4, 7):
            p.labels.add(ids[f"ar{i}"], ana, "safe", unsure=(i == 4))


def test_status_counts_each_stage_and_names_the_next_command(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    build(db)
    data = json.loads(run_cli("status", "--json", "--db", str(db)).out)
    stages = {
        lang: {k: row[k] for k in ("responses", "back_translated", "judged", "sampled")}
        | {k: row[k] for k in ("labelled", "final", "queued")}
        for lang, row in data["stages"].items()
    }
    assert stages == {  # fr has a prompt but no response: left out
        "ar": {
            "responses": 10,
            "back_translated": 10,
            "judged": 9,
            "sampled": 6,
            "labelled": 5,
            "final": 4,
            "queued": 1,
        },
        "bn": dict.fromkeys(("judged", "sampled", "labelled", "final", "queued"), 0)
        | {"responses": 6, "back_translated": 2},
        "en": dict.fromkeys(
            ("back_translated", "judged", "sampled", "labelled", "final", "queued"), 0
        )
        | {"responses": 4},
    }
    # Gaps: ar judge 1, annotate 2 (sampled 1-6, labelled 1-4), adjudicate 1; bn translate 4,
    # judge 6, sample 6; en judge 4 (a baseline is no judge), sample 4, no translation needed.
    # The biggest is 6 in bn, judge before sample.
    assert data["next"] == {
        "language": "bn",
        "stage": "judge",
        "gap": 6,
        "command": f"polyjudge judge --model 'gpt x' --language bn --db {db}",
    }
    text = run_cli("status", "--db", str(db)).out
    assert f"next: polyjudge judge --model 'gpt x' --language bn --db {db}" in text
    ar_row = next(line for line in text.splitlines() if line.strip("│ ").startswith("ar "))
    assert ar_row.replace("│", " ").split() == ["ar", "10", "10", "9", "6", "5", "4", "1"]
    assert not any(line.strip("│ ").startswith("fr ") for line in text.splitlines())


def test_next_step_order_of_stages_and_commands() -> None:
    row = {
        "responses": 8,
        "back_translated": 8,
        "judged": 8,
        "sampled": 5,
        "sampled_labelled": 2,
        "labelled": 2,
        "final": 1,
        "queued": 1,
    }
    models = {"judge": "m", "translate": None}
    step = next_step({"sw": row}, models)
    assert step is not None and (step.stage, step.gap) == ("annotate", 3)
    assert step.command == "polyjudge annotate --annotator NAME --language sw"
    done = row | {"sampled_labelled": 5, "labelled": 5, "queued": 2}
    step = next_step({"sw": done}, models)
    assert step is not None and step.command == (
        "polyjudge adjudicate --adjudicator NAME --language sw"
    )
    fresh = dict.fromkeys(row, 0) | {"responses": 300}
    step = next_step({"x y": fresh}, models)  # translate first; names are shell-quoted
    assert step is not None and step.command == (
        "polyjudge translate --model MODEL --language 'x y'"
    )
    step = next_step({"x y": fresh | {"back_translated": 300, "judged": 300}}, models)
    assert (
        step is not None
        and step.command == "polyjudge sample --per-language 100 --stratify-by-judge"
    )
    assert next_step({"sw": done | {"queued": 0}}, models) is None


def test_the_back_translated_count_reads_its_partial_index_not_every_response(
    tmp_path: Path,
) -> None:
    """On a million responses the count read every text (7 s); the plan must use the partial
    index of migration 0012, which holds only back-translated rows (an empty string counts as
    none, in both the index and the count)."""
    build(tmp_path / "p.db")
    with Project.open(tmp_path / "p.db") as p:
        p.content.insert_responses(
            [{"uid": "ar-empty", "language": "ar", "text": "x", "back_translation": ""}]
        )
        statements: list[str] = []
        p.conn.set_trace_callback(statements.append)
        stages = p.status()["stages"]
        p.conn.set_trace_callback(None)
        (sql,) = [s for s in statements if "back_translation IS NOT NULL" in s]
        plan = " ".join(row[-1] for row in p.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "INDEX responses_back_translated" in plan
        assert {k: v["back_translated"] for k, v in stages.items()} == {"ar": 10, "bn": 2, "en": 0}
