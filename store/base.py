"""Opening a project file: connection settings, migrations, transactions, meta, events."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ._sqlite_utils import Database
from .errors import PolyjudgeError, ProjectBusy, ProjectError
from .records import DEFAULT_LABELS
from .schema import migrations
from .untrusted import not_a_project

BUSY_TIMEOUT_MS = 30_000


def parse_consensus_rule(rule: str) -> tuple[str, int]:
    """`unanimous` -> ("unanimous", 2); `majority:N` -> ("majority", N): at least N labels and
    a strict majority among them. Anything else is a user error."""
    if rule == "unanimous":
        return ("unanimous", 2)
    kind, _, count = rule.partition(":")
    if kind == "majority" and count.isdigit() and int(count) >= 2:
        return ("majority", int(count))
    raise PolyjudgeError(f"unknown consensus rule {rule!r} (expected unanimous or majority:N)")


def now(*, plus_s: float = 0) -> str:
    """UTC timestamp with milliseconds, sortable as text (`plus_s` seconds from now)."""
    moment = datetime.now(UTC) + timedelta(seconds=plus_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ProjectBase:
    """One open project file. Subclassed by the query mixins; see `store.Project`."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise ProjectError(
                f"{self.path}: no project file here (create one with `polyjudge init`)"
            )
        self._refuse_foreign_file(create)
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see `transaction`).
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.db = Database(self.conn, execute_plugins=False)
            if mode.lower() != "wal" and str(self.path) != ":memory:":
                raise ProjectError(f"{self.path}: could not switch the file to WAL mode")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.path}: not a polyjudge project file ({exc})") from exc

    def _refuse_foreign_file(self, create: bool) -> None:
        """Refuse, before anything is written, a file that is not a polyjudge project (another
        application's database, a text file, an empty file): opening switches a file to WAL and
        creates our tables in it. `create` (`init`) may start a project in a new or empty file
        only. The look is read-only (see `untrusted.not_a_project`)."""
        if str(self.path) == ":memory:" or not self.path.exists():
            return
        if create and self.path.is_file() and self.path.stat().st_size == 0:
            return
        reason = not_a_project(self.path)
        if reason is None:
            return
        if create:
            reason += " (init makes a project only in a new or empty file)"
        elif "empty file" in reason:
            reason += " (create one with `polyjudge init`)"
        raise ProjectError(f"{self.path}: {reason}; nothing was written to it")

    def _migrate(self) -> None:
        if not migrations.pending(self.db):
            return
        # Serialise concurrent first opens: migrations run one process at a time.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            pending = migrations.pending(self.db)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        if pending:
            migrations.apply(self.db)
        if self.meta("project_id") is None:
            with self.transaction():
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('project_id', ?)",
                    (uuid.uuid4().hex,),
                )
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('labels', ?)",
                    (json.dumps(list(DEFAULT_LABELS)),),
                )
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('consensus_rule', ?)",
                    ("unanimous",),
                )

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, wait_ms: int | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE, so that concurrent writers queue on
        `busy_timeout` instead of failing on a read-to-write upgrade. Nests as a savepoint.
        `wait_ms` waits less than `busy_timeout` for the lock (for writes that may be skipped)."""
        if self.conn.in_transaction:
            name = f"sp_{uuid.uuid4().hex}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            self.conn.execute(f"RELEASE {name}")
            return
        try:
            if wait_ms is None:
                self.conn.execute("BEGIN IMMEDIATE")
            else:
                usual = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
                self.conn.execute(f"PRAGMA busy_timeout = {min(int(wait_ms), usual)}")
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                finally:
                    self.conn.execute(f"PRAGMA busy_timeout = {usual}")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ProjectBusy(
                    f"{self.path}: the project file is busy (another process is writing, e.g. an"
                    " import); nothing was saved, try again"
                ) from exc
            raise
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- meta ----------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def project_id(self) -> str:
        value = self.meta("project_id")
        assert value is not None
        return value

    @property
    def label_set(self) -> tuple[str, ...]:
        """The project's own nominal labels, in the order given at `init`."""
        return tuple(json.loads(self.meta("labels") or "[]")) or DEFAULT_LABELS

    def set_label_set(self, labels: list[str]) -> None:
        self.set_meta("labels", json.dumps(labels))

    @property
    def consensus_rule(self) -> str:
        return self.meta("consensus_rule") or "unanimous"

    # -- events --------------------------------------------------------------------------------

    def log_event(self, kind: str, **detail: Any) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO events (kind, detail, created_at) VALUES (?, ?, ?)",
                (kind, json.dumps(detail, ensure_ascii=False, default=str), now()),
            )

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, kind, detail, created_at FROM events"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [
            {
                "id": r["id"],
                "kind": r["kind"],
                "detail": json.loads(r["detail"] or "{}"),
                "created_at": r["created_at"],
            }
            for r in self.conn.execute(sql + " ORDER BY id", params)
        ]
