"""`polyjudge export hf DIR`: a Hugging Face dataset folder that `datasets.load_dataset(DIR)`
loads, with one config per language.

    DIR/README.md                 the dataset card: configs `all` (default) and one per language,
                                  each listing its files; features; statistics
    DIR/data/LANG.jsonl           the gold rows of one language (`exports/gold.py`)
    DIR/.polyjudge-export.json    the manifest: the files this export wrote

Re-exporting into the same folder replaces the files and removes those an earlier export wrote
that this one does not (a language with no rows left), so that no stale row is ever served; a
file polyjudge did not write (not in the manifest) is never removed, and never overwritten
without `force`. Each config lists its files by name rather than by pattern, so a file
someone else put in `data/` is not loaded either. Files are written beside their target and
renamed into place.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from polyjudge.store import PolyjudgeError, Project

from .card import render_card
from .card_header import Config
from .export_gold import CARD_NAME, card_is_ours, project_report
from .export_summary import ExportSummary
from .formats import atomic_text
from .gold import iter_gold_rows

MANIFEST = ".polyjudge-export.json"
WRITTEN_BY = "polyjudge export hf"
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass
class HfExport:
    """What an export wrote: rows per language, the files, and the stale files it removed."""

    summary: ExportSummary
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def read_manifest(folder: Path) -> list[str]:
    """The files an earlier export wrote into `folder` (relative paths inside it only)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        raise PolyjudgeError(
            f"{folder / MANIFEST}: unreadable (remove it to export here)"
        ) from None
    if not isinstance(data, dict):
        data = {}
    files = data.get("files")
    if data.get("written_by") != WRITTEN_BY or not isinstance(files, list):
        raise PolyjudgeError(f"{folder / MANIFEST}: not a polyjudge export manifest")
    return [f for f in files if isinstance(f, str) and _inside(f)]


def _inside(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _data_file(language: str) -> str:
    if not SAFE_NAME.match(language):
        raise PolyjudgeError(f"language {language!r} cannot name a file")
    return f"data/{language}.jsonl"


def export_hf(
    project: Project,
    folder: Path,
    *,
    languages: list[str] | None = None,
    final_only: bool = False,
    force: bool = False,
) -> HfExport:
    """Write the dataset folder. See the module docstring."""
    if folder.exists() and not folder.is_dir():
        raise PolyjudgeError(f"{folder}: is a file; --out names the folder to write")
    earlier = read_manifest(folder) if folder.is_dir() else []
    card = folder / CARD_NAME
    if card.exists() and not force and CARD_NAME not in earlier and not card_is_ours(card):
        raise PolyjudgeError(
            f"{card}: already exists and is not a polyjudge card (use --force to replace it)"
        )
    known = set(project.content.languages())
    chosen = languages if languages else sorted(known)
    unknown = [x for x in chosen if x not in known]
    if unknown:
        raise PolyjudgeError(
            f"--language: no responses in {', '.join(unknown)} "
            f"(this project has {', '.join(sorted(known)) or 'none'})"
        )
    targets = {language: _data_file(language) for language in chosen}
    if not force:
        for name in targets.values():
            if (folder / name).exists() and name not in earlier:
                raise PolyjudgeError(
                    f"{folder / name}: already exists and this export did not write it "
                    "(use --force to replace it)"
                )
    result = HfExport(ExportSummary())
    with project.read_snapshot():
        report = project_report(project)
        _write_rows(project, folder, targets, chosen, final_only, result)
        written = [lang for lang in chosen if result.rows.get(lang)]
        configs: list[Config] = [("all", [targets[x] for x in written])]
        configs += [(x, [targets[x]]) for x in written]
        text = render_card(
            result.summary,
            report,
            label_set=project.label_set,
            rule=project.consensus_rule,
            project_id=project.project_id,
            data_file=None,
            fmt="jsonl",
            configs=configs if written else None,
        )
    with atomic_text(card) as handle:
        handle.write(text)
    result.files = [CARD_NAME, *(targets[x] for x in written)]
    for name in earlier:
        if name not in result.files and name != MANIFEST:
            path = folder / name
            if path.is_file() and not path.is_symlink():
                path.unlink()
                result.removed.append(name)
    with atomic_text(folder / MANIFEST) as handle:
        json.dump({"written_by": WRITTEN_BY, "files": result.files}, handle, indent=1)
        handle.write("\n")
    project.log_event(
        "export_hf",
        out=str(folder),
        rows=result.summary.rows,
        files=result.files,
        removed=result.removed,
        final_only=final_only,
    )
    return result


def _write_rows(
    project: Project,
    folder: Path,
    targets: dict[str, str],
    languages: list[str],
    final_only: bool,
    result: HfExport,
) -> None:
    """Stream the gold rows into one temporary file per language, renamed into place when all
    are written (a language without rows gets no file)."""
    handles: dict[str, IO[str]] = {}
    partial: dict[str, Path] = {}
    try:
        for row in iter_gold_rows(project, languages=languages, final_only=final_only):
            language = row["language"]
            handle = handles.get(language)
            if handle is None:
                final = folder / targets[language]
                final.parent.mkdir(parents=True, exist_ok=True)
                partial[language] = final.with_name(f".{final.name}.partial")
                handle = handles[language] = partial[language].open("w", encoding="utf-8")
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            result.summary.add(row)
            result.rows[language] = result.rows.get(language, 0) + 1
        for handle in handles.values():
            handle.close()
        for language, path in partial.items():
            os.replace(path, folder / targets[language])
    finally:
        for handle in handles.values():
            handle.close()
        for path in partial.values():
            path.unlink(missing_ok=True)
