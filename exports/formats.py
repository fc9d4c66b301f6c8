"""Writers for gold rows: JSONL, CSV, Parquet (optional extra), each streaming.

Every writer writes to a hidden temporary file beside the target and renames it into place at
the end, so an interrupted export never leaves half a file under the target's name.

- JSONL: one object per line, `human_labels` and `verdicts` as nested lists.
- CSV: the same columns; `human_labels` and `verdicts` are JSON text inside their cells
  (`json.loads(cell)` gives the lists back); empty cells are missing values. A text cell that
  a spreadsheet would run as a formula gets a leading `'` (see `neutralise_formula`) unless
  `raw` (`--raw-csv`).
- Parquet: written with pyarrow in record batches (`pip install 'polyjudge[parquet]'`);
  `human_labels` and `verdicts` are `list<struct<...>>` columns.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from polyjudge.store import PolyjudgeError

from .gold import GOLD_COLUMN_TYPES, GOLD_COLUMNS, NESTED_COLUMNS

FORMATS = ("jsonl", "csv", "parquet", "label-studio")
PARQUET_BATCH_ROWS = 10_000


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    for path in paths:
        if path.exists() and not force:
            raise PolyjudgeError(f"{path}: already exists (use --force to replace it)")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_text(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline=newline) as handle:
        yield handle


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    with atomic_text(path) as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


# CSV injection (https://owasp.org/www-community/attacks/CSV_Injection): Excel, LibreOffice
# and Google Sheets run a cell that begins with one of these as a formula (`=HYPERLINK(...)`,
# `+cmd|...`, `@SUM(...)`; TAB and CR are trimmed before the check). OWASP's advice: prefix such
# a cell with a single quote, which makes it text. A cell that already begins with a quote gets
# one too, so the rule can be undone: drop one leading `'` from every cell that begins with it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise_formula(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would read it as a formula (or it already
    begins with `'`); any other text as it is."""
    return QUOTE + text if text.startswith((*FORMULA_TRIGGERS, QUOTE)) else text


def csv_cell(column: str, value: Any, neutralised: Counter[str] | None = None) -> Any:
    """One CSV cell. Text (which comes from imported files, annotators and models) is
    neutralised against formula injection when `neutralised` is given (counted per column);
    numbers and booleans we write ourselves are left as they are."""
    if column in NESTED_COLUMNS:
        return json.dumps(value, ensure_ascii=False)  # begins with `[`: never a formula
    if value is None:
        return ""
    if neutralised is not None and isinstance(value, str):
        safe = neutralise_formula(value)
        if safe != value:
            neutralised[column] += 1
        return safe
    return value


def write_csv(
    rows: Iterable[dict[str, Any]],
    path: Path,
    *,
    raw: bool = False,
    neutralised: Counter[str] | None = None,
) -> int:
    """Write the gold CSV; unless `raw`, text cells are neutralised (counted per column into
    `neutralised` when given)."""
    counts: Counter[str] | None = (
        None if raw else (neutralised if neutralised is not None else Counter())
    )
    n = 0
    with atomic_text(path, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(GOLD_COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(c, row[c], counts) for c in GOLD_COLUMNS])
            n += 1
    return n


def parquet_schema(pa: Any) -> Any:
    text = pa.string()
    human = pa.struct(
        [
            ("annotator", text),
            ("role", text),
            ("label", text),
            ("unsure", pa.bool_()),
            ("note", text),
            ("viewed", text),
            ("time_ms", pa.int64()),
            ("created_at", text),
        ]
    )
    verdict = pa.struct(
        [
            ("run", text),
            ("model", text),
            ("label", text),
            ("p_unsafe", pa.float64()),
            ("template_name", text),
            ("template_hash", text),
        ]
    )
    types = {"human_labels": pa.list_(human), "verdicts": pa.list_(verdict)}
    types.update({c: pa.float64() for c, dtype in GOLD_COLUMN_TYPES if dtype == "float64"})
    return pa.schema([(c, types.get(c, text)) for c in GOLD_COLUMNS])


def import_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise PolyjudgeError(
            "Parquet export needs pyarrow: pip install 'polyjudge[parquet]'"
        ) from None
    return pa, pq


def write_parquet(
    rows: Iterable[dict[str, Any]], path: Path, batch_rows: int = PARQUET_BATCH_ROWS
) -> int:
    pa, pq = import_pyarrow()
    schema = parquet_schema(pa)
    n = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(str(tmp), schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_rows:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


Writer = Callable[[Iterable[dict[str, Any]], Path], int]
WRITERS: dict[str, Writer] = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}
