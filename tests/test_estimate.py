"""The Estimate API: tables, probabilities, summary, save/load, determinism, plots.

These are plumbing tests: the tables, plots and files must be right for whatever posterior
the sampler returns, so most run on prior draws in place of the posterior (sampling
mocked), where convergence is not in question. What the numbers must be is checked in
test_mutation_guards.py (known draws) and test_recovery.py (a known truth).
"""

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


def _fake_sample(draws=100, chains=2, change=None, divergences=0):
    """A stand-in for pm.sample: prior draws as the posterior, with a sample_stats group.

    ``change`` maps a variable name to a function of its (chain, draw, ...) draws.
    """

    def sample(*a, **k):
        def diverging(size):
            out = np.zeros(size, dtype=bool)
            out.flat[:divergences] = True
            return out

        idata = mock_sample(
            draws=draws,
            chains=chains,
            random_seed=k.get("random_seed"),
            sample_stats={"diverging": diverging},
        )
        post = idata["posterior"].to_dataset()
        for name, fn in (change or {}).items():
            post[name] = (post[name].dims, fn(post[name].values))
        idata["posterior"] = post
        return idata

    return sample


def _mocked_fit(monkeypatch, claims=SEED, **kw):
    monkeypatch.setattr(pm, "sample", _fake_sample(**kw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prior draws do not look converged
        return cs.fit(claims, random_seed=42, progressbar=False)


@pytest.fixture(scope="module")
def est():
    with pytest.MonkeyPatch.context() as mp:
        yield _mocked_fit(mp)


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


# ---------------------------------------------------------------- tables (plumbing)
def test_trajectory_table(est):
    t = est.trajectory(Q, prob=0.9)
    assert list(t.columns) == ["date", "mean", "median", "lower", "upper", "lower_50", "upper_50"]
    grid = pd.date_range("2024-10-22", "2024-12-31", freq="D")  # first as_of .. latest as_of
    assert t["date"].tolist() == grid.tolist()
    with pytest.raises(KeyError, match="unknown quantity"):
        est.trajectory("nope")
    with pytest.raises(ValueError, match="prob"):
        est.trajectory(Q, prob=1.5)


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
    assert hur["n_statements"] == 7 and hur["n_claims"] == 16  # counted in claims.csv
    # Putin alone reports encircled Ukrainian troops: his group is himself, bias exactly 1
    putin = s.set_index("source").loc["Vladimir Putin"]
    assert putin["bias"] == putin["bias_lower"] == putin["bias_upper"] == 1.0
    assert not putin["bias_estimated"] and np.isnan(putin["p_high"]) and pd.isna(putin["rank"])
    assert hur["bias_estimated"] and not np.isnan(hur["p_high"])
    ranked = s["rank"].dropna()
    assert len(ranked) == s["bias_estimated"].sum() and ranked.min() == 1
    assert s.loc[ranked.index, "error"].is_monotonic_increasing  # rank 1 = smallest error


def test_claims_table_has_carriers(est):
    c = est.claims()
    assert len(c) == len(est.claims_data.statements)
    kyodo = c[c["quantity"] == "dprk_troops_moving_west"].iloc[0]
    assert kyodo["n_carriers"] == 3 and "Kyodo News" in kyodo["carriers"]
    assert {"truth_median", "expected", "percentile", "p_value"} <= set(c.columns)


def test_probability_arguments(est):
    with pytest.raises(ValueError, match="outside"):
        est.probability(Q, "2025-06-01", above=1)
    with pytest.raises(ValueError, match="above"):
        est.probability(Q, "2024-10-24")


def test_summary_mentions_every_quantity(est):
    text = est.summary()
    for q in est.design.quantities:
        assert q in text
    assert "Convergence" in text


def test_summary_gives_the_headline_in_words_and_numbers(est):
    """Each quantity's line is the report's headline: its latest report's date, the interval
    in words and numbers; a grid stretched by projections adds its end."""
    lines = {ln.split(":")[0]: ln for ln in est.summary().splitlines()}
    for r in est.headline().itertuples():
        line = lines[r.quantity]
        assert f"on {r.date.date()}, its latest report (very likely (90 %) between " in line
        assert (f"on {r.grid_end.date()}, as projected" in line) == (r.grid_end > r.date)


# ---------------------------------------------------------------- diagnostics on known draws
def test_diagnostics_flag_chains_that_disagree(monkeypatch):
    """Chain 1's draws of one latent value shifted far from chain 0's: R-hat far above 1.01,
    and fit warns naming that value (quantity and date) with advice for split chains."""
    k = 5  # the shifted grid point

    def shift(x):
        x = x.copy()
        x[1, :, k] += 50.0
        return x

    monkeypatch.setattr(pm, "sample", _fake_sample(change={"latent": shift}, divergences=3))
    with pytest.warns(cs.ConvergenceWarning, match="R-hat") as caught:
        e = cs.fit(SEED, random_seed=1, progressbar=False)
    d = e.diagnostics
    assert d.chains == 2 and d.n_draws == 100 and d.divergences == 3
    assert d.rhat_max > 1.5 and not d.ok
    assert any("R-hat" in p for p in d.problems) and any("3 divergent" in p for p in d.problems)
    worst = d.per_variable.set_index("variable")["rhat_max"]
    assert worst["latent"] > 1.5
    q = e.design.quantities[e.design.grid_quantity[k]]
    where = f"latent of {q} on {pd.Timestamp(e.design.grid_date[k]).date()}"
    assert d.worst_rhat.where == where and d.worst_rhat.chains_apart
    assert d.worst_rhat.chain_means[1] - d.worst_rhat.chain_means[0] == pytest.approx(50, abs=5)
    (message,) = [str(w.message) for w in caught if w.category is cs.ConvergenceWarning]
    assert f"worst at {where} (its chains settled on different values)" in message
    assert f"look at the claims behind {where}" in message


def test_diagnostics_count_effective_draws(monkeypatch):
    """Draws that only trend within each chain (every latent value rising draw by draw) carry
    almost no independent information: ESS far below the 100 per chain asked for."""

    def trend(x):
        return x[:, :1] + np.linspace(0, 1, x.shape[1])[None, :, None]

    monkeypatch.setattr(pm, "sample", _fake_sample(change={"latent": trend}))
    with pytest.warns(cs.ConvergenceWarning, match="effective sample size"):
        e = cs.fit(SEED, random_seed=1, progressbar=False)
    assert e.diagnostics.ess_bulk_min < 20
    worst = e.diagnostics.worst_ess
    assert worst.variable == "latent" and worst.value < 20 and not worst.chains_apart
    assert f"at {worst.where}" in e.diagnostics.problems[-1]


# ---------------------------------------------------------------- real sampling (tiny)
def _tiny_fit(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        return cs.fit(SEED, draws=60, tune=60, chains=2, random_seed=seed, progressbar=False)


def test_same_seed_identical_tables():
    a, b = _tiny_fit(42), _tiny_fit(42)
    pd.testing.assert_frame_equal(a.trajectory(Q), b.trajectory(Q))
    pd.testing.assert_frame_equal(a.sources(), b.sources())


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
