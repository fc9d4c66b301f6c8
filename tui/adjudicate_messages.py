"""The message the adjudicate screen's queue reader posts from its worker thread. Its namespace
keeps the handler name `on_adjudicate_screen_queue_loaded`; the screen exposes it as
`AdjudicateScreen.QueueLoaded`."""

from __future__ import annotations

from textual.message import Message

from polyjudge.reconcile.queue import QueueEntry


class QueueLoaded(Message, namespace="adjudicate_screen"):
    def __init__(self, generation: int, entries: list[QueueEntry] | None, error: str = "") -> None:
        super().__init__()
        self.generation = generation
        self.entries = entries
        self.error = error
