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

import gc
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from polyjudge.store import RESPONSE_IMPORT_COLUMNS, Project, now

from .common import (
    BadRow,
    ImportReport,
    ProgressCallback,
    Rejects,
    check_columns,
    column_names,
    language_code,
    refuse_if_all_bad,
    text_value,
)
from .line_reader import RowError
from .linking import PromptLinker
from .reading import open_rows

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
CHUNK_ROWS = 20_000


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
    gc_was_enabled = gc.isenabled()
    # The import allocates millions of short-lived dicts and tuples and creates no reference
    # cycles; the cyclic collector would only rescan the rows held in the current chunk.
    gc.disable()
    try:
        with project.transaction(), project.content.bulk_write():
            _import(project, source, names, model, rejects, report, progress)
            report.bad = rejects.count
            report.rejects = rejects.close()
            refuse_if_all_bad(report)
            project.log_event("import", **report.event())
    except BaseException:
        rejects.close(failed=True)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
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
    converter = RowConverter(project, names, default_model, str(source.path))
    convert = converter.fast
    chunk: list[tuple[Any, ...]] = []
    lines: list[int] = []
    rows = 0
    # Responses above this id were added by this file: a row whose id is one of them reuses an
    # id of an earlier line (an error), while an id from an earlier import is "already present".
    before = project.content.max_response_id()

    def flush(rows: int) -> None:
        chunk_start = project.content.max_response_id()
        try:
            with project.transaction():  # a savepoint: a failed chunk leaves nothing behind
                inserted, conflicts = project.content.insert_response_rows(chunk)
        except UnicodeEncodeError:
            _drop_unencodable(chunk, lines, rejects)
            inserted, conflicts = project.content.insert_response_rows(chunk)
        report.inserted += inserted
        reused = _reused(project, chunk, inserted, before, chunk_start)
        for i in conflicts:
            if i not in reused:
                rejects.add(
                    lines[i],
                    f"id {chunk[i][0]!r} is already in the project with a different response text",
                    row=_as_row(chunk[i]),
                )
        for i in sorted(reused):
            uid = chunk[i][0]
            first: int | str | None = next((lines[j] for j in range(i) if chunk[j][0] == uid), None)
            if first is None:
                first = _first_line(source, convert, uid, lines[i])
            rejects.add(
                lines[i],
                f"id {uid!r} is used twice in this file: on line {first} and on line {lines[i]}",
                row=_as_row(chunk[i]),
            )
        report.existing += len(chunk) - inserted - len(set(conflicts) | reused)
        chunk.clear()
        lines.clear()
        if progress is not None:
            progress(source.bytes_read, source.size, rows)

    append, add_line = chunk.append, lines.append
    for rows, (line, row) in enumerate(source.rows(), 1):
        if type(row) is RowError:
            rejects.add_error(row)
            continue
        try:
            append(convert(row))
        except BadRow as exc:
            rejects.add(line, str(exc), row=row)
            continue
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=row)
            continue
        add_line(line)
        if len(chunk) >= CHUNK_ROWS:
            flush(rows)
    if chunk or progress is not None:
        flush(rows)
    report.rows = rows
    report.blank = source.blank
    report.extra["prompts_created"] = converter.linker.created


NUL = "\x00"


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


def _reused(
    project: Project, chunk: list[tuple[Any, ...]], inserted: int, before: int, chunk_start: int
) -> set[int]:
    """Indexes of the rows of a just-inserted chunk whose id an earlier line of the same file
    already gave: the id was added by this import (above `before`) by an earlier chunk (at most
    `chunk_start`) or by an earlier row of this chunk."""
    if inserted == len(chunk):
        return set()
    ours = project.content.response_ids_after([values[0] for values in chunk], before)
    reused: set[int] = set()
    first_here: set[str] = set()
    for i, values in enumerate(chunk):
        found = ours.get(values[0])
        if found is None:
            continue
        if found > chunk_start and values[0] not in first_here:
            first_here.add(values[0])  # this row added it
        else:
            reused.add(i)
    return reused


def _first_line(
    source: Any, convert: Callable[[dict[str, Any]], tuple[Any, ...]], uid: str, before: int
) -> int | str:
    """The line before `before` that gives the response id `uid`: the file is read again up to
    there (only for a file that reuses an id, which stops the import or is rejected)."""
    again = open_rows(source.path, source.kind)
    for line, row in again.rows():
        if line >= before:
            break
        if isinstance(row, RowError):
            continue
        try:
            if convert(row)[0] == uid:
                return line
        except (BadRow, UnicodeEncodeError):
            continue
    return "an earlier line"


def _as_row(values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(RESPONSE_IMPORT_COLUMNS, values, strict=True))


def _surrogate_problem(exc: UnicodeEncodeError) -> str:
    char = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, str) else ""
    return f"text with an unpaired surrogate {char.encode('unicode_escape').decode()} (not Unicode)"


def _drop_unencodable(chunk: list[tuple[Any, ...]], lines: list[int], rejects: Rejects) -> None:
    """Remove (and reject) the rows of a chunk that SQLite cannot store as UTF-8."""
    keep = []
    for values, line in zip(chunk, lines, strict=True):
        try:
            for value in values:
                if type(value) is str:
                    value.encode("utf-8")
        except UnicodeEncodeError as exc:
            rejects.add(line, _surrogate_problem(exc), row=_as_row(values))
            continue
        keep.append((values, line))
    chunk[:] = [k[0] for k in keep]
    lines[:] = [k[1] for k in keep]
