"""Small formatting helpers shared by the terminal, Markdown and HTML reports."""

from __future__ import annotations

import unicodedata
from typing import Any

from polyjudge.safe_text import one_line


def plain(text: Any, limit: int = 80) -> str:
    """Untrusted text (language codes, model names, annotator names) made safe for one cell, by
    the same rules as the TUI (`safe_text`: control characters become visible tokens, bidi and
    zero-width characters are removed), on one line, cut at `limit`."""
    return one_line(unicodedata.normalize("NFC", str(text)), limit)


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def ci(interval: list[float] | None, *, percent: bool = True, digits: int = 1) -> str:
    if not interval:
        return "—"
    if percent:
        return f"[{100 * interval[0]:.{digits}f}, {100 * interval[1]:.{digits}f}]%"
    return f"[{num(interval[0])}, {num(interval[1])}]"


def value_ci(value: float | None, interval: list[float] | None, percent: bool = True) -> str:
    if value is None:
        return "—"
    head = pct(value) if percent else num(value)
    return f"{head} {ci(interval, percent=percent)}" if interval else head


def run_title(name: str, block: dict[str, Any]) -> str:
    title = f"{plain(name)} ({plain(block.get('model', ''))})"
    return f"{title} — BASELINE" if block.get("baseline") else title


ESTIMATOR_NAMES = {
    "human_final_wilson": "human-final, Wilson 95% (Brown-Cai-DasGupta modified near 0 and 1)",
    "human_design_weighted": "human-final, weighted by the sample design (1/π, languages at "
    "their population size), MOVER-Wilson 95%",
    "judge_corrected_stratified": "judge-corrected, post-stratified by language × judge verdict "
    "(q·PPV + (1−q)·FOR per language), MOVER-Wilson 95%",
    "judge_raw_wilson": "judge raw (uncorrected), Wilson 95% (modified near 0 and 1)",
}
