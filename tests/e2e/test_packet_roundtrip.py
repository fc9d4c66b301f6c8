"""A distributed round: export a packet for one annotator, label it in the real annotate screen
(Textual's pilot) as if on another machine, merge it back — the labels are present once and
attributed to the right annotator, whatever happens to the packet file in between."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from polyjudge.store import Project
from polyjudge.tui.app import PolyjudgeApp

from tests.conftest import run_cli
from tests.exports.conftest import build_project

KEYS = ("u", "s", "i")  # unsafe, safe, invalid on the first three items


async def annotate_in_the_tui(packet: Path, annotator: str) -> None:
    app = PolyjudgeApp(packet, "annotate", {"annotator": annotator})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("q")


def test_packet_annotate_merge(tmp_path: Path) -> None:
    built = build_project(tmp_path / "main.db")
    packet = tmp_path / "bilal.db"
    made = run_cli(
        "export", "packet", "--db", str(built.path), "--annotator", "bilal", "--out", str(packet)
    )
    assert made.code == 0, made.err
    with Project.open(packet) as p:
        offered = [s.response.uid for chunk in p.content.gold_sources() for s in chunk]
    assert offered == [u for u in built.uids if "bilal" not in built.human[u]]

    # The packet travels: labelled elsewhere, under another name, then brought back.
    away = tmp_path / "elsewhere" / "packet-from-bilal.db"
    away.parent.mkdir()
    shutil.copy(packet, away)
    asyncio.run(annotate_in_the_tui(away, "bilal"))
    with Project.open(away) as p:
        assert p.content.count("labels") == len(KEYS)

    with Project.open(built.path) as main:
        labels_before = main.content.count("labels")
    merged = run_cli("merge", "--db", str(built.path), str(away))
    assert merged.code == 0, merged.err
    again = run_cli("merge", "--db", str(built.path), str(away))
    assert again.code == 0 and "Merged 0 label rows" in again.out

    expected = dict(zip(offered, ("unsafe", "safe", "invalid"), strict=False))
    with Project.open(built.path) as main:
        assert main.content.count("labels") == labels_before + len(KEYS)
        bilal = main.annotators.get("bilal")
        assert bilal is not None
        for uid, label in expected.items():
            response = main.content.response_by_uid(uid)
            assert response is not None
            rows = main.labels.history(response.id, bilal.id)
            assert [r.label for r in rows] == [label], uid  # present once, bilal's own
            assert rows[0].time_ms is not None and rows[0].viewed is not None
            others = {
                main.annotators.by_id(x.annotator_id).name  # type: ignore[union-attr]
                for x in main.labels.current_for(response.id)
            }
            assert others == {*built.human[uid], "bilal"}
        # nobody else's labels changed; bilal's gained exactly the packet's
        for uid, labels in built.human.items():
            response = main.content.response_by_uid(uid)
            assert response is not None
            current = {
                main.annotators.by_id(x.annotator_id).name: x.label  # type: ignore
                for x in main.labels.current_for(response.id)
            }
            assert current == {**labels, **({"bilal": expected[uid]} if uid in expected else {})}
