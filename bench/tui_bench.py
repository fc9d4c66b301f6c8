"""Annotate screen at scale: time to first item, next-item latency, peak RSS.

    python bench/tui_bench.py            # 1,000,000 responses (the build takes a minute or two)
    python bench/tui_bench.py --n 20000  # quicker

Builds an N-response project (10 languages, 3 models) with `Project.insert_responses`, then runs
the annotate screen headless (`App.run_test`) in a fresh process and measures:

- `first_item_s`: from creating the app until the first item is on screen;
- `next_p50_ms` / `next_p95_ms`: one key press that labels the item (written to SQLite) until
  the next item is on screen, over 200 presses;
- `arrow_p50_ms` / `arrow_p95_ms`: the same for `→` (move without labelling);
- `peak_rss_mb`: the measuring process's peak resident set size.

The last line printed is one JSON object of these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = {
    "en": "I cannot help with that request. If you are in danger, please contact local services.",
    "zh": "我不能帮助你做这件事。如果你处于危险之中，请联系当地的紧急服务。",
    "it": "Non posso aiutarti con questa richiesta. Se sei in pericolo, contatta i servizi locali.",
    "vi": "Tôi không thể giúp bạn với yêu cầu đó. Nếu bạn gặp nguy hiểm, hãy liên hệ dịch vụ.",
    "ar": "لا أستطيع المساعدة في هذا الطلب. إذا كنت في خطر، يرجى الاتصال بالخدمات المحلية.",
    "ko": "그 요청은 도와드릴 수 없습니다. 위험에 처해 있다면 지역 긴급 서비스에 연락하세요.",
    "th": "ฉันไม่สามารถช่วยเรื่องนี้ได้ หากคุณตกอยู่ในอันตราย โปรดติดต่อหน่วยงานท้องถิ่น",
    "bn": "আমি এই অনুরোধে সাহায্য করতে পারি না। আপনি বিপদে থাকলে স্থানীয় জরুরি পরিষেবায় যোগাযোগ করুন।",
    "sw": "Siwezi kusaidia na ombi hilo. Ikiwa uko hatarini, tafadhali wasiliana na huduma.",
    "jv": "Aku ora bisa mbantu panjalukan kuwi. Yen sampeyan ana ing bebaya, hubungi layanan.",
}
BACK = "I can't help with that request. If you are in danger, please contact local services."
MODELS = ("model-a", "model-b", "model-c")
PROMPTS_PER_LANGUAGE = 315


def build(path: Path, n: int) -> float:
    """Create the project file with `n` responses; returns seconds taken."""
    from polyjudge.store import Project

    started = time.perf_counter()
    languages = list(SAMPLES)
    with Project.create(path) as project:
        project.insert_prompts(
            {
                "dataset": "bench",
                "prompt_key": str(key),
                "language": language,
                "text": f"{SAMPLES[language][:40]} ({key})",
                "text_en": f"English source prompt {key}",
                "category": ("Violence", "Fraud", "Hate speech")[key % 3],
            }
            for language in languages
            for key in range(PROMPTS_PER_LANGUAGE)
        )
        prompt_ids = {
            (p.language, int(p.prompt_key)): p.id
            for p in (
                project.find_prompt(str(key), language, "bench")
                for language in languages
                for key in range(PROMPTS_PER_LANGUAGE)
            )
            if p is not None
        }

        def rows():
            for i in range(n):
                language = languages[i % len(languages)]
                key = (i // len(languages)) % PROMPTS_PER_LANGUAGE
                text = f"{SAMPLES[language]} ({i})\n\n" + SAMPLES[language] * 3
                yield {
                    "uid": f"bench-{i:07d}",
                    "prompt_id": prompt_ids[(language, key)],
                    "language": language,
                    "model": MODELS[i % len(MODELS)],
                    "text": text,
                    "back_translation": f"{BACK} ({i})",
                    "bt_engine": "bench",
                }

        project.insert_responses(rows())
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(path: Path, presses: int) -> dict[str, float]:
    from polyjudge.tui.annotate_screen import AnnotateScreen
    from polyjudge.tui.app import PolyjudgeApp

    started = time.perf_counter()
    # A new annotator each run, so that a reused file starts from an empty queue for them.
    app = PolyjudgeApp(path, "annotate", {"annotator": f"bench-{time.time_ns()}"})
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        while not (isinstance(screen, AnnotateScreen) and screen.displayed_id is not None):
            await pilot.pause(0.001)
            screen = app.screen
        first_item_s = time.perf_counter() - started

        async def timed(key: str) -> list[float]:
            out = []
            for _ in range(presses):
                before = screen.displayed_id
                t0 = time.perf_counter()
                await pilot.press(key)
                while screen.displayed_id == before:
                    await pilot.pause(0)
                await pilot.pause(0)  # let the refresh it triggered run
                out.append((time.perf_counter() - t0) * 1000)
            return out

        label_ms = await timed("s")
        arrow_ms = await timed("right")
        await app.workers.wait_for_complete()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    return {
        "first_item_s": round(first_item_s, 3),
        "next_p50_ms": round(statistics.median(label_ms), 2),
        "next_p95_ms": round(p95(label_ms), 2),
        "arrow_p50_ms": round(statistics.median(arrow_ms), 2),
        "arrow_p95_ms": round(p95(arrow_ms), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="responses in the project")
    parser.add_argument("--presses", type=int, default=200, help="key presses timed per kind")
    parser.add_argument("--db", type=Path, default=None,
                        help="build the project here (reused when it has N responses)")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure is not None:  # the child process: measure only
        print(json.dumps(asyncio.run(_measure(args.measure, args.presses))))
        return

    from polyjudge.store import Project

    with tempfile.TemporaryDirectory(prefix="polyjudge-bench-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        reuse = False
        if path.exists():
            with Project.open(path) as project:
                reuse = project.count("responses") == args.n
            if not reuse:
                raise SystemExit(f"{path}: holds another project size; remove it or pick another")
        if reuse:
            print(f"reusing {path} ({args.n:,} responses)")
        else:
            seconds = build(path, args.n)
            size_mb = path.stat().st_size / 1e6
            print(f"built {args.n:,} responses in {seconds:.1f} s ({size_mb:,.0f} MB)")
        # Measure in a fresh process so that the build's memory is not counted.
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), "--presses", str(args.presses)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            raise SystemExit(f"measuring failed (exit {child.returncode})")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        figures["n"] = args.n
        print(
            f"first item {figures['first_item_s']:.3f} s · label+next p50 "
            f"{figures['next_p50_ms']:.1f} ms, p95 {figures['next_p95_ms']:.1f} ms · "
            f"→ p50 {figures['arrow_p50_ms']:.1f} ms, p95 {figures['arrow_p95_ms']:.1f} ms · "
            f"peak RSS {figures['peak_rss_mb']:.0f} MB"
        )
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
