"""How long `polyjudge report` takes on a large project.

    python bench/report_bench.py            # 100,000 items × 3 annotators, 1,000 resamples
    python bench/report_bench.py --n 5000   # smaller

Builds a project in a temporary directory (items in 10 languages and 2 models, 3 annotators
labelling every item with some noise, one judge run), then times `polyjudge report --json` as a
user runs it (a fresh process; the headline `report_s`) and `build_report` in-process. Target:
report_s ≤ 5 s at 100,000 items. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from polyjudge.store import Project

LANGUAGES = ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv")
LABELS = ("safe", "unsafe", "invalid")


def build(path: Path, n: int, annotators: int, seed: int = 1) -> float:
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with Project.create(path) as project:
        project.content.insert_responses(
            {
                "uid": f"r{i}",
                "language": LANGUAGES[i % len(LANGUAGES)],
                "model": ("model-a", "model-b")[(i // len(LANGUAGES)) % 2],
                "text": f"response {i}",
            }
            for i in range(n)
        )
        ids = list(range(1, n + 1))
        truth = rng.choice(3, size=n, p=[0.75, 0.2, 0.05])
        names = [project.annotators.ensure(f"annotator-{k}").id for k in range(annotators)]
        with project.transaction():
            for k, annotator in enumerate(names):
                noise = rng.random(n) < 0.1
                other = rng.choice(3, size=n)
                labels = np.where(noise, other, truth)
                unsure = rng.random(n) < 0.01
                for rid, label, u in zip(ids, labels.tolist(), unsure.tolist(), strict=True):
                    project.labels.add(
                        rid,
                        annotator,
                        LABELS[label],
                        unsure=u,
                        source="bench",
                        created_at=f"2026-01-0{k + 1}T00:00:00Z",
                    )
        judge = np.where(rng.random(n) < 0.85, truth, rng.choice(3, size=n))
        judge_labels = [LABELS[x] if rng.random() > 0.02 else "unparsed" for x in judge]
        project.judging.add_verdict_rows(
            "bench-judge", "bench-model", zip(ids, judge_labels, strict=True)
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="items")
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        setup_s = build(db, args.n, args.annotators)
        print(f"setup: {args.n:,} items × {args.annotators} annotators in {setup_s:.1f} s")

        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "polyjudge",
                "report",
                "--json",
                "--db",
                str(db),
                "--bootstrap",
                str(args.resamples),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        report_s = time.perf_counter() - start
        report = json.loads(result.stdout)
        print(f"polyjudge report --json (fresh process): {report_s:.2f} s")

        from polyjudge.reconcile.report import build_report

        with Project.open(db) as project:
            start = time.perf_counter()
            build_report(project, resamples=args.resamples)
            inproc_s = time.perf_counter() - start
        print(f"build_report in-process: {inproc_s:.2f} s")
        alpha = report["agreement"]["overall"]["alpha"]
        print(
            json.dumps(
                {
                    "items": args.n,
                    "annotators": args.annotators,
                    "resamples": args.resamples,
                    "report_s": round(report_s, 3),
                    "build_report_s": round(inproc_s, 3),
                    "setup_s": round(setup_s, 1),
                    "alpha": alpha,
                }
            )
        )


if __name__ == "__main__":
    main()
