"""The annotate screen's keys: binding ids (for `App.set_keymap`), the label keys, and the
command-palette entries of a labelling screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial

from textual.app import SystemCommand
from textual.binding import Binding

from polyjudge.safe_text import one_line

SCREEN_BINDINGS = [
    Binding(
        "question_mark",
        "toggle_unsure",
        "Unsure",
        id="annotate.unsure",
        tooltip="Mark the next label as unsure",
    ),
    Binding(
        "enter,k",
        "keep_label",
        "Keep",
        id="annotate.keep",
        show=False,
        tooltip="After the judge's verdict is revealed: keep your label",
    ),
    Binding("n", "note", "Note", id="annotate.note", tooltip="Add a note to this item"),
    Binding("z", "undo", "Undo", id="annotate.undo", tooltip="Undo your last label or note"),
    Binding("left", "previous", "Prev", id="annotate.previous", tooltip="Previous item"),
    Binding("right", "next", "Next", id="annotate.next", tooltip="Next item"),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="annotate.filter",
        tooltip="Filter by language, model, category or text",
    ),
    Binding(
        "g",
        "guidelines",
        "Guide",
        id="annotate.guidelines",
        tooltip="Show the annotation guidelines",
    ),
    Binding(
        "t",
        "toggle_layout",
        "Layout",
        id="annotate.layout",
        show=False,
        tooltip="Side by side / stacked",
    ),
    Binding(
        "b",
        "cycle_panes",
        "Panes",
        id="annotate.panes",
        show=False,
        tooltip="Show both / only the original / only the back-translation",
    ),
    Binding(
        "v",
        "toggle_invisible",
        "Invisible",
        id="annotate.invisible",
        tooltip="Show invisible characters (zero-width, bidi controls)",
    ),
    Binding(
        "o",
        "open_html",
        "HTML",
        id="annotate.open_html",
        show=False,
        tooltip="Write the item as an HTML page (for right-to-left text)",
    ),
    Binding("h,f1", "help", "Help", id="annotate.help", tooltip="Show every key"),
    Binding("q", "quit", "Quit", id="annotate.quit", tooltip="Quit (labels are already saved)"),
]
RESERVED_KEYS = frozenset(k for b in SCREEN_BINDINGS for k in b.key.split(","))


def label_bindings(
    labels: Iterable[str],
    reserved: frozenset[str] = RESERVED_KEYS,
    screen: str = "annotate",
    verb: str = "Label",
) -> list[Binding]:
    """Labels numbered 1..9 (and 0 for the tenth), plus their first letter where that letter
    is unique among the labels and not taken by another key of the screen (`reserved`).
    Binding ids are `<screen>.label.<label>`, so users can remap them."""
    labels = list(labels)
    firsts = [label[:1].lower() for label in labels]
    out = []
    for index, label in enumerate(labels):
        keys = []
        first = firsts[index]
        if (
            first.isascii()
            and first.isalpha()
            and firsts.count(first) == 1
            and first not in reserved
        ):
            keys.append(first)
        if index < 10:
            keys.append(str((index + 1) % 10))
        if keys:
            out.append(
                Binding(
                    ",".join(keys),
                    f"label({index})",
                    one_line(label, 16),
                    id=f"{screen}.label.{label}",
                    tooltip=f"{verb}: {one_line(label)}",
                )
            )
    return out


def palette_commands(
    run_action: Callable[[str], object],
    labels: Iterable[str],
    bindings: Iterable[Binding],
    *,
    label_title: str,
    label_help: str,
    screen_name: str,
) -> Iterator[SystemCommand]:
    """One command per label, then one per key of the screen (`run_action`: the screen's)."""
    for index, label in enumerate(labels):
        yield SystemCommand(
            f"{label_title}: {one_line(label, 30)}",
            label_help,
            partial(run_action, f"label({index})"),
        )
    for binding in bindings:
        yield SystemCommand(
            binding.tooltip or binding.description,
            f"{screen_name}: {binding.description}",
            partial(run_action, binding.action),
        )
