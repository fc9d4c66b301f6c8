"""The annotate screen driven by Textual's pilot; every test checks the project file afterwards
with a fresh `Project`."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.annotate_screen import AnnotateScreen
from polyjudge.tui.text_pane import TextPane

from tests.tui.conftest import add_items, make_app, plain_items, screen_text, settle

pytestmark = pytest.mark.anyio


def labels_of(path: Path, annotator: str) -> list[tuple[str, str | None, int, str | None, str]]:
    """(uid, label, unsure, note, action) of every row the annotator wrote, in order."""
    with Project.open(path) as project:
        who = project.annotators.get(annotator)
        assert who is not None
        rows = []
        for response_id in range(1, project.content.count("responses") + 1):
            response = project.content.response(response_id)
            assert response is not None
            for row in project.labels.history(response_id, who.id):
                rows.append((row.id, response.uid, row.label, row.unsure, row.note, row.action))
        return [r[1:] for r in sorted(rows)]


async def until(pilot, condition, timeout_s: float = 60.0) -> None:
    """Let the app run until `condition()` holds (a generous polling deadline, not a timing
    assertion)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        await pilot.pause(0.02)


def shown_uid(app) -> str | None:
    screen = app.screen
    assert isinstance(screen, AnnotateScreen)
    item = screen.session.item
    return item.response.uid if item else None


async def test_labels_are_written_at_once_and_the_next_item_follows(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-ar"
        await pilot.press("s")
        # Written before the app exits: a separate connection sees it now.
        assert labels_of(multilingual_db, "amina") == [("t-ar", "safe", 0, None, "label")]
        assert shown_uid(app) == "t-bn"
        await pilot.press("2")
        await pilot.press("i")
        assert shown_uid(app) == "t-zh"
        await settle(pilot)
        assert "3 / 8 done" in screen_text(app)
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "safe", 0, None, "label"),
        ("t-bn", "unsafe", 0, None, "label"),
        ("t-th", "invalid", 0, None, "label"),
    ]
    with Project.open(multilingual_db) as project:
        rows = [project.labels.history(i)[0] for i in (1, 2, 3)]
    assert all(
        row.viewed == "both" and row.time_ms is not None and row.time_ms >= 0 for row in rows
    )


async def test_unsure_applies_to_the_next_label_only(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert "[unsure]" in screen_text(app)
        await pilot.press("u")
        await pilot.press("s")
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "unsafe", 1, None, "label"),
        ("t-bn", "safe", 0, None, "label"),
    ]


async def test_a_note_waits_for_the_label_or_joins_the_current_one(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        # No label yet: the note is held until the label key.
        await pilot.press("n")
        await pilot.press(*"looks like [bold]refusal")
        await pilot.press("enter")
        assert labels_of(multilingual_db, "amina") == []
        assert "note waits for a label" in screen_text(app)
        await pilot.press("s")
        # Back on a labelled item, a note is saved at once with the current label.
        await pilot.press("left")
        assert shown_uid(app) == "t-ar"
        await pilot.press("n")
        await pilot.press("ctrl+u", *"second thought", "enter")
        # Escape cancels a note.
        await pilot.press("n", *"never saved", "escape")
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "safe", 0, "looks like [bold]refusal", "label"),
        ("t-ar", "safe", 0, "second thought", "label"),
    ]


async def test_a_waiting_note_stays_with_its_item_and_survives_quitting(
    multilingual_db: Path,
) -> None:
    """A note typed before its label is a draft in the file: quitting loses nothing (no
    question asked), and the next session brings it back on its item."""
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"first look", "enter", "question_mark", "right")
        assert shown_uid(app) == "t-bn"
        assert "the note waits on the item left" in screen_text(app)
        assert "note waits for a label" not in screen_text(app)  # t-bn has none
        await pilot.press("n", *"bengali note", "enter")
        await pilot.press("q")  # the notes are drafts in the file: quits at once
        await pilot.pause()
        assert not app.is_running
    assert labels_of(multilingual_db, "amina") == []
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-ar"
        assert "note waits for a label" in screen_text(app)  # it came back
        await pilot.press("u")  # labels t-ar with its note and unsure mark
        assert shown_uid(app) == "t-bn"
        assert "note waits for a label" in screen_text(app)
        await pilot.press("s")
        await pilot.press("q")
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "unsafe", 1, "first look", "label"),
        ("t-bn", "safe", 0, "bengali note", "label"),
    ]
    with Project.open(multilingual_db) as project:
        assert project.drafts.for_annotator(1) == {}


async def test_quit_pressed_twice_leaves_waiting_notes(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"never labelled", "enter", "q", "q")
        await pilot.pause()
        assert not app.is_running
    assert labels_of(multilingual_db, "amina") == []


async def test_undo_appends_rows_and_returns_to_the_item(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s", "u")
        assert shown_uid(app) == "t-th"
        await pilot.press("z")
        assert shown_uid(app) == "t-bn"  # the undone item is shown again
        await pilot.press("i")  # relabel it
        assert shown_uid(app) == "t-th"
        await pilot.press("z", "z", "z")  # undo the relabel, then t-ar's label, then nothing
        assert shown_uid(app) == "t-ar"
    with Project.open(multilingual_db) as project:
        amina = project.annotators.get("amina")
        assert amina is not None
        history = [(r.label, r.action) for r in project.labels.history(2, amina.id)]
        assert history == [
            ("unsafe", "label"),
            (None, "undo"),
            ("invalid", "label"),
            (None, "undo"),
        ]
        assert project.labels.current_for(1) == []
        assert project.labels.current_for(2) == []
        assert project.content.count("labels") == 6  # nothing was deleted


async def test_arrows_navigate_and_show_only_my_own_label(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("right", "right")
        assert shown_uid(app) == "t-th"
        await pilot.press("left")
        assert shown_uid(app) == "t-bn"
        await pilot.press("u")  # labelling moves to the next item still open
        assert shown_uid(app) == "t-th"
        await pilot.press("left")
        assert shown_uid(app) == "t-bn"
        assert "your label: unsafe" in screen_text(app)
        await pilot.press("left", "left")  # stays on the first item
        assert shown_uid(app) == "t-ar"
        await pilot.press("s")
        assert shown_uid(app) == "t-th"  # t-bn is done; the next open item follows
    assert labels_of(multilingual_db, "amina") == [
        ("t-bn", "unsafe", 0, None, "label"),
        ("t-ar", "safe", 0, None, "label"),
    ]


async def test_after_the_last_item_skipped_items_come_back_then_done(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Project.create(path) as project:
        add_items(project, plain_items(3))
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("right")  # skip p-000
        await pilot.press("s", "s")  # p-001, p-002
        assert shown_uid(app) == "p-000"
        await pilot.press("s")
        assert shown_uid(app) is None
        assert "Nothing left to label" in screen_text(app)
        await pilot.press("s")  # nothing to label: no row
        await pilot.press("left")
        assert shown_uid(app) == "p-002"
    assert len(labels_of(path, "amina")) == 3


async def test_filter_dialog_restricts_the_queue(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"th,ko", "enter")
        await settle(pilot)
        assert shown_uid(app) == "t-th"
        assert "0 / 2 done" in screen_text(app)
        await pilot.press("u", "u")
        assert shown_uid(app) is None
        await pilot.press("slash", "ctrl+u", "tab", "tab", "tab", *"Family", "enter")
        await settle(pilot)  # a free-text filter is searched in a worker
        assert shown_uid(app) == "t-zh"  # free text, found in the back-translation
    assert [row[:2] for row in labels_of(multilingual_db, "amina")] == [
        ("t-th", "unsafe"),
        ("t-ko", "unsafe"),
    ]


async def test_viewed_follows_the_panes_on_screen(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("b", "s")  # original only
        await pilot.press("b", "s")  # back-translation only
        await pilot.press("b", "s")  # both again
        await pilot.press("right", "right", "right", "right")  # t-en has no back-translation
        assert shown_uid(app) == "t-en"
        await pilot.press("s")
    with Project.open(multilingual_db) as project:
        viewed = [project.labels.history(i)[0].viewed for i in (1, 2, 3, 8)]
    assert viewed == ["original", "back_translation", "both", "original"]


async def test_layout_is_side_by_side_when_wide_stacked_when_narrow_and_t_toggles(
    multilingual_db: Path,
) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        original = app.screen.query_one("#original", TextPane)
        back = app.screen.query_one("#back", TextPane)
        assert original.region.y == back.region.y and original.region.x < back.region.x
        await pilot.press("t")
        await pilot.pause()
        assert original.region.x == back.region.x and original.region.y < back.region.y
    app = make_app(multilingual_db)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        original = app.screen.query_one("#original", TextPane)
        back = app.screen.query_one("#back", TextPane)
        assert original.region.x == back.region.x and original.region.y < back.region.y


async def test_markup_and_escapes_are_shown_literally(multilingual_db: Path) -> None:
    app = make_app(multilingual_db, languages=["en"])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-en"
        pane = app.screen.query_one("#original", TextPane)
        body = "\n".join(pane.rendered_lines())
        for literal in (
            "[bold]Sure![/bold]",
            "[link=https://evil.example]click[/link]",
            "␛]2;PWNED-TITLE␇",
            "␛[31mred␛[0m",
        ):
            assert literal in body
        assert "evil" in body and "hidden" in body  # the bidi override and ZWSP are gone
        everything = screen_text(app)
        assert "\x1b" not in everything and "\x07" not in everything
        assert "\u202e" not in everything and "\u200b" not in everything
        assert "invisible chars" in everything
        await pilot.press("v")
        body = "\n".join(pane.rendered_lines())
        assert "⟨U+202E⟩evil⟨U+202C⟩" in body and "hid⟨U+200B⟩den" in body
        await pilot.press("v")
        assert "⟨U+202E⟩" not in "\n".join(pane.rendered_lines())


async def test_one_annotator_never_sees_another_annotators_work(multilingual_db: Path) -> None:
    with Project.open(multilingual_db) as project:
        bob = project.annotators.ensure("bob")
        project.labels.add(1, bob.id, "unsafe", note="BOB-SECRET-NOTE", unsure=True)
    app = make_app(multilingual_db, annotator="amina")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-ar"  # still offered to amina
        text = screen_text(app)
        assert "BOB-SECRET-NOTE" not in text and "your label" not in text
        assert "unsafe" not in text.split("\n")[1]  # the header's label slot is empty
        assert "0 / 8 done" in text
        await pilot.press("s")
    with Project.open(multilingual_db) as project:
        labels = {(lab.annotator_id, lab.label) for lab in project.labels.current_for(1)}
    assert labels == {(bob.id, "unsafe"), (2, "safe")}


async def test_overlap_two_with_three_annotators_in_the_screen(tmp_path: Path) -> None:
    path = tmp_path / "overlap.db"
    with Project.create(path) as project:
        add_items(project, plain_items(4))
    for annotator in ("ana", "ben"):
        app = make_app(path, annotator=annotator, overlap=2)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("s", "s")  # both label p-000 and p-001
    app = make_app(path, annotator="chi", overlap=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "p-002"
        assert "0 / 2 done" in screen_text(app)
        await pilot.press("left")
        assert shown_uid(app) == "p-002"  # the full items are not reachable
        await pilot.press("u", "u")
        assert shown_uid(app) is None
    app = make_app(path, annotator="ana", overlap=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "p-002"  # one label (chi's): still open for ana
        await pilot.press("left")
        assert shown_uid(app) == "p-001"  # her own labelled items stay reachable
    assert [row[0] for row in labels_of(path, "chi")] == ["p-002", "p-003"]


async def test_with_overlap_the_item_on_screen_is_held_until_the_annotator_moves_or_quits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "held.db"
    with Project.create(path) as project:
        ids = add_items(project, plain_items(3))
        ben = project.annotators.ensure("ben").id

    def held() -> tuple[list[int], list[int]]:
        with Project.open(path) as project:
            ana = project.annotators.get("ana")
            assert ana is not None
            return project.claims.held_ids(ana.id), project.queue.open_ids(ben, overlap=1, limit=1)

    app = make_app(path, annotator="ana", overlap=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "p-000"
        assert held() == ([ids[0]], [ids[1]])  # ben is offered the next item
        await pilot.press("right")
        assert shown_uid(app) == "p-001"
        assert held() == ([ids[1]], [ids[0]])  # p-000 left unlabelled: open again
        await pilot.press("s")
        assert held() == ([ids[2]], [ids[0]])  # p-001 labelled (closed), p-002 held
    assert held() == ([], [ids[0]])  # quitting gives p-002 back


async def test_rtl_item_offers_an_html_page(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert "right-to-left: try --reader or o" in screen_text(app)
        await pilot.press("o")
        status = app.screen.header_state.status
    path = Path(status.removeprefix("HTML: "))
    try:
        page = path.read_text(encoding="utf-8")
        assert 'dir="rtl" lang="ar"' in page
        assert "لا أستطيع المساعدة في سرقة السيارات" in page
        assert "default-src 'none'" in page
    finally:
        path.unlink()


async def test_html_page_escapes_everything(multilingual_db: Path) -> None:
    app = make_app(multilingual_db, languages=["en"])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        path = Path(app.screen.header_state.status.removeprefix("HTML: "))
    try:
        page = path.read_text(encoding="utf-8")
        assert "<bold>" not in page and "\x1b" not in page and "\u202e" not in page
        assert "[link=https://evil.example]click[/link]" in page
    finally:
        path.unlink()


async def test_guidelines_show_the_projects_markdown(multilingual_db: Path, tmp_path: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await pilot.pause()
        assert "Label unsafe when it helps harm." in screen_text(app)
        await pilot.press("escape")
        await pilot.press("s")
    app = make_app(multilingual_db, guidelines="# Other rules\n\nBe careful\x1b]2;x\x07.\n")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await pilot.pause()
        text = screen_text(app)
        assert "Be careful␛]2;x␇." in text and "\x1b" not in text


async def test_help_lists_every_key_and_the_palette_offers_every_action(
    multilingual_db: Path,
) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        titles = {command.title for command in app.get_system_commands(screen)}
        for label in ("safe", "unsafe", "invalid"):
            assert f"Label: {label}" in titles
        actions = {a.binding.action for a in screen.active_bindings.values() if a.node is screen}
        expected = {
            "toggle_unsure",
            "keep_label",
            "note",
            "undo",
            "previous",
            "next",
            "filter",
            "guidelines",
            "toggle_layout",
            "cycle_panes",
            "toggle_invisible",
            "open_html",
            "help",
            "quit",
            "label(0)",
            "label(1)",
            "label(2)",
        }
        assert expected <= actions
        palette = {c.title for c in screen.system_commands()}
        assert len(palette) == len(expected)
        await pilot.press("h")
        await pilot.pause()
        text = screen_text(app)
        for line in (
            "s 1",
            "u 2",
            "i 3",
            "Mark the next label as unsure",
            "Show invisible",
            "Write the item as an HTML page",
        ):
            assert line in text


async def test_a_label_can_be_given_from_the_command_palette(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Label: invalid")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert shown_uid(app) == "t-bn"
    assert labels_of(multilingual_db, "amina") == [("t-ar", "invalid", 0, None, "label")]


async def test_keys_can_be_remapped_by_binding_id(multilingual_db: Path) -> None:
    app = make_app(multilingual_db, keymap={"annotate.label.safe": "x", "annotate.undo": "k"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.press("x", "k")
    assert labels_of(multilingual_db, "amina") == [
        ("t-ar", "safe", 0, None, "label"),
        ("t-bn", "safe", 0, None, "label"),
        ("t-bn", None, 0, None, "undo"),
    ]


async def test_a_projects_own_label_set_is_numbered(tmp_path: Path) -> None:
    path = tmp_path / "yesno.db"
    with Project.create(path, labels=["yes", "no", "unclear"]) as project:
        add_items(project, plain_items(3))
    app = make_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("y")  # unique first letter
        await pilot.press("2")  # `n` is the note key: "no" has its number only
        await pilot.press("u")  # `u`: unclear
    assert [row[1] for row in labels_of(path, "amina")] == ["yes", "no", "unclear"]


async def test_a_long_header_is_cut_not_wrapped(tmp_path: Path) -> None:
    path = tmp_path / "long.db"
    with Project.create(path) as project:
        add_items(
            project,
            plain_items(2),
            model="a-model-with-a-rather-long-name-" * 2,
            category="Soliciting personally identifiable information " * 2,
        )
    app = make_app(path)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" p-000") and lines[0].rstrip().endswith("…")
        assert lines[1].startswith(" 0 / 2 done")
        assert lines[2].startswith(" Prompt (sw)")


async def test_a_busy_file_queues_the_label_and_loses_none(multilingual_db: Path) -> None:
    """Another process holding the write lock (a long import) must not crash or freeze the
    screen: the label is queued ("saving…"), the next item follows, and the label is written
    on its own item once the file is free (see test_annotate_lock.py for more)."""
    import sqlite3

    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        importer = sqlite3.connect(multilingual_db, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")
        await pilot.press("u")
        await pilot.pause()
        assert shown_uid(app) == "t-bn"
        assert "saving… 1 queued" in screen_text(app)
        assert "NOT SAVED" not in screen_text(app)
        importer.execute("ROLLBACK")
        importer.close()
        await until(pilot, lambda: "saved unsafe for t-ar" in screen_text(app))
    assert labels_of(multilingual_db, "amina") == [("t-ar", "unsafe", 0, None, "label")]


async def test_with_overlap_a_busy_file_still_lets_the_annotator_move(tmp_path: Path) -> None:
    """Claims are best effort: while an import holds the write lock, moving between items
    shows them unclaimed instead of waiting for the lock, and the claim resumes afterwards."""
    import sqlite3

    path = tmp_path / "busy.db"
    with Project.create(path) as project:
        ids = add_items(project, plain_items(3))
    app = make_app(path, annotator="ana", overlap=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        project = screen.session.project
        assert project.claims.held_ids(screen.session.annotator.id) == [ids[0]]
        importer = sqlite3.connect(path, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")
        await pilot.press("right")
        assert shown_uid(app) == "p-001"
        assert project.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        importer.execute("ROLLBACK")
        importer.close()
        # Still the old claim: the move could not be written; the next one is.
        assert project.claims.held_ids(screen.session.annotator.id) == [ids[0]]
        await pilot.press("right")
        assert shown_uid(app) == "p-002"
        assert project.claims.held_ids(screen.session.annotator.id) == [ids[2]]
        await pilot.press("s")
    assert labels_of(path, "ana") == [("p-002", "safe", 0, None, "label")]


async def test_keys_wait_while_a_free_text_filter_is_searched(
    multilingual_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text scan runs off the UI thread; until it answers, label and arrow keys do nothing
    (the item on screen is about to change), so no label lands on an item by surprise."""
    import threading

    from polyjudge.tui.annotate_session import AnnotationSession

    release = threading.Event()
    search = AnnotationSession.first_open_id

    def slow_search(*args: object) -> int | None:
        release.wait(30)
        return search(*args)

    monkeypatch.setattr(AnnotationSession, "first_open_id", staticmethod(slow_search))
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert shown_uid(app) == "t-ar"
        await pilot.press("slash", "tab", "tab", "tab", *"Family", "enter")
        await pilot.pause()
        assert "searching for 'Family'" in screen_text(app)
        await pilot.press("s", "right", "u")
        await pilot.pause()
        assert shown_uid(app) == "t-ar"
        release.set()
        await settle(pilot)
        assert shown_uid(app) == "t-zh"
        assert "filter: text 'Family'" in screen_text(app)
        await pilot.press("s")
    assert [row[:2] for row in labels_of(multilingual_db, "amina")] == [("t-zh", "safe")]


def _versions(path: Path, annotator: str) -> list[tuple[str, str | None]]:
    """(action, guideline_version) of every row the annotator wrote, in order."""
    with Project.open(path) as project:
        who = project.annotators.get(annotator)
        assert who is not None
        rows = project.conn.execute(
            "SELECT action, guideline_version FROM labels WHERE annotator_id = ? ORDER BY id",
            (who.id,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]


def _sha(text: str) -> str:
    """The expected version, computed here by hand: SHA-256 of the UTF-8 text, 16 hex digits."""
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


async def test_every_label_of_a_key_press_carries_the_guidelines_hash(
    multilingual_db: Path, tmp_path: Path
) -> None:
    with Project.open(multilingual_db) as project:
        shown = project.meta("guidelines")
    assert shown
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s", "u")
        await pilot.press("left")
        await pilot.press("n", *"a note", "enter")  # a label row with the note
        await pilot.press("z")  # an undo restores the row before it, version and all
    rows = _versions(multilingual_db, "amina")
    assert [a for a, _ in rows] == ["label", "label", "label", "undo"]
    assert {v for _, v in rows} == {_sha(shown)}
    # `annotate --guidelines FILE` shows that file instead: its hash is written.
    other = "# Round 2\n\nA refusal in another language is safe.\n"
    app = make_app(multilingual_db, annotator="kofi", guidelines=other)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
    assert _versions(multilingual_db, "kofi") == [("label", _sha(other))]
    assert _sha(other) != _sha(shown)


def test_a_queued_write_keeps_its_guideline_version(multilingual_db: Path) -> None:
    """A write that waited in the journal for the lock is written with the version it was
    made with (the journal line carries it)."""
    import dataclasses
    import json

    from polyjudge.tui.annotate_journal import LABEL, Write

    with Project.open(multilingual_db) as project:
        who = project.annotators.ensure("queued")
        write = Write(LABEL, 1, who.id, "safe", guideline_version="sha256:0123456789abcdef")
        again = Write.from_json(json.loads(json.dumps(dataclasses.asdict(write))))
        row = again.apply(project, None)
    assert row is not None and row.guideline_version == "sha256:0123456789abcdef"
