"""The bundled demo project: MultiJail prompts and a few dozen model responses written for
polyjudge (see `polyjudge/data/DEMO.md`). `polyjudge demo` builds it and opens it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from polyjudge.demo_labels import add_demo_labels

DEMO_RESPONSES = "demo_responses.jsonl"
MULTIJAIL = "MultiJail.csv"
# The MultiJail paper's definitions of the three labels, quoted with their source.
DEMO_GUIDELINES = "demo_guidelines.md"


def data_file(name: str) -> Path:
    """A file shipped in `polyjudge/data/` (works from a checkout and from a wheel)."""
    return Path(str(resources.files("polyjudge") / "data" / name))


def intended_labels() -> dict[str, str]:
    """Response uid -> the label each bundled demo response was written to show."""
    lines = data_file(DEMO_RESPONSES).read_text("utf-8").splitlines()
    return {row["id"]: row["intended"] for row in map(json.loads, lines)}


def demo_guidelines() -> str:
    """The demo's guidelines (Markdown): the MultiJail paper's definitions, quoted and cited."""
    return data_file(DEMO_GUIDELINES).read_text("utf-8")


def build_demo(path: Path, with_labels: bool = False, guidelines: str | None = None) -> None:
    """Create (or top up) a demo project at `path`: the 3,150 MultiJail prompts, the bundled
    responses and guidelines (`guidelines`, else the bundled `demo_guidelines.md`);
    `with_labels` adds sample annotators' labels, an adjudication, the refusal baseline, a
    simulated judge, gold items, a careless annotator, a reveal round and assigned reading
    conditions (`polyjudge/demo_labels.py`, `polyjudge/demo_trust.py`). Running it again on the
    same file adds nothing."""
    from polyjudge.importers.multijail import import_multijail
    from polyjudge.importers.responses import import_responses
    from polyjudge.store import Project

    text = guidelines if guidelines is not None else demo_guidelines()
    with Project.create(path, guidelines=text) as project:
        import_multijail(project, data_file(MULTIJAIL))
        import_responses(project, data_file(DEMO_RESPONSES))
        if with_labels:
            add_demo_labels(project, intended_labels())
