"""The model: the likelihood pieces against numerical truth, and its behaviour under real sampling."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import integrate, stats

import consensus as cs
from consensus.model import (
    DEFAULT_PRIORS,
    bias_groups,
    build_model,
    interval_logp,
    std_t_logcdf,
)

NU = DEFAULT_PRIORS["nu"]


def _eval(expr_fn, *arrays):
    xs = [pt.dvector() for _ in arrays]
    return pytensor.function(xs, expr_fn(*xs))(*[np.asarray(a, dtype=float) for a in arrays])


# ---------------------------------------------------------------- likelihood pieces (no sampling)
@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (-1.0, 1.0),
        (0.3, 2.5),
        (-4.0, -3.9),
        (5.0, 5.001),
        (-30.0, -29.0),
        (25.0, 60.0),
        (1e-6, 2e-6),
    ],
)
def test_interval_logp_equals_numerical_integration(lo, hi):
    got = _eval(lambda a, b: interval_logp(a, b, NU), [lo], [hi])[0]
    mass, err = integrate.quad(lambda z: stats.t.pdf(z, NU), lo, hi, epsabs=0, epsrel=1e-12)
    assert np.isfinite(got)
    assert got == pytest.approx(np.log(mass), rel=1e-7, abs=1e-9)


def test_interval_logp_has_finite_gradient_in_the_tails():
    a, b = pt.dvector(), pt.dvector()
    lp = interval_logp(a, b, NU).sum()
    g = pytensor.function([a, b], pt.grad(lp, [a, b]))([-40.0, 30.0, 0.0], [-39.99, 30.01, 1e-5])
    assert all(np.all(np.isfinite(x)) for x in g)


@pytest.mark.parametrize("nu", [NU, 3.0, 7.5])  # nu = 4 has its own closed form
def test_bound_logps_match_scipy(nu):
    z = np.array([-1e4, -300.0, -20.0, -2.0, -1e-3, 0.0, 1e-3, 1.5, 20.0, 300.0])
    got = _eval(lambda x: std_t_logcdf(x, nu), z)
    # relative precision for tail log-probabilities, absolute 1e-12 where log F is ~0
    np.testing.assert_allclose(got, stats.t.logcdf(z, nu), rtol=1e-8, atol=1e-12)
    got = _eval(lambda x: std_t_logcdf(-x, nu), z)
    np.testing.assert_allclose(got, stats.t.logsf(z, nu), rtol=1e-8, atol=1e-12)


def _claims(rows):
    df = pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value", "low", "high"])
    return cs.read_claims(df).with_scales("log")


# The log density of every kind, with known stderr and projections, is checked against a
# hand-written one in test_mutation_guards.py (hand_loglik).


def test_every_variable_has_dims():
    c = _claims(
        [
            ["q", "A", "2024-01-01", "point", 100, None, None],
            ["q", "B", "2024-01-09", "point", 120, None, None],
        ]
    )
    m = build_model(c.design())
    named = {v.name for v in m.free_RVs + m.deterministics + m.observed_RVs}
    undimmed = {n for n in named if n not in m.named_vars_to_dims} - {"innovation_z"}
    assert undimmed == set()
    assert {"quantity", "origin", "scale", "time", "statement", "point"} <= set(m.coords)


def test_reference_origin_has_zero_bias_and_unknown_reference_fails():
    c = _claims(
        [
            ["q", "A", "2024-01-01", "point", 100, None, None],
            ["q", "B", "2024-01-01", "point", 300, None, None],
        ]
    )
    m = build_model(c.design(), reference=["A"])
    draws = pm.draw(m["bias"], draws=5, random_seed=1)
    assert np.all(draws[:, 0, 0] == 0) and np.any(draws[:, 1, 0] != 0)
    with pytest.raises(ValueError, match="not an origin"):
        build_model(c.design(), reference=["Z"])


def test_zero_sum_biases():
    c = _claims(
        [
            ["q", s, "2024-01-01", "point", v, None, None]
            for s, v in zip("ABC", (100, 200, 400), strict=True)
        ]
    )
    m = build_model(c.design())
    rel, absolute = pm.draw([m["bias_relative"], m["bias"]], draws=20, random_seed=2)
    # biases relative to the group's average origin sum to zero; the absolute ones do not
    # (soft identification: their average is the group offset, known only from its prior)
    np.testing.assert_allclose(rel.sum(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(rel, absolute - absolute.mean(axis=1, keepdims=True), atol=1e-10)
    assert np.abs(absolute.sum(axis=1)).min() > 1e-6


def test_identification_is_per_group_of_origins_linked_by_shared_quantities():
    """A-B-C share quantities (one group), D alone reports q3, E and F share q4: relative
    biases sum to zero in each group on its own, D's is 0, and a reference pins only its
    own group."""
    rows = [("q1", "A"), ("q1", "B"), ("q2", "B"), ("q2", "C"), ("q3", "D"), ("q4", "E")]
    rows.append(("q4", "F"))
    c = _claims(
        [[q, o, "2024-01-01", "point", 100 + i, None, None] for i, (q, o) in enumerate(rows)]
    )
    d = c.design()
    assert bias_groups(d)[:, 0].tolist() == [0, 0, 0, 1, 2, 2]
    b = pm.draw(build_model(d)["bias_relative"], draws=50, random_seed=3)[:, :, 0]
    np.testing.assert_allclose(b[:, [0, 1, 2]].sum(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(b[:, [4, 5]].sum(axis=1), 0.0, atol=1e-10)
    assert np.all(b[:, 3] == 0) and np.all(b[:, 4] != 0)
    r = pm.draw(build_model(d, reference=["A"])["bias_relative"], draws=50, random_seed=3)
    r = r[:, :, 0]
    assert np.all(r[:, 0] == 0) and np.all(r[:, 1] != 0) and np.all(r[:, 2] != 0)
    np.testing.assert_allclose(r[:, [4, 5]].sum(axis=1), 0.0, atol=1e-10)  # no reference there


def test_unknown_prior_is_an_error():
    c = _claims([["q", "A", "2024-01-01", "point", 100, None, None]])
    with pytest.raises(ValueError, match="unknown prior names"):
        build_model(c.design(), priors={"bias_scale": 1.0})


# ---------------------------------------------------------------- real sampling
FAST = {"draws": 500, "tune": 500, "chains": 2, "progressbar": False}


def _fit(claims, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        return cs.fit(claims, **{**FAST, **kw})


def _pointsy(n_origins=6, level=5000.0, seed=0, days=("2024-03-01",)):
    """Points near `level` from equally noisy origins (sd 0.1 on the log scale)."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in days:
        for o in range(n_origins):
            for _ in range(2):
                rows.append(
                    [
                        "q",
                        f"O{o}",
                        day,
                        "point",
                        round(level * np.exp(0.1 * rng.standard_normal())),
                        None,
                        None,
                    ]
                )
    return rows


def _median_on(est, day="2024-03-01"):
    t = est.trajectory("q").set_index("date")
    return float(t.loc[pd.Timestamp(day), "median"])


@pytest.mark.slow
def test_a_lone_lower_bound_above_the_points_moves_the_estimate_up():
    """at_least 20,000 beside points near 5,000 from equally noisy origins.

    Four origins make two points each, scattered around 5,000 (sd about 0.35 on
    the log scale); a fifth origin, with the same pooled noise prior, says only
    "at least 20,000", about 3 noise sd above. The bound must pull the
    estimate up (median, mean and upper bound), while the same number as an
    upper bound, consistent with every point, must change nothing. The margins
    (3 %, 5 %, 10 %) are several Monte Carlo errors: posterior sd is about
    13 % of the level and ESS about 500, so the median's MC error is ~0.6 %.
    The upper bound's "nothing changes" is checked to 3.5 %: two medians from
    separate fits differ by ~0.85 % MC sd (4 sd), and a fifth origin also
    widens the group's average-bias term (prior sd bias_sigma/sqrt(K)) a little.
    (With a far bound from very precise origins the Student-t errors rightly
    treat the bound as an outlier; test_one_figure_100x_off covers that.)
    """
    values = [3000, 8000, 5000, 4200, 6500, 2900, 5600, 4700]
    base = [["q", f"O{i // 2}", "2024-03-01", "point", v, None, None] for i, v in enumerate(values)]

    def day(rows):
        return _fit(_claims(rows), random_seed=3).trajectory("q").iloc[0]

    b = day(base)
    up = day([*base, ["q", "X", "2024-03-01", "at_least", 20000, None, None]])
    down = day([*base, ["q", "X", "2024-03-01", "at_most", 20000, None, None]])
    assert up["median"] > 1.03 * b["median"], (b["median"], up["median"])
    assert up["mean"] > 1.05 * b["mean"], (b["mean"], up["mean"])
    assert up["upper"] > 1.10 * b["upper"], (b["upper"], up["upper"])
    assert abs(down["median"] / b["median"] - 1) < 0.035, (b["median"], down["median"])


@pytest.mark.slow
def test_relays_leave_the_posterior_unchanged():
    rows = _pointsy(n_origins=4)
    df = pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value", "low", "high"])
    relays = pd.concat(
        [df.iloc[[0]].assign(source=f"Outlet{i}", cites=df["source"].iat[0]) for i in range(5)]
    )
    both = pd.concat([df.assign(cites=""), relays], ignore_index=True)
    a = _fit(cs.read_claims(df), random_seed=7)
    b = _fit(cs.read_claims(both), random_seed=7)
    # relays leave the design arrays, hence the model, unchanged: with the same seed the
    # posterior is identical, not just within Monte Carlo error
    da, db = a.design, b.design
    for f in ("quantity", "origin", "time", "kind", "value", "low", "high", "stderr", "center"):
        np.testing.assert_array_equal(getattr(da, f), getattr(db, f))
    pd.testing.assert_frame_equal(a.trajectory("q"), b.trajectory("q"))
    assert b.claims_data.statements["n_carriers"].max() == 6


@pytest.mark.slow
def test_one_figure_100x_off_moves_the_median_less_than_5_percent():
    rows = _pointsy(n_origins=8, seed=11)
    m0 = _median_on(_fit(_claims(rows), random_seed=5))
    wild = [
        *rows,
        ["q", "O3", "2024-03-01", "point", 500_000, None, None],
    ]  # one slip: 100x the truth
    m1 = _median_on(_fit(_claims(wild), random_seed=5))
    assert abs(m1 / m0 - 1) < 0.05, (m0, m1)


@pytest.mark.slow
def test_hard_case_warns_about_convergence():
    rows = _pointsy(n_origins=3)
    with pytest.warns(cs.ConvergenceWarning, match="Try:"):
        cs.fit(_claims(rows), draws=30, tune=15, chains=2, progressbar=False, random_seed=1)


@pytest.mark.slow
def test_recovery_coverage_is_nominal():
    """Pooled over 4 simulated data sets: 90 % intervals cover the truth at 85-95 % of grid
    dates, and the origins' true biases lie in their 90 % intervals at about the nominal
    rate, and in their 50 % intervals about half the time (too wide intervals fail too).

    Grid dates within a trajectory are strongly correlated (12 trajectories in all), hence
    the 85-95 % window the issue sets rather than a binomial band. For biases (24 origins)
    3 binomial sd below 0.9 is 0.72; for the 50 % intervals 2.5 sd is +-0.26.
    """
    latent, bias90, bias50 = [], [], []
    for seed in (1, 2, 3, 4):
        sim = cs.simulate(
            n_quantities=3,
            n_days=45,
            n_origins=6,
            claims_per_quantity=25,
            bias_sd=0.3,
            noise_mean=0.15,
            walk_sd=0.02,
            share_at_least=0.1,
            share_range=0.1,
            random_seed=seed,
        )
        est = _fit(cs.read_claims(sim.claims), random_seed=seed, draws=600, tune=600)
        truth = sim.truth.assign(date=pd.to_datetime(sim.truth["date"]))
        for q in est.design.quantities:
            tr = est.trajectory(q, prob=0.9).merge(truth[truth["quantity"] == q], on="date")
            latent += list((tr["lower"] <= tr["value"]) & (tr["value"] <= tr["upper"]))
        for prob, out in ((0.9, bias90), (0.5, bias50)):
            src = est.sources(prob=prob).merge(sim.origins, left_on="source", right_on="origin")
            lo, hi, true = src["bias_lower"], src["bias_upper"], src["bias_y"]
            out += list((lo <= true) & (true <= hi))
    # at least nominal: without truths the interval also carries the origins' unknown average
    # bias and the shared error, which this simulation (centred biases, nothing shared) does not
    # draw, so it over-covers by design (benchmarks/README.md); the biases below are relative
    # and are held to both bounds
    assert np.mean(latent) >= 0.85, np.mean(latent)
    assert np.mean(bias90) >= 0.72, np.mean(bias90)
    assert 0.24 <= np.mean(bias50) <= 0.76, np.mean(bias50)
