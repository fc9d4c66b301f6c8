"""The annotate screen while another process holds the write lock (an import): the screen keeps
answering keys, queues what it cannot write yet ("saving…"), and writes every label on the item
its key was pressed on once the lock frees, in the order pressed. Notes typed before their
label, and writes still queued at quit, survive into the next session.

Before the fix, a key waited up to the busy timeout on the UI thread, then said NOT SAVED and
left the item on screen, so the next key labelled that same item; a note typed before its
label lived only in memory.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.annotate_screen import AnnotateScreen

from tests.tui.conftest import make_app, screen_text, settle
from tests.tui.test_annotate_pilot import labels_of, shown_uid, until

pytestmark = pytest.mark.anyio


def hold_lock(path: Path) -> sqlite3.Connection:
    """Another connection takes the write lock, as an import does, and keeps it."""
    importer = sqlite3.connect(path, isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")
    return importer


def release_lock(importer: sqlite3.Connection) -> None:
    importer.execute("ROLLBACK")
    importer.close()


def journals(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.annotate-*.journal"))


async def test_keys_are_answered_and_queued_labels_land_on_their_items(
    multilingual_db: Path,
) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-ar"
        importer = hold_lock(multilingual_db)
        try:
            await pilot.press("s")  # t-ar: waits for the lock, the next item follows
            await pilot.pause()
            assert shown_uid(app) == "t-bn"
            assert "saving… 1 queued" in screen_text(app)
            await pilot.press("u")  # t-bn
            await pilot.pause()
            assert shown_uid(app) == "t-th"
            await pilot.press("z")  # undo t-bn: queued after its label
            await pilot.pause()
            assert shown_uid(app) == "t-bn"
            await pilot.press("i")  # t-bn again, after the undo
            await pilot.pause()
            assert shown_uid(app) == "t-th"  # t-ar waits in the queue: not offered again
            await pilot.press("s")  # t-th
            await pilot.pause()
            assert shown_uid(app) == "t-zh"
            assert "saving… 5 queued" in screen_text(app)
            assert "NOT SAVED" not in screen_text(app)
            assert labels_of(multilingual_db, "amina") == []
        finally:
            release_lock(importer)
        # The last write's acknowledgement (each write is acknowledged as it lands).
        await until(pilot, lambda: "saved safe for t-th" in screen_text(app))
        assert "saving…" not in screen_text(app)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        assert screen.session.writes.backlog == 0
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "safe", 0, None, "label"),
        ("t-bn", "unsafe", 0, None, "label"),
        ("t-bn", None, 0, None, "undo"),
        ("t-bn", "invalid", 0, None, "label"),
        ("t-th", "safe", 0, None, "label"),
    ]
    assert journals(multilingual_db) == []


async def test_a_draft_note_and_queued_labels_survive_a_restart(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    importer: sqlite3.Connection | None = None
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert shown_uid(app) == "t-ar"
            importer = hold_lock(multilingual_db)
            await pilot.press("n", *"looks like a refusal", "enter")  # a draft, queued
            await pilot.pause()
            assert "note saving…" in screen_text(app)
            await pilot.press("right")
            assert shown_uid(app) == "t-bn"
            await pilot.press("u")  # queued behind the draft
            await pilot.pause()
            await pilot.press("q")  # writes wait: the screen says so and stays
            await pilot.pause()
            assert app.is_running
            assert "quitting once the queued label(s) are written" in screen_text(app)
            await pilot.press("q")  # quit now: they stay in the journal
            await pilot.pause()
            assert not app.is_running
        assert labels_of(multilingual_db, "amina") == []
        assert len(journals(multilingual_db)) == 1
    finally:
        if importer is not None:
            release_lock(importer)
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        await until(pilot, lambda: screen.session.writes.backlog == 0)
        assert shown_uid(app) == "t-ar"  # t-bn is labelled (replayed), t-ar is not
        assert "note waits for a label" in screen_text(app)
        await pilot.press("s")  # the draft note goes with the label
    assert labels_of(multilingual_db, "amina") == [
        ("t-bn", "unsafe", 0, None, "label"),
        ("t-ar", "safe", 0, "looks like a refusal", "label"),
    ]
    with Project.open(multilingual_db) as project:
        assert project.drafts.for_annotator(1) == {}
    assert journals(multilingual_db) == []


async def test_quit_waits_for_queued_labels_then_quits(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        importer = hold_lock(multilingual_db)
        try:
            await pilot.press("u", "s")
            await pilot.pause()
            assert "saving… 2 queued" in screen_text(app)
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running  # waits, saying so
            assert "quitting once the queued label(s) are written" in screen_text(app)
        finally:
            release_lock(importer)
        await until(pilot, lambda: not app.is_running)
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "unsafe", 0, None, "label"),
        ("t-bn", "safe", 0, None, "label"),
    ]
    assert journals(multilingual_db) == []


KILLED_SESSION = """
import sys
from polyjudge.store import Project
from polyjudge.tui.annotate_options import Options
from polyjudge.tui.annotate_session import QUEUED, AnnotationSession

with Project.open(sys.argv[1]) as project:
    session = AnnotationSession(project, Options(annotator="amina", no_sample=True))
    session.start()
    states = [session.label("unsafe", "both")[0] for _ in range(3)]
    assert states == [QUEUED] * 3, states
    print("queued", flush=True)
    sys.stdin.read()  # killed here, its labels still waiting for the lock
"""


def test_a_killed_session_s_queued_labels_are_replayed_once(multilingual_db: Path) -> None:
    """SIGKILL with labels queued behind the lock: the next session writes each of them
    once; a journal entry already written (killed after the write, before its "done") and a
    torn last line are skipped."""
    import subprocess
    import sys

    from polyjudge.tui.annotate_options import Options
    from polyjudge.tui.annotate_session import AnnotationSession

    with Project.open(multilingual_db) as project:
        project.annotators.ensure("amina")
    importer = hold_lock(multilingual_db)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_SESSION, str(multilingual_db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "queued"
        child.kill()
        child.wait(60)
    finally:
        release_lock(importer)
    [journal] = journals(multilingual_db)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])["write"]
    with Project.open(multilingual_db) as project:  # as if the first had reached the file
        project.labels.add(
            first["response_id"], first["annotator_id"], first["label"], uid=first["uid"]
        )
    with journal.open("a", encoding="utf-8") as file:
        file.write('{"write": {"kind": "lab')  # torn by the kill
    with Project.open(multilingual_db) as project:
        session = AnnotationSession(project, Options(annotator="amina", no_sample=True))
        session.start()
        assert session.writes.wait_empty(60)
        session.release()
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "unsafe", 0, None, "label"),
        ("t-bn", "unsafe", 0, None, "label"),
        ("t-th", "unsafe", 0, None, "label"),
    ]
    assert journals(multilingual_db) == []
