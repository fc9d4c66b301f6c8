"""Judge runs, verdicts, and the model-call log / cache (owned by the judge work)."""

from __future__ import annotations

from .base import ProjectBase


class JudgingMixin(ProjectBase):
    pass
