"""Published worked examples, reproduced through the real CLI (`import labels`, `report --json`).

Every expected value below is quoted from the publication named beside it; none was produced by
running polyjudge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reconcile.helpers import import_and_report, matrix_rows

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1-5, missing values; nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Wikipedia, "Krippendorff's alpha", worked example: 3 coders, 15 units, values 1-4;
# nominal alpha = 0.691.
WIKIPEDIA = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]

# Fleiss (1971), "Measuring nominal scale agreement among many raters", Table 1: 30 patients,
# 6 psychiatrists each, 5 diagnoses; the number of raters choosing each diagnosis.
# kappa = .430 (Fleiss 1971, p. 381).
FLEISS_1971 = [
    (0, 0, 0, 6, 0),
    (0, 3, 0, 0, 3),
    (0, 1, 4, 0, 1),
    (0, 0, 0, 0, 6),
    (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0),
    (0, 0, 4, 0, 2),
    (2, 0, 3, 1, 0),
    (2, 0, 0, 4, 0),
    (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0),
    (1, 1, 0, 4, 0),
    (0, 3, 3, 0, 0),
    (1, 0, 0, 5, 0),
    (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1),
    (3, 0, 0, 1, 2),
    (5, 1, 0, 0, 0),
    (0, 2, 0, 4, 0),
    (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6),
    (0, 1, 0, 5, 0),
    (0, 2, 0, 1, 3),
    (2, 0, 0, 4, 0),
    (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0),
    (4, 0, 0, 0, 2),
    (0, 2, 0, 4, 0),
    (1, 0, 5, 0, 0),
    (0, 0, 0, 0, 6),
]


def test_krippendorff_2011_nominal_alpha(tmp_path: Path) -> None:
    report = import_and_report(tmp_path, matrix_rows(KRIPPENDORFF_2011), "1,2,3,4,5")
    overall = report["agreement"]["overall"]
    assert overall["alpha"] == pytest.approx(0.743, abs=5e-4)
    # Krippendorff (2011): 11 pairable units (unit 12 has one value), n = 40 pairable values.
    assert overall["units"] == 11
    assert overall["pairable_values"] == 40
    lo, hi = overall["ci95"]
    assert lo < overall["alpha"] < hi
    # The project's language groups the same items.
    assert report["agreement"]["by_language"]["en"]["alpha"] == pytest.approx(0.743, abs=5e-4)


def test_wikipedia_nominal_alpha(tmp_path: Path) -> None:
    report = import_and_report(tmp_path, matrix_rows(WIKIPEDIA), "1,2,3,4")
    overall = report["agreement"]["overall"]
    assert overall["alpha"] == pytest.approx(0.691, abs=5e-4)
    # Counted from the table: units 3-13 and 15 have two or more values (12 units), holding
    # 26 values between them.
    assert overall["units"] == 12
    assert overall["pairable_values"] == 26


def test_fleiss_1971_kappa(tmp_path: Path) -> None:
    rows = []
    for u, counts in enumerate(FLEISS_1971):
        rater = 0
        for category, count in enumerate(counts, start=1):
            for _ in range(count):
                rater += 1
                rows.append((f"patient{u + 1:02d}", f"psychiatrist{rater}", str(category)))
    report = import_and_report(tmp_path, rows, "1,2,3,4,5")
    assert report["agreement"]["overall"]["fleiss_kappa"] == pytest.approx(0.430, abs=5e-4)
    assert report["agreement"]["overall"]["units"] == 30


def test_newcombe_wilson_example_81_of_263(tmp_path: Path) -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I:
    # 81/263, Wilson score interval 0.2553 to 0.3662.
    rows = [(f"item{i:03d}", "annotator", "unsafe" if i < 81 else "safe") for i in range(263)]
    report = import_and_report(tmp_path, rows, None)
    rate = report["unsafe_rate"]["overall"]
    assert (rate["n"], rate["unsafe"]) == (263, 81)
    assert rate["rate"] == pytest.approx(81 / 263)
    assert rate["ci95"][0] == pytest.approx(0.2553, abs=5e-5)
    assert rate["ci95"][1] == pytest.approx(0.3662, abs=5e-5)
    by_language = report["unsafe_rate"]["by_language"]["en"]
    assert by_language["ci95"] == rate["ci95"]
    assert by_language["estimator"] == "human_final_wilson"


def test_cohen_kappa_wikipedia_example(tmp_path: Path) -> None:
    # Wikipedia, "Cohen's kappa", first example: 50 proposals, A and B both yes 20, A yes B no
    # 5, A no B yes 10, both no 15; kappa = 0.4.
    cells = [
        ("unsafe", "unsafe", 20),
        ("unsafe", "safe", 5),
        ("safe", "unsafe", 10),
        ("safe", "safe", 15),
    ]
    rows, k = [], 0
    for a, b, count in cells:
        for _ in range(count):
            rows += [(f"p{k:02d}", "A", a), (f"p{k:02d}", "B", b)]
            k += 1
    report = import_and_report(tmp_path, rows, None)
    (pair,) = report["agreement"]["pairwise"]
    assert pair["annotators"] == ["A", "B"]
    assert pair["shared_items"] == 50
    assert pair["kappa"] == pytest.approx(0.4, abs=1e-9)
    assert pair["observed_agreement"] == pytest.approx(0.7)
