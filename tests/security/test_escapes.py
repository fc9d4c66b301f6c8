"""The escape corpus through every output: CLI messages, error lines, click's usage errors,
`merge`, `judge` (summary, progress, --json), `report` (terminal, Markdown, HTML, --json),
`status`, `sample --json`, the gold exports (CSV formulas, JSONL data) and the annotate screen
in a real terminal (tmux). What reaches a terminal holds no raw control or bidi character, and
the attack stays visible as tokens; JSON gives back the data exactly; CSV cells cannot run as
formulas unless `--raw-csv`."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.table import Table
from rich.text import Text

from polyjudge.safe_console import SafeConsole
from polyjudge.safe_text import json_text, terminal_text
from polyjudge.store import Project

from tests.conftest import REPO, run_cli
from tests.judge.conftest import KEY, build_project
from tests.judge.server import FakeOpenAI, Reply
from tests.security.escape_corpus import (
    ALL,
    CORPUS,
    VISIBLE,
    assert_terminal_safe,
    file_name,
    raw_characters,
)
from tests.tui.conftest import add_items

NAME = "ann\x1b]0;PWNED-TITLE\x07\x9b2J\u202eeman\u200b[bold]x"  # an annotator
NAME_SHOWN = ("␛]0;PWNED-TITLE␇", "⟨U+009B⟩2J", "⟨U+202E⟩eman⟨U+200B⟩[bold]x")
LANGUAGE = "x\x1b]0;LANG\x07"
MODEL = "m\x1b]52;c;UFdORUQ=\x07\u202eledom"
FORMULAS = {
    "=": CORPUS["formula"],
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
    "'": "'quoted",
}


def hostile_project(path: Path) -> Path:
    """Items whose every text is the corpus, labelled by a hostile annotator and by bob."""
    with Project.create(path) as project:
        items = [
            (
                f"h-{i}",
                LANGUAGE if i % 2 else "bn",
                f"{ALL} prompt {i}",
                ALL,
                f"{ALL} response {i}",
                ALL,
            )
            for i in range(4)
        ]
        items.append(("h-formula", "bn", FORMULAS["+"], FORMULAS["@"], FORMULAS["="], ALL))
        ids = add_items(project, items, model=MODEL, category=CORPUS["osc52_clipboard"])
        hostile, bob = project.annotators.ensure(NAME), project.annotators.ensure("bob")
        for n, rid in enumerate(ids):
            project.labels.add(rid, hostile.id, "unsafe", note=ALL)
            project.labels.add(rid, bob.id, "unsafe" if n % 2 else "safe")
    return path


def strings(value: object) -> set[str]:
    """Every string (key or value) inside a JSON document."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings(v)}
    return set()


def responses_file(path: Path) -> Path:
    rows = [
        {
            "id": f"r{i}",
            "prompt": f"prompt {i}",
            "language": "vi",
            "model": "m",
            "response": f"response {i}",
        }
        for i in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# -- the sanitisers themselves --------------------------------------------------------------


@settings(deadline=None, max_examples=200, derandomize=True)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from([*ALL, "\U000e0041", "\U000e0100", "\u2028", "\u3164", "ক", "\n"]),
            st.characters(codec="utf-8"),
        )
    )
)
def test_terminal_text_and_json_text_leave_nothing_raw(text: str) -> None:
    assert raw_characters(terminal_text(text)) == []
    dumped = json_text({"k": text, "n": [-0.5, 1]}, indent=2)
    assert raw_characters(dumped) == [] and "\u2028" not in dumped
    assert json.loads(dumped) == {"k": text, "n": [-0.5, 1]}


def test_safe_console_renders_hostile_cells_as_tokens_keeping_its_own_styles() -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="standard", width=200)
    table = Table("who", "what")
    table.add_row(Text(NAME, style="bold"), Text(ALL))
    console.print(table)
    console.print(ALL)  # a plain string: no markup, no hyperlink
    text = out.getvalue()
    styles = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours, from our styles only
    assert styles.search(text)
    # A Text built from raw text has lost BEL, BS and CR (rich drops them); ESC, C1 and bidi
    # still arrive, and the console shows them as tokens. A plain string keeps them all.
    assert_terminal_safe(
        styles.sub("", text),
        "ann␛]0;PWNED-TITLE⟨U+009B⟩2J",
        "␛]52;c;",
        "[link=https://evil.example]x[/link]",
        "ring␇",
        "harmless␍EVIL",
    )


def test_csv_cells_neutralise_text_formulas_but_not_numbers() -> None:
    from polyjudge.exports.formats import csv_cell, neutralise_formula

    counts: Counter[str] = Counter()
    for trigger, text in FORMULAS.items():
        assert csv_cell("response", text, counts) == "'" + text, trigger
        assert neutralise_formula(text)[1:] == text  # one leading ' removed gives it back
    assert csv_cell("response", "I can't help", counts) == "I can't help"
    assert csv_cell("score", -0.5, counts) == -0.5 and csv_cell("n", 3, counts) == 3
    assert csv_cell("response", "=1", None) == "=1"  # --raw-csv
    assert counts == Counter({"response": len(FORMULAS)})


# -- CLI messages and errors ----------------------------------------------------------------


def test_import_message_names_a_hostile_file_safely(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    Project.create(db).close()
    path = responses_file(tmp_path / file_name("resp"))
    result = run_cli("import", "responses", "--db", str(db), str(path))
    assert result.code == 0, result.err
    assert "3 new" in result.out
    assert_terminal_safe(
        result.out + result.err,
        "␛]0;PWNED-TITLE␇",
        "␛]52;c;",
        "⟨U+009B⟩2J",
        "⟨U+202E⟩txt.exe",
        "harmless␍EVIL",
    )


def test_error_lines_name_a_hostile_file_safely(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    Project.create(db).close()
    bad = tmp_path / file_name("bad")
    bad.write_text(
        '{"response": "x", "language": "vi", "model": "m", "prompt": "p"}\n{oops\n',
        encoding="utf-8",
    )
    missing = tmp_path / file_name("missing")
    forged = tmp_path / "two\nError: forged second line.jsonl"  # does not exist
    for path in (bad, missing, forged):
        result = run_cli("import", "responses", "--db", str(db), str(path))
        assert result.code == 1 and result.out == ""
        assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
        assert_terminal_safe(
            result.err, *(() if path == forged else ("␛]0;PWNED-TITLE␇", "⟨U+202E⟩txt.exe"))
        )
    assert "two␊Error: forged second line" in result.err


def test_click_usage_errors_echo_a_hostile_argument_safely(tmp_path: Path) -> None:
    guidelines = tmp_path / file_name("guide", ".md")  # does not exist: click names it
    for args in (
        ["init", "--db", str(tmp_path / "p.db"), "--guidelines", str(guidelines)],
        [
            "export",
            "gold",
            "--db",
            str(tmp_path / "p.db"),
            "--out",
            "x.csv",
            "--format",
            CORPUS["osc0_title"] + CORPUS["rlo"],
        ],
        ["status", CORPUS["osc52_clipboard"]],
    ):
        result = run_cli(*args)
        assert result.code == 2, result.err
        assert "Error:" in result.err
        assert_terminal_safe(result.err)
        assert "PWNED-TITLE" in result.err or "UFdORUQt" in result.err  # named, not hidden


def test_init_status_and_status_json_with_a_hostile_project_path(tmp_path: Path) -> None:
    db = hostile_project(tmp_path / file_name("proj", ".db"))
    result = run_cli("init", "--db", str(db))
    assert result.code == 0, result.err
    assert_terminal_safe(result.out, "␛]0;PWNED-TITLE␇", "⟨U+202E⟩txt.exe")
    table = run_cli("status", "--db", str(db))
    assert table.code == 0, table.err
    assert_terminal_safe(table.out)
    as_json = run_cli("status", "--db", str(db), "--json")
    assert as_json.code == 0, as_json.err
    assert_terminal_safe(as_json.out, "\\u001b]0;PWNED-TITLE\\u0007", "\\u202e")
    data = json.loads(as_json.out)
    assert LANGUAGE in data["by_language"]
    assert NAME in [who["annotator"] for who in data["by_annotator"]]


def test_merge_names_a_hostile_annotator_safely(tmp_path: Path) -> None:
    db = tmp_path / "main.db"
    with Project.create(db) as project:
        add_items(
            project,
            [(f"m-{i}", "bn", f"prompt {i}", None, f"response {i}", None) for i in range(3)],
        )
    packet = tmp_path / "packet.db"
    made = run_cli("export", "packet", "--db", str(db), "--annotator", NAME, "--out", str(packet))
    assert made.code == 0, made.err
    assert_terminal_safe(made.out, *NAME_SHOWN)
    with Project.open(packet) as p:
        who = p.annotators.ensure(NAME)
        for n in range(1, 3):
            p.labels.add(n, who.id, "unsafe")
    merged = run_cli("merge", "--db", str(db), str(packet))
    assert merged.code == 0, merged.err
    assert "Merged 2 label rows" in merged.out
    assert_terminal_safe(merged.out + merged.err, *NAME_SHOWN)
    with Project.open(db) as project:
        assert project.annotators.get(NAME) is not None  # the data keeps the real name


def test_judge_summary_progress_and_json_with_a_hostile_model(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    db = build_project(tmp_path / "j.db", n=3)
    fake.behavior = lambda request: Reply("safe", None)
    base = ["judge", "--db", str(db), "--base-url", fake.base_url]
    result = run_cli(
        *base, "--model", MODEL + "\x1b]0;PWNED-TITLE\x07", env={"OPENAI_API_KEY": KEY}
    )
    assert result.code == 0, result.err
    assert "3 selected" in result.out
    assert_terminal_safe(
        result.out + result.err, "␛]52;c;UFdORUQ=␇", "⟨U+202E⟩ledom", "␛]0;PWNED-TITLE␇"
    )
    as_json = run_cli(*base, "--model", MODEL, "--json", "--quiet", env={"OPENAI_API_KEY": KEY})
    assert as_json.code == 0, as_json.err
    assert_terminal_safe(as_json.out, "\\u001b]52;c;UFdORUQ=\\u0007\\u202eledom")
    assert json.loads(as_json.out)["run"].startswith(MODEL + "/")


# -- reports --------------------------------------------------------------------------------


def test_report_terminal_markdown_html_and_json(tmp_path: Path) -> None:
    db = hostile_project(tmp_path / "r.db")
    terminal = run_cli("report", "--db", str(db), "--bootstrap", "50")
    assert terminal.code == 0, terminal.err
    assert_terminal_safe(terminal.out + terminal.err, "␛]0;LANG␇")
    markdown = run_cli("report", "--db", str(db), "--bootstrap", "50", "--markdown")
    assert markdown.code == 0, markdown.err
    assert_terminal_safe(markdown.out, "x␛\\]0;LANG␇")  # Markdown escapes the bracket
    html = tmp_path / file_name("report", ".html")
    written = run_cli("report", "--db", str(db), "--bootstrap", "50", "--html", str(html))
    assert written.code == 0, written.err
    assert_terminal_safe(written.out, "␛]0;PWNED-TITLE␇")
    assert raw_characters(html.read_text(encoding="utf-8")) == []
    as_json = run_cli("report", "--db", str(db), "--bootstrap", "50", "--json")
    assert as_json.code == 0, as_json.err
    assert_terminal_safe(as_json.out, "\\u001b]0;LANG\\u0007")
    assert LANGUAGE in strings(json.loads(as_json.out))  # the data, unchanged


def test_sample_json_escapes_the_strata(tmp_path: Path) -> None:
    db = hostile_project(tmp_path / "s.db")
    result = run_cli("sample", "--db", str(db), "--per-language", "1", "--json")
    assert result.code == 0, result.err
    assert_terminal_safe(result.out, "\\u001b]0;LANG\\u0007")
    assert LANGUAGE in strings(json.loads(result.out))
    table = run_cli("sample", "--db", str(db), "--per-language", "1", "--seed", "1")
    assert table.code == 0, table.err
    assert_terminal_safe(table.out, "␛]0;LANG␇")


# -- exports --------------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_gold_csv_neutralises_formulas_and_jsonl_keeps_the_data(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    db = hostile_project(tmp_path / "e.db")
    out = tmp_path / "gold.csv"
    result = run_cli("export", "gold", "--db", str(db), "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    assert_terminal_safe(result.out, "neutralised against formula injection")
    row = next(r for r in _csv_rows(out) if r["uid"] == "h-formula")
    assert row["response"] == "'" + FORMULAS["="]
    assert row["prompt"] == "'" + FORMULAS["+"] and row["prompt_en"] == "'" + FORMULAS["@"]
    assert row["model"] == MODEL  # no trigger: as it is, escapes and all (it is data)
    frame = pandas.read_csv(out, dtype=str, keep_default_na=False)
    for column in frame.columns:
        cells = [c for c in frame[column] if c]
        assert not [c for c in cells if c[0] in "=+-@\t\r"], column
    assert json.loads(row["human_labels"])[0]["note"] == ALL
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Spreadsheet safety (CSV)" in card and "`prompt` 1" in card
    assert "`response` 1" in card and "CSV_Injection" in card

    raw = tmp_path / "raw" / "gold.csv"
    result = run_cli(
        "export", "gold", "--db", str(db), "--format", "csv", "--out", str(raw), "--raw-csv"
    )
    assert result.code == 0, result.err
    assert "--raw-csv" in result.out
    row = next(r for r in _csv_rows(raw) if r["uid"] == "h-formula")
    assert row["response"] == FORMULAS["="] and row["prompt"] == FORMULAS["+"]
    assert "NOT neutralised" not in card
    assert "with `--raw-csv`" in (raw.parent / "README.md").read_text(encoding="utf-8")

    jsonl = tmp_path / "jl" / "gold.jsonl"
    result = run_cli("export", "gold", "--db", str(db), "--out", str(jsonl))
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    formula = next(r for r in rows if r["uid"] == "h-formula")
    assert formula["response"] == FORMULAS["="] and formula["model"] == MODEL
    refused = run_cli(
        "export", "gold", "--db", str(db), "--out", str(jsonl), "--force", "--raw-csv"
    )
    assert refused.code == 2 and "--raw-csv applies to --format csv only" in refused.err


# -- the annotate screen and the CLI after it, in a real terminal ---------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="tmux")
def test_annotate_then_cli_in_a_real_terminal_keep_the_pane_clean(tmp_path: Path) -> None:
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.tmux import Tmux

    db = hostile_project(tmp_path / file_name("tui", ".db"))
    python = shlex.join(
        [
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            f"PYTHONPATH={REPO}",
            "TERM=xterm-256color",
            sys.executable,
            "-m",
            "polyjudge",
        ]
    )
    who = "tui" + NAME  # has labelled nothing yet
    # `read` holds the commands until set-clipboard is on: then an OSC 52 that got through
    # would leave a paste buffer (and an OSC 0 a pane title), which the test looks for.
    script = (
        f"read go; {python} annotate --db {shlex.quote(str(db))}"
        f" --annotator {shlex.quote(who)}"
        f" && {python} init --db {shlex.quote(str(db))}"
        f" && {python} status --db {shlex.quote(str(db))}"
    )
    tmux = Tmux()
    try:
        tmux.start(["sh", "-c", script])
        tmux.run("set-option", "-s", "set-clipboard", "on")
        tmux.keys("Enter")
        title_before = tmux.title()
        tmux.wait_for_text("[bold]Sure![/bold]")
        screen = tmux.wait_for_text("␛]0;PWNED-TITLE␇")
        assert "␛]52;c;UFdORUQtQ0xJUA==␇" in screen
        tmux.keys("q")
        tmux.wait(tmux.exited, "the commands to end")
        history = tmux.history()
        assert tmux.exit_status() == "0", history
        assert "Updated" in history and "␛]0;PWNED-TITLE␇" in history.split("Updated", 1)[1]
        # Nothing reached the terminal as an escape: no title, no clipboard buffer (OSC 52 with
        # set-clipboard on makes one), and the pane holds only tmux's own colour attributes.
        assert tmux.title() == title_before and "PWNED" not in tmux.title()
        assert tmux.run("list-buffers") == ""
        cells = tmux.run("capture-pane", "-p", "-e", "-J", "-S", "-200", "-t", "t")
        leftover = re.sub(r"\x1b\[[0-9;:]*m", "", cells)
        assert raw_characters(leftover) == [], leftover
        for token in VISIBLE[:2]:
            assert token in leftover
    finally:
        tmux.kill()


def test_progress_bar_on_a_terminal_shows_a_hostile_run_name_as_tokens() -> None:
    from polyjudge.judge.progress import RunProgress

    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="standard", width=400)
    with RunProgress(f"judge {MODEL}{ALL}", 4, console=console) as progress:
        progress.advance(4)
    text = out.getvalue()
    # rich's own cursor and colour sequences are CSI (ESC [); nothing else may reach the pane
    assert "\x1b[" in text  # it did draw as on a terminal
    own = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")
    assert_terminal_safe(
        own,
        "␛]52;c;UFdORUQ=␇⟨U+202E⟩ledom",
        "␛]0;PWNED-TITLE␇",
        "[link=https://evil.example]x[/link]",
    )
