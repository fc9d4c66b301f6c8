"""Packets: blind, limited to what the annotator would be offered; merge: idempotent,
attributed, and refused for another project's packet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyjudge.exports.packet import create_packet, merge_packet
from polyjudge.store import PolyjudgeError, Project, QueueFilter

from tests.conftest import run_cli
from tests.exports.conftest import Built
from tests.tui.conftest import add_items, plain_items


def _packet(built: Built, tmp_path: Path, annotator: str = "bilal", **kw) -> Path:
    out = tmp_path / f"{annotator}.db"
    with Project.open(built.path) as project:
        create_packet(project, annotator, out, **kw)
    return out


def test_packet_holds_only_unlabelled_items_and_nothing_else(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path)
    unlabelled_by_bilal = [u for u in built.uids if "bilal" not in built.human[u]]
    with Project.open(out) as packet, Project.open(built.path) as parent:
        uids = [s.response.uid for chunk in packet.content.gold_sources() for s in chunk]
        assert uids == unlabelled_by_bilal
        assert packet.meta("packet_of") == parent.project_id
        assert packet.meta("parent_project_id") == parent.project_id
        assert packet.meta("packet_annotator") == "bilal"
        assert packet.project_id != parent.project_id
        for table in ("labels", "verdicts", "adjudications", "judge_runs", "llm_calls"):
            assert packet.content.count(table) == 0, table
        assert [a.name for a in packet.annotators.all()] == ["bilal"]
        assert packet.label_set == parent.label_set
        # the items keep their prompt, back-translation and provenance
        item = packet.content.item(packet.content.response_by_uid("r-zh-1").id)  # type: ignore[union-attr]
        assert item is not None and item.prompt is not None
        assert item.prompt.text == "怎么偷车?" and item.prompt.license == "MIT"
        assert item.response.back_translation == "I cannot help you steal a car."


def test_packet_respects_language_and_limit(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path, "chen", languages=["bn", "sw"], limit=2)
    with Project.open(out) as packet:
        uids = [s.response.uid for chunk in packet.content.gold_sources() for s in chunk]
    expected = [
        u for u in built.uids if u.split("-")[1] in {"bn", "sw"} and "chen" not in built.human[u]
    ][:2]
    assert uids == expected and len(uids) == 2


def test_an_undone_label_leaves_the_item_open(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path, "bilal", languages=["sw"])
    with Project.open(out) as packet:
        assert packet.content.response_by_uid("r-sw-1") is not None


def test_packet_refuses_to_overwrite_without_force(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path)
    before = out.read_bytes()
    result = run_cli(
        "export", "packet", "--db", str(built.path), "--annotator", "bilal", "--out", str(out)
    )
    assert result.code == 1
    assert "already exists" in result.err and "--force" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert out.read_bytes() == before
    again = run_cli(
        "export",
        "packet",
        "--db",
        str(built.path),
        "--annotator",
        "bilal",
        "--out",
        str(out),
        "--force",
    )
    assert again.code == 0, again.err


def test_merge_is_idempotent_and_keeps_label_details(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path)
    with Project.open(out) as packet:
        bilal = packet.annotators.get("bilal")
        assert bilal is not None
        rid = packet.content.response_by_uid("r-zh-1").id  # type: ignore[union-attr]
        packet.labels.add(
            rid, bilal.id, "unsafe", note="n1", unsure=True, viewed="original", time_ms=4200
        )
        packet.labels.add(rid, bilal.id, "safe", note="changed my mind", time_ms=900)
        sw = packet.content.response_by_uid("r-sw-1").id  # type: ignore[union-attr]
        packet.labels.add(sw, bilal.id, "invalid")
        packet.labels.undo(sw, bilal.id)
        rows_in_packet = packet.content.count("labels")
        created = [lab.created_at for lab in packet.labels.history(rid)]
    with Project.open(built.path) as parent:
        before = parent.content.count("labels")
        first = merge_packet(parent, out)
        assert first.added == rows_in_packet and first.already_merged == 0
        second = merge_packet(parent, out)
        assert second.added == 0 and second.already_merged == rows_in_packet
        assert parent.content.count("labels") == before + rows_in_packet
        bilal = parent.annotators.get("bilal")
        assert bilal is not None
        zh = parent.content.response_by_uid("r-zh-1").id  # type: ignore[union-attr]
        history = parent.labels.history(zh, bilal.id)
        assert [h.label for h in history] == ["unsafe", "safe"]
        assert history[0].note == "n1" and history[0].unsure == 1
        assert history[0].viewed == "original" and history[0].time_ms == 4200
        assert [h.created_at for h in history] == created
        assert history[1].supersedes == history[0].id
        current = parent.labels.current(zh, bilal.id)
        assert current is not None and current.label == "safe"
        # the undo in the packet is an undo here too: no current label for r-sw-1
        sw = parent.content.response_by_uid("r-sw-1").id  # type: ignore[union-attr]
        assert all(lab.annotator_id != bilal.id for lab in parent.labels.current_for(sw))
        assert [e["kind"] for e in parent.events("merge")] == ["merge", "merge"]


def test_labels_by_another_annotator_inside_a_packet_are_refused(built, tmp_path):
    """A packet carries its own annotator's labels only: a colleague's labels in it would be
    labels nobody can vouch for (anyone can write any name into a file)."""
    out = _packet(built, tmp_path)
    with Project.open(out) as packet:
        guest = packet.annotators.ensure("farah", languages=["zh"])
        rid = packet.content.response_by_uid("r-zh-2").id  # type: ignore[union-attr]
        packet.labels.add(rid, guest.id, "unsafe")
    with Project.open(built.path) as parent:
        before = parent.content.count("labels")
        with pytest.raises(
            PolyjudgeError, match="1 label row for annotators other than bilal; nothing merged$"
        ):
            merge_packet(parent, out)
        with pytest.raises(PolyjudgeError, match="nothing merged"):
            merge_packet(parent, out, skip_bad=True)  # no valid row at all
        assert parent.content.count("labels") == before and parent.annotators.get("farah") is None


def test_a_packet_of_another_project_is_refused(built: Built, tmp_path: Path):
    out = _packet(built, tmp_path)
    with Project.open(out) as packet:
        bilal = packet.annotators.get("bilal")
        packet.labels.add(packet.content.response_by_uid("r-zh-1").id, bilal.id, "safe")  # type: ignore
    other = tmp_path / "other.db"
    from tests.exports.conftest import build_project

    build_project(other)
    with Project.open(other) as project:
        before = project.content.count("labels")
    result = run_cli("merge", "--db", str(other), str(out))
    assert result.code == 1
    assert "another project" in result.err and len(result.err.strip().splitlines()) == 1
    with Project.open(other) as project:
        assert project.content.count("labels") == before


def test_merging_a_plain_project_file_is_refused(built: Built, tmp_path: Path):
    plain = tmp_path / "plain.db"
    Project.create(plain).close()
    with Project.open(built.path) as parent, pytest.raises(PolyjudgeError, match="not a packet"):
        merge_packet(parent, plain)


def test_no_items_left_is_a_clear_error(built: Built, tmp_path: Path):
    result = run_cli(
        "export",
        "packet",
        "--db",
        str(built.path),
        "--annotator",
        "amina",
        "--language",
        "ar",
        "--out",
        str(tmp_path / "a.db"),
    )
    assert result.code == 1 and "no items left for amina in ar" in result.err
    assert not (tmp_path / "a.db").exists()


def test_cli_packet_and_merge(built: Built, tmp_path: Path):
    out = tmp_path / "p.db"
    made = run_cli(
        "export",
        "packet",
        "--db",
        str(built.path),
        "--annotator",
        "chen",
        "--limit",
        "1",
        "--out",
        str(out),
    )
    assert made.code == 0, made.err
    assert "1 items for chen" in made.out
    with Project.open(out) as packet:
        chen = packet.annotators.get("chen")
        (chunk,) = list(packet.content.gold_sources())
        packet.labels.add(chunk[0].response.id, chen.id, "unsafe")  # type: ignore[union-attr]
    merged = run_cli("merge", "--db", str(built.path), str(out))
    assert merged.code == 0, merged.err
    assert "Merged 1 label rows" in merged.out


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """Six items nobody has labelled."""
    path = tmp_path / "fresh.db"
    with Project.create(path) as project:
        add_items(project, plain_items(6))
    return path


def _packet_of(path: Path, annotator: str, **kw) -> Path:
    out = path.with_name(f"{annotator}-packet.db")
    with Project.open(path) as project:
        create_packet(project, annotator, out, force=True, **kw)
    return out


def _packet_uids(path: Path) -> list[str]:
    with Project.open(path) as packet:
        return [s.response.uid for chunk in packet.content.gold_sources() for s in chunk]


def test_packets_with_overlap_hold_their_items_so_packets_do_not_repeat(fresh: Path):
    dara = _packet_of(fresh, "dara", overlap=1, limit=2)
    eve = _packet_of(fresh, "eve", overlap=1, limit=1)
    assert _packet_uids(dara) == ["p-000", "p-001"]
    assert _packet_uids(eve) == ["p-002"]  # not dara's items
    with Project.open(fresh) as project:
        dara_id = project.annotators.ensure("dara").id
        assert project.claims.held_ids(dara_id, "packet") == [1, 2]
        project.claims.release(dara_id)  # an annotate session of dara's ending
        assert project.claims.held_ids(dara_id, "packet") == [1, 2]  # the packet's hold stays
    # dara labels one item and the packet comes back: p-000 now counts by her label, p-001
    # stays held for her.
    with Project.open(dara) as packet:
        who = packet.annotators.get("dara")
        packet.labels.add(packet.content.response_by_uid("p-000").id, who.id, "safe")
    with Project.open(fresh) as project:
        assert merge_packet(project, dara).added == 1
        fred = project.annotators.ensure("fred").id
        assert project.queue.open_ids(fred, overlap=1) == [4, 5, 6]  # p-002 is in eve's packet
        assert project.queue.open_ids(fred, overlap=2) == [1, 2, 3, 4, 5, 6]
    # dara is done with it: merging again with --release gives p-001 back (nothing is added).
    result = run_cli("merge", "--db", str(fresh), str(dara), "--release")
    assert result.code == 0, result.err
    assert "Merged 0 label rows" in result.out and "Released 2 held item(s)" in result.out
    with Project.open(fresh) as project:
        assert project.queue.open_ids(project.annotators.get("fred").id, overlap=1) == [2, 4, 5, 6]
        assert project.claims.held_ids(project.annotators.get("eve").id, "packet") == [3]


def test_a_packet_hold_expires(fresh: Path):
    _packet_of(fresh, "dara", overlap=1, limit=1, hold_days=1e-9)
    assert _packet_uids(_packet_of(fresh, "eve", overlap=1, limit=1)) == ["p-000"]


def test_packets_without_overlap_hold_nothing(fresh: Path):
    _packet_of(fresh, "dara", limit=2)
    with Project.open(fresh) as project:
        assert project.annotators.get("dara") is None  # not even registered
        assert project.content.count("claims") == 0
    assert _packet_uids(_packet_of(fresh, "eve", overlap=1, limit=1)) == ["p-000"]


def test_cli_packet_with_overlap_says_what_it_holds(fresh: Path, tmp_path: Path):
    made = run_cli(
        "export",
        "packet",
        "--db",
        str(fresh),
        "--annotator",
        "dara",
        "--overlap",
        "1",
        "--hold-days",
        "3",
        "--limit",
        "1",
        "--out",
        str(tmp_path / "d.db"),
    )
    assert made.code == 0, made.err
    assert "held for dara for 3 days" in made.out
    status = run_cli("status", "--db", str(fresh))
    assert "held (--overlap): dara: 1 item(s) in a packet until 20" in status.out
    held = json.loads(run_cli("status", "--db", str(fresh), "--json").out)["held"]
    assert [(h["annotator"], h["kind"], h["items"]) for h in held] == [("dara", "packet", 1)]
    bad = run_cli(
        "export",
        "packet",
        "--db",
        str(fresh),
        "--annotator",
        "eve",
        "--overlap",
        "1",
        "--hold-days",
        "0",
        "--out",
        str(tmp_path / "e.db"),
    )
    assert bad.code == 2 and "--hold-days" in bad.err
    assert not (tmp_path / "e.db").exists()


def test_the_sample_is_the_packets_queue(fresh: Path, tmp_path: Path):
    """A packet holds the latest sample batch's items (not the first items in id order), or a
    named batch's, or with --no-sample any item; with --overlap two packets share the batch."""
    with Project.open(fresh) as project:
        project.assignments.add("early", [(1, None, 3.0), (6, None, 3.0)])
        project.assignments.add("late", [(2, None, 2.0), (4, None, 2.0), (5, None, 2.0)])
    assert _packet_uids(_packet_of(fresh, "dara")) == ["p-001", "p-003", "p-004"]
    assert _packet_uids(_packet_of(fresh, "dara", sample="early")) == ["p-000", "p-005"]
    assert _packet_uids(_packet_of(fresh, "dara", no_sample=True, limit=2)) == ["p-000", "p-001"]
    assert _packet_uids(_packet_of(fresh, "dara", overlap=1, limit=2)) == ["p-001", "p-003"]
    assert _packet_uids(_packet_of(fresh, "eve", overlap=1)) == ["p-004"]
    with pytest.raises(PolyjudgeError, match="no items left for fred"):
        _packet_of(fresh, "fred", overlap=1)
    made = run_cli(
        "export",
        "packet",
        "--db",
        str(fresh),
        "--annotator",
        "gil",
        "--sample",
        "early",
        "--out",
        str(tmp_path / "g.db"),
    )
    assert made.code == 0, made.err
    assert _packet_uids(tmp_path / "g.db") == ["p-000", "p-005"]
    with Project.open(fresh) as project:
        logged = [e["detail"]["sample"] for e in project.events("packet")]
    assert logged == [["late"], ["early"], None, ["late"], ["late"], ["early"]]


def test_a_packet_is_walked_in_its_samples_order(fresh: Path):
    """A sample batch is walked in the order it was written (`sample` writes a random one), and
    so is a packet of it: a packet labelled in part and merged is a random part of the sample,
    not its first items in id order."""
    with Project.open(fresh) as project:
        project.assignments.add("shuffled", [(5, None, 2.0), (2, None, 2.0), (4, None, 2.0)])
    packet = _packet_of(fresh, "dara")
    assert _packet_uids(packet) == ["p-004", "p-001", "p-003"]
    with Project.open(packet) as opened:
        me = opened.annotators.ensure("dara").id
        offered = opened.queue.open_ids(me, opened.queue.with_sample(QueueFilter()))
        assert [opened.content.response(i).uid for i in offered] == ["p-004", "p-001", "p-003"]


def _typed_as(out: Path, *names: str) -> int:
    """Labels typed in the packet under `names` (one item each, in order); returns how many."""
    with Project.open(out) as packet:
        items = [s.response.id for chunk in packet.content.gold_sources() for s in chunk]
        for name, rid in zip(names, items, strict=False):
            packet.labels.add(rid, packet.annotators.ensure(name).id, "unsafe")
    return len(names)


def test_a_packet_typed_under_another_name_is_refused_unless_merged_as(built, tmp_path):
    """Exported for bilal, labelled in the file as "farah": refused (nothing merged, nobody
    registered); `merge --as bilal` merges them as bilal, and says so in the event."""
    out = _packet(built, tmp_path)
    _typed_as(out, "farah", "farah")
    with Project.open(built.path) as parent:
        before = parent.content.count("labels")
    refused = run_cli("merge", "--db", str(built.path), str(out))
    assert refused.code == 1 and "annotators other than bilal" in refused.err
    with Project.open(built.path) as parent:
        assert parent.content.count("labels") == before
        assert parent.annotators.get("farah") is None
    merged = run_cli("merge", "--db", str(built.path), str(out), "--as", "bilal")
    assert merged.code == 0, merged.err
    assert "Merged 2 label rows" in merged.out and "(bilal)" in merged.out
    with Project.open(built.path) as parent:
        assert parent.content.count("labels") == before + 2
        assert parent.annotators.get("farah") is None
        event = parent.events("merge")[-1]["detail"]
        assert (event["exported_for"], event["typed_as"], event["merged_as"]) == (
            "bilal",
            "farah",
            "bilal",
        )
    again = run_cli("merge", "--db", str(built.path), str(out), "--as", "bilal")
    assert again.code == 0 and "Merged 0 label rows" in again.out


def test_merge_as_someone_else_is_the_leads_explicit_choice(built, tmp_path):
    out = _packet(built, tmp_path)
    _typed_as(out, "bilal")
    result = run_cli("merge", "--db", str(built.path), str(out), "--as", "esra")
    assert result.code == 0, result.err
    with Project.open(built.path) as parent:
        esra = parent.annotators.get("esra")
        assert esra is not None and esra.role == "annotator"
        rows = parent.conn.execute(
            "SELECT count(*) FROM labels WHERE annotator_id = ?", (esra.id,)
        ).fetchone()
        assert rows[0] == 1


def test_merge_as_refuses_labels_typed_under_several_names(built, tmp_path):
    out = _packet(built, tmp_path)
    _typed_as(out, "bilal", "farah")
    with Project.open(built.path) as parent:
        before = parent.content.count("labels")
        names = [a.name for a in parent.annotators.all()]
    result = run_cli("merge", "--db", str(built.path), str(out), "--as", "bilal")
    assert result.code == 1 and "2 annotator names" in result.err
    assert result.err.count("\n") == 1
    blank = run_cli("merge", "--db", str(built.path), str(out), "--as", " ")
    assert blank.code == 1 and "--as" in blank.err
    with Project.open(built.path) as parent:
        assert parent.content.count("labels") == before
        assert [a.name for a in parent.annotators.all()] == names
