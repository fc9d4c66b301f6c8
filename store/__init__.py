"""The project file: schema, migrations, every SQL query, typed records.

from polyjudge.store import Project
with Project.open("polyjudge.db") as project:
    project.status()
"""

from __future__ import annotations

from pathlib import Path

from .annotation import AnnotationMixin
from .base import ProjectBase, now
from .batches import BatchesMixin
from .claims import ClaimsMixin
from .content import ContentMixin, content_hash
from .drafts import DraftsMixin
from .errors import InputError, PolyjudgeError, ProjectBusy, ProjectError
from .exports import ExportsMixin
from .imports import ImportsMixin
from .judging import JudgingMixin
from .labels import ItemFull, LabelsMixin
from .reconcile import ReconcileMixin
from .records import (
    DEFAULT_LABELS,
    Adjudication,
    Annotator,
    Item,
    JudgeRun,
    Label,
    Prompt,
    Response,
    Verdict,
)
from .serving import ServingMixin
from .status import StatusMixin


class Project(
    ServingMixin,
    ContentMixin,
    ImportsMixin,
    LabelsMixin,
    DraftsMixin,
    ClaimsMixin,
    AnnotationMixin,
    JudgingMixin,
    BatchesMixin,
    ReconcileMixin,
    ExportsMixin,
    StatusMixin,
    ProjectBase,
):
    """One open project file; every query the other packages need."""

    @classmethod
    def open(cls, path: str | Path) -> Project:
        """Open an existing project, applying pending migrations."""
        return cls(path)

    @classmethod
    def create(
        cls,
        path: str | Path,
        labels: list[str] | None = None,
        guidelines: str | None = None,
        consensus_rule: str | None = None,
    ) -> Project:
        """Create (or open and configure) a project file."""
        project = cls(path, create=True)
        if labels:
            project.set_label_set(labels)
        if guidelines is not None:
            project.set_meta("guidelines", guidelines)
        if consensus_rule is not None:
            project.set_meta("consensus_rule", consensus_rule)
        return project


__all__ = [
    "DEFAULT_LABELS",
    "Adjudication",
    "Annotator",
    "InputError",
    "ItemFull",
    "Item",
    "JudgeRun",
    "Label",
    "PolyjudgeError",
    "Project",
    "ProjectBusy",
    "ProjectError",
    "Prompt",
    "Response",
    "Verdict",
    "content_hash",
    "now",
]
