"""Text helpers shared by the terminal, Markdown and HTML reports (numbers: `numbers.py`)."""

from __future__ import annotations

import unicodedata
from typing import Any

from polyjudge.safe_text import one_line


def plain(text: Any, limit: int = 80) -> str:
    """Untrusted text (language codes, model names, annotator names) made safe for one cell, by
    the same rules as the TUI (`safe_text`: control characters become visible tokens, bidi and
    zero-width characters are removed), on one line, cut at `limit`."""
    return one_line(unicodedata.normalize("NFC", str(text)), limit)


def run_title(name: str, model: str | None, baseline: bool) -> str:
    title = f"{plain(name)} ({plain(model)})"
    return f"{title} — BASELINE" if baseline else title


ESTIMATOR_NAMES = {
    "human_final_wilson": "human-final, Wilson 95% (Brown-Cai-DasGupta modified near 0 and 1)",
    "human_design_weighted": "human-final, weighted by the sample design (1/π, languages at "
    "their population size), MOVER-Wilson 95%",
    "judge_corrected_stratified": "judge-corrected, post-stratified by language × judge verdict "
    "(q·PPV + (1−q)·FOR per language), MOVER-Wilson 95%",
    "judge_raw_wilson": "judge raw (uncorrected), Wilson 95% (modified near 0 and 1)",
}
