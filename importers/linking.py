"""Linking a response to the prompt it answers, by prompt id or by prompt text."""

from __future__ import annotations

from polyjudge.store import Project, PromptRef

from .common import BadRow

CACHE_LIMIT = 50_000  # keys hold prompt texts: bounded memory


class PromptLinker:
    """Finds (or, for unknown prompt text, creates) the prompt a response answers. Lookups
    are cached; the cache is bounded so that a file of unique prompts stays small in memory."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.datasets = project.content.prompt_datasets()
        self.cache: dict[tuple[str, str, str], PromptRef] = {}
        self.created = 0

    def by_id(self, spec: str, language: str) -> PromptRef:
        key = ("id", spec, language)
        found = self.cache.get(key)
        if found is None:
            found = self._lookup(spec, language)
            self._remember(key, found)
        return found

    def _lookup(self, spec: str, language: str) -> PromptRef:
        prefix, sep, rest = spec.partition(":")
        if sep and prefix in self.datasets:
            matches = self.project.content.prompts_by_key(rest, language, prefix)
        else:
            matches = self.project.content.prompts_by_key(spec, language)
        if not matches:
            raise BadRow(
                f"unknown prompt_id {spec!r}: no imported prompt with that key in "
                f"language {language!r}"
            )
        datasets = sorted({m[1] for m in matches})
        if len(datasets) > 1:
            options = " or ".join(f"{d}:{spec}" for d in datasets)
            raise BadRow(f"prompt_id {spec!r} is ambiguous in {language!r}: write {options}")
        return matches[0]

    def by_text(
        self, text: str, language: str, category: str | None, scenario: str | None
    ) -> PromptRef:
        key = ("text", text, language)
        found = self.cache.get(key)
        if found is None:
            found = self.project.content.prompt_by_text(text, language)
            if found is None:
                found = self.project.content.ensure_user_prompt(text, language, category, scenario)
                self.created += 1
            self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str, str], ref: PromptRef) -> None:
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        self.cache[key] = ref
