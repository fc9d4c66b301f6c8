"""`project.claims`: items held on screen or in a packet."""

from __future__ import annotations

from .conftest import Filled


def test_take_release_and_held_ids(filled: Filled) -> None:
    claims = filled.project.claims
    assert claims.take(filled.ana, filled.r1, overlap=1)
    assert claims.held_ids(filled.ana) == [filled.r1]
    # ana holds r1: with --overlap 1 it is not open for ben
    assert not claims.take(filled.ben, filled.r1, overlap=1)
    assert filled.project.queue.open_ids(filled.ben, overlap=1) == [filled.r2, filled.r3]
    # moving on releases the item left
    assert claims.take(filled.ana, filled.r2, overlap=1, release=filled.r1)
    assert claims.held_ids(filled.ana) == [filled.r2]
    assert claims.take(filled.ana, None, overlap=1, release=filled.r2) is False
    assert claims.held_ids(filled.ana) == []
    claims.take(filled.ana, filled.r3, overlap=2)
    claims.release(filled.ana)
    assert claims.held_ids(filled.ana) == []
    claims.take(filled.ben, filled.r3, overlap=2, ttl_s=-1)  # expired at once
    assert claims.held_ids(filled.ben) == []


def test_packet_holds_and_the_holds_summary(filled: Filled) -> None:
    project = filled.project
    claims = project.claims
    claims.hold_for_packet(filled.ben, [filled.r1, filled.r2], ttl_s=3600)
    assert claims.held_ids(filled.ben, "packet") == [filled.r1, filled.r2]
    claims.release(filled.ben)  # quitting the screen keeps packet holds
    assert claims.held_ids(filled.ben, "packet") == [filled.r1, filled.r2]
    summary = claims.holds()
    assert [(h["annotator"], h["kind"], h["items"]) for h in summary] == [("ben", "packet", 2)]
    project.labels.add(filled.r1, filled.ben, "safe")  # labelled: counted by the label
    assert claims.holds()[0]["items"] == 1
    assert claims.release_packet_holds(filled.ben, [filled.r1, filled.r2]) == 2
    assert claims.holds() == []
