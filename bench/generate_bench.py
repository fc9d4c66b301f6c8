"""`polyjudge generate` throughput against a local OpenAI-compatible server with 50 ms latency.

Runs `polyjudge generate` (a subprocess, as a user would) on N prompts in two scenarios at
concurrency 64; the server (tests/judge/server.py) runs in its own process. Wall-clock time
includes process start-up. Then the same command is run again: it must send 0 requests.

    python bench/generate_bench.py            # N = 5,000 prompts (10,000 responses)
    python bench/generate_bench.py --n 500    # quicker

Last line: JSON with responses, seconds, rps, efficiency_at_64 (rps / (64 / latency)) and
rerun_requests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "tests" / "judge" / "server.py"
LATENCY = 0.05
CONCURRENCY = 64


def build_project(path: Path, n: int) -> None:
    sys.path.insert(0, str(REPO))
    from polyjudge.store import Project

    with Project.create(path) as project:
        project.content.insert_prompts(
            {"dataset": "bench", "prompt_key": str(i), "language": "bn", "text": f"প্রশ্ন {i}"}
            for i in range(n)
        )


def chat_count(base_url: str) -> int:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/_stats") as answer:
        return int(json.loads(answer.read())["chat"])


def run(command: list[str], base_url: str) -> tuple[float, int]:
    before = chat_count(base_url)
    started = time.perf_counter()
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"generate failed: {done.stderr.strip()[-500:]}")
    return elapsed, chat_count(base_url) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--latency", str(LATENCY)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().split()[1]
        with tempfile.TemporaryDirectory() as tmp:
            db, template = Path(tmp) / "bench.db", Path(tmp) / "jb.txt"
            template.write_text("Roleplay. {prompt}", encoding="utf-8")
            build_project(db, args.n)
            command = [
                sys.executable, "-m", "polyjudge", "generate", "--db", str(db),
                "--model", "m", "--base-url", base_url, "--concurrency", str(CONCURRENCY),
                "--scenario", "unintentional", "--scenario", "intentional",
                "--template", str(template), "--quiet", "--json",
            ]  # fmt: skip
            seconds, requests = run(command, base_url)
            _, rerun = run(command, base_url)
    finally:
        server.terminate()
        server.wait()
    rps = requests / seconds
    print(f"{requests} responses in {seconds:.1f} s ({rps:.0f}/s); re-run: {rerun} requests")
    print(
        json.dumps(
            {
                "responses": requests,
                "seconds": round(seconds, 2),
                "rps": round(rps, 1),
                "efficiency_at_64": round(rps / (CONCURRENCY / LATENCY), 3),
                "rerun_requests": rerun,
            }
        )
    )


if __name__ == "__main__":
    main()
