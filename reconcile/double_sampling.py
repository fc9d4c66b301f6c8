"""Cochran's double-sampling estimate q·PPV + (1 − q)·FOR for one language, with a
Monte-Carlo interval from mid-p confidence draws, and the judge's population sensitivity and
specificity by Bayes' rule from the same draws (see `judge_rates.py`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .intervals import containing, wilson_bcd

MC_DRAWS = 20_000


def _quantiles(draws: np.ndarray) -> list[float] | None:
    if draws.size < 2:
        return None
    return [float(x) for x in np.quantile(draws, [0.025, 0.975])]


def midp_draws(x: float, n: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from the mid-p confidence distribution of a binomial proportion (x of n): each
    draw from Beta(x, n − x + 1) or Beta(x + 1, n − x) with probability ½ (a Beta with a zero
    parameter is the point mass at 0 or 1). x and n may be effective counts (`judge_rates`:
    a weighted share at Kish's size)."""
    high = rng.random(size) < 0.5
    a = x + high.astype(np.int64)
    b = n - x + 1 - high.astype(np.int64)
    draws = rng.beta(np.where(a > 0, a, 1), np.where(b > 0, b, 1))
    draws[a <= 0] = 0.0
    draws[b <= 0] = 1.0
    return draws


def _share_interval(x: float, n: float) -> list[float] | None:
    """The modified Wilson interval of x of n labels, also at an effective size where the
    counts are not whole (weighted labels: `intervals.wilson_bcd`)."""
    interval = wilson_bcd(x, n)
    return list(interval) if interval else None


def stratified_estimate(
    judged_pos: int,
    judged: int,
    x1: float,
    n1: float,
    x0: float,
    n0: float,
    rng: np.random.Generator,
    draws: int = MC_DRAWS,
    accuracy: bool = False,
) -> dict[str, Any]:
    """rate = q·PPV + (1 − q)·FOR with a Monte-Carlo 95% interval (see `judge_rates.py`).
    judged_pos of judged items are judge-positive; x1 of n1 labelled judge-positive items and
    x0 of n0 labelled judge-negative items are human-positive.

    With `accuracy`, also the judge's population sensitivity and specificity by Bayes' rule,
    sens = q·PPV / rate and spec = (1 − q)(1 − FOR) / (1 − rate), from the same draws. Unlike
    sensitivity on the labelled items, these stay unbiased when the labelled items were sampled
    stratified by this judge's verdict (judge-unsafe items oversampled)."""
    out: dict[str, Any] = {"rate": None, "ci95": None, "reason": None}
    if judged == 0:
        out["reason"] = "no judged item"
        return out
    q = judged_pos / judged
    need_pos, need_neg = judged_pos > 0, judged_pos < judged
    if need_pos and n1 == 0:
        out["reason"] = "no human-final item among the judge-unsafe items (PPV unknown)"
        return out
    if need_neg and n0 == 0:
        out["reason"] = "no human-final item among the judge-not-unsafe items (FOR unknown)"
        return out
    ppv = x1 / n1 if n1 else 0.0
    for_ = x0 / n0 if n0 else 0.0
    q_draw = midp_draws(judged_pos, judged, draws, rng)
    ppv_draw = midp_draws(x1, n1, draws, rng) if need_pos else np.zeros(draws)
    for_draw = midp_draws(x0, n0, draws, rng) if need_neg else np.zeros(draws)
    rate_draw = q_draw * ppv_draw + (1 - q_draw) * for_draw
    lo, hi = np.quantile(rate_draw, [0.025, 0.975])
    out.update(
        rate=q * ppv + (1 - q) * for_,
        ci95=containing((lo, hi), q * ppv + (1 - q) * for_),
        ppv=ppv if n1 else None,
        ppv_ci95=_share_interval(x1, n1),
        for_=for_ if n0 else None,
        for_ci95=_share_interval(x0, n0),
    )
    out["for"] = out.pop("for_")
    if accuracy and need_pos and need_neg:
        rate = out["rate"]
        with np.errstate(divide="ignore", invalid="ignore"):
            sens_draw = q_draw * ppv_draw / rate_draw
            spec_draw = (1 - q_draw) * (1 - for_draw) / (1 - rate_draw)
        sens_draw, spec_draw = sens_draw[np.isfinite(sens_draw)], spec_draw[np.isfinite(spec_draw)]
        out["sensitivity"] = q * ppv / rate if rate > 0 else None
        out["specificity"] = (1 - q) * (1 - for_) / (1 - rate) if rate < 1 else None
        for key, draw in (("sensitivity", sens_draw), ("specificity", spec_draw)):
            estimate = out[key]
            out[f"{key}_ci95"] = (
                containing(_quantiles(draw), estimate) if estimate is not None else None
            )
    return out


# One language's counts for `pooled_accuracy`: (judge-positive, judged, x1, n1, x0, n0) as
# `stratified_estimate` takes them (x and n effective counts where the labels are weighted).
Counts = tuple[int, int, float, float, float, float]


def pooled_accuracy(
    parts: list[Counts], rng: np.random.Generator, draws: int = MC_DRAWS
) -> dict[str, Any]:
    """The judge's PPV, FOR, sensitivity and specificity over several languages, each
    language's q_l, PPV_l and FOR_l drawn as `stratified_estimate` draws them and weighed by
    its J_l judged items: PPV = Σ J_l·q_l·PPV_l / Σ J_l·q_l, FOR = Σ J_l(1 − q_l)FOR_l /
    Σ J_l(1 − q_l), sens = Σ J_l·q_l·PPV_l / Σ J_l·rate_l, spec = Σ J_l(1 − q_l)(1 − FOR_l) /
    Σ J_l(1 − rate_l), rate_l = q_l·PPV_l + (1 − q_l)·FOR_l. Pooling the labelled counts
    instead weighs each language by how many of its items were labelled, not by its size:
    biased wherever languages were sampled at different fractions. {} where a language's
    PPV or FOR is unknown (no labelled item in a verdict stratum it has)."""
    # Σ J_l·(share) over languages, of each share below: per draw, and at the point estimates.
    shares = ("tp", "flagged", "fn", "cleared", "tn", "positive", "negative")
    sums = np.zeros((len(shares), draws))
    point = np.zeros(len(shares))
    for k, judged, x1, n1, x0, n0 in parts:
        if judged == 0:
            continue
        need_pos, need_neg = k > 0, k < judged
        if (need_pos and n1 == 0) or (need_neg and n0 == 0):
            return {}
        q = midp_draws(k, judged, draws, rng)
        ppv = midp_draws(x1, n1, draws, rng) if need_pos else np.zeros(draws)
        for_ = midp_draws(x0, n0, draws, rng) if need_neg else np.zeros(draws)
        q0, ppv0, for0 = k / judged, (x1 / n1 if n1 else 0.0), (x0 / n0 if n0 else 0.0)
        for into, (qq, pp, ff) in ((sums, (q, ppv, for_)), (point, (q0, ppv0, for0))):
            rate = qq * pp + (1 - qq) * ff
            into += judged * np.array(
                [qq * pp, qq, (1 - qq) * ff, 1 - qq, (1 - qq) * (1 - ff), rate, 1 - rate]
            )
    at = {name: i for i, name in enumerate(shares)}
    out: dict[str, Any] = {}
    for key, hit, total in (
        ("ppv", "tp", "flagged"),
        ("for", "fn", "cleared"),
        ("sensitivity", "tp", "positive"),
        ("specificity", "tn", "negative"),
    ):
        top, bottom = point[at[hit]], point[at[total]]
        estimate = float(top / bottom) if bottom > 0 else None
        with np.errstate(divide="ignore", invalid="ignore"):
            draw = sums[at[hit]] / sums[at[total]]
        draw = draw[np.isfinite(draw)]
        out[key] = estimate
        out[f"{key}_ci95"] = (
            containing(_quantiles(draw), estimate) if estimate is not None else None
        )
    return out
