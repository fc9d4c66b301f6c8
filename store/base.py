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
from .untrusted import foreign_database

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
        self._refuse_non_sqlite(create)
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see `transaction`).
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Nothing in a project file's schema (a view, a trigger) may call functions with
            # side effects: we never rely on that, and a file can come from anywhere.
            self.conn.execute("PRAGMA trusted_schema = OFF")
            self._refuse_foreign_database(create)
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.db = Database(self.conn, execute_plugins=False)
            if mode.lower() != "wal" and str(self.path) != ":memory:":
                raise ProjectError(f"{self.path}: could not switch the file to WAL mode")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.path}: not a polyjudge project file ({exc})") from exc

    def _refuse(self, reason: str, create: bool) -> None:
        if create:
            reason += " (init makes a project only in a new or empty file)"
        elif "empty file" in reason:
            reason += " (create one with `polyjudge init`)"
        raise ProjectError(f"{self.path}: {reason}; nothing was written to it")

    def _refuse_non_sqlite(self, create: bool) -> None:
        """Refuse a directory before SQLite opens it. Everything else is looked at through the
        project's own connection (`_refuse_foreign_database`): this process may already hold
        the file open, and closing any other descriptor of it — even a plain read of its
        header — drops the process's POSIX locks on it (SQLite's documented hazard), after
        which another process may delete the WAL under the open connection."""
        if str(self.path) != ":memory:" and self.path.is_dir():
            self._refuse("a directory, not a polyjudge project file", create)

    def _refuse_foreign_database(self, create: bool) -> None:
        """Refuse another application's database, before anything is written to it. The look
        uses this connection, before the WAL switch: a second, read-only connection opened and
        closed in a process that already holds the project open would drop that process's
        POSIX locks, and the next process to close the file would then delete the WAL under
        it (measured: labels written after that were seen by no other process)."""
        if str(self.path) == ":memory:" or not self.path.exists():
            return
        try:
            tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError:
            self.conn.close()
            self._refuse("not a polyjudge project (not an SQLite database)", create)
        if tables == 0:
            if not create:
                self.conn.close()
                self._refuse(
                    "an empty file, not a polyjudge project"
                    if self.path.stat().st_size == 0
                    else "an SQLite database with nothing in it, not a polyjudge project",
                    create,
                )
            return
        self.conn.execute("PRAGMA query_only = ON")
        try:
            reason = foreign_database(self.conn)
        except sqlite3.DatabaseError as exc:
            reason = f"not a readable polyjudge project ({exc})"
        finally:
            self.conn.execute("PRAGMA query_only = OFF")
        if reason is not None:
            self.conn.close()
            self._refuse(reason, create)

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
