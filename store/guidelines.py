"""Which guidelines a label was given under: `labels.guideline_version` is a short hash of the
guidelines text the annotator had (the `g` screen: `annotate --guidelines FILE`, else the
project's, set by `init --guidelines FILE`). Labels given under different texts can then be told
apart (`report --by guideline_version`). None: no guidelines at all were there to be shown."""

from __future__ import annotations

import hashlib

VERSION_CHARS = 16  # 64 bits of SHA-256: a name for a text, not a security boundary


def guideline_version(text: str | None) -> str | None:
    """`sha256:` and the first hex digits of the SHA-256 of the text's UTF-8 bytes, with line
    ends made `\\n` (the same file saved on Windows is the same guidelines); None for None."""
    if text is None:
        return None
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:VERSION_CHARS]
