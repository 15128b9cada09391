"""The Estimate API: tables, probabilities, summary, save/load, determinism, plots."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pymc as pm  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from pymc.testing import mock_sample  # noqa: E402

import consensus as cs  # noqa: E402

SEED = Path(__file__).parents[1] / "examples" / "dprk_troops_2024" / "claims.csv"
Q = "dprk_troops_in_russia"


def _fit(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        return cs.fit(
            cs.read_claims(SEED),
            **{"draws": 300, "tune": 300, "chains": 2, "progressbar": False, **kw},
        )


@pytest.fixture(scope="module")
def est():
    return _fit(random_seed=42)


# ---------------------------------------------------------------- plumbing with mocked sampling
@pytest.fixture
def mocked(monkeypatch):
    monkeypatch.setattr(
        pm,
        "sample",
        lambda *a, **k: mock_sample(
            draws=20, chains=2, **{x: k[x] for x in ("random_seed",) if x in k}
        ),
    )


def test_fit_plumbing_with_mocked_sampler(mocked):
    est = cs.fit(cs.read_claims(SEED), random_seed=1, progressbar=False)
    assert est.idata.posterior["latent"].shape[:2] == (2, 20)
    t = est.trajectory(Q)
    assert list(t.columns[:5]) == ["date", "mean", "median", "lower", "upper"]
    assert t["date"].is_monotonic_increasing and t["date"].iloc[0] == pd.Timestamp("2024-10-22")
    assert t["date"].iloc[-1] == pd.Timestamp("2024-12-31")  # the grid reaches the latest as_of


def test_argument_errors(mocked):
    c = cs.read_claims(SEED)
    with pytest.raises(ValueError, match="unknown sampler"):
        cs.fit(c, sampler="stan")
    with pytest.raises(ValueError, match="unknown method"):
        cs.fit(c, method="magic")
    with pytest.raises(ValueError, match="unknown prior names"):
        cs.fit(c, priors={"nope": 1})
    with pytest.raises(ValueError, match="not an origin"):
        cs.fit(c, reference=["Nobody"])


def test_fit_accepts_a_path_and_a_dataframe(mocked):
    e1 = cs.fit(SEED, random_seed=1, progressbar=False)
    e2 = cs.fit(
        pd.read_csv(SEED, dtype=str, keep_default_na=False), random_seed=1, progressbar=False
    )
    assert e1.design.quantities == e2.design.quantities


# ---------------------------------------------------------------- tables from a real (small) fit
def test_trajectory_table(est):
    t = est.trajectory(Q, prob=0.9)
    assert (t["lower"] <= t["lower_50"]).all() and (t["lower_50"] <= t["median"]).all()
    assert (t["median"] <= t["upper_50"]).all() and (t["upper_50"] <= t["upper"]).all()
    assert (t["lower"] > 0).all()
    wide, narrow = est.trajectory(Q, prob=0.95), est.trajectory(Q, prob=0.5)
    assert (wide["upper"] - wide["lower"] > narrow["upper"] - narrow["lower"]).all()
    with pytest.raises(KeyError, match="unknown quantity"):
        est.trajectory("nope")
    with pytest.raises(ValueError, match="prob"):
        est.trajectory(Q, prob=1.5)


def test_estimate_lies_between_the_claims(est):
    day = est.trajectory(Q).set_index("date").loc[pd.Timestamp("2024-10-24")]
    assert 2000 < day["median"] < 12000


def test_sources_table(est):
    s = est.sources(prob=0.9)
    for col in [
        "source",
        "n_claims",
        "n_statements",
        "bias",
        "bias_lower",
        "bias_upper",
        "noise",
        "rank",
    ]:
        assert col in s.columns
    assert set(s["source"]) == set(cs.read_claims(SEED).origins)
    hur = s.set_index("source").loc["Ukraine military intelligence"]
    assert hur["n_statements"] == 7 and hur["n_claims"] == 16
    # Putin alone reports encircled Ukrainian troops: his group is himself, bias exactly 1
    putin = s.set_index("source").loc["Vladimir Putin"]
    assert putin["bias"] == putin["bias_lower"] == putin["bias_upper"] == 1.0
    assert not putin["bias_estimated"] and np.isnan(putin["p_high"]) and pd.isna(putin["rank"])
    assert hur["bias_estimated"] and 0 <= hur["p_high"] <= 1
    assert (s["bias_lower"] <= s["bias"]).all() and (s["bias"] <= s["bias_upper"]).all()
    # sum-to-zero identification: the geometric mean of the bias factors is 1
    assert np.exp(np.mean(np.log(s["bias"]))) == pytest.approx(1.0, abs=0.15)
    ranked = s["rank"].dropna()
    assert len(ranked) == s["bias_estimated"].sum() and ranked.min() == 1
    assert s.loc[ranked.index, "error"].is_monotonic_increasing  # rank 1 = smallest error


def test_claims_table_has_carriers_and_surprise(est):
    c = est.claims()
    assert len(c) == len(est.claims_data.statements)
    assert c["p_value"].between(0, 1).all() and c["percentile"].between(0, 1).all()
    kyodo = c[c["quantity"] == "dprk_troops_moving_west"].iloc[0]
    assert kyodo["n_carriers"] == 3 and "Kyodo News" in kyodo["carriers"]


def test_probability(est):
    p_above = est.probability(Q, "2024-10-24", above=10_000)
    p_below = est.probability(Q, "2024-10-24", below=10_000)
    assert 0 <= p_above <= 1 and p_above + p_below == pytest.approx(1.0)
    assert est.probability(Q, "2024-10-24", above=1) == 1.0
    assert est.probability(Q, "2024-10-24", above=3000, below=10_000) <= p_below
    with pytest.raises(ValueError, match="outside"):
        est.probability(Q, "2025-06-01", above=1)
    with pytest.raises(ValueError, match="above"):
        est.probability(Q, "2024-10-24")


def test_summary_mentions_every_quantity(est):
    text = est.summary()
    for q in est.design.quantities:
        assert q in text
    assert "average origin" in text and "Convergence" in text


def test_diagnostics(est):
    d = est.diagnostics
    assert d.chains == 2 and d.n_draws == 300
    assert set(d.per_variable["variable"]) >= {"latent", "bias", "noise"}
    assert d.rhat_max >= 1.0 - 1e-3 and d.ess_bulk_min > 0


def test_same_seed_identical_tables(est):
    again = _fit(random_seed=42)
    pd.testing.assert_frame_equal(est.trajectory(Q), again.trajectory(Q))
    pd.testing.assert_frame_equal(est.sources(), again.sources())


def test_save_load_round_trip(est, tmp_path):
    path = tmp_path / "fit.nc"
    est.to_netcdf(path)
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # netCDF-4/HDF5, written by h5netcdf
    back = cs.load(path)
    xr.testing.assert_identical(est.idata.posterior.to_dataset(), back.idata.posterior.to_dataset())
    xr.testing.assert_identical(
        est.idata.sample_stats.to_dataset(), back.idata.sample_stats.to_dataset()
    )
    for q in est.design.quantities:
        pd.testing.assert_frame_equal(est.trajectory(q), back.trajectory(q))
    pd.testing.assert_frame_equal(est.sources(), back.sources())
    pd.testing.assert_frame_equal(est.claims(), back.claims())
    pd.testing.assert_frame_equal(est.claims_data.table, back.claims_data.table)
    assert est.config == back.config
    assert est.probability(Q, "2024-10-24", above=5000) == back.probability(
        Q, "2024-10-24", above=5000
    )
    assert est.summary() == back.summary()
    a = _pixels(est.plot_trajectory(Q))
    b = _pixels(back.plot_trajectory(Q))
    assert np.array_equal(a, b)


def test_load_rejects_foreign_files(tmp_path):
    import xarray as xr

    p = tmp_path / "other.nc"
    xr.Dataset({"x": ("i", [1, 2])}).to_netcdf(p, engine="h5netcdf")
    with pytest.raises(ValueError, match="not written by consensus"):
        cs.load(p)


# ---------------------------------------------------------------- plots
def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_plot_trajectory_draws_bands_and_every_statement(est):
    import matplotlib.pyplot as plt

    fig = est.plot_trajectory(Q)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert len(ax.collections) >= 2  # the two credible bands
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for origin in est.claims_data.statements.query("quantity == @Q")["origin"].unique():
        assert origin in labels
    # bounds get arrows: one annotation per at_least / at_most statement
    st = est.claims_data.statements.query("quantity == @Q")
    assert len(ax.texts) == int(st["kind"].isin(["at_least", "at_most"]).sum())
    # each statement once (not once per carrier): filled circles for points, hollow circles for
    # projections at their as_of, one vertical bar from low to high per range
    circles = [ln for ln in ax.lines if ln.get_marker() == "o"]
    hollow = [ln for ln in circles if ln.get_markerfacecolor() == "none"]
    projections = st["as_of"] > st["date"]
    assert len(hollow) == projections.sum() == 2
    assert len(circles) - len(hollow) == ((st["kind"] == "point") & ~projections).sum() == 3
    ranges = st[st["kind"] == "range"]
    bars = [
        ln for ln in ax.lines
        if ln.get_marker() in ("None", None, "") and sorted(ln.get_ydata()) == sorted(ranges[["low", "high"]].iloc[0])
    ]  # fmt: skip
    assert len(ranges) == 1 and len(bars) == 1
    plt.close(fig)
    fig, ax = plt.subplots()
    assert est.plot_trajectory(Q, ax=ax, log=False) is fig and ax.get_yscale() == "linear"
    plt.close(fig)
    with pytest.raises(ValueError, match="name the quantity"):
        est.plot_trajectory()


def test_plot_sources(est):
    import matplotlib.pyplot as plt

    fig = est.plot_sources()
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == len(est.sources())
    assert ax.get_xscale() == "log" and "average origin" in ax.get_title()
    # lone origins' biases are fixed by the identification rule: hollow markers, no interval
    hollow = [
        ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"
    ]
    n_fixed = int((~est.sources()["bias_estimated"]).sum())
    assert n_fixed > 0 and sum(len(ln.get_xdata()) for ln in hollow) == n_fixed
    assert len(ax.collections[0].get_segments()) == len(est.sources()) - n_fixed
    plt.close(fig)
