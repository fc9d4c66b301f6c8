"""Who a Label Studio annotation belongs to, by email: the one identity Label Studio keeps
across servers.

Label Studio (1.23) imports an annotation only when `completed_by` names a member of the
organisation, as `{"email": ...}` (or as that server's numeric user id, which means nothing on
another server). polyjudge annotators have names, not emails, so each name has one email:

- a name that is already an email address is its own email;
- any other name becomes `<name>@polyjudge.invalid` (`.invalid` is reserved by RFC 2606 and
  never delivers mail); a name that is not a plain lower-case ASCII word gets a short hash of
  the name after its readable part, so two names never share an email.

`import labels` reverses this: an email that one of the project's annotators has is that
annotator; another `@polyjudge.invalid` address is its readable part; any other email (a
person who signed up on the Label Studio server) becomes an annotator named by that email.
A numeric user id alone is never mapped to anyone.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

DOMAIN = "polyjudge.invalid"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WORD_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")


def annotator_email(name: str) -> str:
    """The email a polyjudge annotator has in Label Studio."""
    if EMAIL_RE.match(name):
        return name
    if WORD_RE.match(name):
        return f"{name}@{DOMAIN}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "annotator"
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug}-{digest}@{DOMAIN}"


class EmailDirectory:
    """Annotator names by their Label Studio email, for the names a project already has."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.by_email = {annotator_email(name).casefold(): name for name in names}

    def annotator(self, email: str) -> str:
        email = email.strip()
        known = self.by_email.get(email.casefold())
        if known is not None:
            return known
        local, _, domain = email.rpartition("@")
        if domain.casefold() == DOMAIN and local:
            return local
        return email
