"""`annotate --view`: an assigned reading condition shows only its panes, cannot be switched,
and is recorded on each label (`view_assigned`); `random` is reproducible per annotator and
item; a packet made with `export packet --view` assigns it and the merge keeps it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from polyjudge.store import Project
from polyjudge.tui.annotate_reading import CONDITIONS, ReadingCondition, random_condition
from polyjudge.tui.annotate_screen import AnnotateScreen

from tests.conftest import run_cli
from tests.tui.conftest import make_app, settle

pytestmark = pytest.mark.anyio


def rows(path: Path, annotator: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    """uid -> (label, viewed, view_assigned) of the annotator's current labels."""
    with Project.open(path) as project:
        who = project.annotators.get(annotator)
        assert who is not None
        out = {}
        for rid in range(1, project.content.count("responses") + 1):
            row = project.labels.current(rid, who.id)
            response = project.content.response(rid)
            if row is not None and response is not None:
                out[response.uid] = (row.label, row.viewed, row.view_assigned)
        return out


def panes_shown(app) -> tuple[bool, bool]:
    screen = app.screen
    assert isinstance(screen, AnnotateScreen)
    return bool(screen.query_one("#original").display), bool(screen.query_one("#back").display)


async def test_an_assigned_back_translation_shows_only_that_pane_and_is_recorded(
    multilingual_db: Path,
) -> None:
    app = make_app(multilingual_db, view="back_translation")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        assert screen.session.item is not None and screen.session.item.response.uid == "t-ar"
        assert panes_shown(app) == (False, True)
        await pilot.press("b")  # switching is refused while a condition is assigned
        await pilot.pause()
        assert panes_shown(app) == (False, True)
        assert "reading condition is assigned" in screen.header_state.status
        await pilot.press("s")
        assert panes_shown(app) == (False, True)  # the next item too
        await pilot.press("right", "right", "right", "right", "right", "right")
        assert screen.session.item is not None and screen.session.item.response.uid == "t-en"
        assert panes_shown(app)[0]  # no back-translation: the original shows
        await pilot.press("u")
    labelled = rows(multilingual_db, "amina")
    assert labelled["t-ar"] == ("safe", "back_translation", "back_translation")
    # shown the original, assigned the back-translation: the report counts it in neither
    assert labelled["t-en"] == ("unsafe", "original", "back_translation")


async def test_without_view_nothing_is_assigned(multilingual_db: Path) -> None:
    app = make_app(multilingual_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("b", "s")
    assert rows(multilingual_db, "amina")["t-ar"] == ("safe", "original", None)


def test_random_conditions_are_reproducible_and_roughly_balanced() -> None:
    uids = [f"item-{i}" for i in range(3000)]
    first = [random_condition("amina", uid) for uid in uids]
    assert first == [random_condition("amina", uid) for uid in uids]  # no state, no seed drift
    counts = Counter(first)
    assert set(counts) == set(CONDITIONS)
    # 3000 draws of 1/3 each: sd ≈ 25.8, so ±100 is ±3.9 sd (deterministic: a fixed hash).
    assert all(900 <= n <= 1100 for n in counts.values()), counts
    other = [random_condition("bilal", uid) for uid in uids]
    assert 0.25 < sum(a == b for a, b in zip(first, other, strict=True)) / 3000 < 0.42
    with pytest.raises(ValueError):
        ReadingCondition("sideways", "amina")


async def test_random_gives_a_resumed_session_the_same_conditions(multilingual_db: Path) -> None:
    app = make_app(multilingual_db, view="random")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s", "s", "s")
    first = rows(multilingual_db, "amina")
    assert len(first) == 3
    for uid, (_, viewed, assigned) in first.items():
        assert assigned == random_condition("amina", uid)
        assert viewed == assigned  # these items all have back-translations
    app = make_app(multilingual_db, view="random")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        await pilot.press("left")  # back to an item of the first session
        item = screen.session.item
        assert item is not None and item.response.uid in first
        expected = first[item.response.uid][2]
        assert screen.panes == expected
        await pilot.press("u")  # relabelled in the second session, same condition
    again = rows(multilingual_db, "amina")[item.response.uid]
    assert again == ("unsafe", expected, expected)


async def test_a_packet_made_with_view_assigns_it_and_the_merge_keeps_it(
    multilingual_db: Path, tmp_path: Path
) -> None:
    packet = tmp_path / "amina-packet.db"
    made = run_cli(
        "export", "packet", "--db", str(multilingual_db), "--annotator", "amina",
        "--view", "random", "--out", str(packet),
    )  # fmt: skip
    assert made.code == 0, made.err
    app = make_app(packet)  # no --view: the packet's own condition
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.session.reading.view == "random"
        await pilot.press("s", "u")
    merged = run_cli("merge", "--db", str(multilingual_db), str(packet))
    assert merged.code == 0, merged.err
    labelled = rows(multilingual_db, "amina")
    assert len(labelled) == 2
    for uid, (_, viewed, assigned) in labelled.items():
        assert assigned == random_condition("amina", uid) and viewed == assigned


def test_serve_and_the_cli_pass_and_check_the_condition(multilingual_db: Path) -> None:
    from polyjudge.commands.serving import serve_command

    assert serve_command(multilingual_db, "amina", [], view="random").endswith("--view random")
    assert "--view" not in serve_command(multilingual_db, "amina", [])
    bad = run_cli("annotate", "--db", str(multilingual_db), "--annotator", "x", "--view", "side")
    assert bad.code != 0 and "--view" in bad.err
    with Project.open(multilingual_db) as project:
        assert project.annotators.get("x") is None  # a refused command registers nobody
