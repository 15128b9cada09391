"""Fast tests that fail when one term of the model or of its tables is broken.

Each test checks the code against an independent computation: the model's
likelihood against one written by hand from the claims (with known stderr and
projections), a known conversion, a known sign, or tables from a posterior whose
draws are set by hand (sampling mocked). `scripts/mutate.py` applies one-line
mutations and runs these tests; tests/README.md records which ones they catch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pymc.testing import mock_sample
from scipy import stats

import consensus as cs
from consensus.model import DEFAULT_PRIORS, build_model

COLUMNS = ["quantity", "source", "date", "as_of", "kind", "value", "low", "high", "stderr"]


def _read(rows, scales="log"):
    return cs.read_claims(pd.DataFrame(rows, columns=COLUMNS)).with_scales(scales)


# ====================================================================================
# The model's likelihood, written by hand. When the model changes (a new error term, a
# learned nu), update THIS function only; it reads nothing from the Design.
# ====================================================================================
def hand_loglik(rows, point: dict[str, np.ndarray], origins: list[str]) -> float:
    """Log-likelihood of one log-scale quantity's claims at a point of the parameters.

    A statement of origin o about the truth at its ``as_of`` is Student-t(nu) around
    ``latent[as_of] + shared + bias[o]`` (the truth, the error every source of the quantity
    shares, the origin's absolute bias) with sd ``sqrt(noise[o]^2 + floor^2 + se^2 + proj^2 h / 30)``,
    where ``se = stderr / F`` (delta method on the log scale, F the figure or a range's
    midpoint), ``h`` the days from ``date`` to ``as_of``, and ``floor = noise_floor * unit``
    with ``unit = 0.1``: the claims below lie within a few percent of each other, so their
    robust spread is below the floor of the log-scale unit (0.1). The grid is daily from the
    first ``as_of``. Points add log f, at_least log P(X >= v), at_most log P(X <= v), ranges
    log P(low <= X <= high).
    """
    # the tails' degrees of freedom: learned (one per scale group) or fixed by the priors
    nu = float(np.ravel(point["nu"])[0]) if "nu" in point else DEFAULT_PRIORS["nu"] or 4.0
    floor = DEFAULT_PRIORS["noise_floor"] * 0.1
    t = stats.t(nu)
    first = min(pd.Timestamp(r[3]) for r in rows)
    total = 0.0
    for _q, source, date, as_of, kind, value, low, high, stderr in rows:
        o = origins.index(source)
        day = (pd.Timestamp(as_of) - first).days
        mu = point["latent"][day] + point["shared"][0] + point["bias"][o, 0]
        h = (pd.Timestamp(as_of) - pd.Timestamp(date)).days
        figure = (low + high) / 2 if kind == "range" else value
        se = 0.0 if stderr is None else stderr / figure
        proj = point["projection_sigma"][0]
        sd = np.sqrt(point["noise"][o, 0] ** 2 + floor**2 + se**2 + proj**2 * h / 30.0)
        if kind == "point":
            total += t.logpdf((np.log(value) - mu) / sd) - np.log(sd)
        elif kind == "at_least":
            total += t.logsf((np.log(value) - mu) / sd)
        elif kind == "at_most":
            total += t.logcdf((np.log(value) - mu) / sd)
        else:
            total += np.log(t.cdf((np.log(high) - mu) / sd) - t.cdf((np.log(low) - mu) / sd))
    return float(total)


# one quantity, every kind, known stderr on four statements, projections of 15 to 30 days
ROWS = [
    ["q", "A", "2024-01-01", "2024-01-01", "point", 100.0, None, None, 5.0],
    ["q", "B", "2024-01-01", "2024-01-01", "point", 104.0, None, None, None],
    ["q", "C", "2024-01-03", "2024-01-03", "at_least", 95.0, None, None, 8.0],
    ["q", "A", "2024-01-05", "2024-02-04", "at_most", 110.0, None, None, None],
    ["q", "B", "2024-01-05", "2024-01-20", "range", None, 98.0, 106.0, 3.0],
    ["q", "C", "2024-01-06", "2024-01-26", "point", 101.0, None, None, 4.0],
    ["q", "D", "2024-01-06", "2024-01-06", "point", 103.0, None, None, None],
]


def _likelihood_and_point(m: pm.Model, seed: int):
    """The model's likelihood terms summed, and the parameters they used, at a random point."""
    lik = [v for v in m.observed_RVs + m.potentials if "prior" not in v.name]
    names = ["latent", "shared", "bias", "noise", "projection_sigma"]
    names += ["nu"] if "nu" in m else []
    outs = [m.logp(vars=lik, sum=True), *m.replace_rvs_by_values([m[n] for n in names])]
    fn = m.compile_fn(outs, inputs=m.value_vars, on_unused_input="ignore", point_fn=False)
    rng = np.random.default_rng(seed)  # an arbitrary point, not the initial one
    values = [rng.normal(size=np.shape(x)) * 0.5 for x in m.initial_point().values()]
    got = fn(*values)
    return float(got[0]), dict(zip(names, got[1:], strict=True))


@pytest.mark.parametrize("seed", [0, 1])
def test_likelihood_with_stderr_and_projections_equals_the_hand_computed_one(seed):
    m = build_model(_read(ROWS).design())
    got, point = _likelihood_and_point(m, seed)
    want = hand_loglik(ROWS, point, list(m.coords["origin"]))
    assert got == pytest.approx(want, rel=1e-9)


def test_stderr_and_projections_change_the_likelihood():
    """The hand-computed check above is sensitive: without the stderr and horizons it differs."""
    m = build_model(_read(ROWS).design())
    _, point = _likelihood_and_point(m, 0)
    plain = [[*r[:3], r[2], *r[4:8], None] for r in ROWS]
    origins = list(m.coords["origin"])
    assert abs(hand_loglik(ROWS, point, origins) - hand_loglik(plain, point, origins)) > 0.1


@pytest.mark.parametrize(
    ("scale", "value", "stderr", "want"),
    [
        ("log", 2000.0, 100.0, 0.05),  # d log x = dx / x
        ("logit", 0.2, 0.02, 0.02 / (0.2 * 0.8)),  # d logit p = dp / (p (1 - p))
        ("identity", -3.0, 0.7, 0.7),
    ],
)
def test_stderr_converted_to_the_model_scale_by_the_delta_method(scale, value, stderr, want):
    rows = [
        ["q", "A", "2024-01-01", "2024-01-01", "point", value, None, None, stderr],
        ["q", "B", "2024-01-02", "2024-01-02", "point", value * 1.01, None, None, None],
    ]
    d = _read(rows, scales=scale).design()
    assert d.stderr.tolist() == pytest.approx([want, 0.0], rel=1e-12)


def test_a_lone_quantity_is_its_report_minus_the_origins_bias():
    """q2 has one report, by A (whose bias is learned on q1 against B). The model says
    report = truth + bias + error, so under the prior truth - log(report) falls by one for
    each unit of A's bias: the regression slope over prior draws is -1 (+1 if the sign flips)."""
    rows = [
        ["q1", "A", "2024-01-01", "2024-01-01", "point", 100.0, None, None, None],
        ["q1", "B", "2024-01-01", "2024-01-01", "point", 140.0, None, None, None],
        ["q2", "A", "2024-01-01", "2024-01-01", "point", 500.0, None, None, None],
    ]
    d = _read(rows).design()
    m = build_model(d)
    latent, bias = pm.draw([m["latent"], m["bias"]], draws=2000, random_seed=4)
    truth_q2 = latent[:, d.grid_start[d.quantities.index("q2")]] - np.log(500.0)
    b = bias[:, list(m.coords["origin"]).index("A"), 0]
    slope = np.cov(truth_q2, b)[0, 1] / np.var(b, ddof=1)
    assert slope == pytest.approx(-1.0, abs=0.1), slope


def test_bias_prior_has_the_documented_scale():
    """Origins' biases vary on the scale of ``bias_sd`` data units: with claims spread over
    four orders of magnitude the log-scale unit is 1 (its cap), so each bias's prior sd is
    about bias_sd (times sqrt(3/4) under sum-to-zero over 4 origins; 1 without it), and
    halving bias_sd halves it. 4000 draws: the sd's relative error is about 1 %."""
    rows = [
        ["q", s, "2024-01-01", "2024-01-01", "point", v, None, None, None]
        for s, v in zip("ABCD", (100.0, 1e3, 1e4, 1e5), strict=True)
    ]
    d = _read(rows).design()
    sd = [
        np.std(pm.draw(build_model(d, priors={"bias_sd": s})["bias"], draws=4000, random_seed=5))
        for s in (1.0, 0.5)
    ]
    assert 0.6 < sd[0] < 1.2, sd
    assert sd[1] / sd[0] == pytest.approx(0.5, rel=0.1)


def test_bias_prior_is_independent_per_origin_under_its_reparameterisation():
    """The standardised biases are written as each group's mean direction plus deviations
    (z = u - mean(u) + m / sqrt(K)), which must leave them independent standard normals: the
    biases divided by their group's bias_sigma have identity covariance. Two groups (origins
    linked by shared quantities: A-C on q1, D-E on q2); 20,000 prior draws put each entry of
    the sample covariance within about 0.01 of its value (tolerance 0.06)."""
    rows = [
        ["q1", s, "2024-01-01", "2024-01-01", "point", v, None, None, None]
        for s, v in zip("ABC", (100.0, 120.0, 90.0), strict=True)
    ] + [
        ["q2", s, "2024-01-01", "2024-01-01", "point", v, None, None, None]
        for s, v in zip("DE", (50.0, 60.0), strict=True)
    ]
    m = build_model(_read(rows).design())
    bias, sigma = pm.draw([m["bias"], m["bias_sigma"]], draws=20_000, random_seed=3)
    z = bias[:, :, 0] / sigma[:, :1]  # (draw, origin): one scale group
    assert z.shape[1] == 5
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.eye(5), atol=0.06)


def test_walk_and_drift_priors_wander_about_one_unit_each_over_the_span():
    """Over a quantity's whole span the walk wanders about walk_sd units and the drift moves
    it about drift_sd units (DEFAULT_PRIORS), whatever the grid step: claims 650 days apart
    make a 3-day grid (at most 300 steps) and a log-scale unit of 1 (its cap). So the prior
    sd of latent(end) - latent(start) is sqrt(walk_sd^2 + drift_sd^2) = sqrt(2); 4000 draws
    estimate it within about 2 %."""
    rows = [
        ["q", s, day, day, "point", v, None, None, None]
        for s, day, v in [
            ("A", "2024-01-01", 100.0),
            ("B", "2024-01-01", 1e4),
            ("A", "2025-10-12", 1e3),
            ("B", "2025-10-12", 1e5),
        ]
    ]
    d = _read(rows).design()
    assert d.grid_len.tolist() == [218]  # 650 days / 3 = 216.7 -> 217 steps
    latent = pm.draw(build_model(d)["latent"], draws=4000, random_seed=6)
    assert np.std(latent[:, -1] - latent[:, 0]) == pytest.approx(np.sqrt(2.0), rel=0.1)


# ====================================================================================
# Tables from a posterior set by hand (sampling mocked)
# ====================================================================================
DRAWS, CHAINS = 50, 2


@pytest.fixture
def fit_with(monkeypatch):
    """fit(claims) whose posterior is a prior draw with some variables replaced by hand.

    ``sets`` maps a variable name to a function of its (chain, draw, ...) shape and the
    model's coords returning the draws to use.
    """

    def run(claims, sets, **kw):
        def fake_sample(*a, **k):
            idata = mock_sample(draws=DRAWS, chains=CHAINS, random_seed=k.get("random_seed"))
            post = idata["posterior"].to_dataset()
            coords = pm.modelcontext(None).coords
            for name, make in sets.items():
                if name in post:  # e.g. "nu" exists only when the tails are learned
                    post[name] = (post[name].dims, make(post[name].shape, coords))
            idata["posterior"] = post
            return idata

        monkeypatch.setattr(pm, "sample", fake_sample)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cs.ConvergenceWarning)
            return cs.fit(claims, random_seed=1, progressbar=False, **kw)

    return run


def _const(value):
    return lambda shape, coords: np.full(shape, value, dtype=float)


def test_trajectory_and_probability_from_known_draws(fit_with):
    """Draws 10, 20, ..., 1000 on the first date and twice that on the next: the numbers
    below are those draws' quantiles (numpy's linear rule) and exceedance shares."""
    rows = [
        ["q", "A", "2024-03-01", "2024-03-01", "point", 100.0, None, None, None],
        ["q", "B", "2024-03-03", "2024-03-03", "point", 110.0, None, None, None],
    ]

    def latent(shape, coords):
        k = np.arange(CHAINS * DRAWS).reshape(CHAINS, DRAWS, 1) + 1.0
        return np.log(10.0 * k) + np.log(2.0) * np.arange(shape[-1])

    est = fit_with(_read(rows), {"latent": latent})
    t = est.trajectory("q", prob=0.9)
    assert t["date"].tolist() == list(pd.date_range("2024-03-01", periods=3))
    first = t.iloc[0]
    assert first["median"] == pytest.approx(505.0) and first["mean"] == pytest.approx(505.0)
    assert (first["lower"], first["upper"]) == pytest.approx((59.5, 950.5))
    assert (first["lower_50"], first["upper_50"]) == pytest.approx((257.5, 752.5))
    assert t.iloc[1]["median"] == pytest.approx(1010.0)
    # thresholds between draws, so that rounding in exp(log(x)) cannot matter
    assert est.probability("q", "2024-03-01", above=505) == 0.5  # 510..1000
    assert est.probability("q", "2024-03-01", below=495) == 0.49  # 10..490
    assert est.probability("q", "2024-03-01", above=505, below=995) == 0.49  # 510..990
    assert est.probability("q", "2024-03-02", above=1010) == 0.5  # 1020..2000
    assert est.probability("q", "2024-03-03", above=1010) == 0.75  # 1040..4000


def test_p_high_and_the_summary_name_origins_by_the_sign_of_their_bias(fit_with):
    """Alpha's bias draws are all +0.3 (log), Beta's all -0.3, Gamma's positive in exactly
    70 % of draws: p_high is 1, 0 and 0.7, and the summary says Alpha runs high, Beta low."""
    rows = [
        ["q", s, "2024-03-01", "2024-03-01", "point", v, None, None, None]
        for s, v in zip(
            ["Alpha", "Beta", "Gamma", "Delta"], (130.0, 75.0, 101.0, 99.0), strict=True
        )
    ]

    def bias(shape, coords):
        out = np.zeros(shape)
        o = list(coords["origin"])
        out[..., o.index("Alpha"), 0] = 0.3
        out[..., o.index("Beta"), 0] = -0.3
        k = np.arange(CHAINS * DRAWS).reshape(CHAINS, DRAWS)
        out[..., o.index("Gamma"), 0] = np.where(k < 0.7 * CHAINS * DRAWS, 0.1, -0.1)
        return out

    est = fit_with(_read(rows), {"bias": bias, "bias_relative": bias})
    s = est.sources().set_index("source")
    assert s.loc[["Alpha", "Beta", "Gamma", "Delta"], "p_high"].tolist() == [1.0, 0.0, 0.7, 0.0]
    assert s.loc["Alpha", "bias"] == pytest.approx(np.exp(0.3))
    assert s.loc["Beta", "bias_upper"] == pytest.approx(np.exp(-0.3))
    lines = {ln.split(":")[0]: ln.split(":", 1)[1] for ln in est.summary().splitlines()}
    high = next(v for k, v in lines.items() if k.startswith("Run high"))
    low = next(v for k, v in lines.items() if k.startswith("Run low"))
    assert "Alpha" in high and "Beta" not in high and "Gamma" not in high
    assert "Beta" in low and "Alpha" not in low and "Delta" in low  # Delta: p_high 0


def test_claims_p_values_use_the_right_tail_and_the_known_stderr(fit_with):
    """Truth 1000 on every draw, no bias or shared error, noise 0.2 (log), nu 4. A lower bound of 10 is surely met
    (p-value near 1), one of 100,000 surely not; the reverse for upper bounds. D's 1,300
    with stderr 260 (0.2 on the log scale) has percentile F_4(log 1.3 / sqrt(0.2^2 + 0.2^2 +
    0.05^2)), the 0.05 being the noise floor: 0.05 x the log-scale unit, here at its cap of 1
    as the bounds lie 100 times away from the points."""
    pts = [("A", 1000.0), ("B", 1010.0), ("C", 990.0), ("A", 1005.0), ("B", 995.0)]
    rows = [["q", s, "2024-03-01", "2024-03-01", "point", v, None, None, None] for s, v in pts]
    rows += [
        ["q", "D", "2024-03-01", "2024-03-01", "point", 1300.0, None, None, 260.0],
        ["q", "C", "2024-03-01", "2024-03-01", "at_least", 10.0, None, None, None],
        ["q", "D", "2024-03-01", "2024-03-01", "at_least", 1e5, None, None, None],
        ["q", "A", "2024-03-01", "2024-03-01", "at_most", 10.0, None, None, None],
        ["q", "B", "2024-03-01", "2024-03-01", "at_most", 1e5, None, None, None],
    ]
    sets = {"latent": _const(np.log(1000.0)), "shared": _const(0.0), "bias": _const(0.0)}
    sets |= {"bias_relative": _const(0.0), "noise": _const(0.2), "nu": _const(4.0)}
    c = fit_with(_read(rows), sets).claims()
    p = c.set_index(["origin", "kind", "value"])["p_value"]
    assert p[("C", "at_least", 10.0)] > 0.999 and p[("D", "at_least", 1e5)] < 0.001
    assert p[("A", "at_most", 10.0)] < 0.001 and p[("B", "at_most", 1e5)] > 0.999
    pct = stats.t.cdf(np.log(1.3) / np.sqrt(0.2**2 + 0.2**2 + 0.05**2), 4.0)
    d = c[(c["origin"] == "D") & (c["value"] == 1300.0)].iloc[0]
    assert d["percentile"] == pytest.approx(pct, rel=1e-9)
    assert d["p_value"] == pytest.approx(2 * (1 - pct), rel=1e-9)
    assert c["truth_median"].to_numpy() == pytest.approx(1000.0)
    assert c["expected"].to_numpy() == pytest.approx(1000.0)


def test_a_custom_vague_table_is_saved_and_used_on_load(fit_with, tmp_path):
    """A fit read with vague={...} (a new phrase, and a default one redefined) loads back
    with the same ranges; ignoring the saved table would fail on "scores" or misread
    "several thousand"."""
    df = pd.DataFrame(
        {
            "quantity": ["q"] * 3,
            "source": ["A", "B", "C"],
            "date": ["2024-03-01"] * 3,
            "figure": ["scores", "several thousand", "about 3,000"],
        }
    )
    vague = {"scores": (40.0, 100.0), "several thousand": (4000.0, 8000.0)}
    est = fit_with(cs.read_claims(df, vague=vague), {})
    t = est.claims_data.table
    assert t[["low", "high"]].iloc[:2].values.tolist() == [[40.0, 100.0], [4000.0, 8000.0]]
    est.to_netcdf(tmp_path / "fit.nc")
    back = cs.load(tmp_path / "fit.nc")
    pd.testing.assert_frame_equal(back.claims_data.table, t)
    pd.testing.assert_frame_equal(back.trajectory("q"), est.trajectory("q"))
