"""The annotate screen when nothing is left to label: what this session did, and what to run
next. Plain `rich.text.Text` (label names and the file name are the project's, shown as text)."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.text import Text

from polyjudge.safe_text import one_line


def session_counts(labels: Iterable[str], label_set: Sequence[str]) -> list[tuple[str, int]]:
    """(label, items) for this session, in the project's label order, then any other label
    (one no longer in the label set) by name."""
    counts = Counter(labels)
    ordered = [(label, counts.pop(label, 0)) for label in label_set]
    return ordered + sorted(counts.items())


def next_commands(project_path: Path) -> list[tuple[str, str]]:
    """(command, why) for after a labelling session on `project_path`."""
    db = shlex.quote(str(project_path))
    return [
        (f"polyjudge status --db {db}", "what is left to do, per language"),
        (f"polyjudge report --db {db}", "the unsafe rates so far, with their intervals"),
    ]


def done_text(labels: Iterable[str], label_set: Sequence[str], project_path: Path) -> Text:
    """Nothing left under the filters: the session's counts per label and the next commands."""
    counts = session_counts(labels, label_set)
    total = sum(n for _, n in counts)
    out = Text("Nothing left to label with these filters.\n\n", style="bold")
    out.append(f"This session: {total:,} item{'' if total == 1 else 's'} labelled")
    if total:
        out.append(" (")
        for index, (label, n) in enumerate(counts):
            if index:
                out.append(", ")
            out.append(f"{one_line(label, 16)} {n:,}")
        out.append(")")
    out.append(".\n\nNext:\n")
    for command, why in next_commands(project_path):
        out.append(f"  {command}", style="bold")
        out.append(f"\n    {why}\n", style="dim")
    out.append("\n← goes back to your labelled items · / changes the filters · q quits.")
    return out
