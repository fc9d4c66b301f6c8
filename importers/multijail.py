"""MultiJail (Deng et al., ICLR 2024): `MultiJail.csv`, 315 prompts in 10 languages.

The file is UTF-8 with a BOM, with quoted cells that hold newlines; its columns are
`id,source,tags,en,zh,it,vi,ar,ko,th,bn,sw,jv`, and `tags` is a Python list literal such as
`['Violence & incitement', 'Weapons']`, parsed with `ast.literal_eval` (never `eval`). Each row
becomes one prompt per language, all sharing the row `id` as their `prompt_key`.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, Project

from .common import ImportReport
from .csv_rows import CsvSource
from .regular_file import check_file

DATASET = "multijail"
LICENSE = "MIT"
LANGUAGES = ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv")
REQUIRED = ("id", "source", "tags", "en")


def parse_tags(value: str) -> list[str]:
    """`['A', 'B']` -> ["A", "B"]; anything but a list of strings is a ValueError."""
    try:
        tags = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"tags {value!r} is not a Python list literal ({exc})") from None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError(f"tags {value!r} must be a list of strings")
    return [t.strip() for t in tags if t.strip()]


def read_multijail(path: Path) -> Iterator[dict[str, Any]]:
    """Prompt rows (dicts for `Project.insert_prompt_rows`), one per row and language. Any bad
    row raises `InputError` naming its line."""
    check_file(path)
    source = CsvSource(path)
    columns = source.columns or ()
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            str(path),
            1,
            f"missing column {', '.join(map(repr, missing))}: not a MultiJail file "
            f"(expected columns id,source,tags,{','.join(LANGUAGES)})",
        )
    languages = [c for c in columns if c in LANGUAGES]
    seen: dict[str, int] = {}
    for line, row in source.rows():
        if not isinstance(row, dict):
            raise InputError(str(path), line, row.problem)
        key = row["id"].strip()
        if not key:
            raise InputError(str(path), line, "empty id")
        if key in seen:
            raise InputError(str(path), line, f"id {key!r} already used on line {seen[key]}")
        seen[key] = line
        try:
            tags = parse_tags(row["tags"])
        except ValueError as exc:
            raise InputError(str(path), line, str(exc)) from None
        text_en = row["en"].strip() or None
        for language in languages:
            text = row[language].strip()
            if not text:
                raise InputError(str(path), line, f"empty {language!r} text for id {key}")
            yield {
                "dataset": DATASET,
                "prompt_key": key,
                "language": language,
                "text": text,
                "text_en": text_en,
                "category": tags[0] if tags else None,
                "tags": json.dumps(tags, ensure_ascii=False),
                "source": row["source"].strip() or None,
                "license": LICENSE,
            }


def import_multijail(project: Project, path: Path) -> ImportReport:
    """Import MultiJail prompts in one transaction; re-importing adds nothing."""
    report = ImportReport("multijail", str(path))
    with project.transaction():
        rows = list(read_multijail(path))  # 3,150 small rows: validate all before writing
        report.rows = len(rows)
        report.inserted = project.content.insert_prompt_rows(rows)
        report.existing = report.rows - report.inserted
        report.extra["languages"] = sorted({r["language"] for r in rows})
        project.log_event("import", **report.event())
    return report
