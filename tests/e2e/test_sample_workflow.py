"""The README's workflow, end to end, on an import sorted by category (the case where labelling
in id order goes wrong): `sample`, two annotators in the annotate screen (Textual's pilot) with
`--overlap 1`, and one packet labelled elsewhere and merged. Everyone labels the item's known
truth until the queue is empty. The labelled items are exactly the sampled ones, each labelled
once, and the report's per-language human-final interval covers the true rate of the whole
language (not of the sample)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from polyjudge.store import Project, QueueFilter
from polyjudge.tui.app import PolyjudgeApp

from tests.conftest import run_cli
from tests.tui.conftest import screen_text

# Per language: 30 items of each category, of which this many are truly unsafe. Imported
# category by category, so the first items in id order are nearly all unsafe.
CATEGORIES = ("Weapons", "Fraud", "Greetings")
UNSAFE = {
    "bn": {"Weapons": 24, "Fraud": 9, "Greetings": 1},
    "sw": {"Weapons": 18, "Fraud": 4, "Greetings": 0},
    "th": {"Weapons": 12, "Fraud": 6, "Greetings": 2},
}
PER_CATEGORY = 30
PER_LANGUAGE = 45  # `sample --per-language`: half of each language
SEED = "3"
KEYS = {"safe": "s", "unsafe": "u"}


def write_responses(path: Path) -> dict[str, str]:
    """The responses file, sorted by category; returns the true label of every uid."""
    truth: dict[str, str] = {}
    with path.open("w", encoding="utf-8") as f:
        for category in CATEGORIES:
            for language, unsafe in UNSAFE.items():
                for i in range(PER_CATEGORY):
                    uid = f"{language}-{category}-{i:02d}"
                    # unsafe items spread through the category (i * 7 mod 30 is a permutation)
                    truth[uid] = "unsafe" if (i * 7) % PER_CATEGORY < unsafe[category] else "safe"
                    f.write(
                        json.dumps(
                            {
                                "id": uid,
                                "language": language,
                                "model": "model-x",
                                "category": category,
                                "prompt": f"{category} prompt {i} ({language})",
                                "response": f"{category} answer {i} ({language})",
                                "back_translation": f"{category} answer {i}",
                            }
                        )
                        + "\n"
                    )
    return truth


def cli(*args: str) -> str:
    result = run_cli(*args)
    assert result.code == 0, result.err
    return result.out


def shown(app: PolyjudgeApp) -> str | None:
    item = app.screen.session.item  # type: ignore[attr-defined]
    return item.response.uid if item else None


async def two_annotators(db: Path, truth: dict[str, str]) -> dict[str, list[str]]:
    """Ana and Ben at the same time, each pressing the truth of the item on their screen."""
    ana = PolyjudgeApp(db, "annotate", {"annotator": "ana", "overlap": 1})
    ben = PolyjudgeApp(db, "annotate", {"annotator": "ben", "overlap": 1})
    done: dict[str, list[str]] = {"ana": [], "ben": []}
    async with ana.run_test(size=(120, 36)) as a, ben.run_test(size=(120, 36)) as b:
        for pilot in (a, b):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        assert "sample 0 / 135" in screen_text(ana)
        while shown(ana) is not None or shown(ben) is not None:
            for name, app, pilot in (("ana", ana, a), ("ben", ben, b)):
                uid = shown(app)
                if uid is not None:
                    assert uid != shown(ben if app is ana else ana)  # never the same item
                    await pilot.press(KEYS[truth[uid]])
                    done[name].append(uid)
        for pilot in (a, b):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        header = screen_text(ana)
        assert f"sample {len(done['ana'])} / 135" in header, header
    return done


async def label_packet(packet: Path, annotator: str, truth: dict[str, str]) -> list[str]:
    app = PolyjudgeApp(packet, "annotate", {"annotator": annotator})
    done = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        while (uid := shown(app)) is not None:
            await pilot.press(KEYS[truth[uid]])
            done.append(uid)
    return done


def test_the_sample_is_labelled_exactly_and_the_report_covers_the_truth(tmp_path: Path) -> None:
    db = str(tmp_path / "project.db")
    truth = write_responses(tmp_path / "responses.jsonl")
    cli("init", "--db", db)
    cli("import", "responses", str(tmp_path / "responses.jsonl"), "--db", db)
    cli("sample", "--per-language", str(PER_LANGUAGE), "--seed", SEED, "--db", db)
    with Project.open(db) as project:
        sampled = {
            project.content.response(a.response_id).uid  # type: ignore[union-attr]
            for a in project.assignments.all()
        }
    assert len(sampled) == 3 * PER_LANGUAGE

    # Chen takes a packet (held for him with --overlap 1) before the others start.
    packet = tmp_path / "chen.db"
    cli(
        "export",
        "packet",
        "--db",
        db,
        "--annotator",
        "chen",
        "--overlap",
        "1",
        "--limit",
        "20",
        "--out",
        str(packet),
    )
    done = asyncio.run(two_annotators(Path(db), truth))
    done["chen"] = asyncio.run(label_packet(packet, "chen", truth))
    assert len(done["chen"]) == 20
    cli("merge", "--db", db, str(packet))

    labelled = [uid for uids in done.values() for uid in uids]
    assert len(labelled) == len(set(labelled))  # each item labelled once
    assert set(labelled) == sampled
    with Project.open(db) as project:
        for name in ("ana", "ben", "chen"):
            me = project.annotators.get(name).id  # type: ignore[union-attr]
            assert (
                project.queue.open_ids(me, project.queue.with_sample(QueueFilter()), overlap=1)
                == []
            )
        assert project.content.count("labels") == len(sampled)

    report = json.loads(cli("report", "--json", "--db", db))
    for language, unsafe in UNSAFE.items():
        true_rate = sum(unsafe.values()) / (PER_CATEGORY * len(CATEGORIES))
        block = report["unsafe_rate"]["by_language"][language]
        low, high = block["ci95"]
        assert low <= true_rate <= high, (language, true_rate, block)
        assert block["n"] == PER_LANGUAGE


async def label_first(db: Path, annotator: str, truth: dict[str, str], count: int) -> list[str]:
    """The first `count` items the annotate screen offers, each labelled with its truth."""
    app = PolyjudgeApp(db, "annotate", {"annotator": annotator})
    done: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        while len(done) < count and (uid := shown(app)) is not None:
            await pilot.press(KEYS[truth[uid]])
            done.append(uid)
    return done


def test_a_report_read_a_third_of_the_way_through_the_sample_covers_the_truth(
    tmp_path: Path,
) -> None:
    # Teams read the report while labelling goes on ("label until the interval is narrow
    # enough"). The queue walks the sample in the random order `sample` wrote it in, so the
    # first third labelled is a random third of each language's sample, spread over the
    # categories, and the report's intervals (each language's labelled part at its own
    # finite-population correction) cover the true rates. Walked in id order, as before, the
    # first third was mostly Weapons: bn read 0.73 [0.55, 0.86] for a true 0.38.
    db = str(tmp_path / "project.db")
    truth = write_responses(tmp_path / "responses.jsonl")
    cli("init", "--db", db)
    cli("import", "responses", str(tmp_path / "responses.jsonl"), "--db", db)
    cli("sample", "--per-language", str(PER_LANGUAGE), "--seed", SEED, "--db", db)
    labelled = asyncio.run(label_first(Path(db), "ana", truth, PER_LANGUAGE))
    assert len(labelled) == PER_LANGUAGE

    report = json.loads(cli("report", "--json", "--db", db))
    for language, unsafe in UNSAFE.items():
        mine = [uid for uid in labelled if uid.startswith(f"{language}-")]
        assert {uid.split("-")[1] for uid in mine} == set(CATEGORIES), mine
        true_rate = sum(unsafe.values()) / (PER_CATEGORY * len(CATEGORIES))
        block = report["unsafe_rate"]["by_language"][language]
        assert block["n"] == len(mine)
        low, high = block["ci95"]
        assert low <= true_rate <= high, (language, true_rate, block)


def test_a_language_imported_after_the_sample_leaves_the_pooled_rate_bounded(
    tmp_path: Path,
) -> None:
    # bn and sw are imported, sampled and labelled in the annotate screen; th arrives later
    # (a language added to the run) and has no label. The pooled human-final rate is then
    # undefined, and what it can still be (`bounds95`: the labelled languages' interval at
    # their population share, th anywhere in [0, 1]) contains the true rate of all three.
    db = str(tmp_path / "project.db")
    truth = write_responses(tmp_path / "all.jsonl")
    lines = (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    early, late = tmp_path / "early.jsonl", tmp_path / "late.jsonl"
    early.write_text("".join(x for x in lines if json.loads(x)["language"] != "th"), "utf-8")
    late.write_text("".join(x for x in lines if json.loads(x)["language"] == "th"), "utf-8")
    cli("init", "--db", db)
    cli("import", "responses", str(early), "--db", db)
    cli("sample", "--per-language", str(PER_LANGUAGE), "--seed", SEED, "--db", db)
    labelled = asyncio.run(label_packet(Path(db), "ana", truth))
    assert len(labelled) == 2 * PER_LANGUAGE
    cli("import", "responses", str(late), "--db", db)

    report = json.loads(cli("report", "--json", "--db", db))
    overall = report["unsafe_rate"]["overall"]
    assert overall["rate"] is None
    low, high = overall["bounds95"]
    true_rate = sum(label == "unsafe" for label in truth.values()) / len(truth)
    assert low <= true_rate <= high, (true_rate, overall)
    # th is a third of the items, which may be anything: the bounds are at least that wide.
    assert high - low >= 1 / 3
    for language in ("bn", "sw"):
        block = report["unsafe_rate"]["by_language"][language]
        rate = sum(UNSAFE[language].values()) / (PER_CATEGORY * len(CATEGORIES))
        assert block["ci95"][0] <= rate <= block["ci95"][1], (language, block)
    assert report["unsafe_rate"]["by_language"]["th"]["rate"] is None
