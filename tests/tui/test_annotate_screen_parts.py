"""Issue 13, the annotate screen: the two panes scroll in step with a "▼ N more lines" marker,
the active filter stays on screen, the footer keeps Help and Quit at 80 columns, the done screen
counts the session and names the next command, the demo has guidelines, the pace and ETA
ignore undone labels, and the palette has each entry once and a Screenshot that works.

Each test runs at a fixed terminal size (80×24 and 120×40 where the layout differs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.annotate_screen import AnnotateScreen
from polyjudge.tui.text_pane import TextPane

from tests.tui.conftest import add_items, make_app, plain_items, screen_text, settle
from tests.tui.test_annotate_pilot import shown_uid, until

pytestmark = pytest.mark.anyio

NARROW, WIDE = (80, 24), (120, 40)
RESPONSE_LINES, BACK_LINES = 90, 45


def long_item() -> tuple[str, str, str, str, str, str]:
    """A response of 90 lines whose back-translation has 45 (a translation is rarely as long
    as its source), so the panes scroll by different amounts to stay in step."""
    response = "\n".join(f"Mstari {i:02d} wa jibu" for i in range(RESPONSE_LINES))
    back = "\n".join(f"Line {i:02d} of the answer" for i in range(BACK_LINES))
    return ("long-1", "sw", "Swali refu", "A long question", response, back)


def long_db_at(directory: Path) -> Path:
    """A project whose first item is `long_item()`, then two short ones."""
    path = directory / "long.db"
    with Project.create(path) as project:
        add_items(project, [long_item(), *plain_items(2)])
    return path


@pytest.fixture
def long_db(tmp_path: Path) -> Path:
    return long_db_at(tmp_path)


def panes(app) -> tuple[TextPane, TextPane]:
    return app.screen.query_one("#original", TextPane), app.screen.query_one("#back", TextPane)


def more_lines(pane: TextPane) -> int:
    """N of the pane's "▼ N more lines" (0 when it has none), read off its bottom border."""
    subtitle = pane.border_subtitle or ""
    if not subtitle:
        return 0
    assert subtitle.startswith("▼ ") and subtitle.endswith(("more line", "more lines"))
    return int(subtitle.split()[1].replace(",", ""))


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
async def test_scrolling_one_pane_scrolls_the_other(long_db: Path, size: tuple[int, int]) -> None:
    app = make_app(long_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        original, back = panes(app)
        assert original.max_scroll_y > back.max_scroll_y > 0
        # Both say how much is below before anything scrolls.
        assert more_lines(original) == original.max_scroll_y
        assert more_lines(back) == back.max_scroll_y
        assert f"▼ {original.max_scroll_y} more lines" in screen_text(app)

        await pilot.press("pagedown")  # the response pane has the focus
        await until(pilot, lambda: original.scroll_y > 0 and back.scroll_y > 0)
        share = original.scroll_y / original.max_scroll_y
        assert back.scroll_y == round(share * back.max_scroll_y)
        assert more_lines(back) == back.max_scroll_y - round(back.scroll_y)

        await pilot.press("end")
        await until(pilot, lambda: back.scroll_y == back.max_scroll_y)
        assert more_lines(original) == more_lines(back) == 0
        assert "more line" not in screen_text(app)

        # The other way round: scrolling the back-translation moves the response.
        back.focus()
        await pilot.press("home")
        await until(pilot, lambda: original.scroll_y == 0)
        assert more_lines(original) == original.max_scroll_y


async def test_a_hidden_pane_does_not_follow(long_db: Path) -> None:
    app = make_app(long_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        original, back = panes(app)
        await pilot.press("b")  # only the original
        await pilot.pause()
        assert not back.display
        assert f"▼ {original.max_scroll_y} more lines" in screen_text(app)
        await pilot.press("end")
        await until(pilot, lambda: original.scroll_y == original.max_scroll_y)
        assert back.scroll_y == 0
        assert more_lines(original) == 0 and "more line" not in screen_text(app)


async def test_the_next_item_starts_both_panes_at_the_top(long_db: Path) -> None:
    app = make_app(long_db)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        original, back = panes(app)
        await pilot.press("end")
        await until(pilot, lambda: back.scroll_y == back.max_scroll_y)
        await pilot.press("right")
        await until(pilot, lambda: original.scroll_y == 0 and back.scroll_y == 0)
        assert shown_uid(app) == "p-000"
        assert more_lines(original) == more_lines(back) == 0


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
async def test_the_active_filter_stays_on_screen(
    multilingual_db: Path, size: tuple[int, int]
) -> None:
    app = make_app(multilingual_db, languages=["th", "ko"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "filter: language th,ko" in screen_text(app)
        await pilot.press("s")  # after a label the status line changes; the filter stays
        await settle(pilot)
        assert "filter: language th,ko" in screen_text(app)
        await pilot.press("slash", "ctrl+u", *"ar", "enter")
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        text = screen_text(app)
        assert "filter: language ar" in text and "th,ko" not in text
        await pilot.press("slash", "ctrl+u", "enter")  # no filter: nothing said
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        assert "filter" not in screen_text(app)


@pytest.mark.parametrize("size", [NARROW, (100, 30)], ids=["80x24", "100x30"])
async def test_the_footer_keeps_help_and_quit(multilingual_db: Path, size: tuple[int, int]) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "h Help" in footer and "q Quit" in footer
        assert "s safe" in footer  # the labels still come first
        assert footer.index("s safe") < footer.index("h Help") < footer.index("q Quit")


async def test_the_done_screen_counts_the_session_and_names_the_next_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative path, as a user typing `--db done.db` gives: the commands shown must fit the
    # pane however long the temporary directory's name is (a long one scrolled them out).
    monkeypatch.chdir(tmp_path)
    path = Path("done.db")
    with Project.create(path) as project:
        add_items(project, plain_items(3))
    app = make_app(path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("s", "u")  # p-000 safe, p-001 unsafe
        await pilot.press("z")  # undone: p-001 is unlabelled again, and shown
        assert shown_uid(app) == "p-001"
        await pilot.press("i", "s")  # p-001 invalid, p-002 safe
        assert shown_uid(app) is None
        await settle(pilot)
        original, _ = panes(app)
        lines = original.rendered_lines()
        assert any(
            "This session: 3 items labelled (safe 2, unsafe 0, invalid 1)." in line
            for line in lines
        )
        squeezed = "".join("".join(lines).split())  # the file name may wrap at 80 columns
        assert f"polyjudgestatus--db{path}" in squeezed
        assert f"polyjudgereport--db{path}" in squeezed


async def test_the_demo_shows_the_multijail_definitions(tmp_path: Path) -> None:
    from polyjudge.demo import build_demo

    path = tmp_path / "demo.db"
    build_demo(path, with_labels=True)
    app = make_app(path, annotator="demo")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "The response is considered safe if it does not contain any unsafe" in text
        assert "Multilingual Jailbreak Challenges in Large Language Models" in text


def test_the_demo_guidelines_quote_the_papers_definitions_word_for_word() -> None:
    """The quoted definitions are the paper's evaluation prompt (Appendix A.2), which the
    built-in `multijail` judge template also carries: every definition line of that template
    appears in the guidelines' quotation."""
    from importlib import resources

    from polyjudge.demo import demo_guidelines

    template = (resources.files("polyjudge.judge") / "templates" / "multijail.txt").read_text(
        "utf-8"
    )
    quoted = " ".join(
        line.lstrip("> ").replace("**", "")
        for line in demo_guidelines().splitlines()
        if line.startswith(">")
    )
    quoted = " ".join(quoted.split())
    definitions = [
        line
        for line in template.splitlines()
        if line.startswith(("Safe:", "Unsafe:", "Invalid:", "Given a pair"))
    ]
    assert len(definitions) == 4
    for line in definitions:
        assert " ".join(line.split()) in quoted
    assert "arXiv:2310.06474" in demo_guidelines()


async def test_the_pace_and_eta_ignore_undone_labels(tmp_path: Path) -> None:
    """Two labels of 10 s stand; a third of 100 s was undone. The pace is 2 labels in 20 s =
    360/h, and the 9 items left take 9/360 h = 1.5 min, shown as "2m" (counting the undone
    label would say 3 labels in 120 s = 90/h, ETA 6m)."""
    path = tmp_path / "pace.db"
    with Project.create(path) as project:
        ids = add_items(project, plain_items(11))
        me = project.annotators.ensure("amina").id
        project.labels.add(ids[0], me, "safe", time_ms=10_000)
        project.labels.add(ids[1], me, "unsafe", time_ms=100_000)
        project.labels.undo(ids[1], me)
        project.labels.add(ids[2], me, "safe", time_ms=10_000)
        pace = project.queue.pace(me)
    assert (pace.labels, pace.total_ms, pace.per_hour) == (2, 20_000, 360.0)
    app = make_app(path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "2 / 11 done · 360/h · ETA 2m" in text


async def test_the_palette_lists_each_command_once_and_the_screenshot_works(
    multilingual_db: Path,
) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        titles = [command.title for command in app.get_system_commands(screen)]
        assert len(titles) == len(set(titles))
        # Textual's own Quit would not wait for queued labels, and its Keys repeats `h`.
        assert "Quit" not in titles and "Keys" not in titles
        assert titles.count("Screenshot") == 1
        before = set(multilingual_db.parent.glob("*.svg"))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: set(multilingual_db.parent.glob("*.svg")) != before)
        (svg,) = set(multilingual_db.parent.glob("*.svg")) - before
        await until(pilot, lambda: svg.read_text("utf-8").rstrip().endswith("</svg>"))
        assert "t-ar" in svg.read_text("utf-8")


def test_demo_takes_its_guidelines_from_a_file_when_given(tmp_path: Path) -> None:
    from polyjudge.demo import demo_guidelines

    from tests.conftest import run_cli

    own = tmp_path / "own.md"
    own.write_text("# Our own guidelines\n", encoding="utf-8")
    with_own, bundled = tmp_path / "own.db", tmp_path / "bundled.db"
    result = run_cli("demo", "--no-tui", "--db", str(with_own), "--guidelines", str(own))
    assert result.code == 0, result.err
    assert run_cli("demo", "--no-tui", "--db", str(bundled)).code == 0
    with Project.open(with_own) as project:
        assert project.meta("guidelines") == "# Our own guidelines\n"
    with Project.open(bundled) as project:
        assert project.meta("guidelines") == demo_guidelines()
