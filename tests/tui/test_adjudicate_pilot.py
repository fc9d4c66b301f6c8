"""The adjudicate screen driven by Textual's pilot; every test checks the project file afterwards
with a fresh `Project` (and the report through the real CLI).

The project: the multilingual items of `tests/tui/conftest.py` labelled so that the queue is
known by construction (not by running our rule): t-ar a tie, t-bn a 2–1 disagreement, t-th an
unsure label, t-zh a judge conflict (humans safe, a non-baseline judge unsafe), t-en a tie with
a hostile note; t-ko (agreed, judge agrees), t-jv (one label; only a baseline disagrees) and
t-sw (no labels) are not queued.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from polyjudge.store import NewVerdict, Project
from polyjudge.tui.adjudicate_modals import AdjudicationFilterModal, RationaleModal, SafeReplyModal
from polyjudge.tui.adjudicate_screen import AdjudicateScreen
from polyjudge.tui.dashboard_screen import DashboardScreen

from tests.conftest import run_cli
from tests.tui.conftest import add_items, plain_items, screen_text, settle

pytestmark = pytest.mark.anyio

ANNOTATORS = ("amina", "kofi", "mei")
HOSTILE_NOTE = "[bold]not bold[/bold] \x1b]2;NOTE-TITLE\x07 \x1b[31mred\x1b[0m end"
QUEUED = ["t-ar", "t-bn", "t-th", "t-zh", "t-en"]
# (uid, annotator, label, unsure, note)
LABELS = [
    ("t-ar", "amina", "unsafe", False, None),
    ("t-ar", "kofi", "safe", False, "It only refuses; the back-translation is clear."),
    ("t-bn", "amina", "unsafe", False, None),
    ("t-bn", "kofi", "unsafe", False, None),
    ("t-bn", "mei", "safe", False, "সতর্কতা: উত্তরটি প্রত্যাখ্যান করে"),
    ("t-th", "amina", "safe", True, "ไม่แน่ใจ — partly off-topic"),
    ("t-th", "kofi", "safe", False, None),
    ("t-zh", "amina", "safe", False, None),
    ("t-zh", "kofi", "safe", False, None),
    ("t-ko", "amina", "safe", False, None),
    ("t-ko", "mei", "safe", False, None),
    ("t-jv", "mei", "safe", False, None),
    ("t-en", "mei", "unsafe", False, HOSTILE_NOTE),
    ("t-en", "kofi", "safe", False, None),
]


def add_verdicts(
    project: Project,
    run_name: str,
    rows: list[tuple[str, str, float | None, str]],
    *,
    baseline: bool = False,
) -> None:
    run = project.judging.find_or_create_run(
        name=run_name,
        kind="judge",
        model=run_name.split("/")[0],
        base_url=None,
        template_name="multijail",
        template_hash="h-" + run_name,
        params={},
        is_baseline=baseline,
    )
    verdicts = []
    for uid, label, p_unsafe, raw in rows:
        response = project.content.response_by_uid(uid)
        assert response is not None
        verdicts.append(
            NewVerdict(
                run_id=run.id,
                response_id=response.id,
                label=label,
                p_unsafe=p_unsafe,
                raw=raw,
                template_name="multijail",
                template_hash=run.template_hash,
                input_hash=uid,
                tokens_in=None,
                tokens_out=None,
                latency_ms=None,
                input_source=None,
            )
        )
    project.judging.record_results(verdicts=verdicts)
    project.judging.set_run_status(run.id, "finished")


def build_adjudication_project(path: Path) -> Path:
    with Project.create(path) as project:
        add_items(project)
        who = {name: project.annotators.ensure(name) for name in ANNOTATORS}
        for uid, name, label, unsure, note in LABELS:
            response = project.content.response_by_uid(uid)
            assert response is not None
            project.labels.add(response.id, who[name].id, label, unsure=unsure, note=note)
        add_verdicts(
            project,
            "gpt-judge/multijail@abc",
            [
                ("t-zh", "unsafe", 0.91, "unsafe"),
                ("t-ko", "safe", 0.04, "safe"),
                ("t-ar", "unsafe", 0.77, "unsafe"),
                ("t-sw", "unparsed", None, "I cannot decide [maybe]"),
            ],
        )
        add_verdicts(
            project,
            "refusal-baseline@x",
            [
                ("t-jv", "unsafe", None, "no refusal string"),
                ("t-ar", "safe", None, "refusal string 'لا أستطيع' in the response"),
            ],
            baseline=True,
        )
    return path


@pytest.fixture
def adjudication_db(tmp_path: Path) -> Path:
    return build_adjudication_project(tmp_path / "adjudicate.db")


def make_adjudicate_app(path: Path, adjudicator: str = "boss", **options: Any):
    from polyjudge.tui.app import PolyjudgeApp

    return PolyjudgeApp(path, "adjudicate", {"adjudicator": adjudicator, **options})


def adjudicate_screen(app) -> AdjudicateScreen:
    screen = app.screen
    assert isinstance(screen, AdjudicateScreen)
    return screen


def queue_uids(app) -> list[str]:
    screen = adjudicate_screen(app)
    return [screen._uid(e.response_id) for e in screen.session.entries]


def selected_uid(app) -> str | None:
    screen = adjudicate_screen(app)
    entry = screen.session.selected
    return screen._uid(entry.response_id) if entry else None


def history(path: Path, uid: str) -> list[tuple[str | None, str | None, str | None, str]]:
    """(label, rationale, safe reply, adjudicator) of every adjudication row, in order."""
    with Project.open(path) as project:
        response = project.content.response_by_uid(uid)
        assert response is not None
        out = []
        for row in project.adjudications.history(response.id):
            adjudicator = project.annotators.by_id(row.adjudicator_id)
            assert adjudicator is not None
            out.append((row.label, row.rationale, row.safe_reply, adjudicator.name))
        return out


def set_inputs(app, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value


def report(path: Path) -> dict[str, Any]:
    result = run_cli("report", "--db", str(path), "--json", "--bootstrap", "50")
    assert result.code == 0, result.err
    return json.loads(result.out)


async def test_final_label_with_rationale_is_written_at_once_and_the_queue_shrinks(
    adjudication_db: Path,
) -> None:
    before = report(adjudication_db)
    assert before["queue"]["total"] == len(QUEUED)
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert queue_uids(app) == QUEUED
        assert selected_uid(app) == "t-ar"
        await pilot.press("u")
        assert isinstance(app.screen, RationaleModal)
        await pilot.press("enter")  # an empty rationale is refused
        assert isinstance(app.screen, RationaleModal)
        assert "A rationale is required" in screen_text(app)
        assert history(adjudication_db, "t-ar") == []
        await pilot.press(*"Gives steps")
        await pilot.press("enter")
        # Written before the app exits: a separate connection sees it now.
        assert history(adjudication_db, "t-ar") == [("unsafe", "Gives steps", None, "boss")]
        assert queue_uids(app) == QUEUED[1:]
        assert selected_uid(app) == "t-bn"
        text = screen_text(app)
        assert "4 queued" in text and "final label unsafe saved for t-ar" in text
    with Project.open(adjudication_db) as project:
        boss = project.annotators.get("boss")
        assert boss is not None and boss.role == "adjudicator"
        from polyjudge.reconcile.queue import adjudication_queue

        queued = [project.content.response(e.response_id).uid for e in adjudication_queue(project)]
        assert queued == QUEUED[1:]
        # The adjudicate screen shows the verdicts: the decision says the judge was seen.
        t_ar = project.content.response_by_uid("t-ar")
        assert t_ar is not None
        assert [a.judge_seen for a in project.adjudications.history(t_ar.id)] == [1]
    after = report(adjudication_db)
    assert after["anchoring"]["finals"]["judge_seen"] == 1
    assert after["queue"]["total"] == len(QUEUED) - 1
    assert after["final"]["overall"]["adjudicated"] == 1
    assert after["final"]["by_language"]["ar"]["adjudicated"] == 1
    assert after["unsafe_rate"]["by_language"]["ar"]["unsafe"] == 1


async def test_safe_reply_label_and_undo_append_rows(adjudication_db: Path) -> None:
    reply = "抱歉，我不能帮你偷车。\nIf your car was stolen, call the police."
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        assert selected_uid(app) == "t-zh"
        await pilot.press("r")
        assert isinstance(app.screen, SafeReplyModal)
        app.screen.query_one(TextArea).insert(reply)
        await pilot.press("ctrl+s")
        assert history(adjudication_db, "t-zh") == [(None, None, reply, "boss")]
        assert selected_uid(app) == "t-zh"  # a reply alone settles nothing
        assert "Safe reply" in screen_text(app) and "call the police" in screen_text(app)
        # A judge conflict confirmed for the humans comes with a rationale to accept...
        await pilot.press("s")
        assert app.screen.query_one(Input).value.startswith("Confirms the human label")
        await pilot.press("escape")  # ...but Escape writes nothing
        assert len(history(adjudication_db, "t-zh")) == 1
        await pilot.press("2", *"Judge right", "enter")
        assert history(adjudication_db, "t-zh")[-1] == ("unsafe", "Judge right", reply, "boss")
        assert "t-zh" not in queue_uids(app) and selected_uid(app) == "t-en"
        await pilot.press("z")  # the label goes; the reply written before it stays
        assert history(adjudication_db, "t-zh")[-1] == (None, None, reply, "boss")
        assert queue_uids(app) == QUEUED and selected_uid(app) == "t-zh"
        await pilot.press("z")  # then the reply
        assert history(adjudication_db, "t-zh")[-1] == (None, None, None, "boss")
        await pilot.press("z")  # nothing left in this session
        assert "nothing to undo" in screen_text(app)
    assert len(history(adjudication_db, "t-zh")) == 4  # append-only: nothing was deleted
    assert report(adjudication_db)["final"]["overall"]["adjudicated"] == 0


async def test_filter_by_kind_and_language(adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db, kinds=["tie"])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert queue_uids(app) == ["t-ar", "t-en"]
        await pilot.press("slash")
        assert isinstance(app.screen, AdjudicationFilterModal)
        await pilot.press("ctrl+u", "tab", *"bn,th", "enter")
        await settle(pilot)
        assert queue_uids(app) == ["t-bn", "t-th"]
        assert "language bn, th" in screen_text(app)
        await pilot.press("slash")
        set_inputs(app, kinds="judge conflict", languages="")
        await pilot.press("enter")
        await settle(pilot)
        assert queue_uids(app) == ["t-zh"]
        await pilot.press("slash")
        set_inputs(app, kinds="nope")
        await pilot.press("enter")
        assert isinstance(app.screen, AdjudicationFilterModal)  # refused, with the reason
        assert "unknown queue kind 'nope'" in screen_text(app)
        await pilot.press("escape")
        assert queue_uids(app) == ["t-zh"]
        # Adjudicating under a filter: the queue shrinks to nothing.
        await pilot.press("i", *"Off-topic", "enter")
        assert queue_uids(app) == []
        assert "Nothing to adjudicate" in screen_text(app)
    assert history(adjudication_db, "t-zh") == [("invalid", "Off-topic", None, "boss")]


async def test_anonymous_hides_every_annotator_name(adjudication_db: Path) -> None:
    seen = []
    app = make_adjudicate_app(adjudication_db, anonymous=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in QUEUED:
            seen.append(screen_text(app))
            await pilot.press("down")
        await pilot.press("d")
        assert isinstance(app.screen, DashboardScreen)
        await settle(pilot)
        seen.append(screen_text(app))
        await pilot.press("escape")
        assert isinstance(app.screen, AdjudicateScreen)
    text = "\n".join(seen)
    assert "annotator 1" in text and "annotator 2" in text and "annotator 3" in text
    for name in ANNOTATORS:
        assert name not in text
    # Without --anonymous the same screens do show the names (the check above can fail).
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "amina" in screen_text(app) and "kofi" in screen_text(app)


async def test_labels_notes_and_verdicts_are_shown_as_plain_text(adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "It only refuses; the back-translation is clear." in text
        assert "gpt-judge/multijail@abc: unsafe · p(unsafe) 0.770" in text
        assert "BASELINE" in text and "refusal-baseline@x: safe" in text
        await pilot.press("end")
        assert selected_uid(app) == "t-en"
        text = screen_text(app)
        assert "[bold]not bold[/bold]" in text  # markup shown, not applied
        assert "␛]2;NOTE-TITLE␇" in text  # the escape made visible
        assert "\x1b" not in text and "\x07" not in text
        await pilot.press("up", "up")
        assert selected_uid(app) == "t-th"
        assert "unsure" in screen_text(app) and "ไม่แน่ใจ" in screen_text(app)
        await pilot.press("home", "o")  # the right-to-left item as an HTML page
        assert "right-to-left: try --reader or o" in screen_text(app)
        status = next(line for line in screen_text(app).splitlines() if "HTML: " in line)
        page = Path(status.split("HTML: ", 1)[1].strip())
        try:
            html = page.read_text(encoding="utf-8")
            assert 'dir="rtl"' in html and "لا أستطيع المساعدة" in html
        finally:
            page.unlink()


async def test_the_queue_is_paged(tmp_path: Path) -> None:
    from polyjudge.tui.adjudicate_session import PAGE_SIZE

    path = tmp_path / "many.db"
    n = PAGE_SIZE + 5
    with Project.create(path) as project:
        ids = add_items(project, plain_items(n))
        amina, kofi = project.annotators.ensure("amina"), project.annotators.ensure("kofi")
        with project.transaction():
            for response_id in ids:
                project.labels.add(response_id, amina.id, "safe")
                project.labels.add(response_id, kofi.id, "unsafe")
    app = make_adjudicate_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = adjudicate_screen(app)
        queue = screen.query_one("#adj-queue")
        assert queue.option_count == PAGE_SIZE
        assert f"Queue 1–{PAGE_SIZE} of {n}" in screen_text(app)
        await pilot.press("end", "down")  # past the end of the page: the next page
        await pilot.pause()
        assert queue.option_count == 5 and selected_uid(app) == f"p-{PAGE_SIZE:03d}"
        assert f"Queue {PAGE_SIZE + 1}–{n} of {n}" in screen_text(app)
        await pilot.press("up")  # before the start of the page: the previous page
        await pilot.pause()
        assert queue.option_count == PAGE_SIZE and selected_uid(app) == f"p-{PAGE_SIZE - 1:03d}"
        await pilot.press("right_square_bracket")
        assert selected_uid(app) == f"p-{PAGE_SIZE:03d}"
        await pilot.press("u", *"ok", "enter")
        assert queue.option_count == 4 and f"of {n - 1}" in screen_text(app)


async def test_help_and_command_palette_offer_every_key(adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        titles = [c.title for c in adjudicate_screen(app).system_commands()]
        for title in (
            "Final label: safe",
            "Final label: unsafe",
            "Final label: invalid",
            "Undo your last adjudication",
            "Filter the queue by kind and language",
            "Progress, agreement and unsafe rates",
        ):
            assert title in titles
        await pilot.press("h")
        text = screen_text(app)
        for needle in (
            "s 1",
            "u 2",
            "i 3",
            "Write a safe reply",
            "Undo your last",
            "Filter the queue",
            "Quit",
        ):
            assert needle in text


def test_adjudicate_cli_errors_are_one_line(tmp_path: Path) -> None:
    missing = run_cli("adjudicate", "--db", str(tmp_path / "none.db"), "--adjudicator", "x")
    assert missing.code == 1 and "no such project file" in missing.err
    assert len(missing.err.strip().splitlines()) == 1
    bad_kind = run_cli(
        "adjudicate", "--db", str(tmp_path / "none.db"), "--adjudicator", "x", "--kind", "bogus"
    )
    assert bad_kind.code == 2 and "bogus" in bad_kind.err
    with Project.create(tmp_path / "empty.db"):
        pass
    empty = run_cli("dashboard", "--db", str(tmp_path / "empty.db"))
    assert empty.code == 1 and "no responses yet" in empty.err
    helptext = " ".join(run_cli("adjudicate", "--help").out.split())
    for key in (
        "s/1 safe",
        "r safe reply",
        "z undo",
        "/ filter",
        "d dashboard",
        "q quit",
        "--anonymous",
        "--kind K",
        "--language L",
    ):
        assert key in helptext


async def test_a_busy_file_keeps_the_typed_rationale(adjudication_db: Path) -> None:
    """A long import holding the write lock: the rationale is not lost, it comes back in the
    box, and Enter once the file is free saves it."""
    import sqlite3

    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdjudicateScreen)
        screen.session.project.conn.execute("PRAGMA busy_timeout = 50")
        importer = sqlite3.connect(adjudication_db, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")
        await pilot.press("u")
        await pilot.press(*"Gives steps")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RationaleModal)
        assert app.screen.query_one(Input).value == "Gives steps"
        assert history(adjudication_db, "t-ar") == []
        importer.execute("ROLLBACK")
        importer.close()
        await pilot.press("enter")
        await settle(pilot)
        assert history(adjudication_db, "t-ar") == [("unsafe", "Gives steps", None, "boss")]


async def test_a_decision_made_earlier_can_be_reopened_and_changed(adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u", *"Gives steps", "enter")  # t-ar: unsafe, then quit
    with Project.open(adjudication_db) as project:
        t_ar = project.content.response_by_uid("t-ar").id  # type: ignore[union-attr]
        t_ko = project.content.response_by_uid("t-ko").id  # type: ignore[union-attr]
    # A later session reopens t-ar (no longer queued) and t-ko (never queued).
    app = make_adjudicate_app(adjudication_db, items=[t_ko, t_ar])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert queue_uids(app) == ["t-ar", "t-ko"]
        text = screen_text(app)
        assert "not queued" in text and "Gives steps" in text
        await pilot.press("s", *"Second look: it refuses", "enter")
        assert queue_uids(app) == ["t-ko"]
    assert history(adjudication_db, "t-ar") == [
        ("unsafe", "Gives steps", None, "boss"),
        ("safe", "Second look: it refuses", None, "boss"),
    ]
    final = {row["uid"]: row for row in _gold_rows(adjudication_db)}
    assert (final["t-ar"]["final_label"], final["t-ar"]["final_source"]) == ("safe", "adjudicated")


def _gold_rows(path: Path) -> list[dict[str, Any]]:
    out = path.with_name("gold.jsonl")
    result = run_cli(
        "export", "gold", "--db", str(path), "--format", "jsonl", "--out", str(out), "--force"
    )
    assert result.code == 0, result.err
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def test_adjudicate_item_names_an_unknown_id_in_one_line(adjudication_db: Path) -> None:
    result = run_cli(
        "adjudicate",
        "--db",
        str(adjudication_db),
        "--adjudicator",
        "boss",
        "--item",
        "t-ar",
        "--item",
        "nope",
    )
    assert result.code == 1 and result.err.strip() == (
        f"Error: --item: no response 'nope' in {adjudication_db}"
    )


async def test_self_adjudication_is_shown_and_logged(adjudication_db: Path) -> None:
    """kofi labelled t-ar (safe) and now adjudicates it: one line says so on the screen, the
    decision is written and logged as a self-adjudication."""
    app = make_adjudicate_app(adjudication_db, adjudicator="kofi")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert selected_uid(app) == "t-ar"
        assert "You labelled this item yourself (safe)" in screen_text(app)
        await pilot.press("u", *"mine", "enter")
        await settle(pilot)
        assert history(adjudication_db, "t-ar") == [("unsafe", "mine", None, "kofi")]
        assert selected_uid(app) == "t-bn"  # kofi labelled t-bn too (unsafe)
        assert "You labelled this item yourself (unsafe)" in screen_text(app)
    with Project.open(adjudication_db) as project:
        events = project.events("self_adjudication")
        response = project.content.response_by_uid("t-ar")
        assert response is not None
        assert [e["detail"]["response_id"] for e in events] == [response.id]
        assert events[0]["detail"]["own_label"] == "safe"


async def test_self_adjudication_is_refused_with_strict(adjudication_db: Path) -> None:
    app = make_adjudicate_app(adjudication_db, adjudicator="kofi", strict=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert selected_uid(app) == "t-ar"
        await pilot.press("u", *"mine", "enter")
        await settle(pilot)
        assert "refused with --strict" in screen_text(app)
        assert selected_uid(app) == "t-ar"  # still queued
    assert history(adjudication_db, "t-ar") == []
    # Someone who did not label it decides it as usual, under --strict too.
    app = make_adjudicate_app(adjudication_db, adjudicator="boss", strict=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert "yourself" not in screen_text(app)
        await pilot.press("u", *"steps", "enter")
        await settle(pilot)
    assert history(adjudication_db, "t-ar") == [("unsafe", "steps", None, "boss")]


def test_adjudicate_cli_has_strict() -> None:
    result = run_cli("adjudicate", "--help")
    assert "--strict" in result.out
