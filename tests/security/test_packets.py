"""Packets are untrusted input: a packet that comes back is merged only as far as it is the
packet's own annotator labelling the packet's own items as the annotate screen would, and is
otherwise refused with one line, the project's labels and annotators unchanged.

Every packet here is real `export packet` output labelled through the store (as `annotate`
does), then edited with plain sqlite3 the way anyone holding the file could.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyjudge.exports.packet import merge_packet
from polyjudge.store import Label, PolyjudgeError, Project, check_before_annotating, merge_uid

from tests.conftest import run_cli
from tests.exports.conftest import build_project

NOW = "2026-11-30T10:00:00.000Z"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """A project and bilal's packet with three labels (unsafe, then an edit, and an undone
    label), built once; each test works on copies."""
    root = tmp_path_factory.mktemp("origin")
    built = build_project(root / "main.db")
    packet = root / "bilal.db"
    made = run_cli(
        "export", "packet", "--db", str(built.path), "--annotator", "bilal", "--out", str(packet)
    )
    assert made.code == 0, made.err
    with Project.open(packet) as p:
        bilal = p.annotators.get("bilal")
        assert bilal is not None
        uids = [s.response.uid for chunk in p.content.gold_sources() for s in chunk]
        first, second = (p.content.response_by_uid(u).id for u in uids[:2])  # type: ignore[union-attr]
        p.labels.add(first, bilal.id, "unsafe", viewed="original", time_ms=4000)
        p.labels.add(first, bilal.id, "safe", note="second look", viewed="both", time_ms=900)
        p.labels.add(
            second, bilal.id, "invalid", unsure=True, viewed="back_translation", time_ms=1200
        )
        p.labels.undo(second, bilal.id)
    return built.path, packet, uids


@pytest.fixture
def copies(origin, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    main, packet, uids = origin
    for src in (main, packet):
        shutil.copy(src, tmp_path / src.name)
    return tmp_path / main.name, tmp_path / packet.name, uids


def snapshot(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The project's labels and annotators tables, every column of every row."""
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("SELECT * FROM labels ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM annotators ORDER BY id").fetchall(),
        )


def edit(packet: Path, *statements: str, params: tuple = ()) -> None:
    """Change the packet file as anyone holding it could (the append-only triggers dropped)."""
    conn = sqlite3.connect(packet, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS labels_no_update")
        conn.execute("DROP TRIGGER IF EXISTS labels_no_delete")
        for sql in statements:
            conn.execute(sql, params if "?" in sql else ())
    finally:
        conn.close()


def add_parent_items(packet: Path, main: Path) -> list[int]:
    """Copy every parent response the packet lacks into it (same uid): items nobody gave it.
    Returns their packet ids."""
    with sqlite3.connect(main) as parent:
        rows = parent.execute(
            "SELECT uid, language, text, content_hash FROM responses ORDER BY id"
        ).fetchall()
    conn = sqlite3.connect(packet, isolation_level=None)
    try:
        have = {r[0] for r in conn.execute("SELECT uid FROM responses")}
        ids = []
        for uid, language, text, digest in rows:
            if uid not in have:
                cur = conn.execute(
                    "INSERT INTO responses (uid, language, text, content_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (uid, language, text, digest, NOW),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids
    finally:
        conn.close()


def insert_label(packet: Path, response_id: int, annotator_id: int, **values) -> None:
    row = {
        "label": "unsafe",
        "unsure": 0,
        "action": "label",
        "source": "tui",
        "created_at": NOW,
        **values,
        "response_id": response_id,
        "annotator_id": annotator_id,
    }
    conn = sqlite3.connect(packet, isolation_level=None)
    try:
        conn.execute(
            f"INSERT INTO labels ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
    finally:
        conn.close()


def packet_ids(packet: Path) -> tuple[int, list[int]]:
    """bilal's id in the packet, and the packet's own item ids."""
    with sqlite3.connect(packet) as conn:
        bilal = conn.execute("SELECT id FROM annotators WHERE name = 'bilal'").fetchone()[0]
        items = [r[0] for r in conn.execute("SELECT id FROM responses ORDER BY id")]
    return bilal, items


def refused(main: Path, packet: Path, *extra: str) -> str:
    """Merge through the real command: exit 1, one line, nothing changed; the line."""
    before = snapshot(main)
    result = run_cli("merge", "--db", str(main), str(packet), *extra)
    assert result.code == 1, (result.out, result.err)
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert snapshot(main) == before
    return result.err


# -- label rows -------------------------------------------------------------------------------


def test_another_annotators_labels_are_refused_and_change_nothing(copies):
    """The reproduced attack: labels for chen (who has labels in the project) on every item,
    which used to change chen's current labels."""
    main, packet, _ = copies
    extra = add_parent_items(packet, main)
    edit(
        packet,
        "INSERT INTO annotators (name, role, created_at) VALUES ('chen', 'annotator', ?)",
        params=(NOW,),
    )
    with sqlite3.connect(packet) as conn:
        chen = conn.execute("SELECT id FROM annotators WHERE name = 'chen'").fetchone()[0]
    _, items = packet_ids(packet)
    for rid in items + extra:
        insert_label(packet, rid, chen, label="safe")
    err = refused(main, packet)
    n = len(items + extra)
    assert f"{packet}: {n} label rows for annotators other than bilal; nothing merged" in err


def test_own_labels_on_items_not_given_to_the_packet_are_refused(copies):
    main, packet, _ = copies
    extra = add_parent_items(packet, main)
    bilal, _ = packet_ids(packet)
    for rid in extra:
        insert_label(packet, rid, bilal)
    err = refused(main, packet)
    assert f"{len(extra)} label rows on items that are not this packet's" in err


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"label": "maybe"}, "with a label outside this project's labels (safe, unsafe, invalid)"),
        ({"label": None}, "with a label outside this project's labels"),
        ({"unsure": "yes"}, "with a bad unsure (expected 0 or 1)"),
        ({"unsure": 2}, "with a bad unsure"),
        ({"time_ms": "abc"}, "with a bad time_ms"),
        ({"time_ms": -5}, "with a bad time_ms"),
        ({"time_ms": 1.5}, "with a bad time_ms"),
        ({"viewed": "sideways"}, "with a bad viewed (expected original, back_translation, both"),
        ({"view_assigned": "random"}, "with a bad view_assigned (expected original, back_trans"),
        ({"created_at": "yesterday"}, "with a bad created_at"),
        ({"created_at": 1764583200}, "with a bad created_at"),
        ({"note": b"\x00bytes"}, "with a bad note (expected text)"),
        ({"action": "adjudicate"}, "with an action other than label or undo"),
        ({"action": "undo", "label": "unsafe"}, "undoing to a label other than"),
        ({"supersedes": 1}, "replacing a row that is not theirs"),
    ],
)
def test_label_rows_are_checked_as_on_screen(copies, values, expected):
    main, packet, _ = copies
    bilal, items = packet_ids(packet)
    insert_label(packet, items[-1], bilal, **values)
    err = refused(main, packet)
    assert f"1 label row {expected}" in err and err.rstrip().endswith(
        "nothing merged (--skip-bad merges the valid ones)"
    )


def test_a_bad_row_never_reaches_status_report_or_gold(copies, tmp_path: Path):
    """unsure='yes' and time_ms='abc' used to break status, report and export gold for good."""
    main, packet, _ = copies
    bilal, items = packet_ids(packet)
    insert_label(packet, items[-1], bilal, unsure="yes")
    insert_label(packet, items[-2], bilal, time_ms="abc")
    refused(main, packet)
    merged = run_cli("merge", "--db", str(main), str(packet), "--skip-bad")
    assert merged.code == 0, merged.err
    assert "Merged 4 label rows" in merged.out and "2 invalid rows skipped" in merged.out
    for args in (
        ("status",),
        ("report",),
        ("export", "gold", "--out", str(tmp_path / "gold.jsonl")),
    ):
        result = run_cli(*args, "--db", str(main))
        assert result.code == 0, (args, result.err)


def test_skip_bad_merges_the_valid_rows_once(copies):
    main, packet, uids = copies
    bilal, items = packet_ids(packet)
    insert_label(packet, items[-1], bilal, label="maybe")
    extra = add_parent_items(packet, main)
    insert_label(packet, extra[0], bilal)
    refused(main, packet)
    first = run_cli("merge", "--db", str(main), str(packet), "--skip-bad")
    assert first.code == 0, first.err
    assert first.out.startswith(
        f"Merged 4 label rows from {packet} (bilal); 0 were already merged; 2 invalid rows skipped"
    )
    again = run_cli("merge", "--db", str(main), str(packet), "--skip-bad")
    assert again.code == 0 and "Merged 0 label rows" in again.out
    assert "4 were already merged" in again.out
    with Project.open(main) as project:
        who = project.annotators.get("bilal")
        assert who is not None
        history = project.labels.history(project.content.response_by_uid(uids[0]).id, who.id)  # type: ignore[union-attr]
        assert [h.label for h in history] == ["unsafe", "safe"]
        undone = project.labels.history(project.content.response_by_uid(uids[1]).id, who.id)  # type: ignore[union-attr]
        assert [(h.action, h.label) for h in undone] == [("label", "invalid"), ("undo", None)]
        assert undone[1].supersedes == undone[0].id


def test_skip_bad_with_nothing_valid_is_an_error(copies):
    main, packet, _ = copies
    edit(packet, "DELETE FROM labels")
    bilal, items = packet_ids(packet)
    insert_label(packet, items[0], bilal, label="maybe")
    err = refused(main, packet, "--skip-bad")
    assert "1 label row with a label outside" in err and "nothing merged" in err


def test_roles_never_come_from_a_packet(origin, tmp_path: Path):
    """A packet for a new annotator claiming to be a superuser, or an adjudicator: the merged
    annotator is an ordinary one."""
    main = tmp_path / "main.db"
    shutil.copy(origin[0], main)
    packet = tmp_path / "dara.db"
    made = run_cli(
        "export",
        "packet",
        "--db",
        str(main),
        "--annotator",
        "dara",
        "--limit",
        "2",
        "--out",
        str(packet),
    )
    assert made.code == 0, made.err
    edit(packet, "UPDATE annotators SET role = 'superuser' WHERE name = 'dara'")
    with sqlite3.connect(packet) as conn:
        dara = conn.execute("SELECT id FROM annotators WHERE name = 'dara'").fetchone()[0]
        items = [r[0] for r in conn.execute("SELECT id FROM responses ORDER BY id")]
    insert_label(packet, items[0], dara, viewed="original", time_ms=10)
    merged = run_cli("merge", "--db", str(main), str(packet))
    assert merged.code == 0, merged.err
    with Project.open(main) as project:
        found = project.annotators.get("dara")
        assert found is not None and found.role == "annotator"
    # an existing annotator keeps their role whatever the packet says
    edit(packet, "UPDATE annotators SET role = 'adjudicator'")
    again = run_cli("merge", "--db", str(main), str(packet))
    assert again.code == 0
    with Project.open(main) as project:
        assert project.annotators.get("dara").role == "annotator"  # type: ignore[union-attr]


# -- the file, the schema, the parent ---------------------------------------------------------


CRAFTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing column": (
        lambda p: edit(p, "ALTER TABLE labels DROP COLUMN time_ms"),
        "unexpected schema (table labels not as polyjudge creates it)",
    ),
    "newer schema": (
        lambda p: edit(
            p,
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('polyjudge', '0099_from_the_future', '2030-01-01')",
        ),
        "made by a newer polyjudge (schema steps this version does not know: 0099_from_the_future)",
    ),
    "trigger": (
        lambda p: edit(
            p,
            "CREATE TRIGGER flip AFTER INSERT ON labels BEGIN"
            " UPDATE labels SET label = 'safe' WHERE id = new.id; END",
        ),
        "unexpected schema (trigger flip)",
    ),
    "view in place of a table": (
        lambda p: edit(
            p,
            "ALTER TABLE labels RENAME TO labels_real",
            "CREATE VIEW labels AS SELECT * FROM labels_real UNION ALL SELECT 999, NULL, 1, 1,"
            " 'safe', 0, NULL, 'label', NULL, NULL, NULL, NULL, NULL, 'tui', '2026-01-01',"
            " 0, 0, NULL",
        ),
        "view labels in place of a table",
    ),
    "extra table": (
        lambda p: edit(p, "CREATE TABLE payload (x)"),
        "unexpected schema (table payload)",
    ),
    "wrong parent": (
        lambda p: edit(
            p, "UPDATE meta SET value = 'f00d' WHERE key IN ('packet_of', 'parent_project_id')"
        ),
        "a packet of another project (f00d)",
    ),
    "changed packet id": (
        lambda p: edit(p, "UPDATE meta SET value = 'beef' WHERE key = 'project_id'"),
        "this project has no record of exporting packet beef",
    ),
    "another annotator's packet": (
        lambda p: edit(
            p,
            "UPDATE meta SET value = 'chen' WHERE key = 'packet_annotator'",
            "UPDATE annotators SET name = 'chen' WHERE name = 'bilal'",
        ),
        "the packet names annotator 'chen' but was exported for 'bilal'",
    ),
    "not a packet": (
        lambda p: edit(p, "DELETE FROM meta WHERE key = 'packet_of'"),
        "not a packet (it records no parent project)",
    ),
}


@pytest.mark.parametrize("craft", list(CRAFTS))
def test_crafted_packets_are_refused(copies, craft):
    main, packet, _ = copies
    change, expected = CRAFTS[craft]
    change(packet)
    before = packet.read_bytes()
    err = refused(main, packet)
    assert expected in err and err.startswith(f"Error: {packet}: ")
    assert packet.read_bytes() == before  # read-only: not even switched to WAL or migrated
    assert not any(packet.with_name(packet.name + s).exists() for s in ("-wal", "-shm"))


def test_a_view_never_feeds_rows_even_through_the_store_reader(copies):
    """The reader's own guard, under the schema check: a connection from `open_read_only`
    denies any read that goes through a view."""
    from polyjudge.store import open_read_only

    main, packet, _ = copies
    CRAFTS["view in place of a table"][0](packet)
    conn = open_read_only(packet)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="prohibited|not authorized"):
            conn.execute("SELECT count(*) FROM labels").fetchone()
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("CREATE TABLE x (y)")
    finally:
        conn.close()


# -- annotate --db PACKET ---------------------------------------------------------------------


def test_annotate_refuses_a_packet_with_a_trigger_before_anything_is_written(copies):
    """The reproduced attack: a trigger turned an `unsafe` key press into a stored `safe`."""
    _, packet, _ = copies
    CRAFTS["trigger"][0](packet)
    before = packet.read_bytes()
    result = run_cli("annotate", "--db", str(packet), "--annotator", "bilal")
    assert result.code == 1
    assert result.err.strip() == (
        f"Error: {packet}: unexpected schema (trigger flip); not "
        "opened (a packet must be as `export packet` wrote it)"
    )
    assert packet.read_bytes() == before


@pytest.mark.parametrize("craft", ["view in place of a table", "extra table", "newer schema"])
def test_annotate_refuses_unexpected_schema(copies, craft):
    _, packet, _ = copies
    CRAFTS[craft][0](packet)
    with pytest.raises(PolyjudgeError, match=f"^{packet}: (unexpected schema|made by a newer)"):
        check_before_annotating(packet, "bilal")


def test_annotate_refuses_a_packet_under_another_name(copies):
    _, packet, _ = copies
    with pytest.raises(PolyjudgeError, match="this packet is 'bilal''s"):
        check_before_annotating(packet, "mallory")
    check_before_annotating(packet, "bilal")  # its own annotator: fine


# -- any rows at all ----------------------------------------------------------------------------

VALID = {
    "label": st.sampled_from(["safe", "unsafe", "invalid"]),
    "unsure": st.sampled_from([0, 1]),
    "note": st.one_of(st.none(), st.text(max_size=20)),
    "viewed": st.sampled_from([None, "original", "back_translation", "both"]),
    "time_ms": st.one_of(st.none(), st.integers(0, 10**9)),
    "created_at": st.sampled_from([NOW, "2026-01-02T03:04:05Z", "2025-12-31 23:59:59"]),
}
WORDS = st.text(alphabet="abcxyz", min_size=1, max_size=6)  # stays text in any column
FRACTIONS = st.floats(-1e6, 1e6).filter(lambda f: not f.is_integer())
INTS = st.integers(-(2**63), 2**63 - 1)
# Each stays invalid as stored: SQLite's INTEGER affinity turns 1.0 or "1" into 1.
INVALID = {
    "label": st.one_of(
        st.none(), WORDS.filter(lambda s: s not in ("safe", "unsafe", "invalid")), INTS
    ),
    "unsure": st.one_of(INTS.filter(lambda i: i not in (0, 1)), WORDS, FRACTIONS),
    "note": st.binary(min_size=1, max_size=4),
    "viewed": WORDS,
    "time_ms": st.one_of(st.integers(-(2**63), -1), WORDS, FRACTIONS),
    "created_at": st.sampled_from(["", "yesterday", "2026-13-01", "noon on Tuesday"]),
}


@st.composite
def label_rows(draw) -> list[tuple[dict, bool]]:
    """Rows on the packet's items, each valid or with exactly one bad field."""
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        row = {name: draw(strategy) for name, strategy in VALID.items()}
        bad = draw(st.sampled_from([None, *INVALID]))
        if bad is not None:
            row[bad] = draw(INVALID[bad])
        rows.append((row, bad is None))
    return rows


@settings(
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=label_rows(), item=st.integers(0, 2))
def test_valid_rows_merge_and_invalid_rows_never_do(origin, tmp_path, rows, item):
    here = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by the examples
    main, packet = here / "main.db", here / "packet.db"
    shutil.copy(origin[0], main)
    shutil.copy(origin[1], packet)
    edit(packet, "DELETE FROM labels")
    bilal, items = packet_ids(packet)
    for row, _ in rows:
        insert_label(packet, items[item], bilal, **row)
    with sqlite3.connect(packet) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM labels ORDER BY id")]
        packet_id = conn.execute("SELECT value FROM meta WHERE key = 'project_id'").fetchone()[0]
    expected = {merge_uid(packet_id, i) for i, (_, ok) in zip(ids, rows, strict=True) if ok}
    before = snapshot(main)
    with Project.open(main) as project:
        try:
            result = merge_packet(project, packet, skip_bad=True)
        except PolyjudgeError:
            assert not expected  # nothing valid: refused
            result = None
    if result is None:
        assert snapshot(main) == before
        return
    assert result.added == len(expected) and result.rejected == len(rows) - len(expected)
    with sqlite3.connect(main) as conn:
        merged = {r[0] for r in conn.execute("SELECT uid FROM labels WHERE uid LIKE 'packet:%'")}
    assert merged == expected
    with Project.open(main) as project:
        some_bad = len(expected) < len(rows)
        with pytest.raises(PolyjudgeError) if some_bad else contextlib.nullcontext():
            merge_packet(project, packet)  # without --skip-bad: refused, whatever was merged
        assert merge_packet(project, packet, skip_bad=True).added == 0


def test_the_fixture_packet_merges_cleanly(copies):
    """The control for the crafted packets: unedited, the same packet merges."""
    main, packet, _ = copies
    result = run_cli("merge", "--db", str(main), str(packet))
    assert result.code == 0, result.err
    assert "Merged 4 label rows" in result.out and "invalid" not in result.out


def unrecord(main: Path, packet: Path, legacy_for: str | None) -> None:
    """Make `packet` look exported by a polyjudge that kept no record of its items: the project
    has no `packet` event with its id, only (when `legacy_for`) an old-style one without
    `packet_id` for that annotator."""
    edit(packet, "UPDATE meta SET value = 'made-before-records' WHERE key = 'project_id'")
    if legacy_for is not None:
        with Project.open(main) as project:
            project.log_event("packet", out="bilal.db", annotator=legacy_for, items=5)


def test_a_packet_from_before_export_records_merges_only_when_vouched_for(copies) -> None:
    main, packet, _ = copies
    unrecord(main, packet, legacy_for="bilal")
    before = snapshot(main)
    refused = run_cli("merge", "--db", str(main), str(packet))
    assert refused.code == 1 and "--legacy-packet" in refused.err
    assert snapshot(main) == before
    merged = run_cli("merge", "--db", str(main), str(packet), "--legacy-packet")
    assert merged.code == 0, merged.err
    after = snapshot(main)
    added = after[0][len(before[0]) :]
    assert len(added) == 4  # bilal's four rows, under bilal
    assert after[1] == before[1]
    bilal = next(row[0] for row in after[1] if row[1] == "bilal")
    assert {row[3] for row in added} == {bilal}  # (id, uid, response_id, annotator_id, ...)


def test_legacy_packet_is_refused_for_an_annotator_never_sent_one(copies) -> None:
    main, packet, _ = copies
    unrecord(main, packet, legacy_for="chen")  # a packet went to chen, none to bilal
    before = snapshot(main)
    result = run_cli("merge", "--db", str(main), str(packet), "--legacy-packet")
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert snapshot(main) == before


def test_legacy_packet_still_merges_only_its_annotator(copies) -> None:
    main, packet, _ = copies
    unrecord(main, packet, legacy_for="bilal")
    edit(
        packet,
        "INSERT INTO annotators (name, role, created_at) VALUES ('amina', 'annotator', ?)",
        "UPDATE labels SET annotator_id = (SELECT id FROM annotators WHERE name = 'amina')"
        " WHERE id = 1",
        params=(NOW,),
    )
    before = snapshot(main)
    result = run_cli("merge", "--db", str(main), str(packet), "--legacy-packet")
    assert result.code == 1 and "other than bilal" in result.err, result.err
    assert snapshot(main) == before


def test_malformed_rows_already_in_a_project_do_not_break_it(copies, tmp_path: Path) -> None:
    # A merge before packets were checked could store `unsure='yes'`, `time_ms='abc'`; labels
    # are append-only, so such rows stay. Every command still works; the row reads as unsure.
    main, _, _ = copies
    conn = sqlite3.connect(main, isolation_level=None)
    try:
        row = conn.execute("SELECT response_id, annotator_id, label FROM labels LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO labels (uid, response_id, annotator_id, label, unsure, action, time_ms,"
            " source, created_at) VALUES ('bad-row', ?, ?, ?, 'yes', 'label', 'abc', 'merge', ?)",
            (*row, NOW),
        )
    finally:
        conn.close()
    for args in (
        ["status"],
        ["status", "--json"],
        ["report"],
        ["report", "--json"],
        ["export", "gold", "--out", str(tmp_path / "g.jsonl")],
        ["export", "gold", "--format", "parquet", "--out", str(tmp_path / "g.parquet")],
        ["export", "gold", "--format", "label-studio", "--out", str(tmp_path / "g.json")],
    ):
        result = run_cli(*args, "--db", str(main))
        assert result.code == 0, (args, result.err)
    with Project.open(main) as project:
        bad = project.conn.execute("SELECT * FROM labels WHERE uid = 'bad-row'").fetchone()
        label = Label.from_row(bad)
    assert label.unsure == 1 and label.time_ms is None


def test_a_packet_from_before_reading_conditions_merges_with_none_assigned(copies):
    """A packet whose schema stops before `0010_reading_condition` (made by the release before
    it: no `view_assigned` column) is still ours: its labels merge, none of them assigned."""
    main, packet, _ = copies
    conn = sqlite3.connect(packet, isolation_level=None)
    try:
        conn.execute("ALTER TABLE labels DROP COLUMN view_assigned")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_reading_condition'")
    finally:
        conn.close()
    merged = run_cli("merge", "--db", str(main), str(packet))
    assert merged.code == 0, merged.err
    with sqlite3.connect(main) as db:
        rows = db.execute(
            "SELECT viewed, view_assigned FROM labels WHERE uid LIKE 'packet:%' ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == ["original", "both", "back_translation", None]
    assert {r[1] for r in rows} == {None}
