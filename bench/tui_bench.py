"""Annotate screen at scale: time to first item, next-item latency, peak RSS.

    python bench/tui_bench.py            # 1,000,000 responses (the build takes a minute or two)
    python bench/tui_bench.py --n 20000  # quicker
    python bench/tui_bench.py --overlap 2  # with an overlap: every item shown is claimed
    python bench/tui_bench.py --reader   # with the browser reader on, followed by a poller

Builds an N-response project (10 languages, 3 models) with `Project.insert_responses`, then runs
the real `polyjudge annotate` in a pseudo-terminal (the Linux driver, writing real escape
sequences), types keys into it and reads its output back:

- `first_item_s`: from starting the process (Python start-up and imports included) until the
  first item's id arrives on the terminal;
- `next_p50_ms` / `next_p95_ms`: from writing the key that labels the item (the label is
  committed to SQLite) until the next item's id arrives on the terminal, over 200 presses;
- `arrow_p50_ms` / `arrow_p95_ms`: the same for `→` (move without labelling);
- `cpu_per_label_ms` / `cpu_per_arrow_ms`: CPU time the process spent per press (from /proc;
  unlike the latencies, it does not grow when other programs load the machine);
- `peak_rss_mb`: the annotate process's peak resident set size;
- with `--reader`: `reader_updates`, how many items a client long-polling the reader's JSON
  (as the page does) received while the keys were pressed.

The last line printed is one JSON object of these figures.

Last measured (2-core machine, idle; `python bench/tui_bench.py --db /tmp/1m.db [--reader]`,
the file built once and reused):

    {"first_item_s": 1.147, "next_p50_ms": 16.15, "next_p95_ms": 25.23, "arrow_p95_ms": 20.88,
     "cpu_per_label_ms": 21.8, "peak_rss_mb": 53.7, "n": 1000000}
    --reader: {"first_item_s": 1.262, "next_p50_ms": 16.9, "next_p95_ms": 25.18,
     "cpu_per_label_ms": 22.6, "reader_updates": 401, ...}

Before (same machine, idle, same command): first item 1.81 s, next p50 31.2 ms, p95 52.8 ms,
CPU per label 39.4 ms. What changed: a changing pane title and a prompt area whose height
followed each prompt both made Textual redraw whole panes on every item; the progress count
probed gold items per response (350 ms per count at 1M); and Textual's 60 frames a second
left a key waiting up to 17 ms for its frame (now 120, `tui/__init__.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
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
        project.content.insert_prompts(
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
                project.content.find_prompt(str(key), language, "bench")
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

        project.content.insert_responses(rows())
    return time.perf_counter() - started


class Terminal:
    """The real `polyjudge annotate` in a pseudo-terminal of its own: keys are written to it,
    and the screen's output is read back as the bytes a terminal would get."""

    def __init__(
        self,
        path: Path,
        annotator: str,
        extra: tuple[str, ...] = (),
        cols: int = 140,
        rows: int = 40,
    ) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size its terminal, then become polyjudge
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.environ["TERM"] = "xterm-256color"
            os.execv(
                sys.executable,
                [
                    sys.executable,
                    "-m",
                    "polyjudge",
                    "annotate",
                    "--db",
                    str(path),
                    "--annotator",
                    annotator,
                    *extra,
                ],
            )
        self.pid, self.fd = pid, fd
        self.buffer = b""
        self.head = b""  # the first output, where the reader's link is printed

    def wait_for(self, needle: bytes, timeout: float = 30) -> float:
        """Read output until `needle` appears in what was read since the last call; returns the
        time it arrived. The buffer is then cleared."""
        deadline = time.perf_counter() + timeout
        while needle not in self.buffer:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{needle!r} did not appear on screen")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                self.buffer += chunk
                if len(self.head) < 1 << 16:
                    self.head += chunk
        arrived = time.perf_counter()
        self.buffer = b""
        return arrived

    def cpu_seconds(self) -> float:
        """CPU time the annotate process has used so far (Linux /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def press(self, key: bytes) -> float:
        self.buffer = b""
        sent = time.perf_counter()
        os.write(self.fd, key)
        return sent

    def quit(self) -> int:
        """Press q, drain the output and return the child's peak RSS in kilobytes."""
        os.write(self.fd, b"q")
        while True:
            try:
                if not os.read(self.fd, 1 << 16):
                    break
            except OSError:  # the child closed the terminal
                break
        _, status, usage = os.wait4(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"polyjudge annotate exited with status {status}")
        return usage.ru_maxrss


def first_open(path: Path, overlap: int | None) -> int:
    """The number of the first item a new annotator is offered: 0, unless earlier runs on a
    reused file have closed the first items under the overlap."""
    from polyjudge.store import Project

    with Project.open(path) as project:
        (first,) = project.queue.open_ids(-1, overlap=overlap, limit=1)  # -1: a new annotator
        response = project.content.response(first)
    assert response is not None
    return int(response.uid.removeprefix("bench-"))


class ReaderPoller:
    """Long-polls the reader's JSON as the browser page does, counting the items received."""

    def __init__(self, url: str) -> None:
        import threading

        self.url, self.updates, self.stopped = url, 0, False
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self) -> None:
        import urllib.request

        version = -1
        while not self.stopped:
            try:
                with urllib.request.urlopen(f"{self.url}item.json?after={version}") as answer:
                    seen = json.loads(answer.read())["version"]
            except OSError:
                return  # the app (and its reader) has exited
            if seen != version:
                self.updates += 1
                version = seen


def measure(
    path: Path, presses: int, extra: tuple[str, ...] = (), start: int = 0
) -> dict[str, float]:
    # A new annotator each run, so that a reused file starts from an empty queue for them.
    terminal = Terminal(path, f"bench-{time.time_ns()}", extra)
    uid = "bench-{:07d}".format
    first = terminal.wait_for(uid(start).encode())
    first_item_s = first - terminal.started
    poller = None
    if "--reader" in extra:
        import re

        found = re.search(rb"Reader \(open in a browser\): (http://\S+/)", terminal.head)
        if found is None:
            raise SystemExit("the reader's link was not printed")
        poller = ReaderPoller(found[1].decode())

    cpu_ms: dict[str, float] = {}

    def timed(key: bytes, start: int, name: str) -> list[float]:
        out = []
        cpu = terminal.cpu_seconds()
        for i in range(start, start + presses):
            time.sleep(0.02)  # let the previous frame's follow-up work (progress count) settle
            sent = terminal.press(key)
            out.append((terminal.wait_for(uid(i + 1).encode()) - sent) * 1000)
        cpu_ms[name] = (terminal.cpu_seconds() - cpu) * 1000 / presses
        return out

    label_ms = timed(b"s", start, "label")
    arrow_ms = timed(b"\x1b[C", start + presses, "arrow")
    peak_kb = terminal.quit()
    reader_figures = {}
    if poller is not None:
        poller.stopped = True
        reader_figures["reader_updates"] = poller.updates

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    return {
        "first_item_s": round(first_item_s, 3),
        "next_p50_ms": round(statistics.median(label_ms), 2),
        "next_p95_ms": round(p95(label_ms), 2),
        "arrow_p50_ms": round(statistics.median(arrow_ms), 2),
        "arrow_p95_ms": round(p95(arrow_ms), 2),
        "cpu_per_label_ms": round(cpu_ms["label"], 1),
        "cpu_per_arrow_ms": round(cpu_ms["arrow"], 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        **reader_figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="responses in the project")
    parser.add_argument("--presses", type=int, default=200, help="key presses timed per kind")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="build the project here (reused when it has N responses)",
    )
    parser.add_argument(
        "--overlap",
        type=int,
        default=None,
        help="annotate with --overlap K (each item shown is then claimed)",
    )
    parser.add_argument(
        "--reader", action="store_true", help="annotate with --reader, its JSON long-polled"
    )
    args = parser.parse_args()
    # Each press must bring a next item: the label presses, then the arrow presses, walk
    # 2·presses items past the first.
    if args.n <= 2 * args.presses:
        parser.error(
            f"--n must exceed 2 × --presses ({2 * args.presses}): each press times the next item"
        )
    extra: tuple[str, ...] = ("--overlap", str(args.overlap)) if args.overlap else ()
    if args.reader:
        extra += ("--reader",)

    from polyjudge.store import Project

    with tempfile.TemporaryDirectory(prefix="polyjudge-bench-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        reuse = False
        if path.exists():
            with Project.open(path) as project:
                reuse = project.content.count("responses") == args.n
            if not reuse:
                raise SystemExit(f"{path}: holds another project size; remove it or pick another")
        if reuse:
            print(f"reusing {path} ({args.n:,} responses)")
        else:
            seconds = build(path, args.n)
            size_mb = path.stat().st_size / 1e6
            print(f"built {args.n:,} responses in {seconds:.1f} s ({size_mb:,.0f} MB)")
        start = first_open(path, args.overlap)
        if start + 2 * args.presses >= args.n:
            raise SystemExit(
                f"{path}: earlier runs closed the first {start:,} items; "
                f"{args.n - start:,} are left for {2 * args.presses} presses (use a new --db)"
            )
        figures: dict[str, float] = {**measure(path, args.presses, extra, start), "n": args.n}
        if args.overlap:
            figures["overlap"] = args.overlap
        if args.reader:
            figures["reader"] = 1
        print(
            f"first item {figures['first_item_s']:.3f} s · label+next p50 "
            f"{figures['next_p50_ms']:.1f} ms, p95 {figures['next_p95_ms']:.1f} ms · "
            f"→ p50 {figures['arrow_p50_ms']:.1f} ms, p95 {figures['arrow_p95_ms']:.1f} ms · "
            f"CPU per label {figures['cpu_per_label_ms']:.1f} ms · "
            f"peak RSS {figures['peak_rss_mb']:.0f} MB"
        )
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
