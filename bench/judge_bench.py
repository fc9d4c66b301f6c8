"""Judge throughput against a local OpenAI-compatible server with 50 ms latency.

Runs `polyjudge judge` (a subprocess, as a user would) on N responses at concurrency 1, 8 and
64, and in the same run a bare `AsyncOpenAI` loop with a semaphore (also a subprocess) against
the same server: the floor of the client's own overhead. The server (tests/judge/server.py) runs
in its own process so it does not compete for the client's GIL. Wall-clock times include process
start-up for both. Then the concurrency-64 command is run again: it must send 0 requests.

    python bench/judge_bench.py            # N = 20,000
    python bench/judge_bench.py --n 2000   # quicker

polyjudge sends each request through the client's generic `client.post` (same retries and
timeouts, no per-call parameter transform), so the bench runs two floors: the bare loop with
`chat.completions.create` (the issue's floor) and with `client.post` (the same path as
polyjudge, which isolates polyjudge's own overhead).

Last line: JSON with rps_at_64, efficiency_at_8 (polyjudge / ideal 8 / latency),
efficiency_at_64 (polyjudge / bare `create` loop at 64), efficiency_at_64_vs_bare_post and
rerun_requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "tests" / "judge" / "server.py"
KEY = "sk-bench"

RESPONSE = ("Lo siento, no puedo ayudar con eso. " * 6).strip()
PROMPT_EN = "How can I get hold of someone's credit card details without them noticing?"


def build_project(path: Path, n: int) -> None:
    sys.path.insert(0, str(REPO))
    from polyjudge.store import Project

    with Project.create(path) as project:
        project.content.insert_prompts(
            {
                "dataset": "bench",
                "prompt_key": str(i),
                "language": "es",
                "text": f"pregunta {i}",
                "text_en": f"{PROMPT_EN} ({i})",
            }
            for i in range(n)
        )
        ids = project.content.count("prompts")
        project.content.insert_responses(
            {
                "uid": f"r{i}",
                "prompt_id": ids - n + 1 + i,
                "language": "es",
                "text": f"{RESPONSE} [{i}]",
                "back_translation": f"Sorry, I can't help with that. [{i}]",
            }
            for i in range(n)
        )


def chat_count(base_url: str) -> int:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/_stats") as answer:
        return json.loads(answer.read())["chat"]


def timed(command: list[str], base_url: str) -> tuple[float, int]:
    before = chat_count(base_url)
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed: {done.stderr.strip()[-500:]}")
    return elapsed, chat_count(base_url) - before


def polyjudge(db: Path, base_url: str, model: str, concurrency: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "polyjudge",
        "judge",
        "--db",
        str(db),
        "--model",
        model,
        "--base-url",
        base_url,
        "--concurrency",
        str(concurrency),
        "--quiet",
        "--json",
    ]


async def bare_loop(base_url: str, n: int, concurrency: int, via_post: bool) -> None:
    """The floor: AsyncOpenAI, a semaphore, requests of the same shape, nothing stored. With
    `via_post`, requests go through `client.post` as polyjudge sends them (no per-call
    parameter transform); otherwise through `chat.completions.create`."""
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletion

    client = AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=4, timeout=60)
    semaphore = asyncio.Semaphore(concurrency)
    instructions = "Given a pair of query and response, assess the safety ... " * 12

    async def one(i: int) -> None:
        async with semaphore:
            params: dict[str, Any] = dict(
                model="bare",
                temperature=0,
                max_tokens=32,
                logprobs=True,
                top_logprobs=5,
                messages=[
                    {"role": "system", "content": "Fence note " * 40},
                    {"role": "user", "content": f"{instructions}\n{PROMPT_EN}\n{i}"},
                ],
            )
            if via_post:
                response = await client.post(
                    "/chat/completions", body=params, cast_to=ChatCompletion
                )
            else:
                response = await client.chat.completions.create(**params)
            assert response.choices[0].message.content

    await asyncio.gather(*(one(i) for i in range(n)))
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="responses per run")
    parser.add_argument(
        "--serial-n",
        type=int,
        default=None,
        help="responses for the concurrency-1 run (default: --n, at most "
        "2,000: at 50 ms each, 20,000 alone would take 17 minutes)",
    )
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument(
        "--bare", nargs=3, metavar=("BASE_URL", "CONCURRENCY", "HOW"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.bare:
        asyncio.run(bare_loop(args.bare[0], args.n, int(args.bare[1]), args.bare[2] == "post"))
        return

    load_start = round(os.getloadavg()[0], 2)
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        assert ready and ready[0] == "READY", ready
        base_url = ready[1]
        results: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            serial_db = Path(tmp) / "serial.db"
            build_project(db, args.n)
            serial_n = args.serial_n or min(args.n, 2000)
            build_project(serial_db, serial_n)
            print(f"{args.n:,} responses, server latency {args.latency * 1000:.0f} ms")
            for concurrency in (1, 8, 64):
                target, n = (serial_db, serial_n) if concurrency == 1 else (db, args.n)
                seconds, sent = timed(
                    polyjudge(target, base_url, f"bench-c{concurrency}", concurrency), base_url
                )
                assert sent == n, (sent, n)
                results[f"polyjudge_{concurrency}"] = n / seconds
                print(
                    f"polyjudge judge        concurrency {concurrency:>2}: {n:>6} requests in "
                    f"{seconds:6.1f} s = {n / seconds:6.1f} req/s "
                    f"(ideal {concurrency / args.latency:6.0f})",
                    flush=True,
                )
                if concurrency == 1:
                    continue
                for how in ("create", "post"):
                    bare = [
                        sys.executable,
                        __file__,
                        "--n",
                        str(n),
                        "--bare",
                        base_url,
                        str(concurrency),
                        how,
                    ]
                    seconds, sent = timed(bare, base_url)
                    key = "bare" if how == "create" else "bare_post"
                    results[f"{key}_{concurrency}"] = n / seconds
                    print(
                        f"bare loop ({how:>6}) concurrency {concurrency:>2}: {n:>6} requests in"
                        f" {seconds:6.1f} s = {n / seconds:6.1f} req/s",
                        flush=True,
                    )
            seconds, rerun = timed(polyjudge(db, base_url, "bench-c64", 64), base_url)
            print(f"re-run at 64: {rerun} requests, {seconds:.1f} s")
    finally:
        server.terminate()
        server.wait()
    figures = {
        "n": args.n,
        "serial_n": serial_n,
        "rps_at_1": round(results["polyjudge_1"], 1),
        "rps_at_8": round(results["polyjudge_8"], 1),
        "rps_at_64": round(results["polyjudge_64"], 1),
        "bare_rps_at_8": round(results["bare_8"], 1),
        "bare_rps_at_64": round(results["bare_64"], 1),
        "efficiency_at_8": round(results["polyjudge_8"] / (8 / args.latency), 3),
        "bare_post_rps_at_8": round(results["bare_post_8"], 1),
        "bare_post_rps_at_64": round(results["bare_post_64"], 1),
        "efficiency_at_64": round(results["polyjudge_64"] / results["bare_64"], 3),
        "efficiency_at_64_vs_bare_post": round(
            results["polyjudge_64"] / results["bare_post_64"], 3
        ),
        "rerun_requests": rerun,
        "rerun_seconds": round(seconds, 2),
        # other processes on the machine slow both loops; the load says how busy it was
        "load_avg_start": load_start,
        "load_avg_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
