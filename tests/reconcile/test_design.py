"""Estimates follow the sampling design: weights 1/π, languages at their population size,
unjudged items as a stratum, queued items as a range. Truth is known by construction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from polyjudge.reconcile.report import build_report
from polyjudge.store import Project

from tests.reconcile.helpers import build_project, cli_ok


def label_sample(project: Project, truth: dict[int, str], who: str = "rater") -> int:
    annotator = project.annotators.ensure(who).id
    rows = project.assignments.all()
    for a in rows:
        project.labels.add(a.response_id, annotator, truth[a.response_id])
    return len(rows)


def test_a_judge_stratified_sample_is_weighted_back_to_the_language(tmp_path: Path) -> None:
    # 100 items per language; the judge flags every 10th and is right. 5 items were labelled
    # before the sample (outside the design unless the sample draws them). The stratified
    # sample (Neyman: `test_sampling`) takes 3 of the 10 judge-unsafe items (weight 10/3) and
    # 17 of the 90 others (weight 90/17), one of them labelled early: 3 of its 20 are unsafe,
    # and the weighted rate is the language's 10 / 100.
    items, truth = [], {}
    for language in ("ar", "bn"):
        for i in range(100):
            unsafe = i % 10 == 0
            spec = {"language": language, "verdict": {"judge": "unsafe" if unsafe else "safe"}}
            if i >= 95:
                spec["labels"] = [("early", "safe")]
            items.append(spec)
            truth[len(items)] = "unsafe" if unsafe else "safe"
    db = tmp_path / "p.db"
    build_project(db, items).close()
    cli_ok("sample", "--per-language", "20", "--stratify-by-judge", "--seed", "1", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    block = report["unsafe_rate"]["by_language"]["ar"]
    assert block["n"] == 20 and block["unsafe"] == 3 and block["outside_design"] == 4
    assert block["estimator"] == "human_design_weighted"
    # every item of the language can be drawn: the sample stands for all 100
    assert block["rate"] == pytest.approx(10 / 100, abs=1e-6)
    lo, hi = block["ci95"]
    assert lo < 0.1 < hi and hi < 0.5
    design = report["unsafe_rate"]["design"]["ar"]
    assert design == {"sample": "weighted", "sampled": 20, "used": 20, "outside_design": 4}
    corrected = block["judge_corrected"]
    assert block["headline"] == "judge_corrected_stratified"
    assert corrected["rate"] == pytest.approx(0.1)
    assert corrected["ci95"][0] <= 0.1 <= corrected["ci95"][1]
    # The sample's strata are the verdict's cells, so the human-only rate is the stratified
    # rate, the same estimator as the judge-corrected one: the same interval (before, the
    # human-only rate took one Wilson interval at Agresti-Coull-adjusted stratum variances).
    assert block["ci95"] == pytest.approx(corrected["ci95"], abs=1e-9)


def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval (Wilson 1927), written out."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_a_language_sampled_whole_and_labelled_in_part_keeps_an_interval(tmp_path: Path) -> None:
    # A small language (10 items) is sampled whole (`--per-language` above its size: every π
    # is 1). Four labels are in, two unsafe: they are a simple random sample of 4 of the 10
    # (the queue walks the sample in a random order), so the rate has the interval of 4 of 10
    # drawn without replacement: Wilson at the design-effective size (n − 1)/(1 − n/N) = 5.
    # Before, the stored π = 1 gave a design variance of 0: [0.198, 0.802] (Kish's size over
    # 1 − n/N), and the judge-corrected rate, with p(unsafe), the point [0.445, 0.445] (the demo
    # project showed such points mid-labelling).
    db = tmp_path / "p.db"
    with build_project(db, [{"language": "sw"} for _ in range(10)]) as project:
        scores = [0.9, 0.8, 0.7, 0.2, 0.1, 0.1, 0.3, 0.05, 0.2, 0.1]
        project.judging.add_verdict_rows(
            "judge",
            "m",
            [(i + 1, "unsafe" if f > 0.5 else "safe", f) for i, f in enumerate(scores)],
        )
    cli_ok("sample", "--per-language", "50", "--seed", "1", "--db", str(db))
    with Project.open(db) as project:
        assert {a.weight for a in project.assignments.all()} == {1.0}
        annotator = project.annotators.ensure("rater").id
        for rid, label in ((1, "unsafe"), (4, "safe"), (7, "unsafe"), (9, "safe")):
            project.labels.add(rid, annotator, label)
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    block = report["unsafe_rate"]["by_language"]["sw"]
    assert block["n"] == 4 and block["rate"] == pytest.approx(0.5)
    assert block["ci95"] == pytest.approx(list(_wilson(2.5, 5)), abs=1e-6)
    corrected = block["judge_corrected"]
    low, high = corrected["ci95"]
    assert low < corrected["rate"] < high


def test_a_stratified_sample_labelled_in_part_weighs_strata_by_their_labels(
    tmp_path: Path,
) -> None:
    # 100 items, the judge flags every 10th and is right; the stratified sample takes 4 of the
    # 10 judge-unsafe items (Neyman) and 16 of the 90 others. All 4 are labelled, but only 5 of
    # the 16: each of those 5 stands for 90/5 items, not 90/16. The human-only rate is then the
    # language's 10/100 (with the stored weights: 10/(10 + 5·90/16) = 0.262), and the same as
    # the judge-corrected one.
    items = [
        {"language": "ar", "verdict": {"judge": "unsafe" if i % 10 == 0 else "safe"}}
        for i in range(100)
    ]
    truth = {i + 1: "unsafe" if i % 10 == 0 else "safe" for i in range(100)}
    db = tmp_path / "p.db"
    build_project(db, items).close()
    cli_ok("sample", "--per-language", "20", "--stratify-by-judge", "--seed", "1", "--db", str(db))
    with Project.open(db) as project:
        annotator = project.annotators.ensure("rater").id
        rows = project.assignments.all()
        flagged = [a.response_id for a in rows if truth[a.response_id] == "unsafe"]
        others = [a.response_id for a in rows if truth[a.response_id] == "safe"]
        assert (len(flagged), len(others)) == (4, 16)
        for rid in flagged + others[:5]:
            project.labels.add(rid, annotator, truth[rid])
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    block = report["unsafe_rate"]["by_language"]["ar"]
    assert block["n"] == 9 and block["rate"] == pytest.approx(0.1, abs=1e-6)
    assert block["judge_corrected"]["rate"] == pytest.approx(0.1, abs=1e-6)
    assert block["ci95"] == pytest.approx(block["judge_corrected"]["ci95"], abs=1e-9)
    # MOVER over the strata at their labelled shares: 4 of 10 (all unsafe: Wilson at n/(1 − π)),
    # 5 of 90 (none unsafe): 0.1 − 0.1·(1 − l_1), 0.1 + 0.9·u_2.
    a_low, _ = _wilson(4 / 0.6, 4 / 0.6)
    _, b_high = _wilson(0, 5 / (1 - 5 / 90))
    assert block["ci95"] == pytest.approx([0.1 * a_low, 0.1 + 0.9 * b_high], abs=1e-6)


def test_the_labelled_part_of_a_sample_carries_the_whole_samples_weight() -> None:
    # Language 0: an active (Poisson) sample of 4 items, 2 labelled: each labelled item's
    # weight doubles (π·n'/n). Language 1: a simple random sample of 2 of its 4 items (weight
    # 2), 1 labelled: it stands for all 4. Unsampled items keep weight 1.
    from polyjudge.reconcile.design import build_design

    language = np.array([0] * 6 + [1] * 4)
    at = np.array([0, 1, 2, 3, 6, 7])
    strata = ["judge:1:active"] * 4 + ["uniform", "uniform"]
    design = build_design(language, 10, at, np.array([2.0, 4.0, 5.0, 10.0, 2.0, 2.0]), strata)
    labelled = np.zeros(10, bool)
    labelled[[0, 3, 6, 9]] = True
    weight = design.labelled_weight(labelled)
    assert weight[[0, 3, 6]] == pytest.approx([4.0, 20.0, 4.0])
    assert weight[[4, 5, 8, 9]] == pytest.approx([1.0] * 4)
    # Everything labelled: the stored weights.
    assert design.labelled_weight(design.assigned) == pytest.approx(design.weight)


def _two_languages(tmp_path: Path, judged: bool = True) -> tuple[Path, dict[int, str], float]:
    """zh: 1,000 items, 5% unsafe; sw: 100 items, 60% unsafe (a judge with some errors)."""
    rng = np.random.default_rng(3)
    items, truth = [], {}
    for language, size, share in (("zh", 1000, 0.05), ("sw", 100, 0.6)):
        unsafe = np.zeros(size, bool)
        unsafe[rng.choice(size, round(size * share), replace=False)] = True
        for is_unsafe in unsafe:
            flip = rng.random() < 0.1
            verdict = "unsafe" if is_unsafe != flip else "safe"
            items.append(
                {"language": language, "verdict": {"judge": verdict}}
                if judged
                else {"language": language}
            )
            truth[len(items)] = "unsafe" if is_unsafe else "safe"
    db = tmp_path / "p.db"
    build_project(db, items).close()
    true_rate = sum(v == "unsafe" for v in truth.values()) / len(truth)
    return db, truth, true_rate


def test_pooled_rates_weigh_languages_by_their_population(tmp_path: Path) -> None:
    db, truth, true_rate = _two_languages(tmp_path, judged=False)
    cli_ok("sample", "--per-language", "60", "--seed", "4", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)
        report = build_report(project, resamples=0).as_json()
    overall = report["unsafe_rate"]["overall"]
    # The sample is 60 + 60 items: pooled as one sample it would read about (3 + 36) / 120.
    naive = overall["unsafe"] / overall["n"]
    assert naive > 0.25
    assert overall["rate"] == pytest.approx(true_rate, abs=0.04)
    lo, hi = overall["ci95"]
    assert lo <= true_rate <= hi and not lo <= naive <= hi
    assert overall["estimator"] == "human_design_weighted"


def test_unjudged_items_are_a_stratum_not_dropped(tmp_path: Path) -> None:
    db, truth, _ = _two_languages(tmp_path)
    with Project.open(db) as project:
        # Half of zh loses its verdicts: those items become unjudged, and they are the
        # unsafe-heavy half (ids sorted so that the unsafe ones come first).
        zh = sorted((rid for rid in truth if rid <= 1000), key=lambda r: truth[r] != "unsafe")
        project.conn.execute(
            f"DELETE FROM verdicts WHERE response_id IN ({','.join(map(str, zh[:500]))})"
        )
        project.conn.commit()
    cli_ok("sample", "--per-language", "100", "--seed", "2", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)
        report = build_report(project, resamples=0).as_json()
    block = report["unsafe_rate"]["by_language"]["zh"]
    corrected = block["judge_corrected"]
    assert corrected["population"] == 1000 and corrected["unjudged"] == 500
    assert any("no verdict" in note for note in corrected["notes"])
    assert corrected["ci95"][0] <= 0.05 <= corrected["ci95"][1]


def test_queued_items_give_the_range_they_can_still_move_the_rate(tmp_path: Path) -> None:
    items = [{"language": "bn", "labels": [("a", "safe")]} for _ in range(8)]
    items += [{"language": "bn", "labels": [("a", "safe"), ("b", "unsafe")]} for _ in range(2)]
    with build_project(tmp_path / "p.db", items) as project:
        block = build_report(project, resamples=0).as_json()["unsafe_rate"]["by_language"]["bn"]
    assert block["pending"] == 2 and block["rate"] == 0.0
    assert block["pending_range"] == [pytest.approx(0.0), pytest.approx(0.2)]


def _scored_language(seed: int, size: int = 4000) -> tuple[list[dict], dict[int, str], list]:
    """A calibrated judge: p(unsafe) = sigmoid(−2.5 + 2·z), the truth drawn from it, the
    verdict p > ½; rows (id, verdict, p) for the store."""
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(-2.5 + 2 * rng.normal(size=size))))
    unsafe = rng.random(size) < p
    items = [{"language": "th"} for _ in range(size)]
    truth = {i + 1: "unsafe" if u else "safe" for i, u in enumerate(unsafe)}
    rows = [(i + 1, "unsafe" if pi > 0.5 else "safe", float(pi)) for i, pi in enumerate(p)]
    return items, truth, rows


def test_p_unsafe_sharpens_the_corrected_rate_and_it_still_covers(tmp_path: Path) -> None:
    items, truth, rows = _scored_language(8)
    true_rate = sum(v == "unsafe" for v in truth.values()) / len(truth)
    widths = {}
    for with_p in (False, True):
        db = tmp_path / f"p{with_p}.db"
        with build_project(db, items) as project:
            project.judging.add_verdict_rows(
                "judge", "m", rows if with_p else [r[:2] for r in rows]
            )
        cli_ok("sample", "--per-language", "400", "--seed", "1", "--db", str(db))
        with Project.open(db) as project:
            label_sample(project, truth)
            block = build_report(project, resamples=0).as_json()["unsafe_rate"]["by_language"]["th"]
        corrected = block["judge_corrected"]
        assert block["headline"] == "judge_corrected_stratified"
        lo, hi = corrected["ci95"]
        assert lo <= true_rate <= hi
        widths[with_p] = hi - lo
    # The same labels; p(unsafe) explains part of the variation inside each verdict stratum.
    assert widths[True] < widths[False]


def test_the_interval_of_two_strata_is_mover_over_their_wilson_intervals() -> None:
    # Two strata of 1,000 and 3,000 items, 50 and 100 sampled, 20 and 3 positives.
    from polyjudge.reconcile.intervals import wilson
    from polyjudge.reconcile.poststratified import poststratified_rate

    cells = np.repeat([0, 1], [1000, 3000])
    sample = np.zeros(4000, bool)
    sample[:50] = sample[1000:1100] = True
    y = np.zeros(4000, bool)
    y[:20] = y[1000:1003] = True
    est = poststratified_rate(y, np.ones(4000), sample, np.ones(4000, bool), cells)
    # Each stratum: Wilson at n / (1 − n/N); the sum: MOVER (Zou & Donner 2008).
    W, p = np.array([0.25, 0.75]), np.array([20 / 50, 3 / 100])
    n_star = np.array([50 / (1 - 50 / 1000), 100 / (1 - 100 / 3000)])
    limits = [wilson(pi * ni, ni) for pi, ni in zip(p, n_star, strict=True)]
    low = float(W @ p) - np.sqrt(
        sum((w * (pi - lo)) ** 2 for w, pi, (lo, _) in zip(W, p, limits, strict=True))
    )
    high = float(W @ p) + np.sqrt(
        sum((w * (hi - pi)) ** 2 for w, pi, (_, hi) in zip(W, p, limits, strict=True))
    )
    assert est["rate"] == pytest.approx(float(W @ p))
    assert est["ci95"] == pytest.approx([low, high])


def test_a_cell_labelled_whole_is_its_census_mean_whatever_the_weights() -> None:
    # An active (Poisson) design can take every item of a small judge-unsafe cell, each with its
    # own 1/π: the cell is then known exactly, and the rate of a language whose other cell has
    # no positive in its sample is bounded below by that census.
    from polyjudge.reconcile.poststratified import poststratified_rate

    cells = np.repeat([0, 1], [26, 974])
    y = np.zeros(1000, bool)
    y[[0, 5, 9, 17]] = True  # 4 of the 26
    sample = np.zeros(1000, bool)
    sample[:26] = True
    sample[26::12] = True
    weight = np.ones(1000)
    weight[:26] = 1 + (np.arange(26) % 7)  # unequal 1/π inside the census cell
    weight[26:] = 12.0
    prediction = np.full(1000, 0.01)
    prediction[:26] = np.linspace(0.2, 1.0, 26)
    est = poststratified_rate(y, weight, sample, np.ones(1000, bool), cells, prediction=prediction)
    true_rate = 4 / 1000  # no positive outside the census cell
    assert est["cells"][0].estimate == pytest.approx(4 / 26)
    low, high = est["ci95"]
    assert low - 1e-12 <= true_rate <= high


def test_a_nearly_whole_cell_with_predictions_keeps_an_interval_on_both_sides() -> None:
    # 28 of 29 items labelled, with p(unsafe): the finite-population correction leaves a small
    # variance; the interval must still hold the estimate strictly inside it (a pseudo-
    # observation centre, used before, moved more than that and stopped the interval at it).
    from polyjudge.reconcile.poststratified import poststratified_rate

    cells = np.repeat([0, 1], [29, 971])
    y = np.zeros(1000, bool)
    y[[0, 1, 2, 3, 28]] = True  # item 28 is the one not labelled
    sample = np.zeros(1000, bool)
    sample[:28] = True
    sample[29::14] = True
    weight = np.ones(1000)
    weight[29:] = 14.0
    weight[0] = 3.7
    prediction = np.full(1000, 0.005)
    prediction[:29] = 0.1
    prediction[[0, 1, 2, 3, 28]] = [1.0, 0.996, 0.334, 0.917, 0.6]
    est = poststratified_rate(y, weight, sample, np.ones(1000, bool), cells, prediction=prediction)
    assert est["cells"][0].lam > 0
    low, high = est["ci95"]
    assert low < est["rate"] < high


def test_a_comparison_after_a_judge_stratified_sample_follows_the_design(
    tmp_path: Path,
) -> None:
    # Model a: 8% unsafe, model b: 20%, 1,500 items each in one language; a judge of
    # sensitivity and specificity 0.85; the sample oversamples judge-unsafe items.
    rng = np.random.default_rng(11)
    items, truth, rows = [], {}, []
    for model, share in (("a", 0.08), ("b", 0.2)):
        unsafe = rng.random(1500) < share
        for u in unsafe:
            items.append({"language": "ko", "model": model})
            rid = len(items)
            truth[rid] = "unsafe" if u else "safe"
            right = rng.random() < 0.85
            rows.append((rid, truth[rid] if right else ("safe" if u else "unsafe")))
    db = tmp_path / "p.db"
    with build_project(db, items) as project:
        project.judging.add_verdict_rows("judge", "m", rows)
    cli_ok("sample", "--per-language", "300", "--stratify-by-judge", "--seed", "3", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)
    report = json.loads(
        cli_ok("report", "--json", "--bootstrap", "0", "--compare", "model", "--db", str(db))
    )
    (comparison,) = report["comparisons"]
    true_a = np.mean([truth[r] == "unsafe" for r in range(1, 1501)])
    true_b = np.mean([truth[r] == "unsafe" for r in range(1501, 3001)])
    assert comparison["method"] == "mover_design" and comparison["paired"] is None
    lo, hi = comparison["ci95"]
    assert lo <= true_a - true_b <= hi
    assert comparison["difference"] == pytest.approx(true_a - true_b, abs=0.05)


def test_sequential_looks_are_counted_and_widen_the_interval(tmp_path: Path) -> None:
    db, truth, _ = _two_languages(tmp_path)
    cli_ok("sample", "--per-language", "80", "--seed", "5", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)

    def corrected(*extra: str) -> tuple[dict, list[float]]:
        report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db), *extra))
        rates = report["unsafe_rate"]
        return rates["sequential"], rates["by_language"]["zh"]["judge_corrected"]["ci95"]

    plain_look, plain = corrected()
    first_look, first = corrected("--sequential")
    second_look, second = corrected("--sequential")
    assert plain_look is None
    assert (first_look["look"], second_look["look"]) == (1, 2)
    assert first_look["alpha"] == pytest.approx(0.05 * 6 / np.pi**2, abs=1e-6)
    assert second_look["alpha"] == pytest.approx(first_look["alpha"] / 4, abs=1e-6)
    width = [hi - lo for lo, hi in (plain, first, second)]
    assert width[0] < width[1] < width[2]
    markdown = cli_ok("report", "--markdown", "--bootstrap", "0", "--sequential", "--db", str(db))
    assert "--sequential look 3" in markdown


def test_a_stratified_sample_that_took_every_item_raises_no_stratified_warning(
    tmp_path: Path,
) -> None:
    items = [
        {"language": "sw", "verdict": {"judge": "unsafe" if i < 3 else "safe"}} for i in range(12)
    ]
    db = tmp_path / "p.db"
    build_project(db, items).close()
    cli_ok("sample", "--per-language", "50", "--stratify-by-judge", "--db", str(db))
    with Project.open(db) as project:
        assert {a.weight for a in project.assignments.all()} == {1.0}
        label_sample(project, {i: "unsafe" if i <= 3 else "safe" for i in range(1, 13)})
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    assert report["judges"]["judge"]["warning"] is None
    assert report["unsafe_rate"]["design"]["sw"]["sample"] == "equal_probability"
    block = report["unsafe_rate"]["by_language"]["sw"]
    assert block["rate"] == pytest.approx(0.25) and block["judge_corrected"] is None
    markdown = cli_ok("report", "--markdown", "--bootstrap", "0", "--db", str(db))
    assert "describes that sample" not in markdown and "over-represents" not in markdown


def test_a_reason_naming_a_language_reaches_the_report_escaped(tmp_path: Path) -> None:
    # The pooled rate is undefined and its reason names the unlabelled language, whose code
    # came from an imported file: a terminal escape there must not reach the report raw.
    hostile = "x\x1b]0;pwned\x07"
    items = [{"language": "bn", "labels": [("a", "safe")]}, {"language": hostile}]
    db = tmp_path / "p.db"
    build_project(db, items).close()
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    assert "x" in report["unsafe_rate"]["overall"]["reasons"]["rate"]
    for args in (("--markdown",), ()):
        out = cli_ok("report", *args, "--bootstrap", "0", "--db", str(db))
        assert "\x1b" not in out and "\x07" not in out


def test_a_pooled_judge_accuracy_weighs_languages_by_their_size(tmp_path: Path) -> None:
    # ar: 1,000 items, the judge flags 100; 10 flagged items labelled (8 unsafe), 20 others
    # (1 unsafe). bn: 100 items, 50 flagged; all labelled, 25 and 5 unsafe. No sample: the
    # labels stand for their strata. The judge's sensitivity over both languages, by
    # definition TP/P with each language's strata at their sizes: TP = 100·0.8 + 50·0.5 =
    # 105, P = 105 + 900·0.05 + 50·0.1 = 155. From the pooled labelled counts (PPV 33/60, FOR
    # 6/70, q = 150/1,100) it came out 0.50: bn, labelled whole, outweighed ar.
    items = []
    for language, size, flagged, labelled in (
        (
            "ar",
            1000,
            100,
            {(True, True): 8, (True, False): 2, (False, True): 1, (False, False): 19},
        ),
        (
            "bn",
            100,
            50,
            {(True, True): 25, (True, False): 25, (False, True): 5, (False, False): 45},
        ),
    ):
        left = dict(labelled)
        for i in range(size):
            judge = i < flagged
            spec: dict = {"language": language, "verdict": {"judge": "unsafe" if judge else "safe"}}
            for unsafe in (True, False):
                if left.get((judge, unsafe), 0) > 0:
                    left[(judge, unsafe)] -= 1
                    spec["labels"] = [("rater", "unsafe" if unsafe else "safe")]
                    break
            items.append(spec)
    db = tmp_path / "p.db"
    build_project(db, items).close()
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    overall = report["unsafe_rate"]["overall"]["judge_corrected"]
    assert overall["rate"] == pytest.approx(155 / 1100, abs=1e-6)
    assert overall["judge_sensitivity"] == pytest.approx(105 / 155, abs=1e-6)
    tn = 900 * 0.95 + 50 * 0.9
    assert overall["judge_specificity"] == pytest.approx(tn / (1100 - 155), abs=1e-6)
    low, high = overall["judge_sensitivity_ci95"]
    assert low < 105 / 155 < high
    # So are its PPV and FOR, the unsafe shares of the flagged and the cleared items: 105 of
    # 150 and 50 of 950 (from the pooled labels, 33/60 and 6/70), the labels still counted.
    assert overall["ppv"] == pytest.approx(105 / 150, abs=1e-6)
    assert overall["for"] == pytest.approx(50 / 950, abs=1e-6)
    assert (overall["unsafe_ppv"], overall["n_ppv"]) == (33, 60)
    for key, true in (("ppv", 105 / 150), ("for", 50 / 950)):
        low, high = overall[f"{key}_ci95"]
        assert low < true < high
    by_language = report["unsafe_rate"]["by_language"]
    assert by_language["ar"]["judge_corrected"]["judge_sensitivity"] == pytest.approx(80 / 125)
    assert by_language["bn"]["judge_corrected"] is None  # labelled whole: nothing to correct


def test_the_judges_accuracy_after_an_active_sample_is_weighted_by_the_design(
    tmp_path: Path,
) -> None:
    # An active sample draws the items whose p(unsafe) is near ½ more often than the confident
    # ones, in each verdict stratum: the judge-safe items it labels are more often unsafe than
    # the judge-safe items at large, and the judge-unsafe ones less often. The judge's
    # sensitivity and specificity by Bayes' rule must weigh the labels back (1/π), as the rate
    # does; their plain shares understate the PPV and overstate the FOR.
    items, truth, rows = _scored_language(5, size=6000)
    unsafe = {i for i, v in truth.items() if v == "unsafe"}
    flagged = {i for i, verdict, _ in rows if verdict == "unsafe"}
    sensitivity = len(unsafe & flagged) / len(unsafe)
    specificity = (len(truth) - len(unsafe | flagged)) / (len(truth) - len(unsafe))
    db = tmp_path / "p.db"
    with build_project(db, items) as project:
        project.judging.add_verdict_rows("judge", "m", rows)
    cli_ok("sample", "--per-language", "600", "--design", "active", "--seed", "3", "--db", str(db))
    with Project.open(db) as project:
        label_sample(project, truth)
        weights = {a.response_id: a.weight for a in project.assignments.all()}
    assert len(set(weights.values())) > 10  # unequal probabilities
    report = json.loads(cli_ok("report", "--json", "--bootstrap", "0", "--db", str(db)))
    corrected = report["unsafe_rate"]["by_language"]["th"]["judge_corrected"]
    # The design-weighted PPV, Σw·y/Σw over the labelled judge-unsafe items, written out.
    ppv = sum(weights[i] for i in weights if i in flagged and i in unsafe) / sum(
        weights[i] for i in weights if i in flagged
    )
    assert corrected["ppv"] == pytest.approx(ppv)
    for key, true in (("sensitivity", sensitivity), ("specificity", specificity)):
        low, high = corrected[f"judge_{key}_ci95"]
        assert low <= true <= high, (key, true, low, high)
        assert corrected[f"judge_{key}"] == pytest.approx(true, abs=0.04)
