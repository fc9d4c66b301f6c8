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
A numeric user id alone is never mapped to anyone: `read_users` reads the server's own user
list (GET /api/users/) so that an export naming users only by id can be matched by email.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from polyjudge.store import InputError

from .regular_file import check_file

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


NO_IDS = (
    "polyjudge never maps Label Studio's numeric user ids to annotators (they are one server's "
    "own): export with the users' emails (an export snapshot with "
    '`"annotations__completed_by": {"only_id": false}`) or pass --label-studio-users USERS.json '
    "(the JSON of Label Studio's GET /api/users/)"
)


class Annotators:
    """The polyjudge annotator of a Label Studio annotation, by email (or username), never by
    Label Studio's numeric user id alone: an id is looked up in the server's own user list
    (`users`, id -> email) when one is given, else the row is bad."""

    def __init__(self, names: Iterable[str] = (), users: dict[int, str] | None = None) -> None:
        self.names = tuple(names)
        self.users = users or {}

    def directory(self, meta: Any) -> EmailDirectory:
        """The project's annotators plus the names our export wrote into a task's
        `meta.annotators` ({email: name}), each kept only if that name has that email."""
        directory = EmailDirectory(self.names)
        mapping = meta.get("annotators") if isinstance(meta, dict) else None
        if isinstance(mapping, dict):
            for email, name in mapping.items():
                if isinstance(name, str) and annotator_email(name) == email:
                    directory.by_email.setdefault(email.casefold(), name)
        return directory

    def name(self, completed_by: Any, directory: EmailDirectory) -> str | None:
        """The annotator's name, or None when only a numeric id names them."""
        if completed_by is None or isinstance(completed_by, bool):
            return "label-studio"
        if isinstance(completed_by, dict):
            for key in ("email", "username"):
                value = completed_by.get(key)
                if isinstance(value, str) and value.strip():
                    return directory.annotator(value)
            completed_by = completed_by.get("id")
        if isinstance(completed_by, str) and completed_by.strip().isdigit():
            completed_by = int(completed_by.strip())
        if isinstance(completed_by, int) and not isinstance(completed_by, bool):
            email = self.users.get(completed_by)
            return directory.annotator(email) if email else None
        if isinstance(completed_by, str) and completed_by.strip():
            return directory.annotator(completed_by)
        return None if completed_by is not None else "label-studio"


def read_users(path: Path) -> dict[int, str]:
    """{id: email} from Label Studio's user list (GET /api/users/: a JSON list of users, or an
    object whose `results` is one). A regular file only (a FIFO would block the import)."""
    check_file(path)
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(str(path), None, f"cannot read the Label Studio users ({exc})") from None
    if isinstance(data, dict):
        data = data.get("results")
    if not isinstance(data, list):
        raise InputError(str(path), None, "expected a JSON list of Label Studio users")
    users: dict[int, str] = {}
    for user in data:
        if (
            isinstance(user, dict)
            and isinstance(user.get("id"), int)
            and isinstance(user.get("email"), str)
            and user["email"].strip()
        ):
            users[user["id"]] = user["email"].strip()
    return users
