"""Secret links for `polyjudge serve`: one live token per annotator, stored only as a hash.

A served annotate screen is reached through a link that carries a random token
(`secrets.token_urlsafe(24)`, 192 bits). The plain token is returned once, when it is issued,
and never stored: the table keeps its SHA-256. The server learns who is labelling from the token
alone. Issuing a new link revokes the annotator's old one; a revoked row is kept (with
`revoked_at`) so that its link can be told apart from one that never existed, and as a record.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from .clock import now
from .subject import Subject

TOKEN_BYTES = 24


def token_sha256(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class ServeLink:
    """An annotator's live link, as far as the store knows it (never the token itself)."""

    annotator: str
    created_at: str


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """Who a presented token belongs to: `ok` (live), `revoked`, or `unknown` (annotator
    None)."""

    status: Literal["ok", "revoked", "unknown"]
    annotator: str | None = None


class Serving(Subject):
    def issue_token(self, annotator: str) -> str:
        """A new secret link token for `annotator` (registered on first use), revoking their
        live one in the same transaction. Returns the plain token: the only time it exists."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._project.transaction():
            who = self._project.annotators.ensure(annotator)
            stamp = now()
            self._conn.execute(
                "UPDATE serve_tokens SET revoked_at = ?"
                " WHERE annotator_id = ? AND revoked_at IS NULL",
                (stamp, who.id),
            )
            self._conn.execute(
                "INSERT INTO serve_tokens (annotator_id, token_sha256, created_at)"
                " VALUES (?, ?, ?)",
                (who.id, token_sha256(token), stamp),
            )
            self._project.log_event("serve_link", annotator=who.name, action="issued")
        return token

    def revoke_tokens(self, annotator: str) -> int:
        """Revoke the annotator's live link (their old link stops working at once, also in a
        running server). Returns how many live tokens were revoked (0 or 1)."""
        with self._project.transaction():
            who = self._project.annotators.get(annotator.strip())
            if who is None:
                return 0
            count = self._conn.execute(
                "UPDATE serve_tokens SET revoked_at = ?"
                " WHERE annotator_id = ? AND revoked_at IS NULL",
                (now(), who.id),
            ).rowcount
            if count:
                self._project.log_event("serve_link", annotator=who.name, action="revoked")
        return count

    def live_link(self, annotator: str) -> ServeLink | None:
        """The annotator's live link (when it was issued), or None."""
        row = self._conn.execute(
            "SELECT a.name AS annotator, t.created_at FROM serve_tokens t"
            " JOIN annotators a ON a.id = t.annotator_id"
            " WHERE a.name = ? AND t.revoked_at IS NULL ORDER BY t.id DESC LIMIT 1",
            (annotator.strip(),),
        ).fetchone()
        return ServeLink(row["annotator"], row["created_at"]) if row else None

    def token_owner(self, token: str) -> TokenOwner:
        """Whose token this is. Every stored hash is compared with `hmac.compare_digest` and
        none is skipped, so the time taken does not depend on how much of a guess matches."""
        wanted = token_sha256(token)
        found: TokenOwner = TokenOwner("unknown")
        rows = self._conn.execute(
            "SELECT t.token_sha256, t.revoked_at, a.name FROM serve_tokens t"
            " JOIN annotators a ON a.id = t.annotator_id"
        ).fetchall()
        for stored, revoked_at, name in rows:
            if hmac.compare_digest(stored, wanted):
                found = TokenOwner("revoked" if revoked_at else "ok", name)
        return found
