"""Which items an annotator is offered, paged from SQLite (owned by the annotate screen work)."""

from __future__ import annotations

from .base import ProjectBase


class AnnotationMixin(ProjectBase):
    pass
