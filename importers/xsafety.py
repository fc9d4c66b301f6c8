"""XSafety (Wang et al., Findings of ACL 2024): `DIR/<lang>/<Issue>.csv|.xlsx`.

14 safety issues × 200 prompts × 10 languages. The files are headerless, one prompt per row
(CSV cells are quoted when they hold commas or newlines, most files start with a UTF-8 BOM; the
Bengali files are mostly `.xlsx`, read from column A of the first sheet). Rows are aligned across
languages by position, so row *i* of an issue is one prompt in every language and gets the key
`<Issue>:<i>` (1-based, e.g. `Insult:17`); the English text of the same row is kept as `text_en`.

Quirks handled, as found in the published repository:

- English file names end in `_n` (`Insult_n.csv`) or `_en`; Bengali ones in `_n.xlsx`.
- The Russian crimes file is misspelt `Crimes_And_Illegal_Activitie.csv`.
- `sp/` is Spanish: stored as ISO `es`.
- Hindi has two commonsense files. `commonsense.csv` ends each prompt with the instruction the
  other languages carry ("… output the unsafe choice"); `commen_sense.csv` is the same 200
  prompts without it. Only `commonsense.csv` is imported, so that Hindi lines up with the other
  languages; `commen_sense.csv` is reported as skipped with that reason.
- Blank rows (one in `ru/Insult.csv`) are skipped and counted; they keep their position, so
  the rows after them stay aligned.

Row counts per issue are compared across languages; a mismatch is reported (it would mean the
rows after it no longer line up), never silently ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polyjudge.store import InputError, Project

from .common import ImportReport
from .csv_rows import CsvSource
from .regular_file import check_file

DATASET = "xsafety"
LICENSE = "Apache-2.0"

# Key name (as in the file names) -> scenario name as the XSafety judge prompt writes it.
ISSUES: dict[str, str] = {
    "Crimes_And_Illegal_Activities": "Crimes and Illegal Activities",
    "Ethics_And_Morality": "Ethics and Morality",
    "Goal_Hijacking": "Goal Hijacking",
    "Inquiry_With_Unsafe_Opinion": "Inquiry with Unsafe Opinion",
    "Insult": "Insult",
    "Mental_Health": "Mental Health",
    "Physical_Harm": "Physical Harm",
    "Privacy_And_Property": "Privacy and Property",
    "Prompt_Leaking": "Prompt Leaking",
    "Reverse_Exposure": "Reverse Exposure",
    "Role_Play_Instruction": "Role Play Instruction",
    "Unfairness_And_Discrimination": "Unfairness and Discrimination",
    "Unsafe_Instruction_Topic": "Unsafe Instruction Topic",
    "Commonsense": "Commonsense",
}
_BY_LOWER = {name.lower(): name for name in ISSUES}
_ALIASES = {"crimes_and_illegal_activitie": "Crimes_And_Illegal_Activities"}
SKIP_FILES = {
    "commen_sense": "the same prompts as commonsense.csv without the trailing instruction "
    "(only commonsense.csv lines up with the other languages)",
}
LANGUAGE_DIRS = {"sp": "es"}
DATA_SUFFIXES = {".csv", ".xlsx"}
_LANG_DIR = re.compile(r"^[a-z]{2,3}$")


def issue_for(stem: str) -> str | None:
    """`Insult_n` -> `Insult`; `Crimes_And_Illegal_Activitie` -> `Crimes_And_Illegal_Activities`;
    None for a file that is not one of the 14 issues."""
    lower = stem.lower()
    for candidate in (lower, lower.removesuffix("_n"), lower.removesuffix("_en")):
        if candidate in _BY_LOWER:
            return _BY_LOWER[candidate]
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    return None


@dataclass
class LanguageReport:
    language: str
    folder: str
    files: int = 0
    prompts: int = 0
    inserted: int = 0
    blank: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "files": self.files,
            "prompts": self.prompts,
            "inserted": self.inserted,
            "blank": self.blank,
            "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped_files],
        }


def read_csv_column(path: Path) -> list[str | None]:
    """The prompts of a headerless one-column CSV, by position (None for a blank row)."""
    source = CsvSource(path, header=False)
    texts: list[str | None] = []
    for line, record in source.records():
        if not isinstance(record, list):
            raise InputError(str(path), line, record.problem)
        if len(record) > 1 and any(c.strip() for c in record[1:]):
            # An unquoted comma split the prompt: put it back together.
            text = ",".join(record).strip()
        else:
            text = record[0].strip() if record else ""
        texts.append(text or None)
    return _trim(texts)


def read_xlsx_column(path: Path) -> list[str | None]:
    """Column A of the first sheet, by position (None for a blank cell)."""
    from openpyxl import load_workbook  # imported here: only XSafety's Bengali files need it

    check_file(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and its own errors alike
        raise InputError(str(path), None, f"not a readable .xlsx file ({exc})") from None
    try:
        sheet = book.worksheets[0]
        texts: list[str | None] = []
        for row in sheet.iter_rows(max_col=1, values_only=True):
            value = row[0] if row else None
            text = "" if value is None else str(value).strip()
            if "\x00" in text:
                raise InputError(str(path), len(texts) + 1, "NUL character in cell A")
            texts.append(text or None)
    finally:
        book.close()
    return _trim(texts)


def _trim(texts: list[str | None]) -> list[str | None]:
    """Drop trailing blank rows: they hold no prompt and no position."""
    while texts and texts[-1] is None:
        texts.pop()
    return texts


def scan(root: Path) -> tuple[dict[str, dict[str, Path]], dict[str, LanguageReport]]:
    """Find the data files: {language: {issue: path}} and a report per language."""
    if not root.is_dir():
        raise InputError(str(root), None, "not a directory (expected the xsafety/ folder)")
    files: dict[str, dict[str, Path]] = {}
    reports: dict[str, LanguageReport] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _LANG_DIR.match(folder.name):
            continue
        language = LANGUAGE_DIRS.get(folder.name, folder.name)
        report = reports.setdefault(language, LanguageReport(language, folder.name))
        by_issue = files.setdefault(language, {})
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.is_dir():
                continue
            if path.suffix.lower() not in DATA_SUFFIXES:
                report.skipped_files.append((path.name, "not a .csv or .xlsx file"))
                continue
            if path.stem.lower() in SKIP_FILES:
                report.skipped_files.append((path.name, SKIP_FILES[path.stem.lower()]))
                continue
            issue = issue_for(path.stem)
            if issue is None:
                report.skipped_files.append((path.name, "not one of the 14 XSafety issues"))
                continue
            if issue in by_issue:
                raise InputError(
                    str(path),
                    None,
                    f"a second file for {issue} in {folder.name}/ (also {by_issue[issue].name})",
                )
            by_issue[issue] = path
    if not files:
        raise InputError(str(root), None, "no language folders (ar/, bn/, en/, ...) found here")
    return files, reports


def read_files(
    files: dict[str, dict[str, Path]], reports: dict[str, LanguageReport]
) -> dict[str, dict[str, list[str | None]]]:
    """The prompts of every file, by language and issue, by position."""
    texts: dict[str, dict[str, list[str | None]]] = {}
    for language, by_issue in files.items():
        for issue, path in by_issue.items():
            reader = read_xlsx_column if path.suffix.lower() == ".xlsx" else read_csv_column
            texts.setdefault(language, {})[issue] = reader(path)
            reports[language].files += 1
    return texts


def alignment_problems(texts: dict[str, dict[str, list[str | None]]]) -> list[str]:
    """Issues whose row count differs between languages (the rows would not line up)."""
    problems = []
    for issue in ISSUES:
        counts = {lang: len(t[issue]) for lang, t in texts.items() if issue in t}
        if len(set(counts.values())) > 1:
            usual, _ = Counter(counts.values()).most_common(1)[0]
            odd = ", ".join(f"{lang} has {n}" for lang, n in sorted(counts.items()) if n != usual)
            problems.append(f"{issue}: {odd} rows where the others have {usual}")
    return problems


def import_xsafety(project: Project, root: Path) -> ImportReport:
    """Import every language and issue under ROOT in one transaction."""
    files, reports = scan(root)
    texts = read_files(files, reports)
    mismatches = alignment_problems(texts)
    english = texts.get("en", {})
    report = ImportReport("xsafety", str(root))
    with project.transaction():
        for language, by_issue in texts.items():
            lang_report = reports[language]
            rows = []
            for issue, column in by_issue.items():
                folder = lang_report.folder
                name = files[language][issue].name
                en_column = english.get(issue, [])
                for i, text in enumerate(column):
                    if text is None:
                        lang_report.blank += 1
                        continue
                    rows.append(
                        {
                            "dataset": DATASET,
                            "prompt_key": f"{issue}:{i + 1}",
                            "language": language,
                            "text": text,
                            "text_en": en_column[i] if i < len(en_column) else None,
                            "category": ISSUES[issue],
                            "scenario": ISSUES[issue],
                            "source": f"xsafety/{folder}/{name}",
                            "license": LICENSE,
                        }
                    )
            lang_report.prompts = len(rows)
            lang_report.inserted = project.content.insert_prompt_rows(rows)
        report.rows = sum(r.prompts for r in reports.values())
        report.inserted = sum(r.inserted for r in reports.values())
        report.existing = report.rows - report.inserted
        report.blank = sum(r.blank for r in reports.values())
        report.extra = {
            "by_language": {lang: r.as_dict() for lang, r in sorted(reports.items())},
            "skipped_files": [
                f"{r.folder}/{f}" for r in reports.values() for f, _ in r.skipped_files
            ],
            "mismatches": mismatches,
        }
        project.log_event("import", **report.event())
    return report
