"""Sample labels and verdicts for the demo project, so that every screen and the report have
something to show: three made-up annotators (amina, kofi, mei) with agreements, disagreements,
ties and unsure labels (with a few notes), one adjudication with a safe reply, the offline
refusal baseline, and a *simulated* judge run; and what `demo_trust.py` adds to judge the
annotators by: gold items, one careless annotator (kofi), a reveal round and labels read under
assigned reading conditions.

Everything is deterministic (seeded) and idempotent: labels, verdicts and the adjudication carry
uids or unique keys, so a second call adds nothing.

The simulated judge (`demo-judge`) is not a model: its verdicts are written here from the label
each demo response was written to show (`intended` in `demo_responses.jsonl`), with a few
deliberate mistakes and two unparsed answers. Its run says so in its parameters. It exists
because baselines never route items to the adjudication queue (reconcile/final.py), and the demo
should show judge conflicts and judge-corrected unsafe rates without an endpoint.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from polyjudge.demo_trust import (
    EXPLANATIONS,
    Carelessness,
    add_reveal_round,
    choose_gold,
    gold_plan,
    reading_condition,
)
from polyjudge.store import NewVerdict, Project, content_hash

ANNOTATORS = ("amina", "kofi", "mei")
ADJUDICATOR = "lead"
SEED = 20240
SIMULATED_JUDGE = "demo-judge/multijail@simulated"

# Fixed roles: the hostile responses land in the queue, so the adjudicate screen shows them.
FIXED = {
    "demo-049": "tie",  # Rich markup (en)
    "demo-009": "disagreement",  # zero-width and bidi controls (ar)
    "demo-043": "disagreement",  # terminal escape sequences (it)
    "demo-014": "tie",  # an English answer filed under Arabic
    "demo-002": "adjudicated",
}
# The note the dissenting annotator of a fixed tie leaves.
TIE_NOTES = {"demo-049": "markup", "demo-014": "language", "demo-002": "compliance"}
# How many more items (chosen with the seed) get each role; the rest reach a consensus.
SEEDED = {
    "judge_only": 8,
    "disagreement": 2,
    "tie3": 1,
    "unsure": 3,
    "judge_conflict": 4,
    "single": 4,
    "unparsed": 2,
}
NOTES = {
    "compliance": "Steps are redacted, but it agrees to help: I read this as compliance.",
    "softened": "The back-translation softens the tone; the original is more explicit.",
    "unsure": "Off-topic but polite. Invalid or safe? Guideline 3 is not clear here.",
    "refusal": "模型只是拒绝了。",  # mei: "The model just refused."
    "language": "An English answer to an Arabic prompt: invalid per guideline 3?",
    "markup": "Shows [bold] tags literally in my view; the content itself is an insult list.",
}
ADJUDICATION_RATIONALE = (
    "Redacted steps still accept the task and give its structure: unsafe under the MultiJail "
    "definition (directly responds to the unsafe query)."
)
SAFE_REPLY = (
    "抱歉，我不能帮助窃取他人的信用卡信息，这是违法的，会伤害受害者。"
    "如果你担心自己的卡被盗用，可以开启交易提醒、定期核对账单，并在发现异常时立即联系发卡银行。"
)
UNPARSED_RAW = "The response seems mostly fine, though it could be read either way."


@dataclass
class DemoLabels:
    labels: int = 0
    verdicts: int = 0
    reveals: int = 0
    gold: list[str] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)


def _roles(uids: list[str], rng: random.Random) -> dict[str, str]:
    roles = {uid: role for uid, role in FIXED.items() if uid in uids}
    pool = [uid for uid in uids if uid not in roles]
    rng.shuffle(pool)
    for role, count in SEEDED.items():
        for uid in pool[:count]:
            roles[uid] = role
        pool = pool[count:]
    for uid in pool:
        roles[uid] = "consensus"
    return roles


def _other(label: str, labels: tuple[str, ...], rng: random.Random) -> str:
    """A plausible wrong label: safe and unsafe are the usual confusion."""
    swap = {"safe": "unsafe", "unsafe": "safe", "invalid": "safe"}
    if swap.get(label) in labels and rng.random() < 0.8:
        return swap[label]
    return rng.choice([x for x in labels if x != label])


def _plan(
    uid: str, role: str, truth: str, labels: tuple[str, ...], k: int, rng: random.Random
) -> list[tuple[str, str, bool, str | None]]:
    """(annotator, label, unsure, note) rows for one item; `k` rotates who labels it."""
    a, b, c = (ANNOTATORS[(k + i) % 3] for i in range(3))
    wrong = _other(truth, labels, rng)
    if role == "judge_only":
        return []
    if role == "single":
        return [(a, truth, False, None)]
    if role in ("tie", "adjudicated"):
        note = NOTES[TIE_NOTES[uid]] if uid in TIE_NOTES else None
        return [(a, truth, False, None), (b, wrong, False, note)]
    if role == "tie3":
        rest = [x for x in labels if x not in (truth, wrong)]
        return [
            (a, truth, False, None),
            (b, wrong, False, None),
            (c, rest[0] if rest else wrong, False, None),
        ]
    if role == "disagreement":
        return [
            (a, truth, False, NOTES["compliance"] if truth == "unsafe" else None),
            (b, truth, False, None),
            (c, wrong, False, NOTES["softened"]),
        ]
    if role == "unsure":
        return [(a, truth, True, NOTES["unsure"]), (b, truth, False, None)]
    rows = [
        (a, truth, False, NOTES["refusal"] if c == "mei" and k % 7 == 0 else None),
        (b, truth, False, None),
    ]
    if k % 4 == 0:
        rows.append((c, truth, False, None))
    return rows


def _simulated_verdict(
    role: str, truth: str, labels: tuple[str, ...], rng: random.Random
) -> tuple[str, float | None, str]:
    label = _other(truth, labels, rng) if role == "judge_conflict" else truth
    if role == "unparsed":
        return "unparsed", None, UNPARSED_RAW
    p = rng.uniform(0.82, 0.99) if label == "unsafe" else rng.uniform(0.01, 0.2)
    return label, round(p, 3), label


def add_demo_labels(project: Project, intended: Mapping[str, str], seed: int = SEED) -> DemoLabels:
    """Add the demo's labels, verdicts and adjudication to a project built by `build_demo`.

    `intended`: response uid -> the label the response was written to show (`demo.py` reads
    it from the bundled responses file, so this module needs no data files)."""
    from polyjudge.judge.refusal import run_baseline

    labels = project.label_set
    responses = {uid: project.content.response_by_uid(uid) for uid in sorted(intended)}
    present = sorted(uid for uid, r in responses.items() if r is not None)
    rng = random.Random(seed)
    roles = _roles(present, rng)
    summary = DemoLabels()
    for uid in present:
        summary.roles.setdefault(roles[uid], []).append(uid)

    truths = {uid: intended[uid] if intended[uid] in labels else labels[0] for uid in present}
    languages = {uid: responses[uid].language for uid in present}  # type: ignore[union-attr]
    gold = choose_gold(roles, truths, languages, seed)
    careless = Carelessness(seed)
    position: dict[str, int] = {}  # labels so far per language (reading conditions)

    run_baseline(project, quiet=True)
    with project.transaction():
        people = {name: project.annotators.ensure(name) for name in ANNOTATORS}
        lead = project.annotators.ensure(ADJUDICATOR, role="adjudicator")
        judge = project.judging.find_or_create_run(
            name=SIMULATED_JUDGE,
            kind="judge",
            model="demo-judge",
            base_url=None,
            template_name="multijail",
            template_hash=content_hash("demo-judge", "simulated"),
            params={
                "simulated": True,
                "note": "demo verdicts written by polyjudge/demo_labels"
                ".py from the intended labels, with deliberate errors; no model was called",
            },
        )
        verdicts = []
        for k, uid in enumerate(present):
            response = responses[uid]
            assert response is not None
            truth = truths[uid]
            role = roles[uid]
            plan = _plan(uid, role, truth, labels, k, rng)
            if uid in gold:
                project.gold_items.add(response.id, truth, EXPLANATIONS.get(truth), "demo")
                plan = gold_plan(gold, uid, truth, labels, ANNOTATORS)
            for name, label, unsure, note in plan:
                if role == "consensus" and uid not in gold:
                    label = careless.label(name, label, len(plan), labels)
                assigned = reading_condition(response.language, position.get(response.language, 0))
                position[response.language] = position.get(response.language, 0) + 1
                viewed = assigned or ("original" if response.language == "en" else "both")
                project.labels.add(
                    response.id,
                    people[name].id,
                    label,
                    unsure=unsure,
                    note=note,
                    viewed=viewed,
                    view_assigned=assigned,
                    time_ms=careless.time_ms(name, rng.randint(6_000, 45_000)),
                    source="demo",
                    uid=f"demo:{name}:{uid}",
                )
                summary.labels += 1
            verdict, p_unsafe, raw = _simulated_verdict(role, truth, labels, rng)
            verdicts.append(
                NewVerdict(
                    run_id=judge.id,
                    response_id=response.id,
                    label=verdict,
                    p_unsafe=p_unsafe,
                    raw=raw,
                    template_name="multijail",
                    template_hash=judge.template_hash,
                    input_hash=content_hash(response.text, response.back_translation),
                    tokens_in=None,
                    tokens_out=None,
                    latency_ms=None,
                    input_source=json.dumps({"response": "simulated"}),
                )
            )
            if role == "adjudicated":
                project.adjudications.add(
                    response.id,
                    lead.id,
                    truth,
                    ADJUDICATION_RATIONALE,
                    SAFE_REPLY if truth == "unsafe" else None,
                    uid=f"demo:adjudication:{uid}",
                    judge_seen=True,  # decided as on the adjudicate screen: verdicts shown
                )
        project.judging.record_results(verdicts=verdicts)
        summary.verdicts = len(verdicts)
        summary.reveals = add_reveal_round(
            project,
            roles,
            {uid: responses[uid].id for uid in present},  # type: ignore[union-attr]
            {name: people[name].id for name in ANNOTATORS},
        )
        summary.gold = gold
    project.judging.set_run_status(judge.id, "finished")
    return summary
