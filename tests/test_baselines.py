"""Baselines: hand-computed tiny cases, down-weighting a bad source, edge cases, row order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from consensus.baselines import (
    BASELINES,
    BaselineResult,
    catd,
    crh,
    gtm,
    latest,
    mean,
    median,
    rolling_median,
)

# The tiny case used throughout: 2 items x 3 sources, one claim each.
#
#            s1   s2   s3
#   item A   10   10   16      mean 12, median 10
#   item B    4    6    5      mean  5, median  5
#
# Population std (ddof=0):
#   A: deviations from 12 are -2, -2, 4 -> var (4 + 4 + 16) / 3 = 8   -> std sqrt(8)
#   B: deviations from 5 are  -1, 1, 0  -> var (1 + 1 + 0) / 3 = 2/3  -> std sqrt(2/3)
VALS = [10.0, 10.0, 16.0, 4.0, 6.0, 5.0]
ITEMS = ["A", "A", "A", "B", "B", "B"]
SRCS = ["s1", "s2", "s3", "s1", "s2", "s3"]
SD_A = math.sqrt(8.0)
SD_B = math.sqrt(2.0 / 3.0)

ITERATIVE = {
    "crh": crh,
    "crh_abs": lambda v, i, s, **kw: crh(v, i, s, loss="absolute", **kw),
    "gtm": gtm,
    "catd": catd,
    "catd_norm": lambda v, i, s, **kw: catd(v, i, s, normalize=True, **kw),
}


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ simple ones


def test_mean_median_by_hand() -> None:
    m = mean(VALS, ITEMS, SRCS)
    assert isinstance(m, BaselineResult) and m.source_weight is None
    assert m.truth["A"] == approx((10 + 10 + 16) / 3)  # 12
    assert m.truth["B"] == approx((4 + 6 + 5) / 3)  # 5
    md = median(VALS, ITEMS)  # sources are optional for the simple aggregates
    assert md.truth.to_dict() == {"A": 10.0, "B": 5.0}
    # even count: mean of the two middle values, (2 + 3) / 2
    assert median([1, 3, 2, 100], ["x"] * 4).truth["x"] == 2.5
    assert list(m.truth.index) == ["A", "B"] and m.truth.index.name == "item"


def test_latest_by_hand_with_ties() -> None:
    values = [10.0, 16.0, 12.0, 4.0, 6.0, 5.0]
    items = ["A", "A", "A", "B", "B", "B"]
    times = [0, 2, 2, 1, 3, 0]
    r = latest(values, items, times=times)
    # A: latest time 2 has claims 16 and 12 (a tie) -> median (16 + 12) / 2 = 14
    # B: latest time 3 has the single claim 6
    assert r.truth.to_dict() == {"A": 14.0, "B": 6.0}
    # the same with datetimes
    days = pd.Timestamp("2024-03-01") + pd.to_timedelta(times, unit="D")
    assert latest(values, items, times=days).truth.to_dict() == {"A": 14.0, "B": 6.0}
    with pytest.raises(ValueError, match="times"):
        latest(values, items)


def test_rolling_median_by_hand() -> None:
    # item A: day 0 -> 10, day 1 -> 20, day 3 -> 30, day 10 -> 40; item B: day 2 -> 7
    values = [10.0, 20.0, 30.0, 40.0, 7.0]
    items = ["A", "A", "A", "A", "B"]
    times = [0, 1, 3, 10, 2]
    # default evaluation points: every distinct (item, claim time), window (t - 3, t]
    r = rolling_median(values, items, times, 3)
    assert r.source_weight is None
    assert list(r.truth.index) == [("A", 0), ("A", 1), ("A", 3), ("A", 10), ("B", 2)]
    # A@0: {10} -> 10; A@1: {10, 20} -> 15; A@3: (0, 3] = {20, 30} -> 25 (day 0 is out);
    # A@10: (7, 10] = {40} -> 40; B@2: {7} -> 7
    np.testing.assert_allclose(r.truth.to_numpy(), [10, 15, 25, 40, 7])

    # requested pairs, in the order given
    at_items = ["A", "A", "A", "B", "C"]
    at_times = [5, -1, 3, 1, 3]
    r = rolling_median(values, items, times, 3, at_items=at_items, at_times=at_times)
    # A@5: (2, 5] = {30}; A@-1: nothing yet -> NaN; A@3: {20, 30} -> 25;
    # B@1: before B's first claim -> NaN; C: no claims at all -> NaN
    np.testing.assert_allclose(r.truth.to_numpy(), [30, np.nan, 25, np.nan, np.nan])
    assert list(r.truth.index) == list(zip(at_items, at_times, strict=True))

    # window_days=None: all claims up to and including t.
    # A@3: {10, 20, 30} -> 20; A@10: {10, 20, 30, 40} -> 25
    r = rolling_median(values, items, times, None, at_items=["A", "A"], at_times=[3, 10])
    np.testing.assert_allclose(r.truth.to_numpy(), [20, 25])


def test_rolling_median_datetimes_window_edge() -> None:
    t0 = pd.Timestamp("2024-01-01")
    times = [t0, t0 + pd.Timedelta(days=7), t0 + pd.Timedelta(days=8)]
    r = rolling_median(
        [1.0, 2.0, 4.0],
        ["q", "q", "q"],
        times,
        7,
        at_items=["q", "q"],
        at_times=[t0 + pd.Timedelta(days=7), t0 + pd.Timedelta(days=7, seconds=-1)],
    )
    # at day 7 the window is (day 0, day 7]: the day-0 claim is out -> {2};
    # one second earlier it is (day 0 - 1 s, day 7 - 1 s]: only the day-0 claim -> {1}
    np.testing.assert_allclose(r.truth.to_numpy(), [2.0, 1.0])
    default = rolling_median([1.0, 2.0, 4.0], ["q", "q", "q"], times, 7)
    assert isinstance(default.truth.index.levels[1], pd.DatetimeIndex)
    # day 0: {1}; day 7: {2}; day 8: (1, 8] = {2, 4} -> 3
    np.testing.assert_allclose(default.truth.to_numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("window", [None, 7, 2.5])
def test_rolling_median_matches_brute_force(window: float | None) -> None:
    rng = np.random.default_rng(5)
    n, n_q = 300, 100
    items, times, values = rng.integers(0, 8, n), rng.integers(0, 40, n), rng.normal(size=n)
    q_items, q_times = rng.integers(0, 9, n_q), rng.uniform(-3, 45, n_q)  # item 8: no claims
    got = rolling_median(values, items, times, window, at_items=q_items, at_times=q_times)
    for j in range(n_q):
        keep = (items == q_items[j]) & (times <= q_times[j])
        if window is not None:
            keep &= times > q_times[j] - window
        want = np.median(values[keep]) if keep.any() else np.nan
        np.testing.assert_allclose(got.truth.iloc[j], want, rtol=1e-12)


# -------------------------------------------------------------------------- CRH


def crh_first_round_squared() -> tuple[float, float, float, float]:
    """One CRH round from the median start (A=10, B=5), squared loss, by hand."""
    # normalised squared losses (t - x)^2 / std_item:
    #   s1: A (10-10)^2/sqrt(8) = 0, B (5-4)^2/sqrt(2/3) = 1/sqrt(2/3) = sqrt(1.5)
    #   s2: A 0,                     B (5-6)^2/sqrt(2/3) = sqrt(1.5)
    #   s3: A (10-16)^2/sqrt(8) = 36/sqrt(8),            B 0
    l1 = l2 = 1.0 / SD_B
    l3 = 36.0 / SD_A
    total = l1 + l2 + l3
    w1 = w2 = -math.log(l1 / total)  # = 2.517...
    w3 = -math.log(l3 / total)  # = 0.176...
    t_a = (10 * w1 + 10 * w2 + 16 * w3) / (w1 + w2 + w3)
    return w1, w3, t_a, 5.0  # B stays 5: (4 w1 + 6 w1 + 5 w3) / (2 w1 + w3) = 5


def test_crh_one_round_by_hand() -> None:
    w1, w3, t_a, t_b = crh_first_round_squared()
    r = crh(VALS, ITEMS, SRCS, max_iter=1)
    assert r.n_iter == 1
    assert r.source_weight["s1"] == approx(w1)
    assert r.source_weight["s2"] == approx(w1)
    assert r.source_weight["s3"] == approx(w3)
    assert r.truth["A"] == approx(t_a)
    assert r.truth["B"] == approx(t_b)


def _crh_step(values, items, sources, truth: dict, loss: str) -> tuple[dict, dict]:
    """Plain-Python CRH weights from given truths, then the truths from those weights."""
    by_item: dict = {}
    for v, i in zip(values, items, strict=True):
        by_item.setdefault(i, []).append(v)
    std = {i: float(np.std(vs)) for i, vs in by_item.items()}
    losses = dict.fromkeys(sources, 0.0)
    for v, i, s in zip(values, items, sources, strict=True):
        if std[i] > 0:
            d = (truth[i] - v) ** 2 if loss == "squared" else abs(truth[i] - v)
            losses[s] += d / std[i]
    total = sum(losses.values())
    w = {s: -math.log(max(loss_s / total, 1e-12)) for s, loss_s in losses.items()}
    num = dict.fromkeys(by_item, 0.0)
    den = dict.fromkeys(by_item, 0.0)
    for v, i, s in zip(values, items, sources, strict=True):
        num[i] += w[s] * v
        den[i] += w[s]
    return w, {i: num[i] / den[i] for i in by_item}


def test_crh_converged_is_a_fixed_point() -> None:
    r = crh(VALS, ITEMS, SRCS, tol=1e-12)
    assert r.converged
    w, t = _crh_step(VALS, ITEMS, SRCS, r.truth.to_dict(), "squared")
    for s in ("s1", "s2", "s3"):
        assert r.source_weight[s] == pytest.approx(w[s], rel=1e-8)
    for i in ("A", "B"):
        assert r.truth[i] == pytest.approx(t[i], rel=1e-10)
    # s3's claim on A is far from the others: it ends with the smallest weight,
    # and A's truth lies between the median 10 and the mean 12
    assert r.source_weight.idxmin() == "s3"
    assert 10 < r.truth["A"] < 12


def test_crh_absolute_by_hand() -> None:
    # normalised absolute losses |t - x| / std from the median start (A=10, B=5):
    #   s1: |5-4|/sqrt(2/3) = sqrt(1.5); s2: the same; s3: |10-16|/sqrt(8) = 6/sqrt(8)
    l1 = 1.0 / SD_B
    l3 = 6.0 / SD_A
    total = 2 * l1 + l3
    w1, w3 = -math.log(l1 / total), -math.log(l3 / total)  # 1.317..., 0.767...
    # weighted medians: A sorted 10 (w1), 10 (w1), 16 (w3), half = (2 w1 + w3) / 2;
    #   cum w1 < half, cum 2 w1 >= half -> 10.
    # B sorted 4 (w1), 5 (w3), 6 (w1): cum w1 < half, w1 + w3 >= half -> 5.
    # The truths do not move from the start, so one round converges.
    r = crh(VALS, ITEMS, SRCS, loss="absolute", max_iter=1)
    assert r.truth.to_dict() == {"A": 10.0, "B": 5.0}
    assert r.source_weight["s1"] == approx(w1)
    assert r.source_weight["s3"] == approx(w3)
    assert r.converged and r.n_iter == 1


def test_crh_weighted_median_exact_half_averages() -> None:
    # one item, claims 0 and 2: start at the median 1, std 1, losses 1 and 1,
    # shares 1/2 -> equal weights log 2; the cumulative weight of the first value
    # is exactly half the total, so the weighted median averages (0 + 2) / 2 = 1
    r = crh([0.0, 2.0], ["x", "x"], ["a", "b"], loss="absolute")
    assert r.truth["x"] == 1.0
    assert r.source_weight.to_numpy() == pytest.approx([math.log(2)] * 2)


# -------------------------------------------------------------------------- GTM


def test_gtm_one_round_by_hand() -> None:
    # standardised claims z = (x - mean) / std:
    #   A: (-2, -2, 4) / sqrt(8) = (-1/sqrt2, -1/sqrt2, sqrt2)
    #   B: (-1, 1, 0) / sqrt(2/3) = (-sqrt1.5, sqrt1.5, 0)
    r2, r15 = math.sqrt(2.0), math.sqrt(1.5)
    mu_a0 = -1 / r2  # start: per-item median of z (B's is 0)
    # squared errors: s1 = 0 + 1.5; s2 = 0 + 1.5; s3 = (sqrt2 + 1/sqrt2)^2 + 0 = 4.5
    # sigma_k^2 = (2 beta + SSE_k) / (2 (alpha + 1) + n_k) with alpha = beta = 10, n_k = 2
    v1 = v2 = (20 + 1.5) / 24
    v3 = (20 + 4.5) / 24
    assert (mu_a0 - r2) ** 2 == approx(4.5)
    # truths with mu0 = 0, sigma0 = 1:
    #   mu = (0/1 + sum z / sigma^2) / (1/1 + sum 1 / sigma^2)
    den = 1 + 1 / v1 + 1 / v2 + 1 / v3
    mu_a = (-1 / r2 / v1 - 1 / r2 / v2 + r2 / v3) / den
    mu_b = (-r15 / v1 + r15 / v2 + 0 / v3) / den  # = 0
    r = gtm(VALS, ITEMS, SRCS, max_iter=1)
    assert r.truth["A"] == approx(12 + SD_A * mu_a)  # back to the original scale
    assert r.truth["B"] == approx(5 + SD_B * mu_b)
    assert r.source_weight["s1"] == approx(1 / v1)
    assert r.source_weight["s3"] == approx(1 / v3)


def test_gtm_converged_is_a_fixed_point() -> None:
    values = [10.0, 11.0, 19.0, 4.0, 6.0, 5.5, 100.0, 104.0, 90.0]
    items = ["A", "A", "A", "B", "B", "B", "C", "C", "C"]
    sources = ["s1", "s2", "s3"] * 3
    alpha, beta = 2.0, 0.5
    r = gtm(values, items, sources, alpha=alpha, beta=beta, tol=1e-13)
    assert r.converged
    df = pd.DataFrame({"x": values, "i": items, "s": sources})
    g = df.groupby("i")["x"]
    df["z"] = (df["x"] - g.transform("mean")) / g.transform(lambda x: np.std(x))
    mean_, std_ = g.mean(), g.apply(lambda x: np.std(x))
    mu = (r.truth - mean_) / std_  # the returned truths on the standardised scale
    df["r2"] = (df["z"] - df["i"].map(mu)) ** 2
    var = (2 * beta + df.groupby("s")["r2"].sum()) / (2 * (alpha + 1) + 3)
    assert r.source_weight.to_numpy() == pytest.approx(1 / var.to_numpy(), rel=1e-8)
    df["p"] = df["s"].map(1 / var)
    mu_again = (df["p"] * df["z"]).groupby(df["i"]).sum() / (1 + df.groupby("i")["p"].sum())
    assert mu.to_numpy() == pytest.approx(mu_again.to_numpy(), abs=1e-10)


# ------------------------------------------------------------------------- CATD


def test_catd_one_round_by_hand() -> None:
    # chi-squared with 2 degrees of freedom has cdf 1 - exp(-x/2), so its
    # 0.025 quantile is q = -2 log(0.975) = 0.0506...
    q = -2 * math.log(1 - 0.025)
    # squared errors from the median start (A=10, B=5):
    #   s1: 0 + (4-5)^2 = 1; s2: 0 + (6-5)^2 = 1; s3: (16-10)^2 + 0 = 36
    w1, w3 = q / 1, q / 36
    # A = (10 + 10 + 16/36) / (2 + 1/36) = 736/73; B = (4 + 6 + 5/36) / (2 + 1/36) = 5
    r = catd(VALS, ITEMS, SRCS, max_iter=1)
    assert r.source_weight["s1"] == approx(w1)
    assert r.source_weight["s3"] == approx(w3)
    assert r.truth["A"] == approx(736 / 73)
    assert r.truth["B"] == approx(5.0)


def sparse_data(seed: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """15 items x 4 claims from 8 sources of Zipf-like activity (no source claims all)."""
    rng = np.random.default_rng(seed)
    n_items, per_item, n_sources = 15, 4, 8
    items = np.repeat(np.arange(n_items), per_item)
    p = 1 / np.arange(1, n_sources + 1)
    sources = np.array([f"s{k}" for k in rng.choice(n_sources, items.size, p=p / p.sum())])
    values = np.round(rng.normal(50, 10, n_items)[items] + rng.normal(0, 2, items.size), 1)
    return values, items, sources


def test_catd_converged_is_a_fixed_point_and_discounts_small_sources() -> None:
    values, items, sources = sparse_data()
    r = catd(values, items, sources, tol=1e-13)
    assert r.converged
    df = pd.DataFrame({"x": values, "i": items, "s": sources})
    df["t"] = df["i"].map(r.truth)
    sse = ((df["x"] - df["t"]) ** 2).groupby(df["s"]).sum()
    n = df.groupby("s").size()
    assert sse.min() > 1e-3  # a proper fixed point, not one floored by eps
    from scipy import stats

    w = stats.chi2.ppf(0.025, n) / sse  # CATD's weight at the returned truths
    assert r.source_weight.to_numpy() == pytest.approx(w.to_numpy(), rel=1e-8)
    df["w"] = df["s"].map(w)
    t = (df["w"] * df["x"]).groupby(df["i"]).sum() / df.groupby("i")["w"].sum()  # weighted mean
    assert r.truth.to_numpy() == pytest.approx(t.to_numpy(), rel=1e-12)

    # Long tail: "big" and "small" make the same error (1) on every claim they
    # make, but "big" makes 10 claims and "small" 1. CATD's weights are
    # chi2.ppf(0.025, n) / n: 0.3247 for n=10 against 0.000982 for n=1.
    values, items, sources = [], [], []
    for e in range(10):
        values += [0.0, 1.0, -1.0]  # anchor 0 (two claims on each item) vs big +1
        items += [e, e, e]
        sources += ["anchor", "big", "anchor2"]
    values += [1.0, 0.0, 0.0]
    items += [10, 10, 10]
    sources += ["small", "anchor", "anchor2"]
    r = catd(values, items, sources, max_iter=1)
    # with truths at the medians (0 everywhere) big's SSE is 10, small's 1
    assert r.source_weight["big"] == approx(_chi2_025(10) / 10)
    assert r.source_weight["small"] == approx(_chi2_025(1) / 1)
    assert r.source_weight["small"] < r.source_weight["big"]


def _chi2_025(n: int) -> float:
    from scipy import stats

    return float(stats.chi2.ppf(0.025, n))


# ----------------------------------------------- a bad source gets down-weighted


def bad_source_data(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """12 items, 4 good sources (noise sd 1) and one far-off source (bias +25, sd 8)."""
    rng = np.random.default_rng(seed)
    n_items = 12
    truth = rng.uniform(50, 150, n_items)
    values, items, sources = [], [], []
    for e in range(n_items):
        for k in range(4):
            values.append(truth[e] + rng.normal(0, 1))
            items.append(e)
            sources.append(f"good{k}")
        values.append(truth[e] + 25 + rng.normal(0, 8))
        items.append(e)
        sources.append("bad")
    return np.array(values), np.array(items), np.array(sources), truth


@pytest.mark.parametrize("name", sorted(ITERATIVE))
def test_far_off_source_is_down_weighted(name: str) -> None:
    values, items, sources, _ = bad_source_data()
    r = ITERATIVE[name](values, items, sources)
    assert r.converged
    assert r.source_weight.idxmin() == "bad"
    good = sources != "bad"
    good_mean = mean(values[good], items[good]).truth
    plain = mean(values, items).truth
    # every item's truth is closer to the good sources' mean than the plain mean is
    assert ((r.truth - good_mean).abs() < (plain - good_mean).abs()).all()


# -------------------------------------------------------------------- edge cases


def edge_data() -> tuple[list, list, list]:
    return (
        [5.0, 5.0, 5.0, 1.0, 2.0, 3.0, 7.0, 2.5],
        # "agree": all claims equal; "one": a single claim; "one_src" made one claim
        ["agree", "agree", "agree", "x", "x", "x", "one", "x"],
        ["a", "b", "c", "a", "b", "c", "a", "one_src"],
    )


@pytest.mark.parametrize("name", sorted(ITERATIVE) + ["mean", "median", "latest"])
def test_edge_cases_are_finite(name: str) -> None:
    values, items, sources = edge_data()
    if name in ITERATIVE:
        r = ITERATIVE[name](values, items, sources)
    else:
        r = BASELINES[name](values, items, sources, times=list(range(len(values))))
    assert np.isfinite(r.truth.to_numpy()).all()
    if r.source_weight is not None:
        assert np.isfinite(r.source_weight.to_numpy()).all()
        assert (r.source_weight.to_numpy() >= 0).all()
    assert r.truth["agree"] == pytest.approx(5.0)
    assert r.truth["one"] == pytest.approx(7.0)


@pytest.mark.parametrize("name", sorted(ITERATIVE))
def test_degenerate_inputs_are_finite(name: str) -> None:
    f = ITERATIVE[name]
    cases = [
        ([3.0], ["i"], ["s"]),  # one claim
        ([3.0, 3.0, 3.0], ["i", "j", "k"], ["s", "s", "s"]),  # one source
        ([1.0, 2.0, 4.0], ["i", "i", "i"], ["s", "s", "s"]),  # one source, one item
        ([2.0, 2.0, 2.0, 2.0], ["i", "i", "j", "j"], ["s", "t", "s", "t"]),  # all agree
        ([1e-9, 2e-9, 1e12, 1e12 + 1], ["i", "i", "j", "j"], ["s", "t", "s", "t"]),  # scales
    ]
    for values, items, sources in cases:
        r = f(values, items, sources)
        assert np.isfinite(r.truth.to_numpy()).all(), (values, r)
        assert np.isfinite(r.source_weight.to_numpy()).all(), (values, r)
        assert (r.truth >= min(values) - 1e-9).all() and (r.truth <= max(values) + 1e-9).all()
    # the answers are known where there is nothing to weigh: each item's only claim, or the
    # value every source agrees on
    assert f([3.0, 4.0], ["i", "j"], ["s", "s"]).truth.to_dict() == approx({"i": 3.0, "j": 4.0})
    assert f(*cases[3]).truth.to_dict() == approx({"i": 2.0, "j": 2.0})
    assert f([1.0, 2.0, 4.0], ["i"] * 3, ["s"] * 3).truth["i"] == pytest.approx(
        7 / 3 if name not in {"crh_abs"} else 2.0
    )


# --------------------------------------------------------------------- row order


def test_outputs_invariant_to_row_order() -> None:
    rng = np.random.default_rng(11)
    n = 400
    items = rng.integers(0, 30, n)
    sources = np.array([f"s{k}" for k in rng.integers(0, 12, n)])
    values = rng.normal(100, 10, n) + rng.standard_t(2, n)
    times = rng.integers(0, 60, n)
    perm = rng.permutation(n)
    for name, f in {**ITERATIVE, **BASELINES}.items():
        a = (
            f(values, items, sources, times=times)
            if name in BASELINES
            else f(values, items, sources)
        )
        b = (
            f(values[perm], items[perm], sources[perm], times=times[perm])
            if name in BASELINES
            else f(values[perm], items[perm], sources[perm])
        )
        pd.testing.assert_series_equal(a.truth, b.truth, rtol=1e-9, atol=1e-9, obj=name)
        if a.source_weight is not None:
            pd.testing.assert_series_equal(
                a.source_weight, b.source_weight, rtol=1e-7, atol=1e-12, obj=name
            )
    a = rolling_median(values, items, times, 10)
    b = rolling_median(values[perm], items[perm], times[perm], 10)
    pd.testing.assert_series_equal(a.truth, b.truth)


# ------------------------------------------------------------ registry and input


def test_registry_runs_everything() -> None:
    assert set(BASELINES) == {"mean", "median", "latest", "crh", "gtm", "catd"}
    for name, f in BASELINES.items():
        r = f(VALS, ITEMS, SRCS, times=[0, 1, 2, 0, 1, 2])
        assert isinstance(r, BaselineResult), name
        assert list(r.truth.index) == ["A", "B"]
        assert (r.source_weight is None) == (name in {"mean", "median", "latest"})


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="length"):
        crh([1.0, 2.0], ["a"], ["s", "t"])
    with pytest.raises(ValueError, match="finite"):
        mean([1.0, np.nan], ["a", "a"])
    with pytest.raises(ValueError, match="empty"):
        median([], [])
    with pytest.raises(ValueError, match="loss"):
        crh(VALS, ITEMS, SRCS, loss="huber")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sources"):
        gtm(VALS, ITEMS, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="window_days"):
        rolling_median(VALS, ITEMS, [0] * 6, 0)
