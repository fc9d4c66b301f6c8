"""Fixtures shared with other test packages."""

from tests.judge.conftest import fake  # noqa: F401 (the local OpenAI-compatible server)
