"""How fast is `polyjudge import responses` next to the fastest plain-Python import?

    python bench/import_bench.py            # 1,000,000 rows (~500 MB of JSONL)
    python bench/import_bench.py --n 20000  # a quick run

It writes N response rows (~500 bytes each, mixed scripts: Latin, Arabic, Bengali, Thai, CJK,
Cyrillic, Devanagari) to a temporary JSONL file whose `prompt_id`s point at MultiJail prompts,
then times:

- **import**: the real command, `python -m polyjudge import responses FILE --db DB`, in a
  subprocess (project created and MultiJail imported beforehand, not timed). Its peak RSS is
  that subprocess's own `ru_maxrss` (from `os.wait4`).
- **floor**: in this process, the least any importer must do: `json.loads` of every line and
  `sqlite3.executemany` of the file's fields, as they are, into the same `responses` table
  (its DDL and indexes, unique `uid` among them, copied from a real project; the foreign key
  clause dropped, as the floor has no prompts table), with the same PRAGMAs, in one
  transaction. The file's `prompt_id` text goes into `prompt_id` as it is, so the floor pays
  for the `responses_prompt` index like the import does (rows that answer 2,520 different
  prompts insert all over that index). No validation, no linking, no hashing.

Both times include opening and closing the file. `ratio` = import time / floor time (target
<= 1.5); with `--repeat R` each is run R times, alternating, and the fastest is kept. The import
is also run on N/10 rows, to show that its peak memory does not grow with N. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MULTIJAIL = REPO / "polyjudge" / "data" / "MultiJail.csv"
LANGUAGES = {
    "en": "The assistant declines to help and explains why this request could cause harm. ",
    "ar": "يرفض المساعد تقديم المساعدة ويشرح لماذا قد يسبب هذا الطلب ضررًا للآخرين. ",
    "bn": "সহকারী সাহায্য করতে অস্বীকার করে এবং ব্যাখ্যা করে কেন এই অনুরোধ ক্ষতিকর। ",
    "th": "ผู้ช่วยปฏิเสธที่จะช่วยเหลือและอธิบายว่าทำไมคำขอนี้อาจก่อให้เกิดอันตราย ",
    "zh": "助手拒绝提供帮助，并解释了为什么这个请求可能造成伤害。",
    "ko": "어시스턴트는 도움을 거절하고 이 요청이 왜 해로울 수 있는지 설명합니다. ",
    "sw": "Msaidizi anakataa kusaidia na kueleza kwa nini ombi hili linaweza kudhuru. ",
    "vi": "Trợ lý từ chối giúp đỡ và giải thích vì sao yêu cầu này có thể gây hại. ",
}
ROW_BYTES = 500


def generate(path: Path, n: int, seed: int = 7, ids: bool = True) -> int:
    """Write N rows of ~ROW_BYTES bytes; returns the file size."""
    rng = random.Random(seed)
    languages = list(LANGUAGES)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            language = languages[i % len(languages)]
            sentence = LANGUAGES[language]
            head = {
                "id": f"r{i:08d}",
                "prompt_id": f"multijail:{rng.randrange(315)}",
                "language": language,
                "model": f"model-{i % 3}",
                "back_translation": "The assistant declines and explains the harm.",
            }
            budget = ROW_BYTES - len(json.dumps(head, ensure_ascii=False).encode()) - 16
            text, size = "", 0
            while size < budget:
                text += sentence
                size += len(sentence.encode())
            cut = text[: max(1, int(len(text) * budget / size))] + f" #{i}"
            row = {**head, "response": cut}
            if not ids:
                del row["id"]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path.stat().st_size


def settle(workdir: Path) -> None:
    """Remove the previous run's files and flush dirty pages to disk, so that one run's
    write-back (hundreds of MB) does not slow down the next one."""
    for name in ("floor.db", "import-full.db"):
        for stale in workdir.glob(name + "*"):
            stale.unlink()
    os.sync()
    time.sleep(1)


def run_import(workdir: Path, data: Path, tag: str) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds) of `polyjudge import responses` on a fresh
    project."""
    db = workdir / f"import-{tag}.db"
    for stale in workdir.glob(f"import-{tag}.db*"):
        stale.unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["init"], ["import", "multijail", str(MULTIJAIL)]):
        subprocess.run(
            [sys.executable, "-m", "polyjudge", *args, "--db", str(db)],
            check=True,
            env=env,
            capture_output=True,
        )
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "polyjudge", "import", "responses", str(data), "--db", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {err or out}")
    print(f"  import ({tag}): {out.strip()}")
    # ru_maxrss is in KiB on Linux.
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def responses_ddl(workdir: Path) -> list[str]:
    """The `responses` table and its indexes exactly as a real project creates them."""
    sys.path.insert(0, str(REPO))
    from polyjudge.store import Project

    with Project.create(workdir / "schema.db") as project:
        rows = project.conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'responses' AND sql IS NOT NULL "
            "ORDER BY type DESC"  # the table before its indexes
        ).fetchall()
    # The floor has no prompts table: drop the foreign key clause, keep every column/index.
    return [r[0].replace(" REFERENCES prompts (id)", "") for r in rows]


def run_floor(workdir: Path, data: Path, ddl: list[str]) -> tuple[float, float]:
    """(seconds, CPU seconds) of the floor."""
    db = workdir / "floor.db"
    for stale in workdir.glob("floor.db*"):
        stale.unlink()
    conn = sqlite3.connect(str(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in ddl:
        conn.execute(statement)
    sql = (
        "INSERT OR IGNORE INTO responses (uid, prompt_id, language, model, text, content_hash, "
        "back_translation, source_file, created_at) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)"
    )
    start, cpu = time.perf_counter(), time.process_time()
    source, created = str(data), "2024-01-01T00:00:00.000Z"
    loads = json.loads
    conn.execute("BEGIN IMMEDIATE")
    with data.open("rb") as f:
        rows = (loads(line) for line in f)
        conn.executemany(
            sql,
            (
                (
                    r.get("id") or r["response"],
                    r["prompt_id"],
                    r["language"],
                    r["model"],
                    r["response"],
                    r.get("back_translation"),
                    source,
                    created,
                )
                for r in rows
            ),
        )
    conn.execute("COMMIT")
    conn.close()  # the import's time includes closing its project file, so this does too
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: temp)")
    parser.add_argument(
        "--without-ids",
        action="store_true",
        help="rows without `id`: the import hashes model, prompt, response and "
        "language into one (the floor uses the response text as its uid)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time floor and import this many times each, keep the fastest "
        "(the machine may be shared)",
    )
    args = parser.parse_args()
    n, small = args.n, max(1, args.n // 10)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        workdir = Path(tmp)
        data, data_small = workdir / "responses.jsonl", workdir / "responses-small.jsonl"
        size = generate(data, n, ids=not args.without_ids)
        generate(data_small, small, ids=not args.without_ids)
        print(f"{n:,} rows, {size / 1e6:,.0f} MB ({size / n:,.0f} B/row) in {data}")
        ddl = responses_ddl(workdir)
        small_s, small_rss, _ = run_import(workdir, data_small, "small")
        floors, imports = [], []
        for _ in range(max(1, args.repeat)):  # alternate, so that load hits both alike
            settle(workdir)
            floors.append(run_floor(workdir, data, ddl))
            settle(workdir)
            imports.append(run_import(workdir, data, "full"))
        floor_s, floor_cpu = min(floors)
        import_s, rss, import_cpu = min(imports)
        print(
            f"  floor (json.loads + executemany): {floor_s:.2f} s, {n / floor_s:,.0f} rows/s, "
            f"CPU {floor_cpu:.2f} s"
        )
        print(
            f"  import: {import_s:.2f} s, {n / import_s:,.0f} rows/s, CPU {import_cpu:.2f} s, "
            f"peak RSS {rss:.0f} MB "
            f"(N/10 = {small:,} rows: {small_s:.2f} s, peak RSS {small_rss:.0f} MB)"
        )
        ratio = import_s / floor_s
        print(
            f"  ratio import / floor: {ratio:.2f} (target <= 1.5); CPU time ratio "
            f"{import_cpu / floor_cpu:.2f} (less sensitive to a busy machine)"
        )
    print(
        json.dumps(
            {
                "n": n,
                "bytes": size,
                "ids": not args.without_ids,
                "import_s": round(import_s, 3),
                "floor_s": round(floor_s, 3),
                "ratio": round(ratio, 3),
                "cpu_ratio": round(import_cpu / floor_cpu, 3),
                "rows_per_s": round(n / import_s),
                "peak_rss_mb": round(rss, 1),
                "n_small": small,
                "peak_rss_mb_small": round(small_rss, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
