"""How every output writes a number: rates, intervals, kappas/alphas, differences and counts.

One place, so that the terminal report, Markdown, HTML/SVG, the dashboard and the CLI agree
digit for digit: rates as percentages with one decimal, intervals as `[lo, hi]%`, agreement
coefficients with three decimals (never "-0.000"), a missing value as `—`.
"""

from __future__ import annotations

from collections.abc import Sequence

MISSING = "—"

IntervalLike = Sequence[float] | None


def fmt_rate(value: float | None, digits: int = 1) -> str:
    """A proportion as a percentage: 0.1234 → `12.3%`."""
    return MISSING if value is None else f"{100 * value:.{digits}f}%"


def fmt_num(value: float | None, digits: int = 3) -> str:
    """A coefficient (kappa, alpha, inclusion probability): 0.81234 → `0.812`."""
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def fmt_interval(interval: IntervalLike, *, percent: bool = True, digits: int = 1) -> str:
    """A 95% interval: `[10.2, 14.9]%` for rates, `[0.712, 0.850]` for coefficients."""
    if not interval:
        return MISSING
    lo, hi = interval
    if percent:
        return f"[{100 * lo:.{digits}f}, {100 * hi:.{digits}f}]%"
    return f"[{fmt_num(lo)}, {fmt_num(hi)}]"


def fmt_estimate(value: float | None, interval: IntervalLike, *, percent: bool = True) -> str:
    """An estimate with its interval when there is one: `12.3% [10.2, 14.9]%`."""
    if value is None:
        return MISSING
    head = fmt_rate(value) if percent else fmt_num(value)
    return f"{head} {fmt_interval(interval, percent=percent)}" if interval else head


def fmt_bounded(value: float | None, interval: IntervalLike, bounds: IntervalLike) -> str:
    """`fmt_estimate`, or for a rate left undefined by strata without labels, its worst-case
    bounds: `— bounds [2.6, 100.0]%`."""
    if value is None and bounds:
        return f"{MISSING} bounds {fmt_interval(bounds)}"
    return fmt_estimate(value, interval)


def fmt_points(value: float | None, *, signed: bool = False) -> str:
    """A difference or width of proportions in percentage points: `+4.2 pp`, `5.0 pp`."""
    if value is None:
        return MISSING
    return f"{100 * value:{'+' if signed else ''}.1f} pp"


def fmt_difference(value: float | None, interval: IntervalLike) -> str:
    """A difference of rates with its interval: `+4.2 pp [1.0, 7.5]%`."""
    if value is None:
        return MISSING
    return f"{fmt_points(value, signed=True)} {fmt_interval(interval)}"


def fmt_count(n: int) -> str:
    """A count with thousands separators: `12,345`."""
    return f"{n:,}"


def fmt_seconds(ms: float | None) -> str:
    """A duration given in milliseconds, in seconds with one decimal: 2500 → `2.5 s`."""
    return MISSING if ms is None else f"{ms / 1000:,.1f} s"
