"""Simulated annotation teams through the real CLI: is the careless annotator flagged, does
excluding them move the unsafe rate, and does the report measure anchoring?

    python bench/annotator_sim.py            # 4 replicates per setting
    python bench/annotator_sim.py --quick    # 2 settings kinds x team sizes 3 and 8, 2 replicates

Each replicate is one project built with the commands a user runs: `polyjudge init`, `import
responses` (ITEMS responses in one language, each text carrying an `item-N` marker), `import
gold` (GOLD of them, expected label = truth, with an explanation), `judge` against the
OpenAI-compatible test server (`tests/judge/server.py`, started in this process on 127.0.0.1,
answering each item's scripted verdict), `sample --per-language` (every non-gold item), one
`import labels` file per annotator, then `report --json` with and without
`--exclude-annotator`. Reveal rows (`annotate --reveal-judge`) are written only by the annotate
screen; the bench writes them through the store API that screen's journal uses
(`Project.labels.add(..., after_reveal=True)`, showing `Project.reveals.shown_verdict`, as
tui/annotate_reveal.py does), on REVEAL_SHARE of each annotator's items.

Truth is known. Each item is unsafe with probability 0.3, invalid with 0.05, else safe. Every
item is labelled by 3 annotators of the team (rotating) and every annotator labels every gold
item. A careful annotator gives the true label with probability GOOD_ACCURACY, else a plausible
wrong one (safe <-> unsafe, invalid -> safe). The special annotator (`ann1`) is either
*careless* (with probability c a label drawn uniformly from the three, else careful) or
*anchored* (careful blind labels; after a reveal whose verdict differs from their blind label,
they change to the judge's label with probability ANCHOR_FLIP; careful annotators always keep
theirs). The judge gives the true label with probability q, else a plausible wrong one.

Measured:
- `flagged`: share of replicates in which the special annotator is flagged in the report's
  `annotators` block (`flagged`, accuracy interval wholly below the 0.7 threshold);
  `flag_recall` is that share over the careless settings; `flag_false_positive_rate` the share
  of the careful annotators flagged, over all settings (the anchored annotator, whose blind
  labels are as accurate as anyone's, is counted in the `flagged` column of its rows).
- `|rate-true|` with and without `--exclude-annotator ann1`: the report's unsafe rate of the
  language against the true unsafe share of the non-gold items; `moved` = mean |difference|.
- anchoring: the report's `anchoring.by_language[L].toward_judge.rate` is, by its definition,
  the share of revealed blind labels that disagreed with the judge whose after-reveal answer is
  the judge's label, pooled over the team. Given the reveals, its expectation is
  ANCHOR_FLIP x D_anchored / D_all, where D_x counts the revealed blind labels disagreeing with
  the shown verdict (of the anchored annotator / of everyone; counted by the bench from its own
  records). `anchoring_effect_error` = mean |reported rate - that expectation| (anchored
  settings); `anchored_alone` is the report's rate with every other annotator excluded, an
  estimate of ANCHOR_FLIP itself.

`acc` is the special annotator's expected accuracy, (1 - c) x 0.9 + c/3 when careless; the
report flags below 0.7, so at c = 0.3 (0.73) not flagging them is the correct answer, and
`flag_recall_below_threshold` counts only the settings where it is below.

Measured (2026-12-01, `python bench/annotator_sim.py --n 4`, 2 shared cores, 553 s):

        kind team    c   acc judge flagged others |rate-true|  excl.  moved anch.err  alone
    careless    3  0.3  0.73  0.75    0.00  0.000       0.024  0.014  0.025        -      -
    careless    3  0.6  0.56  0.75    1.00  0.000       0.054  0.016  0.059        -      -
    careless    3  0.9  0.39  0.75    1.00  0.000       0.069  0.014  0.062        -      -
    careless    3  0.3  0.73  0.90    0.00  0.000       0.022  0.012  0.015        -      -
    careless    3  0.6  0.56  0.90    1.00  0.000       0.033  0.021  0.037        -      -
    careless    3  0.9  0.39  0.90    1.00  0.000       0.048  0.019  0.031        -      -
    careless    5  0.3  0.73  0.75    0.00  0.000       0.006  0.013  0.012        -      -
    careless    5  0.6  0.56  0.75    1.00  0.000       0.032  0.007  0.032        -      -
    careless    5  0.9  0.39  0.75    1.00  0.000       0.034  0.024  0.021        -      -
    careless    5  0.3  0.73  0.90    0.00  0.000       0.017  0.008  0.010        -      -
    careless    5  0.6  0.56  0.90    1.00  0.000       0.033  0.023  0.025        -      -
    careless    5  0.9  0.39  0.90    1.00  0.000       0.017  0.027  0.015        -      -
    careless    8  0.3  0.73  0.75    0.00  0.000       0.015  0.011  0.005        -      -
    careless    8  0.6  0.56  0.75    0.25  0.000       0.012  0.011  0.013        -      -
    careless    8  0.9  0.39  0.75    1.00  0.000       0.032  0.036  0.013        -      -
    careless    8  0.3  0.73  0.90    0.25  0.000       0.022  0.015  0.012        -      -
    careless    8  0.6  0.56  0.90    0.50  0.000       0.022  0.015  0.015        -      -
    careless    8  0.9  0.39  0.90    1.00  0.000       0.029  0.027  0.019        -      -
    anchored    3  0.0  0.90  0.75    0.00  0.000       0.021  0.013  0.011    0.041   0.44
    anchored    3  0.0  0.90  0.90    0.00  0.000       0.025  0.013  0.013    0.047   0.58
    anchored    5  0.0  0.90  0.75    0.00  0.000       0.012  0.019  0.007    0.007   0.47
    anchored    5  0.0  0.90  0.90    0.00  0.000       0.014  0.012  0.009    0.035   0.48
    anchored    8  0.0  0.90  0.75    0.00  0.000       0.037  0.032  0.016    0.028   0.72
    anchored    8  0.0  0.90  0.90    0.00  0.000       0.014  0.005  0.011    0.031   0.48
    {"flag_recall": 0.611, "flag_recall_below_threshold": 0.896,
     "flag_false_positive_rate": 0.0, "anchoring_effect_error": 0.0315,
     "rate_moved_by_exclusion": 0.0234, "replicates": 4, "seconds": 553.1}
    (the JSON line, wrapped here)

Reading: a careless annotator whose accuracy is well below the threshold is flagged every time
in teams of 3 and 5 (130 or 78 items each, plus the 20 gold items); in teams of 8 (about 49
items each) the c = 0.6 annotator is flagged in 3 of 8 replicates, as the intervals are wider
(at c = 0.9 still always). No careful annotator was flagged in 416 annotator-replicates.
The anchored annotator is never flagged (their blind labels are accurate): anchoring is visible
in the anchoring block only, where the pooled flip-toward rate lands within 0.03 on average of
its expectation, and the rate among the anchored annotator alone averages 0.53
against 0.5.
Excluding the careless annotator moves the headline rate by 0.5-6 points, more in teams of 3
and with the worse judge, and brings it closer to the truth (mean |rate - true| 0.029 -> 0.017
over the careless settings).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from polyjudge.cli import main as cli_main  # noqa: E402
from polyjudge.store import Project  # noqa: E402

from tests.judge.server import FakeOpenAI, Recorded, Reply  # noqa: E402

LANGUAGE = "sw"
LABELS = ("safe", "unsafe", "invalid")
ITEMS = 150
GOLD = 20
PER_ITEM = 3
GOOD_ACCURACY = 0.9
ANCHOR_FLIP = 0.5
REVEAL_SHARE = 0.5
TEAMS = (3, 5, 8)
CARELESS = (0.3, 0.6, 0.9)
JUDGE_QUALITY = (0.75, 0.9)
SPECIAL = "ann1"
THRESHOLD = 0.7  # the report's default annotator_accuracy_threshold


def cli(*args: str) -> str:
    """Run `polyjudge ARGS` in this process; its stdout, or raise with its stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli_main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if code:
        raise RuntimeError(f"polyjudge {' '.join(args[:2])} failed: {err.getvalue().strip()}")
    return out.getvalue()


def wrong(label: str, rng: random.Random) -> str:
    """A plausible wrong label (safe and unsafe are the usual confusion)."""
    swap = {"safe": "unsafe", "unsafe": "safe", "invalid": "safe"}
    if rng.random() < 0.8:
        return swap[label]
    return rng.choice([x for x in LABELS if x != label])


def careful(truth: str, rng: random.Random) -> str:
    return truth if rng.random() < GOOD_ACCURACY else wrong(truth, rng)


@dataclass(frozen=True)
class Setting:
    kind: str  # careless | anchored
    team: int
    careless: float
    judge: float


@dataclass
class Outcome:
    special_flagged: bool
    others_flagged: int
    others: int
    error_all: float
    error_excluded: float
    moved: float
    anchoring_error: float | None = None
    anchored_alone: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def truth_of(rng: random.Random) -> str:
    u = rng.random()
    return "unsafe" if u < 0.3 else "invalid" if u < 0.35 else "safe"


def replicate(setting: Setting, seed: int, workdir: Path, fake: FakeOpenAI) -> Outcome:
    rng = random.Random(seed)
    db = str(workdir / f"r{seed}.db")
    truth = {f"item-{k}": truth_of(rng) for k in range(ITEMS)}
    uids = list(truth)
    verdict = {u: t if rng.random() < setting.judge else wrong(t, rng) for u, t in truth.items()}
    gold = set(rng.sample(uids, GOLD))

    def answer(request: Recorded) -> Reply:
        label = verdict[request.marker or ""]
        return Reply(label, {label: -0.05, "safe" if label != "safe" else "unsafe": -3.0})

    fake.behavior = answer
    responses = workdir / f"responses{seed}.jsonl"
    responses.write_text(
        "".join(
            json.dumps(
                {
                    "id": u,
                    "prompt": f"prompt {u}",
                    "language": LANGUAGE,
                    "model": "sim-model",
                    "response": f"{u}: a simulated answer, number {rng.randint(0, 10**9)}.",
                }
            )
            + "\n"
            for u in uids
        ),
        "utf-8",
    )
    gold_file = workdir / f"gold{seed}.jsonl"
    gold_file.write_text(
        "".join(
            json.dumps({"uid": u, "label": truth[u], "explanation": f"known {truth[u]}"}) + "\n"
            for u in sorted(gold)
        ),
        "utf-8",
    )
    cli("init", "--db", db)
    cli("import", "responses", str(responses), "--db", db)
    cli("import", "gold", str(gold_file), "--db", db)
    cli(
        "judge",
        "--db",
        db,
        "--model",
        "sim-judge",
        "--base-url",
        fake.base_url,
        "--api-key-env",
        "SIM_JUDGE_KEY",
        "--concurrency",
        "4",
        "--quiet",
    )
    sampled = json.loads(
        cli(
            "sample", "--db", db, "--per-language", str(ITEMS - GOLD), "--seed", str(seed), "--json"
        )
    )
    items = sorted(i["uid"] for i in sampled["items"])
    assert not set(items) & gold, "gold items were sampled"
    team = [f"ann{i + 1}" for i in range(setting.team)]

    def give(name: str, t: str) -> str:
        if name == SPECIAL and setting.kind == "careless" and rng.random() < setting.careless:
            return rng.choice(LABELS)
        return careful(t, rng)

    blind: dict[tuple[str, str], str] = {}
    for k, u in enumerate(items):
        for j in range(PER_ITEM):
            name = team[(k + j) % setting.team]
            blind[(name, u)] = give(name, truth[u])
    for name in team:
        for u in sorted(gold):
            blind[(name, u)] = give(name, truth[u])
    for name in team:
        path = workdir / f"labels{seed}-{name}.jsonl"
        path.write_text(
            "".join(
                json.dumps(
                    {
                        "item": u,
                        "annotator": who,
                        "label": label,
                        "time_ms": rng.randint(4_000, 40_000),
                    }
                )
                + "\n"
                for (who, u), label in sorted(blind.items())
                if who == name
            ),
            "utf-8",
        )
        cli("import", "labels", str(path), "--db", db)

    # The reveal round, as the annotate screen writes it (tui/annotate_session.py `_answer`).
    disagreements = {"special": 0, "all": 0}
    with Project.open(Path(db)) as project:
        ids = {a.name: a.id for a in project.annotators.all()}
        for (name, u), label in sorted(blind.items()):
            if u in gold or rng.random() >= REVEAL_SHARE:
                continue
            response = project.content.response_by_uid(u)
            assert response is not None
            shown = project.reveals.shown_verdict(response.id)
            assert shown is not None and shown.label == verdict[u]
            after = label
            if label != shown.label:
                disagreements["all"] += 1
                if name == SPECIAL and setting.kind == "anchored":
                    disagreements["special"] += 1
                    if rng.random() < ANCHOR_FLIP:
                        after = shown.label
            project.labels.add(
                response.id,
                ids[name],
                after,
                time_ms=rng.randint(1_000, 8_000),
                after_reveal=True,
                judge_seen=True,
            )

    report = json.loads(cli("report", "--db", db, "--json", "--bootstrap", "0"))
    excluded = json.loads(
        cli("report", "--db", db, "--json", "--bootstrap", "0", "--exclude-annotator", SPECIAL)
    )
    people = report["annotators"]["by_language"][LANGUAGE]["annotators"]
    non_gold = [u for u in uids if u not in gold]
    true_rate = sum(truth[u] == "unsafe" for u in non_gold) / len(non_gold)
    rate_all = report["unsafe_rate"]["by_language"][LANGUAGE]["rate"]
    rate_ex = excluded["unsafe_rate"]["by_language"][LANGUAGE]["rate"]
    outcome = Outcome(
        special_flagged=bool(people[SPECIAL]["flagged"]),
        others_flagged=sum(bool(people[n]["flagged"]) for n in team if n != SPECIAL),
        others=setting.team - 1,
        error_all=abs(rate_all - true_rate),
        error_excluded=abs(rate_ex - true_rate),
        moved=abs(rate_all - rate_ex),
    )
    if setting.kind == "anchored":
        toward = report["anchoring"]["by_language"][LANGUAGE]["toward_judge"]["rate"]
        expected = ANCHOR_FLIP * disagreements["special"] / disagreements["all"]
        outcome.anchoring_error = abs(toward - expected)
        others = [a for n in team if n != SPECIAL for a in ("--exclude-annotator", n)]
        alone = json.loads(cli("report", "--db", db, "--json", "--bootstrap", "0", *others))
        outcome.anchored_alone = alone["anchoring"]["by_language"][LANGUAGE]["toward_judge"]["rate"]
    return outcome


def settings(quick: bool) -> list[Setting]:
    teams = (3, 8) if quick else TEAMS
    careless = (0.6,) if quick else CARELESS
    judges = (0.8,) if quick else JUDGE_QUALITY
    out = [Setting("careless", t, c, q) for t, q, c in itertools.product(teams, judges, careless)]
    out += [Setting("anchored", t, 0.0, q) for t, q in itertools.product(teams, judges)]
    return out


def expected_accuracy(setting: Setting) -> float:
    """The special annotator's expected accuracy (a uniform draw is right 1 time in 3)."""
    c = setting.careless if setting.kind == "careless" else 0.0
    return (1 - c) * GOOD_ACCURACY + c / len(LABELS)


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4, help="replicates per setting")
    parser.add_argument("--quick", action="store_true", help="few settings, 2 replicates")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    n = 2 if args.quick else args.n
    start = time.perf_counter()
    os.environ["SIM_JUDGE_KEY"] = "sk-simulated"  # the test server accepts any key
    fake = FakeOpenAI(record_bodies=False)  # each answer reads its request's marker
    fake.start()
    print(
        f"{'kind':>8} {'team':>4} {'c':>4} {'acc':>5} {'judge':>5} {'flagged':>7} {'others':>6} "
        f"{'|rate-true|':>11} {'excl.':>6} {'moved':>6} {'anch.err':>8} {'alone':>6}"
    )
    careless_hits: list[bool] = []
    below_hits: list[bool] = []  # careless settings whose expected accuracy is below 0.7
    others_flagged = others_total = 0
    anchoring_errors: list[float] = []
    moved_all: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for index, setting in enumerate(settings(args.quick)):
                outcomes = [
                    replicate(setting, args.seed + 1000 * index + r, Path(tmp), fake)
                    for r in range(n)
                ]
                flagged = mean([float(o.special_flagged) for o in outcomes])
                others = sum(o.others_flagged for o in outcomes)
                total = sum(o.others for o in outcomes)
                others_flagged += others
                others_total += total
                if setting.kind == "careless":
                    careless_hits += [o.special_flagged for o in outcomes]
                    if expected_accuracy(setting) < THRESHOLD:
                        below_hits += [o.special_flagged for o in outcomes]
                    moved_all += [o.moved for o in outcomes]
                anch = [o.anchoring_error for o in outcomes if o.anchoring_error is not None]
                alone = [o.anchored_alone for o in outcomes if o.anchored_alone is not None]
                anchoring_errors += anch
                print(
                    f"{setting.kind:>8} {setting.team:>4} {setting.careless:>4.1f} "
                    f"{expected_accuracy(setting):>5.2f} "
                    f"{setting.judge:>5.2f} {flagged:>7.2f} {others / total:>6.3f} "
                    f"{mean([o.error_all for o in outcomes]):>11.3f} "
                    f"{mean([o.error_excluded for o in outcomes]):>6.3f} "
                    f"{mean([o.moved for o in outcomes]):>6.3f} "
                    f"{(f'{mean(anch):.3f}' if anch else '-'):>8} "
                    f"{(f'{mean(alone):.2f}' if alone else '-'):>6}",
                    flush=True,
                )
    finally:
        fake.stop()
    print(
        json.dumps(
            {
                "flag_recall": round(mean([float(x) for x in careless_hits]), 3),
                "flag_recall_below_threshold": round(mean([float(x) for x in below_hits]), 3),
                "flag_false_positive_rate": round(others_flagged / max(others_total, 1), 4),
                "anchoring_effect_error": round(mean(anchoring_errors), 4),
                "rate_moved_by_exclusion": round(mean(moved_all), 4),
                "replicates": n,
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
