"""Queries for reconcile/: label matrices, adjudications, assignments (owned by the reconcile work)."""

from __future__ import annotations

from .base import ProjectBase


class ReconcileMixin(ProjectBase):
    pass
