"""Scoring against known truths (consensus.evaluate) and the calibration plot."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pymc as pm  # noqa: E402
import pytest  # noqa: E402
from pymc.testing import mock_sample  # noqa: E402

import consensus as cs  # noqa: E402
from consensus import evaluate as ev  # noqa: E402
from consensus.plots import plot_calibration  # noqa: E402

SEED = Path(__file__).parents[1] / "examples" / "dprk_troops_2024" / "claims.csv"
Q = "dprk_troops_in_russia"


# ------------------------------------------------------------ hand-computed values


def test_interval_score_by_hand():
    # level 0.9: alpha = 0.1, a miss costs 2 / alpha = 20 per unit beyond the interval
    got = ev.interval_score([1, 1, 1, 1], [3, 3, 3, 3], [2, 0, 3.5, 3], 0.9)
    np.testing.assert_allclose(got, [2.0, 2 + 20 * 1, 2 + 20 * 0.5, 2.0])
    # level 0.5: alpha = 0.5, a miss costs 4 per unit
    assert ev.interval_score(10, 20, 25, 0.5) == pytest.approx(10 + 4 * 5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ev.interval_score(1, 2, 3, 1.0)


def test_pit_by_hand():
    draws = np.array([[1.0, 2, 3, 4]] * 4)
    # 2.5: two below; 2: one below, one tie (counts half); below all; above all
    np.testing.assert_allclose(ev.pit(draws, [2.5, 2.0, 0.0, 5.0]), [0.5, 0.375, 0.0, 1.0])
    with pytest.raises(ValueError, match="4 rows but truth has 2"):
        ev.pit(draws, [1.0, 2.0])


def test_score_draws_table_by_hand():
    pts = ev.score_draws(
        [[1.0, 2, 3, 4, 5]], [4.0], levels=(0.5,), quantity=["q"], date=["2024-01-02"]
    )
    row = pts.iloc[0]
    assert list(pts.columns) == [
        "quantity", "date", "scale", "truth", "mean", "median", "pit", "lower_50", "upper_50"
    ]  # fmt: skip
    assert (row["quantity"], row["scale"]) == ("q", "identity")
    assert row["date"] == pd.Timestamp("2024-01-02")
    assert (row["mean"], row["median"]) == (3.0, 3.0)
    assert row["pit"] == pytest.approx((3 + 0.5) / 5)  # 1, 2, 3 below; 4 a tie
    assert (row["lower_50"], row["upper_50"]) == (2.0, 4.0)  # numpy's 25 % and 75 % quantiles


def _two_points() -> pd.DataFrame:
    """Two log-scale points: one estimated at twice the truth and missed, one exact."""
    return pd.DataFrame(
        {
            "quantity": ["a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
            "scale": ["log", "log"],
            "truth": [100.0, 10.0],
            "mean": [200.0, 10.0],
            "median": [200.0, 10.0],
            "pit": [0.0, 0.5],
            "lower_90": [150.0, 5.0],
            "upper_90": [250.0, 20.0],
        }
    )


def test_metrics_by_hand():
    m = ev.metrics(_two_points())
    assert m["n"] == 2
    assert m["mae"] == pytest.approx(50.0)  # (100 + 0) / 2
    assert m["rmse"] == pytest.approx(math.sqrt(100**2 / 2))
    assert m["mean_error"] == pytest.approx(50.0)
    assert m["mae_model"] == pytest.approx(math.log(2) / 2)  # log scale: log 200 - log 100
    assert m["rmse_model"] == pytest.approx(math.log(2) / math.sqrt(2))
    assert m["coverage_90"] == 0.5  # 100 is below [150, 250]; 10 is inside [5, 20]
    # width 100 + 20 * (150 - 100) = 1100; width 15 -> mean 557.5
    assert m["interval_score_90"] == pytest.approx((1100 + 15) / 2)
    model = (math.log(250 / 150) + 20 * math.log(1.5) + math.log(20 / 5)) / 2
    assert m["interval_score_model_90"] == pytest.approx(model)
    assert m["pit_mean"] == 0.25


def test_point_errors_by_hand():
    e = ev.point_errors([200.0, 10.0], [100.0, 10.0], "log")
    assert e == pytest.approx(
        {"mae": 50.0, "rmse": math.sqrt(5000), "mean_error": 50.0,
         "mae_model": math.log(2) / 2, "rmse_model": math.log(2) / math.sqrt(2)}
    )  # fmt: skip
    assert ev.point_errors([1.0, -1.0], [0.0, 0.0])["rmse_model"] == 1.0  # identity by default


def test_coverage_table_by_hand():
    cov = ev.coverage(_two_points(), band=0.95)
    assert cov.to_dict("records") == [
        # Binomial(2, 0.9): P(X <= 0) = 0.01, P(X <= 1) = 0.19, so the central 95 % is 1..2 hits
        {"nominal": 0.9, "n": 2, "inside": 1, "empirical": 0.5, "band_lower": 0.5, "band_upper": 1.0}
    ]  # fmt: skip


def test_levels_are_named_and_read_back():
    assert [ev.level_name(p) for p in (0.5, 0.9, 0.975)] == ["50", "90", "97.5"]
    pts = ev.score_draws(np.zeros((1, 3)), [0.0], levels=(0.95, 0.5, 0.975))
    assert ev.levels_of(pts) == [0.5, 0.95, 0.975]


# ------------------------------------------------------------ statistical: known calibration


def test_calibrated_draws_cover_at_nominal_rates_and_miscalibrated_ones_do_not():
    """Truth and draws from the same normal: coverage is nominal, PIT uniform. Draws half as
    spread: 90 % intervals hold the truth only P(|Z| < 0.82) = 0.59 of the time."""
    rng = np.random.default_rng(20261202)
    n = 2000
    centre = rng.normal(0, 10, n)
    truth = centre + rng.normal(0, 1, n)
    draws = centre[:, None] + rng.normal(0, 1, (n, 1000))
    m = ev.metrics(ev.score_draws(draws, truth))
    for p in ev.DEFAULT_LEVELS:
        # sd of a share of 2000 is at most 0.011; 4 sd, plus the draws' quantile noise
        assert abs(m[f"coverage_{ev.level_name(p)}"] - p) < 0.05
    assert m["pit_ks_pvalue"] > 0.001
    narrow = ev.metrics(ev.score_draws(centre[:, None] + 0.5 * (draws - centre[:, None]), truth))
    assert abs(narrow["coverage_90"] - 0.59) < 0.05
    assert narrow["pit_ks_pvalue"] < 1e-6
    assert narrow["interval_score_90"] > m["interval_score_90"]  # the score punishes it


# ------------------------------------------------------------ from an Estimate (mocked sampler)


@pytest.fixture(scope="module")
def est():
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prior draws: neither converged nor meant to be
        mp.setattr(pm, "sample", lambda *a, **k: mock_sample(draws=50, chains=2, random_seed=3))
        return cs.fit(cs.read_claims(SEED), random_seed=3, progressbar=False)


def test_score_reads_the_estimates_tables(est):
    truths = pd.DataFrame(
        {"quantity": [Q, Q], "date": ["2024-12-31", "2024-10-24"], "value": ["11,000", "3000"]}
    )
    pts = ev.score(est, truths, levels=(0.5, 0.9))
    assert list(pts["date"]) == list(pd.to_datetime(["2024-12-31", "2024-10-24"]))  # input order
    assert list(pts["truth"]) == [11000.0, 3000.0]
    assert (pts["scale"] == "log").all()
    at90 = est.at(Q, ["2024-12-31", "2024-10-24"], prob=0.9)
    at50 = est.at(Q, ["2024-12-31", "2024-10-24"], prob=0.5)
    np.testing.assert_allclose(pts["median"], at90["median"])
    np.testing.assert_allclose(pts["lower_90"], at90["lower"])
    np.testing.assert_allclose(pts["upper_50"], at50["upper"])
    assert pts["pit"].iloc[1] == est.probability(Q, "2024-10-24", below=3000)
    with pytest.raises(ValueError, match="outside the estimated span"):  # as est.at refuses
        ev.score(est, pd.DataFrame({"quantity": [Q], "date": ["2025-06-01"], "value": [1.0]}))


def test_score_refuses_bad_truths_by_row_column_and_value(est):
    bad = pd.DataFrame(
        {"quantity": [Q, "nope", Q], "date": ["2024-10-24", "2024-10-24", "24/10/2024"],
         "value": ["3000", "1", "-5"]}
    )  # fmt: skip
    with pytest.raises(cs.ClaimsError) as err:
        ev.score(est, bad)
    text = str(err.value)
    assert "row 3" in text and "nope" in text  # unknown quantity
    assert "row 4" in text and "24/10/2024" in text and "-5" in text  # date, and a count <= 0


def test_plot_calibration_draws_the_coverage_table_and_the_pit_histogram():
    rng = np.random.default_rng(1)
    pts = ev.score_draws(rng.normal(size=(200, 400)), rng.normal(size=200))
    fig = plot_calibration(pts, bins=8)
    left, right = fig.axes
    line = left.lines[-1]
    cov = ev.coverage(pts)
    np.testing.assert_allclose(line.get_xdata(), cov["nominal"])
    np.testing.assert_allclose(line.get_ydata(), cov["empirical"])
    heights = [p.get_height() for p in right.patches if p.get_width() < 0.2]
    assert len(heights) == 8 and sum(heights) == 200
    assert "200 known truths" in fig.get_suptitle()
