"""A failed command registers nobody: annotate, adjudicate and import labels that stop with an
error after (or while) registering a person leave no new annotator row behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.store import Project

from tests.conftest import run_cli


def _names(path: Path) -> list[str]:
    with Project.open(path) as project:
        return [a.name for a in project.annotators.all()]


@pytest.fixture
def project_db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    with Project.create(path) as project:
        project.content.insert_responses(
            [
                {"uid": "a", "language": "sw", "text": "jibu"},
                {"uid": "b", "language": "sw", "text": "jibu 2"},
            ]
        )
        project.annotators.ensure("known")
    return path


def test_annotate_with_no_responses_registers_nobody(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Project.create(path).close()
    result = run_cli("annotate", "--db", str(path), "--annotator", "newcomer")
    assert result.code == 1 and "no responses" in result.err
    assert _names(path) == []


def test_annotate_with_a_bad_key_or_sample_registers_nobody(project_db: Path) -> None:
    bad_key = run_cli("annotate", "--db", str(project_db), "--annotator", "x", "--key", "no=x")
    assert bad_key.code == 1 and "unknown binding id" in bad_key.err
    bad_sample = run_cli(
        "annotate", "--db", str(project_db), "--annotator", "y", "--sample", "nope"
    )
    assert bad_sample.code == 1
    assert _names(project_db) == ["known"]


def test_adjudicate_with_an_unknown_item_registers_nobody(project_db: Path) -> None:
    result = run_cli(
        "adjudicate", "--db", str(project_db), "--adjudicator", "lead", "--item", "zzz"
    )
    assert result.code == 1 and "no response 'zzz'" in result.err
    assert _names(project_db) == ["known"]


def test_a_known_annotator_is_kept_when_the_command_fails(project_db: Path) -> None:
    result = run_cli("adjudicate", "--db", str(project_db), "--adjudicator", "known", "--item", "q")
    assert result.code == 1
    assert _names(project_db) == ["known"]


def test_import_labels_with_a_bad_row_registers_nobody(project_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "labels.jsonl"
    source.write_text(
        '{"uid": "a", "annotator": "importee", "label": "safe"}\n'
        '{"uid": "b", "annotator": "importee", "label": "not-a-label"}\n',
        encoding="utf-8",
    )
    result = run_cli("import", "labels", str(source), "--db", str(project_db))
    assert result.code == 1
    assert _names(project_db) == ["known"]


def test_the_guard_undoes_only_who_it_registered(project_db: Path) -> None:
    """What `serve` (and annotate, adjudicate) run under: names new on entry are removed when
    the block fails, with the links issued for them; a clean exit keeps them."""
    from polyjudge.options import registers_nobody_on_failure

    with (
        pytest.raises(RuntimeError),
        registers_nobody_on_failure(project_db, ["remote", "known"]),
        Project.open(project_db) as project,
    ):
        project.serving.issue_token("remote")
        project.serving.issue_token("known")
        raise RuntimeError("the port was taken meanwhile")
    assert _names(project_db) == ["known"]
    with Project.open(project_db) as project:
        assert project.serving.live_link("remote") is None
        assert project.serving.live_link("known") is not None
    with (
        pytest.raises(SystemExit),
        registers_nobody_on_failure(project_db, ["stays"]),
        Project.open(project_db) as project,
    ):
        project.annotators.ensure("stays")
        raise SystemExit(0)
    assert _names(project_db) == ["known", "stays"]
