"""One response row (a dict read from the file) turned into the tuple the store inserts, or a
`BadRow` saying what is wrong; and the ids and hashes a response gets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from polyjudge.store import Project, now

from .common import (
    BadRow,
    check_row_columns,
    language_code,
    text_value,
)
from .linking import PromptLinker


def response_uid(model: str, prompt: str, text: str, language: str) -> str:
    """The id of a response that has none: stable across re-imports of the same file."""
    h = hashlib.sha256()
    for part in (model, prompt, text, language):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def text_hash(text: str) -> str:
    """Same as `store.content_hash(text)`, inlined for the hot path."""
    return hashlib.sha256(text.encode("utf-8") + b"\x1f").hexdigest()


# The fields of a response row, in the order `--map` lists them: what `import responses` reads
# (each from its column, or the one `--map FIELD=COLUMN` names) and a harness importer fills.
FIELDS = (
    "id",
    "prompt_id",
    "prompt",
    "language",
    "model",
    "response",
    "back_translation",
    "category",
    "scenario",
)
NUL = "\x00"
# A JSON Lines row must have these keys (a missing model is reported with `--model`'s hint).
ROW_REQUIRED: tuple[str | tuple[str, ...], ...] = ("response", "language", ("prompt_id", "prompt"))


def _plain(value: Any) -> bool:
    """A text value the fast path can take as it is: a non-blank string without NUL."""
    return type(value) is str and value != "" and not value.isspace() and NUL not in value


class RowConverter:
    """Turns a row (dict) into the tuple `insert_response_rows` takes, or raises `BadRow`.

    The common row (every value a plain string, a language, model and prompt seen before)
    takes a fast path of dict lookups; anything else takes the slow path, which validates
    field by field, says exactly what is wrong, and fills the caches the fast path uses."""

    def __init__(
        self, project: Project, names: dict[str, str], default_model: str | None, source_file: str
    ) -> None:
        self.linker = PromptLinker(project)
        self.n = names
        self.default_model = default_model
        self.source_file = source_file
        self.created = now()
        self.languages: dict[str, str] = {}
        self.models: dict[Any, str] = {}
        if default_model is not None:
            self.models[None] = default_model.strip()

        self.fast = self._fast_path()

    def _fast_path(self) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        """The per-row function, with everything it needs bound as local names."""
        n = self.n
        c_text, c_pid, c_prompt, c_id, c_lang, c_model = (
            n["response"],
            n["prompt_id"],
            n["prompt"],
            n["id"],
            n["language"],
            n["model"],
        )
        c_bt, c_cat, c_scen = n["back_translation"], n["category"], n["scenario"]
        languages, models, refs = self.languages, self.models, self.linker.cache
        slow, sha256 = self.slow, hashlib.sha256
        source_file, created = self.source_file, self.created

        def convert(row: dict[str, Any]) -> tuple[Any, ...]:
            get: Callable[[str], Any] = row.get  # a missing column: None, a KeyError below
            text, spec, uid = get(c_text), get(c_pid), get(c_id)
            bt, category, scenario = get(c_bt), get(c_cat), get(c_scen)
            try:
                language = languages[get(c_lang)]
                model = models[get(c_model)]
                if spec is None:  # linked by the prompt's text
                    spec = get(c_prompt)
                    ref = refs[("text", spec, language)]
                else:
                    ref = refs[("id", spec, language)]
            except (KeyError, TypeError):
                return slow(row)
            # Plain text: a non-blank str without NUL; anything else goes the slow way.
            if (
                type(text) is not str
                or not text
                or text.isspace()
                or NUL in text
                or (
                    uid is not None
                    and (type(uid) is not str or not uid or uid.isspace() or NUL in uid)
                )
                or (bt is not None and (type(bt) is not str or not bt or bt.isspace() or NUL in bt))
                or (category is not None and not _plain(category))
                or (scenario is not None and not _plain(scenario))
            ):
                return slow(row)
            uid = response_uid(model, spec, text, language) if uid is None else uid.strip()
            digest = sha256(text.encode())
            digest.update(b"\x1f")
            return (
                uid,
                ref[0],
                language,
                model,
                category or ref[3],
                scenario or ref[4],
                text,
                digest.hexdigest(),
                bt,
                "import" if bt else None,
                created if bt else None,
                source_file,
                created,
            )

        return convert

    def slow(self, row: dict[str, Any]) -> tuple[Any, ...]:
        n = self.n
        check_row_columns(row, n, ROW_REQUIRED)
        text = text_value(row, n["response"], "response")
        if text is None:
            raise BadRow(f"empty response ({n['response']!r})")
        raw_language = row.get(n["language"])
        language = language_code(text_value(row, n["language"], "language"), n["language"])
        raw_model = row.get(n["model"])
        model = text_value(row, n["model"], "model")
        model = model.strip() if model is not None else self.default_model
        if model is None:
            raise BadRow(f"missing model ({n['model']!r}; or pass --model)")
        category = text_value(row, n["category"], "category")
        scenario = text_value(row, n["scenario"], "scenario")
        spec = text_value(row, n["prompt_id"], "prompt_id")
        if spec is not None:
            spec = spec.strip()
            ref = self.linker.by_id(spec, language)
            prompt_part = spec
        else:
            prompt_text = text_value(row, n["prompt"], "prompt")
            if prompt_text is None:
                raise BadRow(f"no prompt: give {n['prompt_id']!r} or {n['prompt']!r}")
            prompt_part = prompt_text.strip()
            ref = self.linker.by_text(prompt_part, language, category, scenario)
        uid = text_value(row, n["id"], "id")
        uid = uid.strip() if uid is not None else response_uid(model, prompt_part, text, language)
        bt = text_value(row, n["back_translation"], "back_translation")
        digest = text_hash(text)
        self._remember(raw_language, language, raw_model, model)
        created = self.created
        return (
            uid,
            ref[0],
            language,
            model,
            category or ref[3],
            scenario or ref[4],
            text,
            digest,
            bt,
            "import" if bt else None,
            created if bt else None,
            self.source_file,
            created,
        )

    def _remember(self, raw_language: Any, language: str, raw_model: Any, model: str) -> None:
        """Cache exact raw values only: the fast path must see what the slow path accepted."""
        if type(raw_language) is str and len(self.languages) < 10_000:
            self.languages[raw_language] = language
        if (raw_model is None or _plain(raw_model)) and len(self.models) < 10_000:
            self.models[raw_model] = model
