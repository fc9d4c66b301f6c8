"""Inline SVG bar charts for the HTML report: one bar per group with a 95% CI whisker."""

from __future__ import annotations

from html import escape

from polyjudge.reconcile.report_base import Interval
from polyjudge.reconcile.report_model import Report

from .numbers import fmt_rate

BAR = "#c0392b"
BAR_CORRECTED = "#2c7fb8"
WHISKER = "#222222"


def rate_chart(
    rows: list[tuple[str, float | None, Interval | None, bool]], title: str, width: int = 720
) -> str:
    """rows: (label, rate, ci95, corrected?). Horizontal bars on a 0–100% axis."""
    row_h, left, right, top = 28, 150, 70, 34
    height = top + row_h * max(1, len(rows)) + 34
    plot_w = width - left - right
    hi = max([r[2][1] for r in rows if r[2]] + [r[1] for r in rows if r[1] is not None] + [0.05])
    axis_max = min(1.0, _nice(hi))
    x = lambda v: left + plot_w * (v / axis_max)  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(5):
        v = axis_max * i / 4
        gx = x(v)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" '
            f'y2="{height - 28}" stroke="#dddddd"/>'
        )
        parts.append(
            f'<text x="{gx:.1f}" y="{height - 12}" text-anchor="middle" '
            f'class="axis">{fmt_rate(v, digits=0)}</text>'
        )
    for i, (label, rate, interval, corrected) in enumerate(rows):
        y = top + i * row_h
        parts.append(
            f'<text x="{left - 8}" y="{y + 18}" text-anchor="end" '
            f'class="label">{escape(label)}</text>'
        )
        if rate is None:
            parts.append(f'<text x="{left + 4}" y="{y + 18}" class="axis">no estimate</text>')
            continue
        colour = BAR_CORRECTED if corrected else BAR
        parts.append(
            f'<rect x="{left}" y="{y + 5}" width="{max(1.0, x(rate) - left):.1f}" '
            f'height="{row_h - 10}" fill="{colour}"/>'
        )
        if interval:
            lo, hi2 = x(interval[0]), x(min(interval[1], axis_max))
            mid = y + row_h / 2
            parts.append(
                f'<line x1="{lo:.1f}" y1="{mid}" x2="{hi2:.1f}" y2="{mid}" '
                f'stroke="{WHISKER}" stroke-width="2"/>'
            )
            for end in (lo, hi2):
                parts.append(
                    f'<line x1="{end:.1f}" y1="{mid - 7}" x2="{end:.1f}" '
                    f'y2="{mid + 7}" stroke="{WHISKER}" stroke-width="2"/>'
                )
        parts.append(
            f'<text x="{width - right + 6}" y="{y + 18}" class="value">{fmt_rate(rate)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _nice(v: float) -> float:
    for step in (0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0):  # quarter ticks stay round numbers
        if v <= step:
            return step
    return 1.0


def language_chart_rows(
    report: Report,
) -> list[tuple[str, float | None, Interval | None, bool]]:
    """Per language, the headline estimate: judge-corrected when the language has judge-only
    items and a defined correction, else the human-final rate."""
    rows = []
    for name, b in report.unsafe_rate.groups("language"):
        h = b.headline_estimate()
        rows.append((name, h.rate, h.ci95, h.corrected))
    return rows
