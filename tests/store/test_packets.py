"""`project.packets` and `project.serving`: packets out and back, secret link tokens."""

from __future__ import annotations

from pathlib import Path

from polyjudge.store import PacketContents, PacketLabel, Project, merge_uid

from .conftest import Filled


def _row(packet_row: int, response_id: int, label: str | None, supersedes: int | None = None):
    return PacketLabel(
        id=packet_row, response_id=response_id, label=label, unsure=0, note=None,
        action="label", supersedes=supersedes, restores=None, viewed=None,
        guideline_version=None, time_ms=None, source="tui",
        created_at="2025-01-01T00:00:00.000Z",
    )  # fmt: skip


def test_copy_items_into_a_packet(filled: Filled, tmp_path: Path) -> None:
    with Project.create(tmp_path / "packet.db") as packet:
        assert filled.project.packets.copy_items_into(packet, [filled.r1, filled.r3]) == 2
        assert [r.uid for chunk in packet.content.gold_sources() for r in
                (s.response for s in chunk)] == ["r1", "r3"]  # fmt: skip
        assert packet.content.count("prompts") == 1 and packet.content.count("labels") == 0


def test_record_of_an_export(filled: Filled) -> None:
    project = filled.project
    packets = project.packets
    project.log_event("packet", annotator="old")  # an export that did not record its id
    project.log_event("packet", packet_id="pk1", annotator="ana", response_ids=[[1, 2]])
    record = packets.record("pk1")
    assert record is not None and record.annotator == "ana"
    assert record.response_ids == frozenset({1, 2})
    assert packets.record("pk2") is None
    assert packets.exported_unrecorded("old") and not packets.exported_unrecorded("ana")


def test_merging_labels_twice_adds_them_once(filled: Filled) -> None:
    project = filled.project
    contents = PacketContents(
        path="p.db",
        packet_id="pk1",
        annotator="newbie",
        response_ids=frozenset({filled.r1}),
        labels=(_row(1, filled.r1, "safe"), _row(2, filled.r1, "unsafe", supersedes=1)),
    )
    result = project.packets.merge_labels(contents)
    assert (result.added, result.already_merged, result.annotators) == (2, 0, ("newbie",))
    newbie = project.annotators.get("newbie")
    assert newbie is not None and newbie.role == "annotator"
    history = project.labels.history(filled.r1, newbie.id)
    assert [x.uid for x in history] == [merge_uid("pk1", 1), merge_uid("pk1", 2)]
    assert history[1].supersedes == history[0].id
    again = project.packets.merge_labels(contents)
    assert (again.added, again.already_merged) == (0, 2)


def test_serve_tokens(filled: Filled) -> None:
    serving = filled.project.serving
    first = serving.issue_token("ana")
    assert serving.token_owner(first).status == "ok"
    assert serving.token_owner(first).annotator == "ana"
    second = serving.issue_token("ana")  # revokes the first
    assert serving.token_owner(first).status == "revoked"
    assert serving.token_owner(second).status == "ok"
    assert serving.token_owner("guess").status == "unknown"
    link = serving.live_link("ana")
    assert link is not None and link.annotator == "ana"
    assert serving.revoke_tokens("ana") == 1 and serving.revoke_tokens("ana") == 0
    assert serving.live_link("ana") is None and serving.revoke_tokens("nobody") == 0
    assert [e["detail"]["action"] for e in filled.project.events("serve_link")] == [
        "issued",
        "issued",
        "revoked",
    ]
