"""The messages the annotate screen posts to itself from its worker threads (`post_message`
is thread-safe). Their namespace keeps the handler names `on_annotate_screen_*`; the screen
exposes them as `AnnotateScreen.FilterSearched` and so on."""

from __future__ import annotations

from textual.message import Message

from polyjudge.store import Label, Pace, PolyjudgeError, Progress, QueueFilter

from .annotate_journal import Write


class FilterSearched(Message, namespace="annotate_screen"):
    def __init__(
        self, generation: int, flt: QueueFilter, found: int | None, error: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.flt = flt
        self.found = found
        self.error = error


class ProgressCounted(Message, namespace="annotate_screen"):
    def __init__(self, generation: int, progress: Progress, pace: Pace) -> None:
        super().__init__()
        self.generation = generation
        self.progress = progress
        self.pace = pace


class Written(Message, namespace="annotate_screen"):
    """A queued write reached the project file (or was refused: `error`)."""

    def __init__(self, write: Write, row: Label | None, error: PolyjudgeError | None) -> None:
        super().__init__()
        self.write = write
        self.row = row
        self.error = error
