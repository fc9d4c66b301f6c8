"""One formatter for every number in every output (exports/numbers.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polyjudge.exports.numbers import (
    MISSING,
    fmt_count,
    fmt_difference,
    fmt_estimate,
    fmt_interval,
    fmt_num,
    fmt_points,
    fmt_rate,
)

ROOT = Path(__file__).resolve().parents[2]


def test_rates_and_intervals() -> None:
    assert fmt_rate(0.1234) == "12.3%"
    assert fmt_rate(0.98765, digits=3) == "98.765%"
    assert fmt_rate(0.25, digits=0) == "25%"
    assert fmt_rate(None) == MISSING == "—"
    assert fmt_interval((0.1, 0.2)) == "[10.0, 20.0]%"
    assert fmt_interval([0.1, 0.2], percent=False) == "[0.100, 0.200]"
    assert fmt_interval(None) == fmt_interval([]) == MISSING
    assert fmt_estimate(0.15, (0.1, 0.2)) == "15.0% [10.0, 20.0]%"
    assert fmt_estimate(0.15, None) == "15.0%"
    assert fmt_estimate(0.8123, (0.7, 0.9), percent=False) == "0.812 [0.700, 0.900]"
    assert fmt_estimate(None, (0.1, 0.2)) == MISSING


def test_coefficients_never_print_minus_zero() -> None:
    assert fmt_num(-0.0001) == "0.000"
    assert fmt_num(-0.25) == "-0.250"
    assert fmt_num(0.5, digits=1) == "0.5"
    assert fmt_num(None) == MISSING
    assert fmt_interval((-0.0002, 0.5), percent=False) == "[0.000, 0.500]"


def test_differences_widths_and_counts() -> None:
    assert fmt_points(0.05) == "5.0 pp"
    assert fmt_points(0.042, signed=True) == "+4.2 pp"
    assert fmt_difference(-0.042, (-0.075, -0.01)) == "-4.2 pp [-7.5, -1.0]%"
    assert fmt_difference(None, (0.1, 0.2)) == MISSING
    assert fmt_count(12345) == "12,345"


@pytest.mark.parametrize(
    "path",
    [
        "exports/report_tables.py",
        "exports/report_rate_tables.py",
        "exports/report_judge_tables.py",
        "exports/report_terminal.py",
        "exports/report_markdown.py",
        "exports/report_html.py",
        "exports/report_svg.py",
        "exports/report_format.py",
        "tui/dashboard_tables.py",
        "tui/dashboard_screen.py",
        "tui/adjudicate_detail.py",
        "polyjudge/commands/reporting.py",
        "polyjudge/commands/sampling.py",
    ],
)
def test_outputs_format_numbers_only_through_the_formatter(path: str) -> None:
    """No percentage, fixed-decimal statistic or thousands separator written by hand."""
    source = (ROOT / path).read_text(encoding="utf-8")
    by_hand = re.findall(r"100 \* |:\+?\.\d+f\}%|:\.3f\}|:,\}|:\+\.\d+f\} pp", source)
    assert by_hand == [], f"{path} formats numbers itself: {by_hand}"
