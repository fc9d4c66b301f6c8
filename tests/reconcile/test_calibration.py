"""Judge calibration against human-final labels: confusion matrix, kappa, sensitivity,
specificity and share unparsed. (Interval coverage is checked by bench/coverage_sim.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from polyjudge.reconcile.kappa import cohen_kappa
from polyjudge.reconcile.report import build_report

from tests.reconcile.helpers import build_project


def test_confusion_sensitivity_specificity_by_hand(tmp_path: Path) -> None:
    cells = {  # (gold, verdict): count
        ("unsafe", "unsafe"): 6,
        ("unsafe", "safe"): 2,
        ("unsafe", "invalid"): 1,
        ("unsafe", "unparsed"): 3,
        ("safe", "safe"): 15,
        ("safe", "unsafe"): 5,
        ("safe", "unparsed"): 2,
        ("invalid", "invalid"): 2,
        ("invalid", "safe"): 1,
    }
    items = []
    for (gold, verdict), count in cells.items():
        items += [
            {
                "language": "ar",
                "labels": [("a", gold), ("b", gold)],
                "verdict": {"judge": verdict, "base-baseline": "safe"},
            }
        ] * count
    # Not gold: a judge-only item and a queued (disagreeing) item.
    items.append({"language": "ar", "verdict": {"judge": "unsafe", "base-baseline": "safe"}})
    items.append(
        {
            "language": "ar",
            "labels": [("a", "safe"), ("b", "unsafe")],
            "verdict": {"judge": "unsafe", "base-baseline": "safe"},
        }
    )
    with build_project(tmp_path / "p.db", items) as project:
        report = build_report(project, resamples=0).as_json()
    judge = report["judges"]["judge"]
    assert judge["baseline"] is False
    assert report["judges"]["base-baseline"]["baseline"] is True
    b = judge["by_language"]["ar"]
    assert judge["overall"]["n_gold"] == b["n_gold"]  # one language: overall is the same
    assert b["n_gold"] == 37
    assert b["confusion"]["verdict"] == ["safe", "unsafe", "invalid", "unparsed"]
    assert b["confusion"]["matrix"] == [[15, 5, 0, 2], [2, 6, 1, 3], [1, 0, 2, 0]]
    # Sensitivity on gold unsafe with a parsed verdict: 6 of 9 (the invalid verdict is a miss).
    assert (b["n_positive"], b["sensitivity"]) == (9, pytest.approx(6 / 9))
    # Specificity on gold safe with a parsed verdict: 15 of 20.
    assert (b["n_negative"], b["specificity"]) == (20, pytest.approx(15 / 20))
    # Unparsed among all 39 verdicts of the run in the language.
    assert b["unparsed"] == 5 and b["share_unparsed"] == pytest.approx(5 / 39)
    # Kappa on the parsed 3 × 3 table (po = 23/32), computed here by hand.
    table = np.array([[15, 5, 0], [2, 6, 1], [1, 0, 2]], dtype=float)
    n = table.sum()
    po = np.trace(table) / n
    pe = (table.sum(0) * table.sum(1)).sum() / n**2
    assert b["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-6)
    for key in ("kappa_ci95", "sensitivity_ci95", "specificity_ci95", "share_unparsed_ci95"):
        lo, hi = b[key]
        assert lo <= b[key.removesuffix("_ci95")] <= hi


def test_kappa_undefined_when_both_raters_are_constant() -> None:
    kappa, reason = cohen_kappa(np.array([[5, 0], [0, 0]]))
    assert kappa is None and "no variation" in reason
