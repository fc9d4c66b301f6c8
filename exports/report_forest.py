"""Forest plots as inline SVG (no script, no network): one row per language (a pooled row
first), in each row a point and a 95% interval line per series (a model, a condition, an
estimator), an axis with ticks, and a legend that lists only the series drawn. A plot of
differences has a zero line. Every name from the project is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from polyjudge.reconcile.report_base import Interval

from .numbers import fmt_points, fmt_rate
from .report_format import plain

PALETTE = ("#c0392b", "#2c7fb8", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d")
LEFT, RIGHT, TOP, SERIES_H, ROW_PAD, AXIS_H = 170, 30, 34, 13, 10, 34


@dataclass(frozen=True)
class Forest:
    """What one plot draws: `points[(row, series)] = (value, interval)`."""

    chart_id: str
    title: str
    rows: Sequence[str]
    series: Sequence[str]
    points: Mapping[tuple[str, str], tuple[float | None, Interval | None]]
    difference: bool = False  # an axis around zero, in percentage points

    def drawn_series(self) -> list[str]:
        """The series with at least one point: the only ones the legend lists."""
        return [
            s
            for s in self.series
            if any(self.points.get((r, s), (None, None))[0] is not None for r in self.rows)
        ]


def _nice(v: float) -> float:
    for step in (0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0):  # quarter ticks stay round numbers
        if v <= step:
            return step
    return 1.0


def _extent(forest: Forest) -> tuple[float, float]:
    values = [0.05]
    for value, ci in forest.points.values():
        if value is not None:
            values.append(abs(value))
        if ci:
            values += [abs(ci[0]), abs(ci[1])]
    top = _nice(max(values))
    return (-top, top) if forest.difference else (0.0, top)


def forest_svg(forest: Forest, width: int = 760) -> str:
    drawn = forest.drawn_series()
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(forest.series)}
    per_row = SERIES_H * max(1, len(forest.series)) + ROW_PAD
    legend_h = 20 * max(1, len(drawn))
    plot_bottom = TOP + per_row * max(1, len(forest.rows))
    height = plot_bottom + AXIS_H + legend_h
    lo, hi = _extent(forest)
    plot_w = width - LEFT - RIGHT

    def x(v: float) -> float:
        return LEFT + plot_w * (min(max(v, lo), hi) - lo) / (hi - lo)

    label = fmt_points if forest.difference else (lambda v: fmt_rate(v, digits=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart forest" id="{escape(forest.chart_id)}">',
        f"<title>{escape(forest.title)}</title>",
        f'<text x="8" y="20" class="chart-title">{escape(forest.title)}</text>',
    ]
    for r in range(1, len(forest.rows), 2):  # every other row shaded, under everything else
        parts.append(
            f'<rect x="0" y="{TOP + r * per_row}" width="{width}" height="{per_row}" '
            'fill="#f6f6f6" class="band"/>'
        )
    for i in range(5):  # grid and ticks
        v = lo + (hi - lo) * i / 4
        gx = x(v)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{TOP - 4}" x2="{gx:.1f}" y2="{plot_bottom}" '
            'stroke="#dddddd" class="grid"/>'
            f'<line x1="{gx:.1f}" y1="{plot_bottom}" x2="{gx:.1f}" y2="{plot_bottom + 5}" '
            'stroke="#666666" class="tick"/>'
            f'<text x="{gx:.1f}" y="{plot_bottom + 18}" text-anchor="middle" class="axis">'
            f"{escape(label(v))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{width - RIGHT}" y2="{plot_bottom}" '
        'stroke="#666666" class="axis-line"/>'
    )
    if forest.difference:
        parts.append(
            f'<line x1="{x(0):.1f}" y1="{TOP - 4}" x2="{x(0):.1f}" y2="{plot_bottom}" '
            'stroke="#222222" stroke-width="1.5" stroke-dasharray="4 3" class="zero"/>'
        )
    for r, row in enumerate(forest.rows):
        y0 = TOP + r * per_row
        parts.append(
            f'<text x="{LEFT - 8}" y="{y0 + per_row / 2 + 4:.1f}" text-anchor="end" '
            f'class="label">{escape(plain(row, 24))}</text>'
        )
        for s_index, series in enumerate(forest.series):
            value, ci = forest.points.get((row, series), (None, None))
            if value is None:
                continue
            cy = y0 + ROW_PAD / 2 + SERIES_H * s_index + SERIES_H / 2
            c = colour[series]
            name = escape(plain(series, 60))
            if ci:
                parts.append(
                    f'<line x1="{x(ci[0]):.1f}" y1="{cy:.1f}" x2="{x(ci[1]):.1f}" '
                    f'y2="{cy:.1f}" stroke="{c}" stroke-width="2" class="interval" '
                    f'data-series="{name}"/>'
                )
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{cy:.1f}" r="4" fill="{c}" class="point" '
                f'data-series="{name}"><title>{escape(plain(row, 60))} · {name}: '
                f"{escape(label(value) if forest.difference else fmt_rate(value))}</title>"
                "</circle>"
            )
    for i, series in enumerate(drawn):
        ly = plot_bottom + AXIS_H + 20 * i + 6
        parts.append(
            f'<g class="legend-entry" data-series="{escape(plain(series, 60))}">'
            f'<rect x="{LEFT}" y="{ly}" width="12" height="12" fill="{colour[series]}"/>'
            f'<text x="{LEFT + 18}" y="{ly + 11}" class="label">{escape(plain(series, 60))}'
            "</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
