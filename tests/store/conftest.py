"""A small project shared by the per-subject tests: two prompts, three responses, annotators."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from polyjudge.store import Project


@dataclass
class Filled:
    project: Project
    r1: int  # it, prompt 1, model m1
    r2: int  # it, prompt 1, model m2
    r3: int  # sw, no prompt
    ana: int
    ben: int
    jo: int  # an adjudicator


@pytest.fixture
def filled(project: Project) -> Filled:
    project.content.insert_prompts(
        [
            {"dataset": "multijail", "prompt_key": "1", "language": "it", "text": "Come?"},
            {"dataset": "xsafety", "prompt_key": "9", "language": "sw", "text": "Vipi?"},
        ]
    )
    prompt = project.content.find_prompt("1", "it")
    assert prompt is not None
    project.content.insert_responses(
        [
            {"uid": "r1", "prompt_id": prompt.id, "language": "it", "model": "m1", "text": "No."},
            {"uid": "r2", "prompt_id": prompt.id, "language": "it", "model": "m2", "text": "Sì."},
            {"uid": "r3", "language": "sw", "model": "m1", "text": "Hapana."},
        ]
    )
    ids = [project.content.response_id_by_uid(u) for u in ("r1", "r2", "r3")]
    assert None not in ids
    return Filled(
        project,
        *ids,  # type: ignore[arg-type]
        project.annotators.ensure("ana").id,
        project.annotators.ensure("ben").id,
        project.annotators.ensure("jo", role="adjudicator").id,
    )
