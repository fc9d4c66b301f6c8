"""Writing results as they arrive, in small transactions, without stalling the event loop.

A result is written at once when nothing was written in the last `interval` seconds; otherwise
it waits (at most `interval`) to be written with the others that arrive meanwhile. So at a few
requests per second every result has its own transaction, and at hundreds per second a
transaction holds a few dozen: a killed run loses the requests in flight and at most
`interval` seconds of finished ones. No transaction is open while requests are awaited.
"""

from __future__ import annotations

import asyncio
import time

from polyjudge.store import NewCall, NewResponse, NewTranslation, NewVerdict, Project


class ResultWriter:
    def __init__(self, project: Project, interval: float = 0.05) -> None:
        self.project = project
        self.interval = interval
        self.calls: list[NewCall] = []
        self.verdicts: list[NewVerdict] = []
        self.translations: list[NewTranslation] = []
        self.responses: list[NewResponse] = []
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.written = 0
        self.failure: Exception | None = None

    def add(
        self,
        call: NewCall | None = None,
        verdicts: list[NewVerdict] | tuple[NewVerdict, ...] = (),
        translations: list[NewTranslation] | tuple[NewTranslation, ...] = (),
        responses: list[NewResponse] | tuple[NewResponse, ...] = (),
    ) -> None:
        if call is not None:
            self.calls.append(call)
        self.verdicts.extend(verdicts)
        self.translations.extend(translations)
        self.responses.extend(responses)
        if self.failure is not None:
            raise self.failure
        elapsed = time.monotonic() - self._last
        if elapsed >= self.interval:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not inside the event loop: write now
                self.flush()
                return
            self._timer = loop.call_later(self.interval - elapsed, self._timed_flush)

    def _timed_flush(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception as exc:  # raised again by the next add() or flush()
            self.failure = exc

    def flush(self) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.calls or self.verdicts or self.translations or self.responses:
            calls, verdicts, translations = self.calls, self.verdicts, self.translations
            responses = self.responses
            self.calls, self.verdicts, self.translations, self.responses = [], [], [], []
            self.project.judging.record_results(calls, verdicts, translations, responses)
            self.written += len(verdicts) + len(translations) + len(responses)
        self._last = time.monotonic()
