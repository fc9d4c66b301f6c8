"""Model responses from JSON Lines or CSV: the units of annotation.

Fields (each read from the column of the same name, or the one given with `--map FIELD=COLUMN`):

- `response` (required): the model's answer; an empty one is a bad row.
- `language` (required): an ISO code such as `ar`, `zh`, `sw`.
- `model`: required unless `--model M` names the model for rows that do not.
- `prompt_id` or `prompt` (one of them is required):
  `prompt_id` links to an imported prompt of that language by its key: `multijail:12`,
  `xsafety:Insult:17`, or plain `12` when only one dataset has that key (an unknown or ambiguous
  id is a bad row). `prompt` is the prompt's text: it links to an imported prompt with exactly
  that text in that language, else it becomes a prompt of dataset `user`.
- `id`: the response's own id; without one, a stable hash of model, prompt, response and language.
- `back_translation`, `category`, `scenario`: optional; category and scenario default to the
  linked prompt's.

The whole file is one transaction: a bad row stops it with one line (file:line: problem) and
nothing is written, unless `skip_bad` sends bad rows to a reject file. Rows are streamed and
written in chunks, so a file of millions of rows never sits in memory. Re-importing adds nothing:
an id already present is skipped (and if it names a different response text, that row is bad).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polyjudge.store import Project, now
from polyjudge.store.imports import PromptRef

from .common import (
    BadRow,
    ImportReport,
    ProgressCallback,
    Rejects,
    check_columns,
    column_names,
    language_code,
    text_value,
)
from .reading import RowError, open_rows

FIELDS = (
    "id", "prompt_id", "prompt", "language", "model", "response", "back_translation",
    "category", "scenario",
)
CHUNK_ROWS = 20_000
CACHE_LIMIT = 200_000


def response_uid(model: str, prompt: str, text: str, language: str) -> str:
    """The id of a response that has none: stable across re-imports of the same file."""
    h = hashlib.sha256()
    for part in (model, prompt, text, language):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def text_hash(text: str) -> str:
    """Same as `store.content_hash(text)`, inlined for the hot path."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass") + b"\x1f").hexdigest()


class PromptLinker:
    """Finds (or, for unknown prompt text, creates) the prompt a response answers. Lookups
    are cached; the cache is bounded so that a file of unique prompts stays small in memory."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.datasets = project.prompt_datasets()
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
            matches = self.project.prompts_by_key(rest, language, prefix)
        else:
            matches = self.project.prompts_by_key(spec, language)
        if not matches:
            raise BadRow(f"unknown prompt_id {spec!r}: no imported prompt with that key in "
                         f"language {language!r}")
        datasets = sorted({m[1] for m in matches})
        if len(datasets) > 1:
            options = " or ".join(f"{d}:{spec}" for d in datasets)
            raise BadRow(f"prompt_id {spec!r} is ambiguous in {language!r}: write {options}")
        return matches[0]

    def by_text(self, text: str, language: str, category: str | None,
                scenario: str | None) -> PromptRef:
        key = ("text", text, language)
        found = self.cache.get(key)
        if found is None:
            found = self.project.prompt_by_text(text, language)
            if found is None:
                found = self.project.ensure_user_prompt(text, language, category, scenario)
                self.created += 1
            self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str, str], ref: PromptRef) -> None:
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        self.cache[key] = ref


def import_responses(
    project: Project,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    model: str | None = None,
    skip_bad: bool = False,
    reject_file: Path | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a responses file in one transaction. See the module docstring."""
    names = column_names(mapping or {}, FIELDS)
    source = open_rows(path)
    required: list[str | tuple[str, ...]] = ["response", "language", ("prompt_id", "prompt")]
    if model is None:
        required.append("model")
    check_columns(path, source.columns, names, required)
    report = ImportReport("responses", str(path))
    rejects = Rejects(path, skip_bad=skip_bad, reject_file=reject_file)
    try:
        with project.transaction():
            _import(project, source, names, model, rejects, report, progress)
            report.bad = rejects.count
            report.rejects = rejects.close()
            project.log_event("import", **report.event())
    except BaseException:
        rejects.close(failed=True)
        raise
    return report


def _import(
    project: Project,
    source: Any,
    names: dict[str, str],
    default_model: str | None,
    rejects: Rejects,
    report: ImportReport,
    progress: ProgressCallback | None,
) -> None:
    linker = PromptLinker(project)
    c_id, c_pid, c_prompt = names["id"], names["prompt_id"], names["prompt"]
    c_lang, c_model, c_text = names["language"], names["model"], names["response"]
    c_bt, c_cat, c_scen = names["back_translation"], names["category"], names["scenario"]
    created = now()
    source_file = str(source.path)
    chunk: list[tuple[Any, ...]] = []
    where: list[tuple[int, dict[str, Any]]] = []
    rows = 0

    def flush() -> None:
        try:
            with project.transaction():  # a savepoint: a failed chunk leaves nothing behind
                inserted, conflicts = project.insert_response_rows(chunk)
        except UnicodeEncodeError:
            _drop_unencodable(chunk, where, rejects)
            inserted, conflicts = project.insert_response_rows(chunk)
        report.inserted += inserted
        for i in conflicts:
            line, row = where[i]
            rejects.add(line, f"id {chunk[i][0]!r} is already in the project with a different "
                        "response text", row=row)
        report.existing += len(chunk) - inserted - len(conflicts)
        chunk.clear()
        where.clear()
        if progress is not None:
            progress(source.bytes_read, source.size, rows)

    for line, row in source.rows():
        rows += 1
        if type(row) is RowError:
            rejects.add_error(row)
            continue
        try:
            text = text_value(row, c_text, "response")
            if text is None:
                raise BadRow(f"empty response ({c_text!r})")
            language = language_code(text_value(row, c_lang, "language"), c_lang)
            model = text_value(row, c_model, "model") or default_model
            if model is None:
                raise BadRow(f"missing model ({c_model!r}; or pass --model)")
            category = text_value(row, c_cat, "category")
            scenario = text_value(row, c_scen, "scenario")
            spec = text_value(row, c_pid, "prompt_id")
            if spec is not None:
                spec = spec.strip()
                ref = linker.by_id(spec, language)
                prompt_part = spec
            else:
                prompt_text = text_value(row, c_prompt, "prompt")
                if prompt_text is None:
                    raise BadRow(f"no prompt: give {c_pid!r} or {c_prompt!r}")
                prompt_text = prompt_text.strip()
                ref = linker.by_text(prompt_text, language, category, scenario)
                prompt_part = prompt_text
            uid = text_value(row, c_id, "id")
            uid = uid.strip() if uid is not None else response_uid(
                model, prompt_part, text, language
            )
            bt = text_value(row, c_bt, "back_translation")
            digest = text_hash(text)
        except BadRow as exc:
            rejects.add(line, str(exc), row=row)
            continue
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=row)
            continue
        chunk.append((
            uid, ref[0], language, model.strip(), category or ref[3], scenario or ref[4], text,
            digest, bt, "import" if bt else None, created if bt else None,
            source_file, created,
        ))
        where.append((line, row))
        if len(chunk) >= CHUNK_ROWS:
            flush()
    if chunk or progress is not None:
        flush()
    report.rows = rows
    report.blank = source.blank
    report.extra["prompts_created"] = linker.created


def _surrogate_problem(exc: UnicodeEncodeError) -> str:
    char = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, str) else ""
    return f"text with an unpaired surrogate {char.encode('unicode_escape').decode()} (not Unicode)"


def _drop_unencodable(
    chunk: list[tuple[Any, ...]], where: list[tuple[int, dict[str, Any]]], rejects: Rejects
) -> None:
    """Remove (and reject) the rows of a chunk that SQLite cannot store as UTF-8."""
    keep = []
    for values, (line, row) in zip(chunk, where, strict=True):
        try:
            for value in values:
                if type(value) is str:
                    value.encode("utf-8")
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=row)
            continue
        keep.append((values, (line, row)))
    chunk[:] = [k[0] for k in keep]
    where[:] = [k[1] for k in keep]
