"""Two processes write to one project file at once: a big `import responses` (one long
transaction) and an annotator appending labels one by one. Afterwards every row of both is
there, and neither failed with "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from polyjudge.demo import data_file
from polyjudge.importers.multijail import import_multijail
from polyjudge.importers.responses import import_responses
from polyjudge.store import Project

REPO = Path(__file__).resolve().parent.parent.parent
ROWS = 20_000

LABELLER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from polyjudge.store import Project

    db, done = sys.argv[1], Path(sys.argv[2])
    labels = ("safe", "unsafe", "invalid")
    with Project.open(db) as p:
        ids = [p.content.response_by_uid(f"seed-{i}").id for i in range(20)]
        annotator = p.annotators.ensure("concurrent").id
        n, extra = 0, 0
        while extra < 20:          # keep going until the import is over, then 20 more
            if done.exists():
                extra += 1
            label = p.labels.add(ids[n % len(ids)], annotator, labels[n % 3],
                                uid=f"loop-{n}", source="test")
            print(label.uid, flush=True)
            n += 1
            time.sleep(0.005)
""")


def test_import_and_labelling_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    seed = tmp_path / "seed.jsonl"
    seed.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"seed-{i}",
                    "prompt_id": f"multijail:{i}",
                    "language": "sw",
                    "model": "m",
                    "response": f"Jibu {i}",
                }
            )
            + "\n"
            for i in range(20)
        )
    )
    with Project.create(db) as p:
        import_multijail(p, data_file("MultiJail.csv"))
        import_responses(p, seed)
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:
        for i in range(ROWS):
            f.write(
                json.dumps(
                    {
                        "id": f"big-{i}",
                        "prompt_id": f"multijail:{i % 315}",
                        "language": "th",
                        "model": "m",
                        "response": f"คำตอบที่ {i} " * 20,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    done = tmp_path / "import-done"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    errors = tmp_path / "labeller.err"
    with errors.open("w") as stderr:
        labeller = subprocess.Popen(
            [sys.executable, "-c", LABELLER, str(db), str(done)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    assert labeller.stdout is not None
    first = labeller.stdout.readline()  # the labeller is writing before the import starts
    assert first.startswith("loop-"), errors.read_text()
    importer = subprocess.run(
        [sys.executable, "-m", "polyjudge", "import", "responses", str(big), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    done.touch()
    # Read the rest through the same text stream as `first`: `communicate()` reads the pipe's
    # descriptor and would lose lines `readline()` had already buffered (seen under load).
    out = labeller.stdout.read()
    labeller.wait(timeout=300)
    err = errors.read_text()
    assert importer.returncode == 0, importer.stderr
    assert labeller.returncode == 0, err
    assert "locked" not in importer.stderr + err
    written = [first.strip()] + out.split()
    with Project.open(db) as p:
        assert p.content.count("responses") == 20 + ROWS
        assert p.content.response_by_uid(f"big-{ROWS - 1}") is not None
        stored = {r[0] for r in p.conn.execute("SELECT uid FROM labels WHERE source = 'test'")}
        assert stored == set(written) and len(written) >= 21
        assert p.events("import")[-1]["detail"]["inserted"] == ROWS


def test_opening_the_project_again_in_a_process_that_holds_it_keeps_its_wal(
    tmp_path: Path,
) -> None:
    # A process holds the project open (the annotate screen) and opens it once more (the TUI
    # and `serve` do, in workers); then another process opens and closes it (a `status`).
    # Every label the first process writes afterwards must reach the others. Closing any other
    # descriptor of the file in the first process, even one that only read its header, drops its
    # POSIX locks: the other process then deleted the WAL under the open connection, and later
    # labels were seen by nobody else.
    db = tmp_path / "p.db"
    with Project.create(db) as project:
        project.content.insert_prompts(
            [{"dataset": "t", "prompt_key": "k", "language": "bn", "text": "p"}]
        )
        prompt = project.content.find_prompt("k", "bn")
        project.content.insert_responses(
            [{"uid": "u", "prompt_id": prompt.id, "language": "bn", "model": "m", "text": "r"}]
        )
    holder = Project.open(db)
    try:
        me = holder.annotators.ensure("ana").id
        item = holder.content.response_by_uid("u").id
        Project.open(db).close()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys\nfrom polyjudge.store import Project\n"
                "Project.open(sys.argv[1]).close()",
                str(db),
            ],
            check=True,
        )
        assert db.with_name("p.db-wal").exists()
        holder.labels.add(item, me, "unsafe", uid="after", source="test")
        seen = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys\nfrom polyjudge.store import Project\n"
                "with Project.open(sys.argv[1]) as p: print(p.content.count('labels'))",
                str(db),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert seen.strip() == "1"
    finally:
        holder.close()
