"""Agreement internals: the vectorised bootstrap is exactly the unit bootstrap, undefined
statistics are null with a reason, pairwise kappa needs enough shared items."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from polyjudge.reconcile.agreement import (
    MIN_PAIR_ITEMS,
    _unit_terms,
    agreement,
    alpha_from_totals,
)
from polyjudge.reconcile.alpha_interval import distinct_rows, pattern_weights, possible_patterns

from tests.reconcile.helpers import cli_ok, import_and_report, write_labels

LABELS = ("safe", "unsafe", "invalid")


def random_counts(rng: np.random.Generator, units: int, values: int = 3) -> np.ndarray:
    m = rng.integers(0, 5, size=units)
    p = rng.dirichlet(np.ones(values), size=units)
    return np.array([rng.multinomial(k, q) for k, q in zip(m, p, strict=True)])


@pytest.mark.parametrize("seed", range(5))
def test_closed_form_alpha_equals_the_package(seed: int) -> None:
    rng = np.random.default_rng(seed)
    vc = random_counts(rng, 200)
    vc = vc[vc.sum(axis=1) >= 2]
    m, diag = _unit_terms(vc)
    ours = alpha_from_totals(np.array(m.sum()), np.array(diag.sum()), vc.sum(axis=0))
    theirs = krippendorff.alpha(value_counts=vc, level_of_measurement="nominal")
    assert float(ours) == pytest.approx(theirs, abs=1e-12)


def test_resampling_patterns_is_the_unit_bootstrap() -> None:
    """A resample of units, expressed as counts per distinct row, gives the alpha that the
    package computes on the resampled units themselves."""
    rng = np.random.default_rng(3)
    vc = random_counts(rng, 150)
    vc = vc[vc.sum(axis=1) >= 2]
    patterns, _ = distinct_rows(vc)
    for _ in range(20):
        idx = rng.integers(0, vc.shape[0], size=vc.shape[0])
        resample = vc[idx]
        # counts of each pattern in the resample
        draws = np.array([(resample == p).all(axis=1).sum() for p in patterns], dtype=float)
        m, diag = _unit_terms(patterns)
        ours = alpha_from_totals(draws @ m, draws @ diag, draws @ patterns.astype(float))
        theirs = krippendorff.alpha(value_counts=resample, level_of_measurement="nominal")
        assert float(ours) == pytest.approx(theirs, abs=1e-12)


def test_distinct_rows_matches_numpy_unique() -> None:
    rng = np.random.default_rng(0)
    vc = random_counts(rng, 500, values=4)
    rows, freq = distinct_rows(vc)
    expected_rows, expected_freq = np.unique(vc, axis=0, return_counts=True)
    order = np.lexsort(rows.T[::-1])
    assert np.array_equal(rows[order], expected_rows)
    assert np.array_equal(freq[order], expected_freq)


def test_possible_patterns_are_every_composition() -> None:
    patterns = possible_patterns([2, 3], 3)
    # C(2+2, 2) + C(3+2, 2) = 6 + 10 compositions, each summing to its size.
    assert len(patterns) == 16
    assert sorted(patterns.sum(axis=1).tolist()) == [2] * 6 + [3] * 10
    assert len({tuple(p) for p in patterns.tolist()}) == 16
    assert possible_patterns([40], 12) is None  # too many: observed patterns only


def test_bayesian_bootstrap_weights_cover_unseen_patterns_lightly() -> None:
    vc = np.array([[3, 0], [3, 0], [2, 1]] * 10)  # 30 units, two observed patterns
    patterns, weights = pattern_weights(vc, 500, np.random.default_rng(0))
    assert len(patterns) == 4  # [3,0] [2,1] [1,2] [0,3]
    assert np.allclose(weights.sum(axis=1), 30)
    unseen = [i for i, p in enumerate(patterns.tolist()) if p in ([1, 2], [0, 3])]
    assert 0 < weights[:, unseen].mean() < 0.5  # a Jeffreys ½ each: rare but possible


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(11)
    vc = random_counts(rng, 300)
    a = agreement(vc, LABELS, resamples=500, rng=np.random.default_rng(1))
    b = agreement(vc, LABELS, resamples=500, rng=np.random.default_rng(1))
    assert a["ci95"] == b["ci95"]
    assert a["ci95"][0] < a["alpha"] < a["ci95"][1]


def test_no_pairable_values_is_null_with_a_reason() -> None:
    vc = np.array([[1, 0, 0], [0, 1, 0]])
    result = agreement(vc, LABELS, resamples=10)
    assert result["alpha"] is None and result["observed_agreement"] is None
    assert "fewer than two pairable values" in result["reasons"]["alpha"]
    assert result["units"] == 0


def test_no_variation_is_null_not_one() -> None:
    vc = np.array([[2, 0, 0], [3, 0, 0]])
    result = agreement(vc, LABELS, resamples=10)
    assert result["alpha"] is None
    assert "no variation" in result["reasons"]["alpha"]
    assert result["observed_agreement"] == 1.0  # observed agreement is defined: all agree
    assert result["specific_agreement"]["unsafe"] is None


def test_specific_agreement_for_two_annotators_is_2a_over_2a_b_c() -> None:
    # 2 × 2 table: both unsafe a=6, only one says unsafe b + c = 3 + 1, both safe d=10.
    vc = np.array([[0, 2, 0]] * 6 + [[1, 1, 0]] * 4 + [[2, 0, 0]] * 10)
    result = agreement(vc, LABELS, resamples=0)
    assert result["specific_agreement"]["unsafe"] == pytest.approx(2 * 6 / (2 * 6 + 4))
    assert result["specific_agreement"]["safe"] == pytest.approx(2 * 10 / (2 * 10 + 4))
    assert result["observed_agreement"] == pytest.approx(16 / 20)


def test_pairwise_kappa_needs_enough_shared_items(tmp_path: Path) -> None:
    rows = []
    for i in range(MIN_PAIR_ITEMS - 1):  # A and B share 9 items
        rows += [(f"i{i}", "A", "safe" if i % 2 else "unsafe"), (f"i{i}", "B", "safe")]
    for i in range(30):  # A and C share 30
        label = "unsafe" if i % 3 == 0 else "safe"
        rows += [(f"j{i}", "A", label), (f"j{i}", "C", label)]
    report = import_and_report(tmp_path, rows, None)
    pairs = {tuple(p["annotators"]): p for p in report["agreement"]["pairwise"]}
    assert pairs[("A", "B")]["kappa"] is None
    assert f"fewer than {MIN_PAIR_ITEMS}" in pairs[("A", "B")]["reason"]
    assert pairs[("A", "C")]["kappa"] == pytest.approx(1.0)
    assert ("B", "C") not in pairs  # no shared items at all


def test_unsure_labels_count_as_chosen_in_agreement(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    cli_ok("init", "--db", db)
    path = write_labels(tmp_path / "l.csv", [])
    path.write_text(
        "item,annotator,label,unsure,text,language\n"
        "a,x,unsafe,true,t,bn\na,y,unsafe,false,t,bn\n"
        "b,x,safe,false,t,bn\nb,y,safe,false,t,bn\n",
        encoding="utf-8",
    )
    cli_ok("import", "labels", str(path), "--db", db)
    report = json.loads(cli_ok("report", "--json", "--db", db))
    assert report["agreement"]["overall"]["observed_agreement"] == 1.0
    assert report["queue"]["unsure"] == 1
    assert report["unsafe_rate"]["overall"]["n"] == 1  # the unsure item is not final yet
    assert report["unsafe_rate"]["overall"]["pending"] == 1


def test_no_alpha_from_one_item_and_a_caveat_from_a_handful() -> None:
    """Issue 9 (defect 6c): alpha and Fleiss' kappa of one item, or of three, were printed as
    if they measured something. One item: null with the reason; under ten: a caveat."""
    one = agreement(np.array([[1, 2, 0]]), LABELS, resamples=100)
    assert one["alpha"] is None and one["fleiss_kappa"] is None and one["ci95"] is None
    assert "single item" in one["reasons"]["alpha"]
    assert one["reasons"]["fleiss_kappa"] == one["reasons"]["alpha"]
    assert one["observed_agreement"] is not None  # a plain share, still shown
    few = agreement(np.array([[1, 1, 0], [2, 0, 0], [0, 2, 0]]), LABELS, resamples=100)
    assert few["alpha"] is not None and "only 3 items" in few["caveat"]
    assert few["ci95"] is None and "fewer than 10" in few["reasons"]["ci95"]
    many = agreement(np.array([[1, 1, 0], [2, 0, 0], [0, 2, 0]] * 4), LABELS, resamples=100)
    assert "caveat" not in many and many["ci95"] is not None
