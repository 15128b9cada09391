"""Exact-value data (issue 13): the exact-or-wrong likelihood, its candidates, the auto switch.

The likelihood is checked against brute-force integration over the truth; the
candidates' table and the saved file with mocked sampling; recovery of each
origin's exact-report probability with real sampling (slow).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from pymc.testing import mock_sample
from scipy import special, stats

import consensus as cs
from consensus.exact import (
    Arrays,
    ExactDesign,
    cell_table,
    cells_logp,
    exact_design,
    exact_quantities,
    rounding_unit,
    shared_figures,
)

SEED = Path(__file__).parents[1] / "examples" / "dprk_troops_2024" / "claims.csv"


def _exact_claims(
    probs, n_quantities=60, noise=4.0, seed=0, every=True
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every origin reports every quantity once: the truth (prob[o]) or truth + bias + noise.

    Whole numbers on the identity scale; the truth is a whole number too, so an
    exact report is literally the truth.
    """
    rng = np.random.default_rng(seed)
    probs = np.asarray(probs)
    bias = rng.normal(0.0, 1.0, len(probs))
    truth = np.round(rng.normal(50.0, 10.0, n_quantities))
    rows = []
    for q in range(n_quantities):
        for o, p in enumerate(probs):
            if not every and rng.random() < 0.5:
                continue
            exact = rng.random() < p
            v = truth[q] if exact else np.round(truth[q] + bias[o] + noise * rng.normal())
            rows.append([f"q{q:02d}", f"o{o}", "2024-01-01", "point", v])
    cols = ["quantity", "source", "date", "kind", "value"]
    return pd.DataFrame(rows, columns=cols), truth


# ---------------------------------------------------------------- the likelihood, no sampling
def _one_cell(values, candidates, r=1.0):
    values, candidates = np.asarray(values, float), np.asarray(candidates, float)
    return ExactDesign(
        quantities=["q"],
        statement=np.arange(len(values)),
        candidate=np.searchsorted(candidates, values),
        cell=np.zeros(len(candidates), dtype=int),
        slot=np.arange(1, len(candidates) + 1),
        value=candidates,
        model_value=candidates,
        low=candidates - r / 2,
        high=candidates + r / 2,
        cell_time=np.zeros(1, dtype=int),
    )


@pytest.mark.parametrize("pi,sigma", [(0.6, 0.7), (0.05, 2.0), (0.95, 0.2)])
def test_marginal_equals_brute_force_integration_over_the_truth(pi, sigma):
    """The closed form sums over "which candidate is the truth" exactly.

    Brute force: integrate over the truth T ~ N(t0, sigma) the product over
    claims of pi * [T rounds to the claim] + (1 - pi) * P(error lands in the
    claim's bin). Agreement to 1e-3 in log (the grid's trapezoid error).
    """
    values = [45, 45, 45, 45, 47, 43, 46]
    ex = _one_cell(values, [43, 45, 46, 47])
    t0, mu, sd, nu = 45.3, 45.1, 1.5, 4.0
    n = len(values)
    table, log_wrong, *_ = cell_table(
        Arrays(),
        ex,
        np.array([t0]),
        np.array([sigma]),
        np.full(n, mu),
        np.full(n, sd),
        nu,
        np.full(n, pi),
    )
    closed = special.logsumexp(table, axis=-1).sum() + log_wrong.sum()
    t = np.linspace(t0 - 10 * sigma, t0 + 10 * sigma, 400_001)
    v = np.asarray(values, float)
    p_err = stats.t.cdf(v + 0.5, nu, mu, sd) - stats.t.cdf(v - 0.5, nu, mu, sd)
    lik = np.ones_like(t)
    for vi, pe in zip(v, p_err, strict=True):
        lik *= pi * (np.round(t) == vi) + (1 - pi) * pe
    brute = np.log(np.trapezoid(lik * stats.norm.pdf(t, t0, sigma), t))
    assert closed == pytest.approx(brute, abs=1e-3)


@pytest.mark.parametrize("truth,rho", [(45.2, 0.7), (46.0, 0.3), (50.0, 0.5)])
def test_a_known_truth_mixes_truth_as_reported_and_shared_error(truth, rho):
    """At a truth's date: the exact reporters' figure S is the truth (rho) or free of it.

    Brute force: rho * prod_i [pi [t rounds to y_i] + (1 - pi) P_i] + (1 - rho) *
    integral over S ~ N(t0, sigma) of the same product with S, all times the
    truth's density N(t; t0, sigma), which the model adds as its own term.
    Truths in a candidate's bin (45, 46) and in none (50) are both covered.
    """
    values = [45, 45, 45, 47, 46]
    ex = _one_cell(values, [45, 46, 47])
    ex = dataclasses.replace(
        ex,
        truth_cell=np.array([0]),
        truth_candidate=np.array([{45: 0, 46: 1}.get(int(round(truth)), -1)]),
    )
    t0, sigma, mu, sd, nu, pi = 45.6, 1.2, 45.4, 1.5, 4.0, 0.6
    n = len(values)
    terms = cell_table(
        Arrays(),
        ex,
        np.array([t0]),
        np.array([sigma]),
        np.full(n, mu),
        np.full(n, sd),
        nu,
        np.full(n, pi),
    )
    closed = cells_logp(Arrays(), ex, terms, np.array([rho])) + stats.norm.logpdf(truth, t0, sigma)
    v = np.asarray(values, float)
    p_err = stats.t.cdf(v + 0.5, nu, mu, sd) - stats.t.cdf(v - 0.5, nu, mu, sd)

    def claims_given(s):
        out = np.ones_like(s)
        for vi, pe in zip(v, p_err, strict=True):
            out = out * (pi * (np.round(s) == vi) + (1 - pi) * pe)
        return out

    s = np.linspace(t0 - 10 * sigma, t0 + 10 * sigma, 400_001)
    free = np.trapezoid(claims_given(s) * stats.norm.pdf(s, t0, sigma), s)
    brute = np.log(
        (rho * claims_given(np.array([truth]))[0] + (1 - rho) * free)
        * stats.norm.pdf(truth, t0, sigma)
    )
    assert closed == pytest.approx(brute, abs=1e-3)


def test_with_no_exact_reports_the_term_is_the_error_model_alone():
    """pi = 0: every row's log-sum is 0 and each claim's term is its bin's error probability."""
    ex = _one_cell([10, 12, 12], [10, 12])
    n = 3
    with np.errstate(divide="ignore"):  # log(pi) = -inf: no claim can be exact
        table, log_wrong, *_ = cell_table(
            Arrays(),
            ex,
            np.array([11.0]),
            np.array([1.0]),
            np.full(n, 11.0),
            np.full(n, 2.0),
            4.0,
            np.zeros(n),
        )
    assert special.logsumexp(table, axis=-1) == pytest.approx([0.0], abs=1e-9)
    want = np.log(
        stats.t.cdf([10.5, 12.5, 12.5], 4, 11, 2) - stats.t.cdf([9.5, 11.5, 11.5], 4, 11, 2)
    )
    np.testing.assert_allclose(log_wrong, want, rtol=1e-9)


# ---------------------------------------------------------------- candidates and bins
def test_rounding_unit_is_what_most_figures_show():
    assert rounding_unit(np.array([12000, 3000, 2000, 10000])) == 1000
    assert rounding_unit(np.array([48, 51, 50, 49.5])) == 1  # three of four are whole
    assert rounding_unit(np.array([30.06, 30.1, 29.95])) == pytest.approx(0.01)


def test_candidates_are_distinct_figures_with_bins_that_never_overlap():
    df = pd.DataFrame(
        [
            ["q", "A", "2024-01-01", "point", 48.0],
            ["q", "B", "2024-01-01", "point", 48.0],
            ["q", "C", "2024-01-01", "point", 48.2],
            ["q", "D", "2024-01-01", "point", 50.0],
            ["q", "E", "2024-01-01", "point", 51.0],
        ],
        columns=["quantity", "source", "date", "kind", "value"],
    )
    claims = cs.read_claims(df).with_scales("identity")
    d = claims.design(freq=None)
    ex = exact_design(claims, d, ["q"])
    assert ex is not None
    np.testing.assert_array_equal(ex.value, [48.0, 48.2, 50.0, 51.0])
    np.testing.assert_array_equal(ex.candidate, [0, 0, 1, 2, 3])  # A and B say the same figure
    # whole-number rounding: +-0.5, cut at the midpoint between 48 and 48.2 and at 50.5
    np.testing.assert_allclose(ex.low, [47.5, 48.1, 49.5, 50.5])
    np.testing.assert_allclose(ex.high, [48.1, 48.7, 50.5, 51.5])
    assert (ex.low[1:] >= ex.high[:-1] - 1e-12).all()


def test_auto_switches_on_where_origins_agree_and_stays_off_for_the_seed():
    agreeing, _ = _exact_claims([0.95, 0.9, 0.9, 0.8, 0.0], n_quantities=8)
    claims = cs.read_claims(agreeing).with_scales("identity")
    assert exact_quantities(claims, claims.design(freq=None), "auto") == claims.quantities
    noisy, _ = _exact_claims([0.0] * 5, n_quantities=6, noise=8.0)
    claims = cs.read_claims(noisy).with_scales("identity")
    assert exact_quantities(claims, claims.design(freq=None), "auto") == []
    # a crowd that agrees on one default answer (0) everywhere is not copying the truth
    rows = [
        [f"q{q}", f"w{w}", "2024-01-01", "point", 0 if w < 3 else 10 * q + w]
        for q in range(8)
        for w in range(5)
    ]
    crowd = cs.read_claims(
        pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value"])
    ).with_scales("identity")
    assert exact_quantities(crowd, crowd.design(freq=None), "auto") == []
    seed = cs.read_claims(SEED).with_scales("log")
    assert exact_quantities(seed, seed.design(freq=None), "auto") == []


def test_exact_setting_is_checked():
    claims = cs.read_claims(SEED).with_scales("log")
    d = claims.design(freq=None)
    assert exact_quantities(claims, d, False) == []
    assert exact_quantities(claims, d, True) == d.quantities
    with pytest.raises(cs.UnknownNameError, match="not a quantity"):
        exact_quantities(claims, d, ["no such thing"])


def test_shared_figures_ranks_pairs_that_copy():
    rows = []
    for q in range(10):
        rows += [
            [f"q{q}", "A", "2024-01-01", "point", 100 + q],
            [f"q{q}", "B", "2024-01-01", "point", 100 + q],  # copies A
            [f"q{q}", "C", "2024-01-01", "point", 200 + 7 * q],
        ]
    df = pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value"])
    t = shared_figures(cs.read_claims(df))
    first = t.iloc[0]
    assert {first["origin_a"], first["origin_b"]} == {"A", "B"}
    assert first["identical"] == 10 and first["share"] == 1.0
    assert (t["share"].iloc[1:] == 0).all()


# ---------------------------------------------------------------- plumbing, sampling mocked
@pytest.fixture
def mocked(monkeypatch):
    monkeypatch.setattr(
        pm,
        "sample",
        lambda *a, **k: mock_sample(draws=30, chains=2, random_seed=k.get("random_seed")),
    )


def test_candidates_sum_to_one_with_other_and_survive_saving(mocked, tmp_path):
    df, _ = _exact_claims([0.9, 0.8, 0.5, 0.0], n_quantities=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        est = cs.fit(df, scales="identity", exact=True, random_seed=2, progressbar=False)
    assert est.config.exact == ["q00", "q01", "q02"]
    for q in est.quantities:
        c = est.candidates(q)
        assert list(c.columns) == ["date", "candidate", "value", "probability", "statements"]
        assert c.groupby("date")["probability"].sum().to_numpy() == pytest.approx(1.0)
        assert (
            "other" in set(c["candidate"])
            and c.loc[c["candidate"] == "other", "value"].isna().all()
        )
        said = df[df["quantity"] == q]["value"].drop_duplicates()
        assert set(c["value"].dropna()) == set(said)
        # the truth's draws are the chosen candidates (or the continuous value for other)
        lat = est.idata.posterior["latent"].values.ravel()
        assert np.isin(est._latent(q)[0].ravel(), np.r_[said.to_numpy(), lat]).all()
    assert "exact_prob" in est.sources().columns
    path = tmp_path / "fit.nc"
    est.to_netcdf(path)
    back = cs.load(path)
    pd.testing.assert_frame_equal(back.candidates("q00"), est.candidates("q00"))
    pd.testing.assert_frame_equal(back.trajectory("q00"), est.trajectory("q00"))


def test_resolve_picks_the_figure_the_draws_favour_and_writes_it_into_the_truth(mocked):
    """Three origins say 11, one says 30; every draw: consensus 11.2, sd 5, pi 0.9, sigma 0.5.

    By the closed form, the exact reporters' figure is 11 with probability about
    1 - 1e-4 per draw (three likely-exact claims in a bin that holds it with
    probability ~0.6, against one claim 40 sd of sigma away). The truth is that
    figure with probability rho = 0.8, else the continuous value 11.2, which
    rounds to 11 with probability P(|N(11.2, 0.5) - 11| < 0.5) = 0.645. So
    P(truth = 11) = 0.8 + 0.2 * 0.645 in the table (to 1e-3), about 80 % of the
    draws are exactly 11 (4 binomial sd), the rest keep 11.2, which is also
    kept as latent_continuous.
    """
    from consensus.exact import resolve

    rows = [
        ["q", s, "2024-01-01", "point", v] for s, v in zip("ABCD", [11, 11, 11, 30], strict=True)
    ]
    df = pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cs.fit(df, scales="identity", exact=True, random_seed=2, progressbar=False)
    d = est.design
    ex = exact_design(est.claims_data, d, ["q"])
    post = est.idata.posterior.to_dataset()
    post = post.assign(
        latent=post["latent_continuous"] * 0 + 11.2,
        shared=post["shared"] * 0,
        shared_sigma=post["shared_sigma"] * 0 + 0.5,
        bias=post["bias"] * 0,
        noise=post["noise"] * 0 + 5.0,
        projection_sigma=post["projection_sigma"] * 0,
        exact_prob=post["exact_prob"] * 0 + 0.9,
        exact_truth=post["exact_truth"] * 0 + 0.8,
    ).drop_vars("latent_continuous")
    post = xr.concat([post] * 20, dim="draw")  # 1,200 draws: the 80 % share to +-0.05
    out, table = resolve(post, d, ex, nu=4.0, noise_floor=0.05, seed=0)
    assert (out["latent_continuous"] == 11.2).all()
    lat = out["latent"].values.ravel()
    n = lat.size
    assert set(np.unique(lat)) <= {11.0, 11.2}
    assert (lat == 11.0).mean() == pytest.approx(0.8, abs=4 * np.sqrt(0.16 / n))
    t = table.to_dataframe().set_index("value", drop=False)
    cont = stats.norm.cdf(11.5, 11.2, 0.5) - stats.norm.cdf(10.5, 11.2, 0.5)
    assert t.loc[11.0, "probability"] == pytest.approx(0.8 + 0.2 * cont, abs=1e-3)
    assert t.loc[11.0, "statements"] == 3
    assert t["probability"].sum() == pytest.approx(1.0)


def test_a_truth_at_an_exact_cell_is_kept_and_marked_with_its_candidate(mocked):
    """A quantity with a known truth is an exact cell too (its truth teaches ``exact_truth``).

    The truth 48 lies in the bin of the candidate 48; after resolving, that cell's
    truth is 48 in every draw (pinned, within its 0.005-unit floor) and its
    candidates' table gives 48 probability 1.
    """
    df, _ = _exact_claims([0.9, 0.8, 0.5, 0.0], n_quantities=3, seed=4)
    figures = sorted(df.loc[df["quantity"] == "q00", "value"].unique())
    truth = figures[0]
    known = pd.DataFrame({"quantity": ["q00"], "date": ["2024-01-01"], "value": [truth]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        est = cs.fit(
            df, scales="identity", exact=True, truths=known, random_seed=2, progressbar=False
        )
    ex = exact_design(est.claims_data, est.design, est.quantities)
    assert len(ex.truth_cell) == 1 and ex.value[ex.truth_candidate[0]] == truth
    lat = est.trajectory("q00").iloc[0]
    assert lat["lower"] == pytest.approx(truth, abs=0.05) and lat["upper"] == pytest.approx(
        truth, abs=0.05
    )
    c = est.candidates("q00").set_index("value")
    assert c.loc[truth, "probability"] == pytest.approx(1.0)


def test_a_track_record_carries_the_exact_truth_share_as_a_beta(mocked):
    """The earlier posterior of ``exact_truth`` becomes a Beta of its mean and variance.

    Checked on the model's own prior: log density at 0.6 equals Beta(a, b)'s,
    and a different carried Beta is a different compiled structure.
    """
    from consensus.inference import track_prior
    from consensus.model import build_model, structure_key

    df, _ = _exact_claims([0.9, 0.8, 0.5, 0.0], n_quantities=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        est = cs.fit(df, scales="identity", exact=True, random_seed=2, progressbar=False)
    r = est.idata.posterior["exact_truth"].values.ravel()
    track = track_prior(est.design, est)
    a, b = track.exact_truth_a[0], track.exact_truth_b[0]
    assert a / (a + b) == pytest.approx(r.mean(), rel=1e-9)
    assert a * b / ((a + b) ** 2 * (a + b + 1)) == pytest.approx(r.var(), rel=1e-6)
    ex = exact_design(est.claims_data, est.design, est.quantities)
    carried = dataclasses.replace(
        track, exact_truth_a=np.array([6.0]), exact_truth_b=np.array([4.0])
    )
    model = build_model(est.design, None, None, carried, ex)
    got = pm.logp(model["exact_truth"], np.array([0.6])).eval()
    assert got == pytest.approx([stats.beta.logpdf(0.6, 6, 4)], rel=1e-9)
    other = dataclasses.replace(carried, exact_truth_a=np.array([7.0]))
    key = lambda t: structure_key(est.design, None, None, t, exact=ex)  # noqa: E731
    assert key(carried) != key(other)


def test_candidates_of_a_quantity_not_fitted_exact_is_a_clear_error(mocked):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cs.fit(SEED, random_seed=1, progressbar=False)
    assert est.config.exact == []
    with pytest.raises(ValueError, match="exact=True"):
        est.candidates(est.quantities[0])


# ---------------------------------------------------------------- recovery, real sampling
def _fit_for_real(df: pd.DataFrame, seed: int, **kw) -> cs.Estimate:
    """Exact-or-wrong on the identity scale, 2 chains x 500 draws after 500 tuning steps."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        return cs.fit(
            df,
            scales="identity",
            exact=True,
            draws=500,
            tune=500,
            chains=2,
            random_seed=seed,
            progressbar=False,
            **kw,
        )


@pytest.mark.slow
def test_recovers_each_origins_exact_report_probability():
    """Six origins report 60 quantities; three report the truth with probability 0.9, 0.6, 0.3.

    Each origin has 60 claims, so its exact probability is known to about
    sqrt(p (1 - p) / 60) <= 0.065 when the truth is known; the 90 % intervals
    of the three exact origins must hold their values (2 of 3 at least: each
    misses 10 % of the time), those of the never-exact origins stay below 0.15
    (0 is the boundary, so no interval holds it), the posterior medians lie
    within 0.2 of the truth (3 sd), and the estimate beats the
    claims' median on exact matches and on error, as the truth is reported
    exactly by most origins on most quantities.
    """
    probs = [0.9, 0.6, 0.3, 0.0, 0.0, 0.0]
    df, truth = _exact_claims(probs, seed=1)
    est = _fit_for_real(df, seed=1)
    post = est.idata.posterior["exact_prob"]
    lo, med, hi = (
        post.quantile(p, dim=("chain", "draw")).sel(origin=[f"o{i}" for i in range(6)]).values
        for p in (0.05, 0.5, 0.95)
    )
    p = np.array(probs)
    exact = p > 0
    assert ((lo <= p) & (p <= hi))[exact].sum() >= 2, (lo, hi)  # 90 % intervals, 3 origins
    assert (hi[~exact] < 0.15).all(), hi  # never exact: a small probability at most
    np.testing.assert_allclose(med, probs, atol=0.2)
    est_median = np.array([est.trajectory(q).iloc[0]["median"] for q in est.quantities])
    claims_median = df.groupby("quantity")["value"].median().to_numpy()
    assert np.mean(est_median == truth) > np.mean(claims_median == truth)
    assert np.abs(est_median - truth).mean() < np.abs(claims_median - truth).mean()


@pytest.mark.slow
def test_known_truths_teach_how_often_the_agreed_figure_is_the_truth():
    """Weather-like data: the exact reporters copy one figure, which is the truth only 60 % of the time.

    80 quantities: a level ``t0 ~ N(50, 10)``; the copied figure ``S =
    round(N(t0, 1.5))``; the truth is ``S`` with probability 0.6, else its own
    ``N(t0, 1.5)``. Origins copy ``S`` with probability 0.8, 0.7, 0.5, 0, 0,
    else report ``round(t0 + bias + N(0, 3))``. Truths of half the quantities
    are given. From claims alone nothing tells a copied figure from the truth;
    the 40 truths do: the share's 90 % interval must hold 0.6 and be narrower
    than 0.45 (the uniform prior's is 0.9 wide; 40 truths, each telling the two
    apart unless the free truth lands in the copied figure's bin, give about
    0.2 to 0.3). On the other 40 the 90 % intervals must hold the truth in at
    least 30 (expected 36, binomial sd 1.9), where intervals pinned on the
    copied figure would hold it about 27 times (60 % plus chance).
    """
    rng = np.random.default_rng(7)
    n_q, share = 80, 0.6
    t0 = rng.normal(50.0, 10.0, n_q)
    copied = np.round(rng.normal(t0, 1.5))
    truth = np.where(rng.random(n_q) < share, copied, rng.normal(t0, 1.5))
    probs, bias = [0.8, 0.7, 0.5, 0.0, 0.0], rng.normal(0.0, 1.0, 5)
    rows = [
        [
            f"q{q:02d}",
            f"o{o}",
            "2024-01-01",
            "point",
            copied[q] if rng.random() < p else np.round(t0[q] + bias[o] + 3 * rng.normal()),
        ]
        for q in range(n_q)
        for o, p in enumerate(probs)
    ]
    df = pd.DataFrame(rows, columns=["quantity", "source", "date", "kind", "value"])
    known = pd.DataFrame(
        {
            "quantity": [f"q{q:02d}" for q in range(0, n_q, 2)],
            "date": "2024-01-01",
            "value": truth[::2],
        }
    )
    est = _fit_for_real(df, seed=3, truths=known)
    rho = est.idata.posterior["exact_truth"].values.ravel()
    lo, hi = np.quantile(rho, [0.05, 0.95])
    assert lo <= share <= hi and hi - lo < 0.45, (lo, hi)
    held = 0
    for q in range(1, n_q, 2):
        row = est.trajectory(f"q{q:02d}", prob=0.9).iloc[0]
        held += row["lower"] <= truth[q] <= row["upper"]
    assert held >= 30, held
