"""Reveals (`annotate --reveal-judge`): which judge verdict an item shows once its blind label
is given, and the reads of the anchoring analysis.

An after-reveal label row answers one blind row (`current.py`, `standing_reveal`); these reads
pair each current blind label with its standing answer and the verdict shown, and count how
many standing adjudications were decided with the judge on screen. Gold items are left out, as
in every statistic (`columns.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .current import current_label, latest_adjudication, standing_reveal
from .errors import PolyjudgeError
from .gold_items import NOT_GOLD_ID
from .subject import Subject

SHARE_KEY = "reveal_share"  # the project's default share of items revealed (0 or none: off)


@dataclass(frozen=True, slots=True)
class ShownVerdict:
    """The verdict a reveal shows: its run and label."""

    run_id: int
    run_name: str
    label: str


@dataclass(frozen=True, slots=True)
class RevealPair:
    """A current blind label, the standing answer after its reveal, and the item's language."""

    response_id: int
    annotator_id: int
    language: str
    blind: str
    after: str


@dataclass(frozen=True, slots=True)
class JudgeSeenFinals:
    """Standing adjudications (with a label) by whether the judge was on screen."""

    seen: int
    not_seen: int
    unknown: int  # decided before this was recorded, or by a path that cannot tell


class Reveals(Subject):
    def share(self, asked: float | None = None) -> float:
        """The share of items whose verdict `annotate` reveals: `asked` (`--reveal-judge`),
        else the project setting `reveal_share`, else 0 (off). Out of 0..1: PolyjudgeError."""
        if asked is None:
            stored = self._project.meta(SHARE_KEY)
            try:
                asked = float(stored) if stored else 0.0
            except ValueError:
                raise PolyjudgeError(
                    f"project setting {SHARE_KEY}: expected a share between 0 and 1"
                ) from None
        if not 0 <= asked <= 1:
            raise PolyjudgeError(f"reveal share {asked}: expected a share between 0 and 1")
        return asked

    def seen(self, response_id: int, annotator_id: int) -> bool:
        """Has the annotator been shown judge output on the item (a row of theirs says so)?"""
        row = self._conn.execute(
            "SELECT 1 FROM labels WHERE response_id = ? AND annotator_id = ? AND judge_seen = 1"
            " LIMIT 1",
            (response_id, annotator_id),
        ).fetchone()
        return row is not None

    def shown_verdict(self, response_id: int) -> ShownVerdict | None:
        """The verdict a reveal shows: the latest non-baseline judge run with a verdict in the
        project's labels on the item (an unparsed one is no verdict); None: nothing to show."""
        found = self.shown_verdicts((response_id,))
        return found.get(response_id)

    def shown_verdicts(self, response_ids: Iterable[int]) -> dict[int, ShownVerdict]:
        """`shown_verdict` of many items at once (items with none are left out)."""
        labels = list(self._project.label_set)
        ids = sorted(set(response_ids))
        out: dict[int, ShownVerdict] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            rows = self._tuples(
                "SELECT v.response_id, j.id, j.name, v.label FROM verdicts v"
                " JOIN judge_runs j ON j.id = v.run_id"
                f" WHERE v.response_id IN ({', '.join('?' * len(part))})"
                " AND j.kind = 'judge' AND j.is_baseline = 0"
                f" AND v.label IN ({', '.join('?' * len(labels))})"
                " ORDER BY v.response_id, j.id DESC",
                [*part, *labels],
            )
            for response_id, run_id, run_name, label in rows:
                out.setdefault(response_id, ShownVerdict(run_id, run_name, label))
        return out

    def pairs(self, exclude_annotators: Collection[int] = ()) -> list[RevealPair]:
        """Every current blind label with a standing answer to its reveal, by item then
        annotator (gold items and excluded annotators left out)."""
        rows = self._tuples(
            "SELECT b.response_id, b.annotator_id, r.language, b.label, a.label"
            " FROM labels a JOIN labels b ON b.id = a.supersedes"
            " JOIN responses r ON r.id = b.response_id"
            f" WHERE {standing_reveal('a', 'b')} AND b.{NOT_GOLD_ID}"
            " ORDER BY b.response_id, b.annotator_id"
        )
        return [
            RevealPair(int(rid), int(aid), str(lang), str(blind), str(after))
            for rid, aid, lang, blind, after in rows
            if aid not in exclude_annotators
        ]

    def current_seen(self, exclude_annotators: Collection[int] = ()) -> int:
        """Current labels given after judge output had been shown on the item (a label again
        after the blind one was undone): not blind, counted apart by the report."""
        rows = self._tuples(
            "SELECT l.annotator_id FROM labels l"
            f" WHERE l.judge_seen = 1 AND {current_label('l')} AND l.{NOT_GOLD_ID}"
        )
        return sum(1 for (aid,) in rows if aid not in exclude_annotators)

    def finals_judge_seen(self) -> JudgeSeenFinals:
        """How the standing adjudications (with a label, gold items left out) were decided."""
        row = self._conn.execute(
            "SELECT coalesce(sum(d.judge_seen = 1), 0), coalesce(sum(d.judge_seen = 0), 0),"
            " coalesce(sum(d.judge_seen IS NULL), 0) FROM adjudications d"
            f" WHERE {latest_adjudication('d')} AND d.label IS NOT NULL AND d.{NOT_GOLD_ID}"
        ).fetchone()
        return JudgeSeenFinals(int(row[0]), int(row[1]), int(row[2]))
