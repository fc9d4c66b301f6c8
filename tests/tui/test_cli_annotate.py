"""`polyjudge annotate` and `polyjudge demo` through the real entry point (no terminal needed:
these are the paths that stop before the app starts, and `demo --no-tui`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.options import comma_values
from polyjudge.store import Project

from tests.conftest import run_cli


def test_annotate_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_cli("annotate", "--db", str(tmp_path / "none.db"), "--annotator", "a")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "no project file" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "none.db").exists()


def test_annotate_with_no_responses_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Project.create(path).close()
    result = run_cli("annotate", "--db", str(path), "--annotator", "a")
    assert result.code == 1
    assert "no responses to annotate" in result.err and "import responses" in result.err


@pytest.mark.parametrize("args", [["--overlap", "0"], ["--guidelines", "missing.md"], []])
def test_annotate_usage_errors(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "p.db"
    Project.create(path).close()
    annotator = ["--annotator", "a"] if args else []
    result = run_cli("annotate", "--db", str(path), *annotator, *args)
    assert result.code == 2


def test_language_options_accept_repeats_and_commas() -> None:
    assert comma_values(("bn", "ar, th", "bn")) == ["bn", "ar", "th"]


def test_annotate_help_lists_the_keys() -> None:
    result = run_cli("annotate", "--help")
    assert result.code == 0
    for key in (
        "s/1 safe",
        "? unsure",
        "n note",
        "z undo",
        "/ filter",
        "g guidelines",
        "v invisible",
        "o open as HTML",
        "q quit",
    ):
        assert key in " ".join(result.out.split())


def test_demo_without_tui_builds_the_project_and_prints_its_status(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(path), "--no-tui")
    assert result.code == 0, result.err
    assert "Demo project built" in result.out and "responses" in result.out
    with Project.open(path) as project:
        responses = project.content.count("responses")
        assert responses > 0 and project.content.count("prompts") > 0
        languages = set(project.status()["by_language"])
    assert {"ar", "bn", "th", "zh"} <= languages
    again = run_cli("demo", "--db", str(path), "--no-tui")
    assert again.code == 0
    with Project.open(path) as project:
        assert project.content.count("responses") == responses


def test_key_option_builds_a_keymap_of_known_binding_ids() -> None:
    from polyjudge.commands.annotate import parse_keymap
    from polyjudge.store import PolyjudgeError

    labels = ("safe", "unsafe", "invalid")
    assert parse_keymap(("annotate.undo=backspace", "annotate.label.safe = a,1"), labels) == {
        "annotate.undo": "backspace",
        "annotate.label.safe": "a,1",
    }
    with pytest.raises(PolyjudgeError, match="unknown binding id 'annotate.undoo'"):
        parse_keymap(("annotate.undoo=k",), labels)
    with pytest.raises(PolyjudgeError, match="expected ID=KEY"):
        parse_keymap(("annotate.undo",), labels)


def test_a_bad_key_option_stops_before_the_app(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Project.create(path) as project:
        project.content.insert_responses([{"uid": "a", "language": "sw", "text": "jibu"}])
    result = run_cli("annotate", "--db", str(path), "--annotator", "a", "--key", "nope=x")
    assert result.code == 1 and "unknown binding id 'nope'" in result.err
