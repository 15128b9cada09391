"""The simulator: determinism, the claims contract, relays, projections, known and shared
errors, truth tables and statistical sanity."""

from __future__ import annotations

import hashlib
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import consensus as cs
from consensus.simulate import CLAIM_COLUMNS, Simulation, simulate

ALL_ON = dict(
    n_quantities=3,
    claims_per_quantity=60,
    share_at_least=0.2,
    share_at_most=0.1,
    share_range=0.15,
    relay_share=0.3,
    projection_share=0.2,
    heavy_tailed=2,
)


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(**ALL_ON, random_seed=11)


def originals(claims: pd.DataFrame) -> pd.DataFrame:
    return claims[claims["cites"] == ""]


def with_truth(s: Simulation, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows joined with the truth at their as_of and their origin's bias and noise."""
    t = s.truth.assign(as_of=s.truth["date"].dt.strftime("%Y-%m-%d"))[
        ["quantity", "as_of", "value"]
    ]
    t = t.rename(columns={"value": "truth"})
    o = s.origins.rename(columns={"origin": "source"})[["source", "bias", "noise"]]
    out = rows.merge(t, on=["quantity", "as_of"], how="left", validate="many_to_one")
    out = out.merge(o, on="source", how="left", validate="many_to_one")
    assert out["truth"].notna().all() and out["bias"].notna().all()
    return out


# ------------------------------------------------------------------ determinism
def test_same_seed_same_output():
    a, b = simulate(**ALL_ON, random_seed=3), simulate(**ALL_ON, random_seed=3)
    pd.testing.assert_frame_equal(a.claims, b.claims)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.origins, b.origins)
    assert a.params == b.params


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(df.to_csv(index=False, float_format="%.10g").encode()).hexdigest()[:16]


def test_a_seed_gives_the_same_tables_as_before_the_new_options():
    """Digests of ALL_ON's tables, recorded before simulate gained known and shared errors
    and was split into steps: the new options must leave old seeds' output exactly as it was
    (benchmark results and tests keyed on seeds stay valid)."""
    s = simulate(**ALL_ON, random_seed=11)
    assert _digest(s.claims) == "5e58da94ff57019d"
    assert _digest(s.truth) == "2113e1c9758d6540"
    assert _digest(s.origins) == "044db825f5f9397e"
    zero = simulate(**ALL_ON, stderr_share=0.0, shared_error_sd=0.0, random_seed=11)
    pd.testing.assert_frame_equal(zero.claims, s.claims)


def test_different_seeds_differ():
    a, b = simulate(random_seed=1), simulate(random_seed=2)
    assert not a.claims[["value"]].equals(b.claims[["value"]])
    assert not np.allclose(a.truth["value"], b.truth["value"])


def test_params_are_json_and_reproduce_an_unseeded_run():
    a = simulate(n_quantities=1, claims_per_quantity=20)
    assert isinstance(a.params["random_seed"], int)
    b = simulate(**json.loads(json.dumps(a.params)))
    pd.testing.assert_frame_equal(a.claims, b.claims)
    pd.testing.assert_frame_equal(a.truth, b.truth)


def test_claim_settings_leave_truth_and_origins_alone():
    a = simulate(random_seed=5)
    b = simulate(random_seed=5, share_range=0.5, relay_share=0.4, claims_per_quantity=80)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    cols = ["origin", "bias", "noise", "heavy_tailed"]
    pd.testing.assert_frame_equal(a.origins[cols], b.origins[cols])


# ------------------------------------------------------------------ shapes and contract
def test_shapes_and_columns():
    s = simulate(n_quantities=2, n_days=30, n_origins=5, claims_per_quantity=25, random_seed=0)
    assert list(s.claims.columns) == list(CLAIM_COLUMNS)
    assert len(s.claims) == 50  # no relays: one row per statement
    assert list(s.truth.columns) == ["quantity", "date", "value"]
    assert len(s.truth) == 2 * 30  # no projections: exactly the span
    assert list(s.origins.columns[:4]) == ["origin", "bias", "noise", "heavy_tailed"]
    assert list(s.origins["origin"]) == [f"origin_{i:02d}" for i in range(5)]
    assert sorted(s.claims["quantity"].unique()) == ["q0", "q1"]
    assert s.origins["heavy_tailed"].dtype == bool
    assert (s.claims["kind"] == "point").all()


def test_contract_invariants(sim):
    c = sim.claims
    n = ALL_ON["n_quantities"] * ALL_ON["claims_per_quantity"]
    assert set(c["kind"]) == {"point", "at_least", "at_most", "range"}
    assert c["id"].is_unique
    for col in ("date", "as_of"):
        assert c[col].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        pd.to_datetime(c[col], format="%Y-%m-%d")  # real dates
    assert (c["as_of"] >= c["date"]).all()  # ISO strings order like dates
    rng = c["kind"] == "range"
    assert c.loc[rng, "value"].isna().all()
    assert c.loc[~rng, ["low", "high"]].isna().all().all()
    assert (c.loc[rng, "low"] < c.loc[rng, "high"]).all()
    assert (c.loc[~rng, "value"] > 0).all() and (c.loc[rng, "low"] > 0).all()
    assert np.isfinite(
        c[["value", "low", "high"]].to_numpy()[~c[["value", "low", "high"]].isna()]
    ).all()
    assert c["stderr"].isna().all()
    # exact shares of statements
    o = originals(c)
    assert len(o) == n
    counts = o["kind"].value_counts()
    assert counts["at_least"] == round(0.2 * n) and counts["at_most"] == round(0.1 * n)
    assert counts["range"] == round(0.15 * n)
    # every origin speaks
    assert set(o["source"]) == set(sim.origins["origin"])
    assert (sim.origins["n_statements"] >= 1).all()
    assert sim.origins["n_statements"].sum() == n
    assert sim.origins["heavy_tailed"].sum() == 2


def test_projections_present_only_when_asked(sim):
    o = originals(sim.claims)
    horizon = (pd.to_datetime(o["as_of"]) - pd.to_datetime(o["date"])).dt.days
    assert (horizon > 0).sum() == round(0.2 * len(o))
    assert horizon.max() <= 60
    plain = simulate(random_seed=11)
    assert (plain.claims["as_of"] == plain.claims["date"]).all()


def test_truth_covers_every_day_of_the_span(sim):
    last = pd.to_datetime(sim.claims["as_of"]).max()
    for _, g in sim.truth.groupby("quantity"):
        d = g["date"]
        assert d.iloc[0] == pd.Timestamp("2024-01-01") and d.iloc[-1] == max(
            last, d.iloc[0] + pd.Timedelta(59, "D")
        )
        assert (d.diff().dropna() == pd.Timedelta(1, "D")).all()
    assert (sim.truth["value"] > 0).all()


def test_relays(sim):
    c = sim.claims
    stmt = c["id"].str.split("-").str[0]
    origin = c["cites"].where(c["cites"] != "", c["source"])
    key = [c["quantity"], origin, c["as_of"], c["kind"], c["value"], c["low"], c["high"]]
    # rows sharing quantity, origin, as_of and figure are exactly one statement and its relays
    by_key = c.groupby(key, dropna=False).ngroup()
    assert pd.crosstab(by_key, stmt).gt(0).sum(axis=1).eq(1).all()
    assert by_key.nunique() == stmt.nunique() == 180
    n_relays = c.groupby(stmt).size() - 1
    assert n_relays.between(0, 5).all()
    assert (n_relays > 0).sum() == round(0.3 * 180)
    assert n_relays.max() > 1
    relay = c["cites"] != ""
    r = c[relay]
    assert r["source"].str.fullmatch(r"outlet_\d{2}").all()
    assert (r["outlet"] == r["source"]).all() and (r["cites"] != r["source"]).all()
    assert r["cites"].isin(sim.origins["origin"]).all()
    assert not r.duplicated(
        subset=["quantity", "cites", "as_of", "value", "low", "high", "source"]
    ).any()
    # relays carry their statement's date (no delay by default); originals have no outlet
    first_date = c[~relay].set_index(stmt[~relay])["date"]
    assert (r["date"].to_numpy() == first_date.loc[stmt[relay]].to_numpy()).all()
    assert (c.loc[~relay, "outlet"] == "").all() and c.loc[~relay, "source"].str.startswith(
        "origin_"
    ).all()


def test_relay_delay():
    s = simulate(relay_share=1.0, relay_delay_days=7, random_seed=2)
    c = s.claims
    stmt = c["id"].str.split("-").str[0]
    first = pd.to_datetime(c[c["cites"] == ""].set_index(stmt[c["cites"] == ""])["date"])
    relay = c["cites"] != ""
    delay = (
        pd.to_datetime(c.loc[relay, "date"]).to_numpy() - first.loc[stmt[relay]].to_numpy()
    ) / np.timedelta64(1, "D")
    assert delay.min() == 0 and delay.max() == 7


def test_read_claims_accepts_it_and_counts_statements(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        claims = cs.read_claims(sim.claims, scales="log")
    assert len(claims.statements) == 180
    assert (claims.statements["n_carriers"] - 1).sum() == (sim.claims["cites"] != "").sum()


def test_identity_scale():
    s = simulate(
        scale="identity",
        level=0.0,
        noise_mean=1.0,
        bias_sd=2.0,
        walk_sd=0.5,
        share_at_least=0.2,
        share_at_most=0.2,
        share_range=0.2,
        relay_share=0.2,
        claims_per_quantity=100,
        random_seed=4,
    )
    c = s.claims
    assert (c[["value", "low"]].min() < 0).any()  # real numbers: negatives occur
    rng = c["kind"] == "range"
    assert (c.loc[rng, "low"] < c.loc[rng, "high"]).all()
    assert abs(np.log(s.origins["bias"].abs()).mean()) > 0.01  # bias is additive, not exp'd
    assert abs(s.origins["bias"].mean()) < 1e-12
    # rounded to multiples of 10 ** (floor(log10(1.0)) - 1) = 0.1
    v = c.loc[~rng, "value"].to_numpy()
    assert np.mean(np.isclose(v * 10, np.round(v * 10))) > 0.95
    cs.read_claims(c.iloc[:60], scales="identity")


def test_bias_centring():
    s = simulate(n_origins=12, random_seed=8)
    assert abs(np.log(s.origins["bias"]).mean()) < 1e-12
    s = simulate(n_origins=12, zero_sum_bias=False, random_seed=8)
    assert abs(np.log(s.origins["bias"]).mean()) > 1e-6
    # fewer statements than origins: centred over the origins that spoke
    s = simulate(n_quantities=1, claims_per_quantity=3, n_origins=8, random_seed=8)
    spoke = s.origins["n_statements"] > 0
    assert spoke.sum() == 3 and abs(np.log(s.origins.loc[spoke, "bias"]).mean()) < 1e-12


def test_prolific_origins():
    s = simulate(n_quantities=4, claims_per_quantity=500, random_seed=1)
    n = s.origins["n_statements"].to_numpy()
    assert n[0] == n.max() and n[0] > 4 * n[-1]
    s = simulate(n_quantities=4, claims_per_quantity=500, propensity_exponent=0.0, random_seed=1)
    assert np.ptp(s.origins["propensity"]) == 0


def test_rounding():
    # spread out (a year, equally prolific origins) so that few figures collide and get more digits
    kw = dict(n_quantities=2, n_days=365, claims_per_quantity=500, propensity_exponent=0.0)
    s = simulate(**kw, random_seed=6)
    v = s.claims["value"].to_numpy()
    mag = 10.0 ** (np.floor(np.log10(v)) - 1)
    assert np.mean(np.isclose(v / mag, np.round(v / mag))) > 0.95  # two significant figures
    s = simulate(**kw, round_sig=None, random_seed=6)
    v = s.claims["value"].to_numpy()
    mag = 10.0 ** (np.floor(np.log10(v)) - 1)
    assert np.mean(np.isclose(v / mag, np.round(v / mag))) < 0.05


def test_colliding_figures_get_more_digits():
    # one origin, one day, one quantity: many statements round to the same figure
    s = simulate(
        n_quantities=1,
        n_days=1,
        n_origins=1,
        claims_per_quantity=150,
        noise_mean=0.05,
        share_at_least=0.3,
        share_range=0.3,
        random_seed=2,
    )
    c = s.claims
    assert not c.duplicated(subset=["kind", "value", "low", "high"]).any()
    assert len(cs.read_claims(c).statements) == 150


def test_heavy_tails_stay_finite():
    s = simulate(
        heavy_tailed=8,
        heavy_df=0.5,
        noise_mean=1.0,
        n_quantities=2,
        claims_per_quantity=500,
        share_range=0.3,
        random_seed=3,
    )
    x = s.claims[["value", "low", "high"]].to_numpy()
    x = x[~np.isnan(x)]
    assert np.isfinite(x).all() and (x > 0).all()
    assert s.origins["heavy_tailed"].all()


@pytest.mark.parametrize(
    "kw",
    [
        dict(scale="logit"),
        dict(share_at_least=0.6, share_range=0.5),
        dict(relay_share=1.5),
        dict(heavy_tailed=9),
        dict(relay_share=0.5, max_relays=6, n_outlets=5),
        dict(level=-1.0),
        dict(noise_mean=0.0),
        dict(n_days=0),
        dict(round_sig=0),
        dict(start="2024-01-01T12:00"),
        dict(stderr_share=1.2),
        dict(stderr_sd=-0.1),
        dict(shared_error_sd=float("nan")),
        dict(shared_error_days=0),
    ],
)
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        simulate(**kw)


# ------------------------------------------------------------------ statistics
@pytest.fixture(scope="module")
def big() -> Simulation:
    return simulate(
        n_quantities=4,
        claims_per_quantity=2500,
        share_at_least=0.15,
        share_at_most=0.15,
        share_range=0.15,
        random_seed=2024,
    )


def test_point_residuals_centre_on_zero(big):
    p = with_truth(big, big.claims[big.claims["kind"] == "point"])
    r = np.log(p["value"]) - np.log(p["truth"]) - np.log(p["bias"])
    # median of a scale mixture of normals: se = 1 / (2 f(0) sqrt(n)), f(0) = mean of phi(0) / sd;
    # sd includes the rounding error (2 significant figures: at most 5%, sd under 0.03 in log)
    sd = np.sqrt(p["noise"] ** 2 + 0.03**2)
    f0 = np.mean(1.0 / (math.sqrt(2 * math.pi) * sd))
    se = 1.0 / (2.0 * f0 * math.sqrt(len(r)))
    assert abs(np.median(r)) < 3 * se
    # and the spread is the origins' noise: standardised residuals have sd about 1
    assert np.std(r / sd) == pytest.approx(1.0, abs=0.05)


def test_bounds_and_ranges_hold_the_belief_mostly(big):
    c = with_truth(big, big.claims)
    target = c["truth"] * c["bias"]  # truth as the origin sees it, before its noise
    lo = c["kind"] == "at_least"
    hi = c["kind"] == "at_most"
    rg = c["kind"] == "range"
    # a bound lies 10-50% (log: 0.1-0.7) beyond the figure, against noise of about 0.15:
    # it is on the right side of truth * bias unless the noise exceeds that margin
    assert (c.loc[lo, "value"] < target[lo]).mean() > 0.85
    assert (c.loc[hi, "value"] > target[hi]).mean() > 0.85
    inside = (c.loc[rg, "low"] <= target[rg]) & (target[rg] <= c.loc[rg, "high"])
    assert inside.mean() > 0.6


def test_bounds_bracket_the_figure_exactly():
    # noiseless, unbiased, unrounded: the figure is the truth, so the factors show directly
    s = simulate(
        n_quantities=2,
        claims_per_quantity=400,
        noise_mean=1e-9,
        noise_spread=0.0,
        bias_sd=0.0,
        share_at_least=0.3,
        share_at_most=0.3,
        share_range=0.3,
        round_sig=None,
        random_seed=9,
    )
    c = with_truth(s, s.claims)
    ratio = c["value"] / c["truth"]
    k = c["kind"]
    assert ratio[k == "point"].between(1 - 1e-6, 1 + 1e-6).all()
    assert ratio[k == "at_least"].between(0.5 - 1e-6, 0.9 + 1e-6).all()
    assert ratio[k == "at_most"].between(1.1 - 1e-6, 2.0 + 1e-6).all()
    assert (
        (c.loc[k == "range", "low"] / c.loc[k == "range", "truth"])
        .between(0.6 - 1e-6, 0.95 + 1e-6)
        .all()
    )
    assert (
        (c.loc[k == "range", "high"] / c.loc[k == "range", "truth"])
        .between(1.05 - 1e-6, 1.6 + 1e-6)
        .all()
    )


def test_projection_error_grows_with_horizon():
    s = simulate(
        n_quantities=3,
        claims_per_quantity=1000,
        noise_mean=1e-9,
        noise_spread=0.0,
        bias_sd=0.0,
        projection_share=1.0,
        projection_sd=0.2,
        round_sig=None,
        random_seed=12,
    )
    c = with_truth(s, s.claims)
    h = (pd.to_datetime(c["as_of"]) - pd.to_datetime(c["date"])).dt.days
    assert h.between(1, 60).all()
    z = (np.log(c["value"]) - np.log(c["truth"])) / np.sqrt(h / 30.0)
    # sd estimate from n = 3000 normal draws has relative se 1/sqrt(2n) = 1.3%
    assert np.std(z) == pytest.approx(0.2, rel=0.06)


def test_identity_residuals_centre_on_zero():
    s = simulate(
        scale="identity",
        level=10.0,
        noise_mean=0.5,
        n_quantities=3,
        claims_per_quantity=1000,
        random_seed=21,
    )
    p = with_truth(s, s.claims)
    r = p["value"] - p["truth"] - p["bias"]
    f0 = np.mean(1.0 / (math.sqrt(2 * math.pi) * p["noise"]))
    assert (
        abs(np.median(r)) < 3 / (2.0 * f0 * math.sqrt(len(r))) + 0.05
    )  # + half the 0.1 rounding step


def test_walk_and_drift():
    s = simulate(
        n_quantities=2,
        n_days=3000,
        walk_sd=0.05,
        drift_sd=0.01,
        claims_per_quantity=5,
        random_seed=1,
    )
    for _, g in s.truth.groupby("quantity"):
        d = np.diff(np.log(g["value"].to_numpy()))
        assert np.std(d) == pytest.approx(0.05, rel=0.08)
    assert s.truth.groupby("quantity")["value"].first().nunique() == 2


def test_large_simulation():
    # 10^5 statements (the performance benchmark's largest size): shape and ids only; its
    # speed is measured by benchmarks/performance.py, not asserted against a wall clock here
    s = simulate(
        n_quantities=10,
        n_days=365,
        claims_per_quantity=10_000,
        relay_share=0.3,
        share_range=0.2,
        share_at_least=0.1,
        projection_share=0.1,
        heavy_tailed=1,
        random_seed=0,
    )
    assert (s.claims["cites"] == "").sum() == 100_000 and s.claims["id"].is_unique


# ------------------------------------------------------------------ known and shared errors
def test_known_stderr_is_the_delta_method_sd_of_an_extra_error():
    """Unbiased, (almost) noiseless, unrounded origins: each figure's only error is its known
    one, so log(value / truth) / (stderr / value) is N(0, 1), exactly the statements given a
    stderr carry one, and the other statements are exact."""
    s = simulate(
        n_quantities=3,
        claims_per_quantity=1000,
        noise_mean=1e-9,
        noise_spread=0.0,
        bias_sd=0.0,
        round_sig=None,
        stderr_share=0.4,
        stderr_sd=0.1,
        random_seed=13,
    )
    c = with_truth(s, s.claims)
    has = c["stderr"].notna()
    assert has.sum() == round(0.4 * 3000) and (c.loc[has, "stderr"] > 0).all()
    se = c.loc[has, "stderr"] / c.loc[has, "value"]  # the model-scale sd (d log F = dF / F)
    assert se.between(0.05 - 1e-12, 0.2 + 1e-12).all()  # stderr_sd * U(0.5, 2)
    z = np.log(c.loc[has, "value"] / c.loc[has, "truth"]) / se
    # sd from n = 1200 standard normal draws: relative se 1 / sqrt(2n) = 2 %, so 4 se = 8 %
    assert np.std(z) == pytest.approx(1.0, abs=0.08) and abs(np.mean(z)) < 4 / math.sqrt(1200)
    exact = np.log(c.loc[~has, "value"] / c.loc[~has, "truth"])
    assert np.abs(exact).max() < 1e-6


def test_known_stderr_on_the_identity_scale_is_in_natural_units():
    s = simulate(
        scale="identity",
        level=10.0,
        noise_mean=1e-9,
        noise_spread=0.0,
        bias_sd=0.0,
        round_sig=None,
        stderr_share=1.0,
        stderr_sd=0.5,
        claims_per_quantity=1000,
        random_seed=14,
    )
    c = with_truth(s, s.claims)
    assert c["stderr"].between(0.25 - 1e-12, 1.0 + 1e-12).all()
    z = (c["value"] - c["truth"]) / c["stderr"]
    assert np.std(z) == pytest.approx(1.0, abs=0.05)  # n = 3000: relative se 1.3 %


def test_shared_error_is_common_to_every_origin_of_a_quantity_and_period():
    """Noiseless unbiased origins: every statement about q in one 10-day block of as_of
    is off by that block's shared error, whichever origin made it."""
    s = simulate(
        n_quantities=2,
        n_days=40,
        claims_per_quantity=200,
        noise_mean=1e-9,
        noise_spread=0.0,
        bias_sd=0.0,
        round_sig=None,
        shared_error_sd=0.3,
        shared_error_days=10,
        random_seed=15,
    )
    c = with_truth(s, s.claims)
    assert list(s.shared.columns) == ["quantity", "start", "error"] and len(s.shared) == 2 * 4
    assert s.shared["start"].iloc[:4].tolist() == [
        "2024-01-01",
        "2024-01-11",
        "2024-01-21",
        "2024-01-31",
    ]
    block = (pd.to_datetime(c["as_of"]) - pd.Timestamp("2024-01-01")).dt.days // 10
    want = s.shared.set_index(["quantity", "start"])["error"]
    start = (pd.Timestamp("2024-01-01") + pd.to_timedelta(block * 10, "D")).dt.strftime("%Y-%m-%d")
    expected = want.loc[list(zip(c["quantity"], start, strict=True))].to_numpy()
    np.testing.assert_allclose(c["value"] / c["truth"], expected, rtol=1e-6)
    assert c.groupby(["quantity", block])["source"].nunique().min() > 1  # shared across origins
    assert np.log(s.shared["error"]).abs().max() > 0.05  # and not trivially 1


def test_one_shared_error_per_quantity_by_default():
    s = simulate(shared_error_sd=0.2, random_seed=16)
    assert len(s.shared) == 3 and s.shared["start"].eq("2024-01-01").all()
    assert (simulate(random_seed=16).shared["error"] == 1.0).all()


@pytest.mark.parametrize("n_origins", [3, 4, 5])
def test_few_origins(n_origins):
    s = simulate(n_origins=n_origins, claims_per_quantity=12, share_range=0.2, random_seed=17)
    o = originals(s.claims)
    assert sorted(o["source"].unique()) == [f"origin_{i:02d}" for i in range(n_origins)]
    assert abs(np.log(s.origins["bias"]).mean()) < 1e-12
    claims = cs.read_claims(s.claims, scales="log")
    assert len(claims.origins) == n_origins and len(claims.statements) == 36


# ------------------------------------------------------------------ truths for fit(truths=...)
def test_truths_at_a_share_of_days():
    s = simulate(n_quantities=3, n_days=50, random_seed=18)
    t = s.truths_at(0.2, seed=1)
    assert list(t.columns) == ["quantity", "date", "value"]
    assert t.groupby("quantity").size().tolist() == [10, 10, 10]
    assert t.equals(s.truths_at(0.2, seed=1)) and not t.equals(s.truths_at(0.2, seed=2))
    full = s.truth.assign(date=s.truth["date"].dt.strftime("%Y-%m-%d"))
    back = t.merge(full, on=["quantity", "date"], suffixes=("", "_truth"))
    assert len(back) == 30 and (back["value"] == back["value_truth"]).all()
    assert (t.groupby("quantity")["date"].apply(lambda d: d.is_monotonic_increasing)).all()
    assert len(s.truths_at(1e-6)) == 3  # at least one per quantity


def test_truths_at_dates():
    s = simulate(n_quantities=2, n_days=30, random_seed=19)
    t = s.truths_at(["2024-01-05", "2024-01-30"])
    assert t[["quantity", "date"]].values.tolist() == [
        ["q0", "2024-01-05"],
        ["q0", "2024-01-30"],
        ["q1", "2024-01-05"],
        ["q1", "2024-01-30"],
    ]
    day = s.truth[s.truth["date"] == pd.Timestamp("2024-01-05")]["value"].tolist()
    assert t["value"].iloc[[0, 2]].tolist() == day
    assert len(s.truths_at("2024-01-01")) == 2
    with pytest.raises(ValueError, match="outside the truth's span"):
        s.truths_at(["2024-01-05", "2025-01-01"])
    with pytest.raises(ValueError, match="share"):
        s.truths_at(1.5)


# ------------------------------------------------------------------ exact reports (issue 13)
def carried_with_exact(s: Simulation) -> pd.DataFrame:
    """Every claims row (relays too) with its statement's ``exact`` flag and the truth at its
    as_of."""
    rows = s.claims.assign(stmt=s.claims["id"].str.split("-r").str[0])
    flags = s.statements[["id", "exact"]].rename(columns={"id": "stmt"})
    rows = rows.merge(flags, on="stmt", how="left", validate="many_to_one")
    t = s.truth.assign(as_of=s.truth["date"].dt.strftime("%Y-%m-%d"))
    t = t[["quantity", "as_of", "value"]].rename(columns={"value": "truth"})
    return rows.merge(t, on=["quantity", "as_of"], how="left", validate="many_to_one")


def test_exact_prob_zero_leaves_the_output_as_before():
    before = simulate(**ALL_ON, random_seed=11)
    for zero in (0.0, [0.0] * 8):
        s = simulate(**ALL_ON, exact_prob=zero, random_seed=11)
        for name in ("claims", "truth", "origins", "shared"):
            pd.testing.assert_frame_equal(getattr(s, name), getattr(before, name))
        assert "exact_prob" not in s.origins.columns
        assert len(s.statements) == 180 and not s.statements["exact"].any()
    assert list(before.statements.columns) == ["id", "quantity", "origin", "as_of", "kind", "exact"]
    assert set(before.statements["id"]) == set(originals(before.claims)["id"])


def test_exact_reports_have_their_own_stream():
    """Choosing exact statements changes neither the statements' layout nor the origins, and
    leaves bounds and ranges (never exact) exactly as they were."""
    a = simulate(**ALL_ON, random_seed=11)
    b = simulate(**ALL_ON, exact_prob=0.5, random_seed=11)
    layout = ["id", "quantity", "origin", "as_of", "kind"]
    pd.testing.assert_frame_equal(a.statements[layout], b.statements[layout])
    pd.testing.assert_frame_equal(a.origins, b.origins.drop(columns="exact_prob"))
    bounds = a.claims["kind"] != "point"
    pd.testing.assert_frame_equal(a.claims[bounds], b.claims[bounds])


def test_exact_share_per_origin():
    """Origin 0 is exact with probability 0.9, the others never. Its share of exact point
    statements is binomial: within 4 sds of 0.9 (a false alarm has probability below 1e-4 for
    any seed; with about 500 points 4 sds is about 0.05). Bounds and ranges are never exact."""
    probs = [0.9] + [0.0] * 7
    s = simulate(
        n_quantities=4,
        claims_per_quantity=500,
        share_at_least=0.1,
        share_at_most=0.1,
        share_range=0.1,
        exact_prob=probs,
        random_seed=13,
    )
    st = s.statements
    points = st[st["kind"] == "point"]
    mine = points[points["origin"] == "origin_00"]["exact"]
    assert len(mine) > 400
    assert abs(mine.mean() - 0.9) < 4 * math.sqrt(0.9 * 0.1 / len(mine))
    assert not points[points["origin"] != "origin_00"]["exact"].any()
    assert not st[st["kind"] != "point"]["exact"].any()
    assert s.origins["exact_prob"].tolist() == probs and s.params["exact_prob"] == probs
    again = simulate(**json.loads(json.dumps(s.params)))
    pd.testing.assert_frame_equal(again.claims, s.claims)
    pd.testing.assert_frame_equal(again.statements, s.statements)


@pytest.mark.parametrize("round_sig", [2, None])
def test_exact_figures_are_the_rounded_truth(round_sig):
    """Exact figures (and their relays) are the truth at as_of, with no bias, noise, shared,
    known or projection error, and the returned truth is rounded the same way (2 significant
    figures on the log scale), so it is literally one of the reported figures."""
    s = simulate(
        **ALL_ON,
        stderr_share=0.3,
        shared_error_sd=0.2,
        exact_prob=0.4,
        round_sig=round_sig,
        random_seed=21,
    )
    rows = carried_with_exact(s)
    exact = rows[rows["exact"]]
    assert len(exact) > 30 and (exact["value"] == exact["truth"]).all()
    assert exact["stderr"].isna().all() and (exact["kind"] == "point").all()
    other = rows[~rows["exact"] & (rows["kind"] == "point")]
    assert (other["value"] != other["truth"]).mean() > 0.8
    v = s.truth["value"].to_numpy()
    mag = 10.0 ** (np.floor(np.log10(v)) - 1)
    assert np.isclose(v / mag, np.round(v / mag)).all() == (round_sig == 2)
    days = s.truths_at(list(exact["as_of"].unique()))
    assert set(exact["value"]) <= set(days["value"])
    cs.read_claims(s.claims)  # the claims contract holds


def test_exact_figures_on_the_identity_scale_are_whole_numbers():
    """With a unit of 1 (noise_mean 2, round_sig 1) the truth and the exact figures are whole."""
    kw = dict(scale="identity", level=20.0, walk_sd=0.5, noise_mean=2.0, round_sig=1)
    s = simulate(**kw, exact_prob=0.5, random_seed=4)
    rows = carried_with_exact(s)
    exact = rows[rows["exact"]]
    assert len(exact) > 30 and (exact["value"] == exact["truth"]).all()
    assert (s.truth["value"] == np.round(s.truth["value"])).all()
    assert s.truth["value"].nunique() > 5  # the rounded truth still moves


def test_figures_colliding_with_an_exact_one_get_more_digits():
    """One origin, one quantity, one day: every exact statement is the same figure (the reader
    counts them as one statement), every other point differs from it and from each other."""
    s = simulate(
        n_quantities=1,
        n_days=1,
        n_origins=1,
        claims_per_quantity=100,
        noise_mean=0.05,
        exact_prob=0.5,
        random_seed=2,
    )
    rows = carried_with_exact(s)
    exact, other = rows[rows["exact"]], rows[~rows["exact"]]
    assert 30 < len(exact) < 70 and (exact["value"] == s.truth["value"].iloc[0]).all()
    assert other["value"].is_unique and not other["value"].isin(exact["value"]).any()
    assert len(cs.read_claims(s.claims).statements) == len(other) + 1


@pytest.mark.parametrize(
    ("exact_prob", "message"),
    [
        (1.5, r"between 0 and 1; origin 0's is 1.5"),
        (-0.1, "between 0 and 1"),
        (float("nan"), "between 0 and 1"),
        ([0.2, 1.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], r"origin 1's is 1.2"),
        ([0.5, 0.5, 0.5], r"one per origin \(n_origins=8\), got 3"),
        ([[0.5] * 8], "one per origin"),
        ("high", "a number or numbers, got 'high'"),
    ],
)
def test_bad_exact_prob(exact_prob, message):
    with pytest.raises(ValueError, match=message):
        simulate(exact_prob=exact_prob)
