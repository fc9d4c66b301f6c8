"""The items (responses) that imported labels are for: found by their id in the project, or,
for a row that carries the response's text, created from the row and linked to its prompt as in
`import responses`."""

from __future__ import annotations

from typing import Any

from polyjudge.store import Project, now

from .common import BadRow, language_code, text_value
from .linking import PromptLinker
from .response_rows import text_hash

CACHE_LIMIT = 100_000


class ItemFinder:
    """Response ids by item id, cached (at most CACHE_LIMIT at a time), creating items that
    the project does not have yet; `created` counts those."""

    def __init__(self, project: Project, names: dict[str, str], source_file: str) -> None:
        self.project = project
        self.n = names
        self.source_file = source_file
        self.items: dict[str, int] = {}
        self.linker: PromptLinker | None = None
        self.created = 0

    def response_id(self, item: str, row: dict[str, Any]) -> int:
        """The id of response ITEM; created from the row when it is not in the project."""
        found = self.items.get(item)
        if found is None:
            found = self.project.content.response_id_by_uid(item)
            if found is None:
                found = self._create(item, row)
            if len(self.items) >= CACHE_LIMIT:
                self.items.clear()
            self.items[item] = found
        return found

    def _create(self, item: str, row: dict[str, Any]) -> int:
        n = self.n
        text = text_value(row, n["text"], "text")
        if text is None:
            raise BadRow(
                f"unknown item {item!r}: no response with that id in the project (to create "
                f"it from this file, give its text: --map text=COLUMN --map language=COLUMN)"
            )
        language = language_code(text_value(row, n["language"], "language"), n["language"])
        category = text_value(row, n["category"], "category")
        scenario = text_value(row, n["scenario"], "scenario")
        ref = None
        spec = text_value(row, n["prompt_id"], "prompt_id")
        if self.linker is None:
            self.linker = PromptLinker(self.project)
        if spec is not None:
            ref = self.linker.by_id(spec.strip(), language)
        else:
            prompt = text_value(row, n["prompt"], "prompt")
            if prompt is not None:
                ref = self.linker.by_text(prompt.strip(), language, category, scenario)
        model = text_value(row, n["model"], "model")
        bt = text_value(row, n["back_translation"], "back_translation")
        created = now()
        self.project.content.insert_response_rows(
            [
                (
                    item,
                    ref[0] if ref else None,
                    language,
                    model.strip() if model else None,
                    category or (ref[3] if ref else None),
                    scenario or (ref[4] if ref else None),
                    text,
                    text_hash(text),
                    bt,
                    "import" if bt else None,
                    created if bt else None,
                    self.source_file,
                    created,
                )
            ]
        )
        self.created += 1
        found = self.project.content.response_id_by_uid(item)
        assert found is not None
        return found
