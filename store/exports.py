"""Queries for exports/: gold rows, packets and merges (owned by the exports work)."""

from __future__ import annotations

from .base import ProjectBase


class ExportsMixin(ProjectBase):
    pass
