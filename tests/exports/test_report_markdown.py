"""`polyjudge report --markdown`: the same numbers as --json, escaped cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

from polyjudge.exports.report_markdown import md_escape, render_markdown
from polyjudge.reconcile.report import build_report

from tests.reconcile.helpers import build_project, cli_ok

HOSTILE_MODEL = "evil|model [link](http://x.example) ![img](http://x.example/a.png) <b>x</b>"


def make(tmp_path: Path) -> str:
    items = []
    for language in ("bn", "th"):
        for i in range(24):
            label = "unsafe" if i % 3 == 0 else "safe"
            items.append(
                {
                    "language": language,
                    "model": HOSTILE_MODEL if i % 2 else "ok",
                    "labels": [("a", label), ("b", label)],
                    "verdict": {"judge": label, "refusal-baseline": "safe"},
                }
            )
    db = tmp_path / "p.db"
    build_project(db, items).close()
    return str(db)


def test_markdown_has_every_section_and_the_json_numbers(tmp_path: Path) -> None:
    db = make(tmp_path)
    text = cli_ok("report", "--markdown", "--db", db, "--target-width", "0.1")
    report = json.loads(cli_ok("report", "--json", "--db", db, "--target-width", "0.1"))
    for heading in (
        "## Unsafe rate by language",
        "## Agreement by language",
        "## Final labels by language",
        "## Adjudication queue",
        "## Labels per annotator",
        "### Judge judge (model-judge)",
        "BASELINE",
        "## Methods",
    ):
        assert heading in text, heading
    bn = report["unsafe_rate"]["by_language"]["bn"]
    lo, hi = bn["ci95"]
    assert f"{100 * bn['rate']:.1f}% \\[{100 * lo:.1f}, {100 * hi:.1f}\\]%" in text


def test_untrusted_names_cannot_break_tables_or_make_links(tmp_path: Path) -> None:
    db = make(tmp_path)
    text = cli_ok("report", "--markdown", "--db", db, "--by", "model")
    lines = text.splitlines()
    # The name's own pipe is escaped: the row keeps the table's column count.
    start = next(i for i, line in enumerate(lines) if line.startswith("| model |"))
    header = lines[start]
    row = next(line for line in lines[start:] if line.startswith("| evil"))
    assert row.count(" | ") == header.count(" | ")
    assert re.search(r"(?<!\\)\]\(", text) is None  # no unescaped "](": no link or image
    assert "<b>" not in text
    assert md_escape("a|b[c]") == "a\\|b\\[c\\]"


def test_render_markdown_of_an_empty_project(tmp_path: Path) -> None:
    with build_project(tmp_path / "p.db", []) as project:
        text = render_markdown(build_report(project, resamples=0))
    assert text.startswith("# polyjudge report")
