"""The parts split out of the annotate and adjudicate screens: their messages still reach the
screens' handlers, and the layout rules are the screen's."""

from __future__ import annotations

from polyjudge.tui.adjudicate_screen import AdjudicateScreen
from polyjudge.tui.annotate_screen import AnnotateScreen
from polyjudge.tui.annotate_view import next_panes, shown_panes, side_by_side


def test_messages_defined_outside_the_screens_keep_their_handler_names() -> None:
    # Textual dispatches a message to `on_<namespace>_<name>`: a message class moved out of the
    # screen without its namespace would be dropped silently.
    for screen, message in (
        (AnnotateScreen, AnnotateScreen.FilterSearched),
        (AnnotateScreen, AnnotateScreen.ProgressCounted),
        (AnnotateScreen, AnnotateScreen.Written),
        (AdjudicateScreen, AdjudicateScreen.QueueLoaded),
    ):
        assert message.handler_name.startswith(("on_annotate_screen_", "on_adjudicate_screen_"))
        assert callable(getattr(screen, message.handler_name))


def test_layout_rules() -> None:
    assert side_by_side(None, 100) and not side_by_side(None, 99)
    assert side_by_side("side", 40) and not side_by_side("stacked", 200)
    # Never neither pane; the original whenever there is no back-translation.
    assert shown_panes("back_translation", has_back=False) == (True, True)
    assert shown_panes("back_translation", has_back=True) == (False, True)
    assert shown_panes("original", has_back=True) == (True, False)
    assert shown_panes("both", has_back=True) == (True, True)
    assert [next_panes(p) for p in ("both", "original", "back_translation")] == [
        "original",
        "back_translation",
        "both",
    ]
