"""`polyjudge export gold`: stream gold rows into a file, then write the dataset card beside it.

Everything is read inside one read snapshot of the project file, so that the rows, the final
labels and the report the card quotes describe the same moment even while annotators go on
labelling (WAL lets them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from polyjudge.store import PolyjudgeError, Project

from .card import CARD_MARKER, render_card
from .export_summary import ExportSummary
from .formats import FORMATS, WRITERS, atomic_text, refuse_overwrite, write_csv
from .gold import iter_gold_rows

CARD_NAME = "README.md"


def project_report(project: Project) -> dict[str, Any]:
    """The dict `polyjudge report --json` prints (computed by `reconcile`)."""
    from polyjudge.reconcile.report import build_report

    return build_report(project).as_json()


def _counted(rows: Iterable[dict[str, Any]], summary: ExportSummary) -> Iterator[dict[str, Any]]:
    for row in rows:
        summary.add(row)
        yield row


def card_is_ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            return CARD_MARKER in f.read(4096)
    except (OSError, UnicodeDecodeError):
        return False


def export_gold(
    project: Project,
    *,
    fmt: str,
    out: Path,
    languages: list[str] | None = None,
    final_only: bool = False,
    force: bool = False,
    raw_csv: bool = False,
) -> ExportSummary:
    """Write the gold rows as `fmt` to `out` and the dataset card beside it. A CSV's text cells
    are neutralised against formula injection unless `raw_csv`; the summary and the card say
    which columns were."""
    if fmt not in FORMATS:
        raise PolyjudgeError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if out.is_dir():
        raise PolyjudgeError(f"{out}: is a directory; --out names the file to write")
    card = out.with_name(CARD_NAME)
    if card == out:
        raise PolyjudgeError(f"{out}: that name is kept for the dataset card; choose another")
    targets = [out]
    if fmt == "label-studio":
        from .label_studio import CONFIG_NAME, USERS_NAME

        targets += [out.with_name(CONFIG_NAME), out.with_name(USERS_NAME)]
    refuse_overwrite(targets, force)
    if card.exists() and not force and not card_is_ours(card):
        raise PolyjudgeError(
            f"{card}: already exists and is not a polyjudge card (use --force to replace it)"
        )
    if fmt == "parquet":
        from .formats import import_pyarrow

        import_pyarrow()  # fail before any work when the extra is missing
    known = set(project.content.languages())
    unknown = [x for x in languages or [] if x not in known]
    if unknown:
        raise PolyjudgeError(
            f"--language: no responses in {', '.join(unknown)} "
            f"(this project has {', '.join(sorted(known)) or 'none'})"
        )

    summary = ExportSummary(raw_csv=raw_csv if fmt == "csv" else None)
    with project.read_snapshot():
        report = project_report(project)
        rows = _counted(
            iter_gold_rows(project, languages=languages, final_only=final_only), summary
        )
        if fmt == "label-studio":
            from .label_studio import write_label_studio

            write_label_studio(rows, out, project.label_set)
            summary.extra_files.append(targets[1])
        elif fmt == "csv":
            write_csv(rows, out, raw=raw_csv, neutralised=summary.neutralised)
        else:
            WRITERS[fmt](rows, out)
        text = render_card(
            summary,
            report,
            label_set=project.label_set,
            rule=project.consensus_rule,
            project_id=project.project_id,
            data_file=out.name if fmt in ("jsonl", "csv", "parquet") else None,
            fmt=fmt,
        )
    with atomic_text(card) as handle:
        handle.write(text)
    summary.extra_files.append(card)
    project.log_event(
        "export_gold",
        format=fmt,
        out=str(out),
        rows=summary.rows,
        languages=languages or [],
        final_only=final_only,
        **({"raw_csv": raw_csv, "neutralised": dict(summary.neutralised)} if fmt == "csv" else {}),
    )
    return summary
