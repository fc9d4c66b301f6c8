"""Offline packets: a small project file for one annotator, and merging its labels back.

    create_packet(project, "amina", Path("amina.db"), languages=["bn"], limit=200)
    # ... the annotator runs `polyjudge annotate --db amina.db --annotator amina` anywhere ...
    merge_packet(project, Path("amina.db"))

A packet is blind: it holds prompts and responses only (no other annotator's labels, no judge
verdicts, no adjudications). The project records each export (packet id, annotator, items) in
its events; a packet that comes back is untrusted input, read-only and checked against that
record (see `store.packet_file`): only its annotator's valid labels on its items are merged.
Labels are append-only, so merging cannot conflict; each merged row gets a uid derived from the
packet's project id and the row's id, so merging the same packet twice adds nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from polyjudge.store import (
    READING_VIEW_KEY,
    VIEW_CHOICES,
    MergeResult,
    PacketContents,
    PolyjudgeError,
    Project,
    QueueFilter,
    id_ranges,
    packet_meta,
)
from polyjudge.store import read_packet as read_packet_file

PAGE = 1000


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def offered_ids(
    project: Project,
    annotator: str,
    languages: list[str] | None,
    limit: int | None,
    overlap: int | None = None,
    *,
    sample: str | None = None,
    no_sample: bool = False,
) -> list[int]:
    """The items the annotate screen would offer `annotator` (not yet labelled by them; with
    `overlap`, only items fewer than that many others have labelled or hold), in the queue's
    order (a sample's random order, else id order): the sample is the queue, as there
    (`sample` names a batch; `no_sample`: every item)."""
    found = project.annotators.get(annotator)
    annotator_id = found.id if found else -1  # nobody has id -1: every item is open
    flt = project.queue.with_sample(
        QueueFilter(languages=tuple(languages or ())), sample, free=no_sample
    )
    ids: list[int] = []
    after = 0
    while limit is None or len(ids) < limit:
        page_size = PAGE if limit is None else min(PAGE, limit - len(ids))
        page = project.queue.open_items(
            annotator_id, flt, overlap=overlap, after=after, limit=page_size
        )
        if not page:
            break
        ids += [rid for _, rid in page]
        after = page[-1][0]
    return ids


def create_packet(
    project: Project,
    annotator: str,
    out: Path,
    *,
    languages: list[str] | None = None,
    limit: int | None = None,
    overlap: int | None = None,
    hold_days: float = 14.0,
    force: bool = False,
    sample: str | None = None,
    no_sample: bool = False,
    view: str | None = None,
) -> int:
    """Write the packet file; returns how many items it holds. Refuses to overwrite `out`
    unless `force`, and never writes over the project's own file. With `overlap`, the items
    are held for the annotator in the project (for `hold_days`, or until labelled), so that
    other packets and annotate sessions with an overlap are offered other items. The items are
    those of the latest sample batch under `languages` when one exists (see `offered_ids`).
    `view` (one of `VIEW_CHOICES`): the reading condition the packet's annotate sessions
    assign (meta `reading_view`), recorded on its labels as `view_assigned`."""
    annotator = annotator.strip()
    if not annotator:
        raise PolyjudgeError("--annotator: an annotator needs a name")
    if limit is not None and limit < 1:
        raise PolyjudgeError(f"--limit: expected a positive number, got {limit}")
    if out.exists() and out.resolve() == project.path.resolve():
        raise PolyjudgeError(f"{out}: that is the project file itself")
    if out.exists() and not force:
        raise PolyjudgeError(f"{out}: already exists (use --force to replace it)")
    if sample is not None and no_sample:
        raise PolyjudgeError("--sample and --no-sample exclude each other")
    ids = offered_ids(
        project, annotator, languages, limit, overlap, sample=sample, no_sample=no_sample
    )
    if not ids:
        where = f" in {', '.join(languages)}" if languages else ""
        raise PolyjudgeError(f"no items left for {annotator}{where}: nothing to put in a packet")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    for stale in [tmp, *_sidecars(tmp)]:
        stale.unlink(missing_ok=True)
    try:
        with Project.create(
            tmp,
            labels=list(project.label_set),
            guidelines=project.meta("guidelines"),
            consensus_rule=project.consensus_rule,
        ) as packet:
            for key, value in packet_meta(project.project_id, annotator, languages or []).items():
                packet.set_meta(key, value)
            if view is not None:
                if view not in VIEW_CHOICES:
                    raise PolyjudgeError(f"--view: unknown reading condition {view!r}")
                packet.set_meta(READING_VIEW_KEY, view)
            parent_annotator = project.annotators.get(annotator)
            languages_of = (
                json.loads(parent_annotator.languages)
                if parent_annotator and parent_annotator.languages
                else None
            )
            packet.annotators.ensure(
                annotator,
                role=parent_annotator.role if parent_annotator else "annotator",
                languages=languages_of,
            )
            copied = project.packets.copy_items_into(packet, ids)
            packet.log_event(
                "packet_created", packet_of=project.project_id, items=copied, annotator=annotator
            )
            packet_id = packet.project_id
        # The project's own record of the packet (its id, annotator and items): `merge` takes
        # them from here, never from the packet file, which anyone may have edited meanwhile.
        project.log_event(
            "packet",
            out=str(out),
            annotator=annotator,
            items=copied,
            languages=languages or [],
            limit=limit,
            overlap=overlap,
            hold_days=hold_days if overlap is not None else None,
            # the sample batches it was drawn from (None: no sample drove it)
            sample=project.queue.with_sample(
                QueueFilter(languages=tuple(languages or ())), sample, free=no_sample
            ).sample_batches
            or None,
            packet_id=packet_id,
            response_ids=id_ranges(ids),
        )
        for stale in [out, *_sidecars(out)]:
            stale.unlink(missing_ok=True)
        os.replace(tmp, out)
    finally:
        for stale in [tmp, *_sidecars(tmp)]:
            stale.unlink(missing_ok=True)
    if overlap is not None:
        holder = project.annotators.ensure(annotator)
        project.claims.hold_for_packet(holder.id, ids, ttl_s=hold_days * 86_400)
    return copied


def read_packet(
    project: Project, path: Path, *, legacy: bool = False, as_name: str | None = None
) -> PacketContents:
    """Open and check a packet for `project` (read-only; see `store.packet_file`). Raises
    PolyjudgeError (one line) for a file that is no packet of this project. `legacy`: accept a
    packet exported before export records, for an annotator this project exported one to."""
    if not path.exists():
        raise PolyjudgeError(f"{path}: no such packet file")
    if path.resolve() == project.path.resolve():
        raise PolyjudgeError(f"{path}: that is the project file itself, not a packet")
    return read_packet_file(
        path,
        project.project_id,
        project.label_set,
        project.packets.record,
        project.content.response_id_by_uid,
        project.packets.exported_unrecorded if legacy else None,
        as_name,
    )


def merge_packet(
    project: Project,
    path: Path,
    *,
    release: bool = False,
    skip_bad: bool = False,
    legacy: bool = False,
    as_name: str | None = None,
) -> MergeResult:
    """Append the packet's labels to the project: only its own annotator's, on its own items
    (as this project recorded them at export), each checked as a label typed on screen is.
    Any other row refuses the whole packet (one line saying what and how many; nothing merged)
    unless `skip_bad`, which merges the valid rows and counts the rest (still an error when no
    row is valid). With `release`, the packet is done: what it still held (items left
    unlabelled, see `create_packet`'s overlap) is offered to others again at once.

    Labels typed under another name than the packet was exported for are refused unless
    `as_name` (`merge --as NAME`): the lead says whose labels they are, and they are merged as
    NAME (the event records who the packet was for and the name they were typed under)."""
    if as_name is not None:
        as_name = as_name.strip()
        if not as_name:
            raise PolyjudgeError("--as: an annotator needs a name")
    packet = read_packet(project, path, legacy=legacy, as_name=as_name)
    if packet.rejected and not (skip_bad and packet.labels):
        hint = " (--skip-bad merges the valid ones)" if packet.labels and not skip_bad else ""
        raise PolyjudgeError(f"{path}: {packet.rejected_summary()}; nothing merged{hint}")
    result = project.packets.merge_labels(packet)
    if release:
        holder = project.annotators.get(packet.exported_for or packet.annotator)
        released = (
            project.claims.release_packet_holds(holder.id, sorted(packet.response_ids))
            if holder
            else 0
        )
        result = dataclasses.replace(result, released=released)
    project.log_event(
        "merge",
        packet=str(path),
        packet_id=result.packet_id,
        added=result.added,
        already_merged=result.already_merged,
        annotators=list(result.annotators),
        released=result.released,
        rejected=dict(packet.rejected),
        exported_for=packet.exported_for,
        typed_as=packet.typed_as,
        merged_as=packet.annotator if as_name is not None else None,
    )
    return result
