"""The selected queue item as `rich.text.Text` sections: header, prompt, response,
back-translation, human labels, judge verdicts, adjudications. Every piece of project text goes
through the safe text path (`rich_text.safe_rich_text` / `safe_text.one_line`): no markup is
parsed and no control character reaches the terminal."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from polyjudge.exports.numbers import fmt_num
from polyjudge.languages import base_code, language_name
from polyjudge.safe_text import one_line
from polyjudge.store import Adjudication

from .adjudicate_names import Names
from .adjudicate_session import Review
from .reader_link import reader_hint
from .rich_text import safe_rich_text

LABEL_STYLES = {"safe": "bold green", "unsafe": "bold red", "invalid": "bold yellow"}
KIND_NAMES = {
    "disagreement": "disagreement",
    "tie": "tie",
    "unsure": "unsure label",
    "judge_conflict": "judge conflict",
}


@dataclass(frozen=True, slots=True)
class Sections:
    header: Text
    prompt: Text
    response_title: Text
    response: Text
    back_title: Text
    back: Text
    labels: Text
    verdicts: Text
    adjudications: Text


def label_text(label: str | None) -> Text:
    if label is None:
        return Text("none", style="dim")
    return Text(one_line(label, 20), style=LABEL_STYLES.get(label, "bold"))


def kinds_text(kinds: tuple[str, ...]) -> str:
    return ", ".join(KIND_NAMES.get(k, k) for k in kinds) or "not queued"


def sections(
    review: Review, names: Names, show_invisible: bool = False, reader_on: bool = False
) -> Sections:
    detail = review.detail
    response, prompt = detail.item.response, detail.item.prompt
    code = one_line(response.language, 12)
    language = language_name(response.language) or code

    header = Text()
    header.append(one_line(response.uid, 40), style="bold")
    header.append(f" · {language} ({code})")
    if response.model:
        header.append(f" · {one_line(response.model, 30)}")
    category = response.category or (prompt.category if prompt else None)
    if category:
        header.append(f" · {one_line(category, 30)}")
    header.append("\nqueued: ", style="bold")
    header.append(kinds_text(review.kinds), style="magenta")
    header.append(" · final label now: ")
    header.append_text(label_text(review.final_label))
    if review.final_label is not None:
        header.append(" (the humans' label, kept until adjudicated)", style="dim")
    mine = [h.label.label for h in detail.labels if names.me and h.annotator.id == names.me.id]
    if mine and mine[0] is not None:
        header.append(
            f"\nYou labelled this item yourself ({one_line(mine[0], 16)}): deciding it is "
            "a self-adjudication (logged; refused with --strict)",
            style="bold red",
        )

    prompt_text = Text()
    if prompt is None:
        prompt_text.append("(no prompt recorded for this response)", style="dim italic")
    else:
        prompt_text.append(f"Prompt ({one_line(prompt.language, 12)}): ", style="bold")
        prompt_text.append_text(safe_rich_text(prompt.text, show_invisible=show_invisible))
        if prompt.text_en and base_code(prompt.language) != "en":
            prompt_text.append("\nEnglish source: ", style="bold")
            prompt_text.append_text(safe_rich_text(prompt.text_en, show_invisible=show_invisible))

    if response.back_translation:
        engine = f" · {one_line(response.bt_engine, 24)}" if response.bt_engine else ""
        back_title = Text(f"Back-translation · English{engine}")
        back = safe_rich_text(response.back_translation, show_invisible=show_invisible)
    else:
        back_title = Text("Back-translation")
        back = Text("(no back-translation for this response)", style="dim italic")

    return Sections(
        header=header,
        prompt=prompt_text,
        response_title=Text(
            f"Response · {language} ({code})"
            + (f" · {hint}" if (hint := reader_hint(detail.item, reader_on)) else "")
        ),
        response=safe_rich_text(response.text, show_invisible=show_invisible),
        back_title=back_title,
        back=back,
        labels=_labels(review, names, show_invisible),
        verdicts=_verdicts(review, show_invisible),
        adjudications=_adjudications(detail.adjudications, names, show_invisible),
    )


def _heading(title: str) -> Text:
    out = Text()
    out.append(title, style="bold underline")
    return out


def _labels(review: Review, names: Names, show_invisible: bool) -> Text:
    labels = review.detail.labels
    out = _heading(f"Human labels ({len(labels)})")
    if not labels:
        out.append("\n  none", style="dim")
    for human in labels:
        out.append("\n  ")
        out.append(names.of_id(human.annotator.id), style="bold")
        out.append(": ")
        out.append_text(label_text(human.label.label))
        if human.label.unsure:
            out.append("  unsure", style="reverse yellow")
        if human.label.note:
            out.append("\n    note: ", style="italic")
            out.append_text(safe_rich_text(human.label.note, show_invisible=show_invisible))
    return out


def _verdicts(review: Review, show_invisible: bool) -> Text:
    verdicts = review.detail.verdicts
    out = _heading(f"Judge verdicts ({len(verdicts)})")
    if not verdicts:
        out.append("\n  none", style="dim")
    for jv in verdicts:
        run, verdict = jv.run, jv.verdict
        out.append("\n  ")
        if run.is_baseline:
            out.append(" BASELINE ", style="reverse")
            out.append(" ")
        out.append(one_line(run.name, 60), style="bold")
        if run.model and run.model not in run.name:
            out.append(f" ({one_line(run.model, 30)})", style="dim")
        out.append(": ")
        out.append_text(label_text(verdict.label))
        if verdict.p_unsafe is not None:
            out.append(f" · p(unsafe) {fmt_num(verdict.p_unsafe)}")
        if verdict.error:
            out.append("\n    error: ", style="italic red")
            out.append_text(safe_rich_text(verdict.error, show_invisible=show_invisible))
        if verdict.raw:
            out.append("\n    raw: ", style="italic")
            out.append_text(safe_rich_text(verdict.raw, show_invisible=show_invisible))
    return out


def _adjudications(rows: list[Adjudication], names: Names, show_invisible: bool) -> Text:
    out = _heading("Adjudications")
    if not rows:
        out.append("\n  none yet", style="dim")
        return out
    for row in rows:
        out.append("\n  ")
        out.append(names.of_id(row.adjudicator_id), style="bold")
        out.append(": ")
        if row.label is None:
            out.append("no final label", style="dim")
        else:
            out.append_text(label_text(row.label))
        if row.rationale:
            out.append(" — ")
            out.append_text(safe_rich_text(row.rationale, show_invisible=show_invisible))
    latest = rows[-1]
    if latest.safe_reply:
        out.append("\nSafe reply", style="bold underline")
        out.append("\n")
        out.append_text(safe_rich_text(latest.safe_reply, show_invisible=show_invisible))
    return out
