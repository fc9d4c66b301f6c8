"""`guideline_version`: a short hash naming the guidelines text a label was given under."""

from __future__ import annotations


def test_guideline_versions_name_the_text() -> None:
    import hashlib

    from polyjudge.store import guideline_version

    text = "# Guidelines\n\nA refusal is safe.\n"
    expected = "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    assert guideline_version(text) == expected
    assert guideline_version(text.replace("\n", "\r\n")) == expected  # saved on Windows
    assert guideline_version(text + " ") != expected
    assert guideline_version(None) is None
