"""Where one project file stops being comfortable: file size and the speed of everyday work as
a project grows to millions of responses.

    python bench/scale_bench.py                 # 100k, 1M and 3M responses (needs ~10 GB disk)
    python bench/scale_bench.py --n 20000       # 20k, 200k, 600k
    python bench/scale_bench.py --n 5000 --sizes 1   # just 5k

For each size N it builds a project in a temporary directory — N responses in 10 languages and
10 models, realistic text lengths (a response and its back-translation around 1 KB together),
one judge verdict per response, a human sample of 10% labelled by two annotators, 1% of it
adjudicated — and measures, each in a fresh process where a user would have one:

- `file_mb`: the project file's size after a checkpoint;
- `status_s`: `polyjudge status --json` (a fresh process, start-up included);
- `report_s`: `polyjudge report --json` (a fresh process, 1,000 bootstrap resamples);
- `label_ms_p50` / `label_ms_p99`: one label written and committed (as the TUI does on a key),
  200 labels on random items;
- `page_ms`: the annotate screen's next page of 20 open items for an annotator;
- `export_s` / `export_rows_per_s`: `polyjudge export gold` to JSONL (a fresh process);
- `build_s`: building the project (not a user-facing figure).

The last printed line is one JSON object with the figures per size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from polyjudge.store import Project

LANGUAGES = ("zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv", "en")
MODELS = tuple(f"model-{k}" for k in range(10))
LABELS = ("safe", "unsafe", "invalid")
# A few words per script, to make text of realistic byte length (UTF-8) per language.
WORDS = {
    "zh": "我 不能 帮助 你 这个 请求 因为 它 可能 造成 伤害 安全",
    "ar": "لا أستطيع المساعدة في هذا الطلب لأنه قد يسبب ضررا",
    "ko": "저는 이 요청을 도와드릴 수 없습니다 위험할 수 있기 때문입니다",
    "th": "ฉัน ไม่ สามารถ ช่วย เรื่อง นี้ ได้ เพราะ อาจ เป็น อันตราย",
    "bn": "আমি এই অনুরোধে সাহায্য করতে পারব না কারণ এটি ক্ষতিকর হতে পারে",
}
LATIN = "i cannot help with this request because it could cause harm to people safely"
BATCH = 20_000


def text(rng: random.Random, language: str, length: int) -> str:
    words = WORDS.get(language, LATIN).split(" ")
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(words)
        out.append(word)
        size += len(word.encode("utf-8")) + 1
    return " ".join(out)


def build(path: Path, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    start = time.perf_counter()
    per_language = max(1, n // (len(LANGUAGES) * len(MODELS)))
    with Project.create(path) as project:
        project.content.insert_prompts(
            {
                "dataset": "bench",
                "prompt_key": str(k),
                "language": language,
                "text": text(rng, language, 120),
                "category": f"cat-{k % 14}",
                "source": "bench",
                "license": "MIT",
            }
            for language in LANGUAGES
            for k in range(per_language)
        )
        prompt_ids = {
            (p["language"], p["prompt_key"]): p["id"]
            for p in project.db["prompts"].rows_where(select="id, language, prompt_key")
        }
        done = 0
        while done < n:
            rows = []
            for i in range(done, min(n, done + BATCH)):
                language = LANGUAGES[i % len(LANGUAGES)]
                key = str((i // len(LANGUAGES)) % per_language)
                rows.append(
                    {
                        "uid": f"r{i}",
                        "prompt_id": prompt_ids[(language, key)],
                        "language": language,
                        "model": MODELS[(i // 7) % len(MODELS)],
                        "text": text(rng, language, rng.randint(300, 900)),
                        "back_translation": text(rng, "en", rng.randint(200, 500)),
                        "bt_engine": "bench-mt",
                    }
                )
            project.content.insert_responses(rows)
            done += len(rows)
        verdicts = ((rid, rng.choice(LABELS)) for rid in range(1, n + 1))
        project.judging.add_verdict_rows("bench-judge", "bench-model", verdicts)
        sample = rng.sample(range(1, n + 1), max(1, n // 10))
        names = [project.annotators.ensure(f"annotator-{k}").id for k in range(2)]
        adjudicator = project.annotators.ensure("adjudicator", role="adjudicator").id
        with project.transaction():
            for rid in sample:
                truth = rng.choice(LABELS)
                for annotator in names:
                    label = truth if rng.random() < 0.85 else rng.choice(LABELS)
                    project.labels.add(
                        rid,
                        annotator,
                        label,
                        time_ms=rng.randint(2000, 20000),
                        viewed="both",
                        source="bench",
                    )
            for rid in sample[: max(1, n // 100)]:
                project.adjudications.add(rid, adjudicator, rng.choice(LABELS), "bench")
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def timed_cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "polyjudge", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def label_latency(path: Path, n: int, samples: int = 200) -> tuple[float, float]:
    rng = random.Random(11)
    times = []
    with Project.open(path) as project:
        annotator = project.annotators.ensure("latency-probe").id
        for _ in range(samples):
            rid = rng.randint(1, n)
            start = time.perf_counter()
            project.labels.add(rid, annotator, rng.choice(LABELS), time_ms=1000, viewed="both")
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def page_latency(path: Path) -> float:
    from polyjudge.store import QueueFilter

    with Project.open(path) as project:
        annotator = project.annotators.ensure("annotator-0").id
        flt = QueueFilter(languages=("bn",))
        best = float("inf")
        after = 0
        for _ in range(5):
            start = time.perf_counter()
            page = project.queue.open_ids(annotator, flt, after=after, limit=20)
            best = min(best, (time.perf_counter() - start) * 1000)
            after = page[-1] if page else 0
    return best


def measure(directory: Path, n: int) -> dict[str, Any]:
    path = directory / f"scale-{n}.db"
    build_s = build(path, n)
    figures: dict[str, Any] = {"responses": n, "build_s": round(build_s, 1)}
    figures["file_mb"] = round(path.stat().st_size / 1e6, 1)
    figures["status_s"] = round(timed_cli("status", "--json", "--db", str(path)), 2)
    figures["report_s"] = round(timed_cli("report", "--json", "--db", str(path)), 2)
    p50, p99 = label_latency(path, n)
    figures["label_ms_p50"], figures["label_ms_p99"] = round(p50, 2), round(p99, 2)
    figures["page_ms"] = round(page_latency(path), 2)
    out = directory / f"gold-{n}.jsonl"
    export_s = timed_cli("export", "gold", "--db", str(path), "--out", str(out), "--force")
    figures["export_s"] = round(export_s, 1)
    figures["export_rows_per_s"] = round(n / export_s)
    figures["export_mb"] = round(out.stat().st_size / 1e6, 1)
    for leftover in directory.iterdir():
        leftover.unlink()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="the smallest project's size")
    parser.add_argument(
        "--sizes", type=int, default=3, help="how many sizes: N, 10N, 30N (default 3)"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to build (default: a temporary directory)"
    )
    args = parser.parse_args()
    sizes = [args.n, 10 * args.n, 30 * args.n][: max(1, args.sizes)]
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in sizes:
            figures = measure(Path(tmp), n)
            results.append(figures)
            print(json.dumps(figures), flush=True)
    print(json.dumps({"sizes": results, "cpu_count": os.cpu_count()}))


if __name__ == "__main__":
    main()
