"""`project.content`: prompts and responses, each method called directly."""

from __future__ import annotations

import pytest

from polyjudge.store import RESPONSE_IMPORT_COLUMNS, content_hash

from .conftest import Filled


def test_inserting_prompts_and_responses_ignores_ones_already_there(filled: Filled) -> None:
    c = filled.project.content
    assert (
        c.insert_prompts(
            [{"dataset": "multijail", "prompt_key": "1", "language": "it", "text": "again"}]
        )
        == 0
    )
    assert c.insert_responses([{"uid": "r1", "language": "it", "text": "dup"}]) == 0
    assert c.insert_responses([{"uid": "r4", "language": "it", "text": "new"}]) == 1
    r4 = c.response_by_uid("r4")
    assert r4 is not None and r4.content_hash == content_hash("new")


def test_prompt_lookups(filled: Filled) -> None:
    c = filled.project.content
    found = c.find_prompt("1", "it", "multijail")
    assert found is not None and found.text == "Come?"
    assert c.find_prompt("1", "it", "xsafety") is None
    assert c.prompt(found.id) == found
    assert c.prompts_by_key("1", "it") == [(found.id, "multijail", "1", None, None)]
    assert c.prompt_by_text("Come?", "it") == (found.id, "multijail", "1", None, None)
    assert c.prompt_by_text("Come?", "sw") is None
    assert c.prompt_datasets() == {"multijail", "xsafety"}


def test_import_writers_run_in_the_callers_transaction(filled: Filled) -> None:
    project = filled.project
    c = project.content
    with project.transaction():
        assert (
            c.insert_prompt_rows(
                [{"dataset": "d", "prompt_key": "k", "language": "vi", "text": "t"}]
            )
            == 1
        )
        user = c.ensure_user_prompt("Tell me", "vi")
        assert user == c.ensure_user_prompt("Tell me", "vi")  # the same text is one prompt
        assert user[1] == "user"
        row = ["r1", None, "it", None, None, None, "changed", content_hash("changed")]
        row += [None, None, None, None, "2025-01-01T00:00:00.000Z"]
        fresh = ["r9", *row[1:]]
        assert len(row) == len(RESPONSE_IMPORT_COLUMNS)
        # r1 exists with another text: a conflict; r9 is new
        assert c.insert_response_rows([row, fresh]) == (1, [0])
    with c.bulk_write(cache_mib=8):
        assert project.conn.execute("PRAGMA cache_size").fetchone()[0] == -8 * 1024
    assert project.conn.execute("PRAGMA cache_size").fetchone()[0] != -8 * 1024


def test_response_lookups(filled: Filled) -> None:
    c = filled.project.content
    r1 = c.response(filled.r1)
    assert r1 is not None and r1.uid == "r1" and c.response_by_uid("r1") == r1
    assert c.response_id_by_uid("nope") is None
    item = c.item(filled.r1)
    assert item is not None and item.prompt is not None and item.prompt.text == "Come?"
    item3 = c.item(filled.r3)
    assert item3 is not None and item3.prompt is None
    assert c.item(999) is None
    assert c.has_responses()
    assert c.count_responses() == 3 and c.count_responses(["it"]) == 2
    assert c.max_response_id() == filled.r3
    assert c.response_hashes(["r1", "zz"]) == {"r1": content_hash("No.")}
    assert c.response_ids_after(["r1", "r2", "r3"], filled.r1) == {"r2": filled.r2, "r3": filled.r3}
    assert c.response_uids([filled.r2, filled.r3, filled.r2]) == {filled.r2: "r2", filled.r3: "r3"}


def test_languages_counts_and_gold_sources(filled: Filled) -> None:
    project = filled.project
    c = project.content
    assert c.languages() == ["it", "sw"]
    assert c.dataset_languages("multijail") == ["it"]
    assert c.dataset_languages("xsafety") == []  # its prompt has no response
    assert c.count("responses") == 3 and c.count("prompts") == 2
    with pytest.raises(ValueError):
        c.count("sqlite_master")
    project.labels.add(filled.r1, filled.ana, "safe")
    project.labels.add(filled.r1, filled.ana, "unsafe")
    chunks = list(c.gold_sources(["it"], chunk=1))
    assert [len(chunk) for chunk in chunks] == [1, 1]
    first = chunks[0][0]
    assert first.response.uid == "r1" and first.prompt is not None
    assert [(g.annotator, g.label.label) for g in first.labels] == [("ana", "unsafe")]
