"""Faults on the annotate screen: SIGKILL after every key, and 8 annotators during an import.

    python bench/fault_bench.py              # N = 200 for both parts
    python bench/fault_bench.py --n 50       # quicker
    python bench/fault_bench.py --part kill  # only (a); --part concurrent: only (b)

(a) `kill`: the real `polyjudge annotate` runs in tmux (a server of its own, `-L`). For each of
N key presses the screen is started, the bench waits for its item, presses a label key (every
fifth time it types a note instead, confirmed before any label), and SIGKILLs the process:
every other time as soon as the screen acknowledges ("saved … for <uid>", or the note's
"[note waits for a label]"), otherwise right after the key is sent, reading what the screen
said last from the dead pane. Then, from the file: `acknowledged` (labels and notes the screen
said were saved), `stored` (labels in the file), `lost` (acknowledged, not in the file, counting
notes neither on a label nor in a draft) and `duplicated` (items with more than one label row
although their key was pressed once).

(b) `concurrent`: 8 annotator processes label N items each with `--overlap K` (default 2)
while `polyjudge import responses` runs again and again in another process (one write
transaction per import, holding the lock for seconds). The annotators drive the annotate
screen's own session object (`tui.annotate_session.AnnotationSession`: the code every key of
the screen runs, with its write queue and journal; no terminal drawing) with real
connections. Reported: `lost` (labels acknowledged, saved or durably queued, that are not in
the file at the end, other than those refused as full), `locked_errors` (a "file is busy"
error reaching a key), `over_k` (items with more than K annotators), `max_key_to_ack_ms` (the
longest key: from the call to its return, when the screen can say "saved" or "saving…"),
`refused_full` (labels refused because K others had the item, said on screen),
`queued_behind_lock` (labels acknowledged as "saving…": durable in the journal, written later).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from tests.tmux import Tmux  # noqa: E402  (a real terminal, as the tests drive it)

COLS, ROWS = 160, 40
LABEL_KEY, LABEL = "s", "safe"


def make_project(path: Path, items: int) -> None:
    from polyjudge.store import Project

    with Project.create(path) as project:
        project.content.insert_prompts(
            [
                {
                    "dataset": "bench",
                    "prompt_key": "p",
                    "language": "sw",
                    "text": "Swali",
                    "text_en": "Question",
                    "category": "Theft",
                }
            ]
        )
        prompt = project.content.find_prompt("p", "sw", "bench")
        assert prompt is not None
        project.content.insert_responses(
            {
                "uid": f"k-{i:05d}",
                "prompt_id": prompt.id,
                "language": "sw",
                "model": "m",
                "text": f"Jibu {i}",
                "back_translation": f"Answer {i}",
                "bt_engine": "bench",
            }
            for i in range(items)
        )


# -- (a) SIGKILL after every key -------------------------------------------------------------


def poll(condition: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)


def shown_uid(screen: str) -> str | None:
    found = re.match(r"\s*(k-\d{5})\s", screen.splitlines()[0] if screen else "")
    return found.group(1) if found else None


def kill_part(n: int) -> dict[str, int]:
    from polyjudge.store import Project

    with tempfile.TemporaryDirectory(prefix="polyjudge-fault-") as tmp:
        path = Path(tmp) / "kill.db"
        make_project(path, n + 5)
        command = [
            sys.executable,
            "-m",
            "polyjudge",
            "annotate",
            "--db",
            str(path),
            "--annotator",
            "kim",
        ]
        tmux = Tmux("polyjudge-fault")
        tmux.start(["sleep", "100000"], cols=COLS, rows=ROWS)
        # A killed screen's pane stays, dead, with what it said last (read below).
        tmux.run("set-option", "-g", "remain-on-exit", "on")
        acked_labels: set[str] = set()
        acked_notes: dict[str, str] = {}
        try:
            for i in range(n):
                pid = tmux.respawn(command)
                try:
                    uid = poll(lambda: shown_uid(tmux.screen()), "the item")
                except TimeoutError:
                    raise TimeoutError(f"press {i}: no item on screen:\n{tmux.screen()}") from None
                note = i % 5 == 4
                if note:
                    text = f"note {i}"
                    tmux.keys("n")
                    poll(lambda: "Note for this item" in tmux.screen(), "the note box")
                    tmux.keys("-l", text)
                    tmux.keys("Enter")
                    ack = "[note waits for a label]"
                else:
                    tmux.keys(LABEL_KEY)
                    ack = f"saved {LABEL} for {uid}"
                if i % 2 == 0:
                    poll(lambda ack=ack: ack in tmux.screen(), "the acknowledgement")
                os.kill(pid, signal.SIGKILL)
                poll(tmux.dead, "the kill")
                if ack in tmux.screen():
                    if note:
                        acked_notes[uid] = text
                    else:
                        acked_labels.add(uid)
        finally:
            tmux.kill()
        # One more session replays whatever a killed one left queued (none expected here:
        # nothing held the lock), then quits.
        with Project.open(path) as project:
            from polyjudge.tui.annotate_session import AnnotationSession, Options

            session = AnnotationSession(project, Options(annotator="kim"))
            session.start()
            session.writes.wait_empty(60)
            session.release()
            who = project.annotators.get("kim")
            assert who is not None
            rows = project.conn.execute(
                "SELECT r.uid, l.label, l.note, l.action FROM labels l JOIN responses r"
                " ON r.id = l.response_id WHERE l.annotator_id = ? ORDER BY l.id",
                (who.id,),
            ).fetchall()
            drafts = {
                project.content.response(rid).uid: note  # type: ignore[union-attr]
                for rid, (note, _) in project.drafts.for_annotator(who.id).items()
            }
        stored = {uid for uid, label, _, _ in rows if label is not None}
        notes = {uid: note for uid, _, note, _ in rows if note} | {
            uid: note for uid, note in drafts.items() if note
        }
        per_item: dict[str, int] = {}
        for uid, _, _, action in rows:
            if action == "label":
                per_item[uid] = per_item.get(uid, 0) + 1
        lost = len(acked_labels - stored) + sum(
            1 for uid, text in acked_notes.items() if notes.get(uid) != text
        )
        return {
            "acknowledged": len(acked_labels) + len(acked_notes),
            "acknowledged_notes": len(acked_notes),
            "stored": len(stored),
            "lost": lost,
            "duplicated": sum(1 for count in per_item.values() if count > 1),
        }


# -- (b) 8 annotators during an import ---------------------------------------------------------


def annotator(
    path: str, name: str, n: int, overlap: int, think_ms: float, go: Any, out: Any
) -> None:
    from polyjudge.store import ItemFull, Project, ProjectBusy, QueueFilter
    from polyjudge.tui.annotate_session import QUEUED, AnnotationSession, Options

    refused_late: list[int] = []
    with Project.open(path) as project:
        session = AnnotationSession(
            project, Options(annotator=name, overlap=overlap, filter=QueueFilter(), no_sample=True)
        )
        session.writes.on_written = lambda write, row, error: (
            refused_late.append(write.response_id) if error is not None else None
        )
        go.wait(120)
        session.start()
        acked: list[int] = []
        refused, locked, queued, slowest = 0, 0, 0, 0.0
        for _ in range(n):
            if session.item is None:
                break
            rid = session.item.response.id
            started = time.perf_counter()
            try:
                state, _ = session.label(LABEL, "both")
                acked.append(rid)
                queued += state == QUEUED
            except ItemFull:
                refused += 1
                session.advance()
            except ProjectBusy:
                locked += 1
            slowest = max(slowest, (time.perf_counter() - started) * 1000)
            time.sleep(think_ms / 1000)
        session.writes.wait_empty(600)
        session.release()
    out.put(
        {
            "name": name,
            "acked": acked,
            "refused": refused + len(refused_late),
            "refused_late": refused_late,
            "locked": locked,
            "queued": queued,
            "max_ms": slowest,
        }
    )


def importer(path: str, data: Path, stop: Any, out: Any) -> None:
    """`polyjudge import responses` again and again (each a new file of new rows)."""
    runs, k = 0, 0
    while not stop.is_set():
        chunk = data.with_name(f"chunk-{k}.jsonl")
        chunk.write_text(
            data.read_text(encoding="utf-8").replace('"id": "r', f'"id": "b{k}r'), encoding="utf-8"
        )
        subprocess.run(
            [sys.executable, "-m", "polyjudge", "import", "responses", str(chunk), "--db", path],
            check=True,
            capture_output=True,
        )
        chunk.unlink()
        runs, k = runs + 1, k + 1
    out.put(runs)


def concurrent_part(
    n: int, overlap: int, import_rows: int, think_ms: float, annotators: int = 8
) -> dict[str, Any]:
    from import_bench import MULTIJAIL, generate

    from polyjudge.store import Project

    with tempfile.TemporaryDirectory(prefix="polyjudge-fault-") as tmp:
        path = Path(tmp) / "concurrent.db"
        items = annotators * n // overlap + n
        make_project(path, items)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "polyjudge",
                "import",
                "multijail",
                str(MULTIJAIL),
                "--db",
                str(path),
            ],
            check=True,
            capture_output=True,
        )
        data = Path(tmp) / "import.jsonl"
        generate(data, import_rows)
        ctx = multiprocessing.get_context("spawn")
        go, stop, out, imports = ctx.Event(), ctx.Event(), ctx.Queue(), ctx.Queue()
        workers = [
            ctx.Process(
                target=annotator, args=(str(path), f"ann{i}", n, overlap, think_ms, go, out)
            )
            for i in range(annotators)
        ]
        for worker in workers:
            worker.start()
        loader = ctx.Process(target=importer, args=(str(path), data, stop, imports))
        loader.start()
        time.sleep(1.0)  # let the first import take the lock
        started = time.perf_counter()
        go.set()
        results = [out.get(timeout=3600) for _ in workers]
        elapsed = time.perf_counter() - started
        stop.set()
        import_runs = imports.get(timeout=3600)
        for process in (*workers, loader):
            process.join(60)
        with Project.open(path) as project:
            per_item = {rid: len(project.labels.current_for(rid)) for rid in range(1, items + 1)}
            names = {a.name: a.id for a in project.annotators.all()}
            stored = {
                (a_id, rid)
                for rid, a_id in project.conn.execute(
                    "SELECT response_id, annotator_id FROM labels WHERE label IS NOT NULL"
                )
            }
        lost = 0
        for result in results:
            me = names[result["name"]]
            late = set(result["refused_late"])
            lost += sum(1 for rid in result["acked"] if rid not in late and (me, rid) not in stored)
        return {
            "annotators": annotators,
            "labels_pressed": sum(
                len(r["acked"]) + r["refused"] - len(r["refused_late"]) for r in results
            ),
            "labels_stored": sum(per_item.values()),
            "lost": lost,
            "locked_errors": sum(r["locked"] for r in results),
            "over_k": sum(1 for count in per_item.values() if count > overlap),
            "refused_full": sum(r["refused"] for r in results),
            "queued_behind_lock": sum(r["queued"] for r in results),
            "max_key_to_ack_ms": round(max(r["max_ms"] for r in results), 1),
            "imports_during_run": import_runs,
            "run_s": round(elapsed, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--n", type=int, default=200, help="key presses (a) and labels per annotator (b)"
    )
    parser.add_argument("--part", choices=("kill", "concurrent", "both"), default="both")
    parser.add_argument("--overlap", type=int, default=2, help="K for part (b)")
    parser.add_argument(
        "--import-rows", type=int, default=50_000, help="rows per `polyjudge import` in part (b)"
    )
    parser.add_argument(
        "--think-ms", type=float, default=50, help="pause between an annotator's keys in part (b)"
    )
    args = parser.parse_args()
    figures: dict[str, Any] = {"n": args.n}
    if args.part in ("kill", "both"):
        if shutil.which("tmux") is None:
            raise SystemExit("part (a) needs tmux")
        kill = kill_part(args.n)
        print(f"(a) SIGKILL after each of {args.n} keys: {json.dumps(kill)}", flush=True)
        figures.update(kill)
    if args.part in ("concurrent", "both"):
        concurrent = concurrent_part(args.n, args.overlap, args.import_rows, args.think_ms)
        print(
            f"(b) 8 annotators during imports, --overlap {args.overlap}: {json.dumps(concurrent)}",
            flush=True,
        )
        figures.update(
            {"overlap": args.overlap, **{k: v for k, v in concurrent.items() if k != "lost"}}
        )
        figures["lost"] = figures.get("lost", 0) + concurrent["lost"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
