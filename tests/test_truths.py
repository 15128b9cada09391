"""Known truths and track records: validation, pinning, absolute biases, carried priors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import consensus as cs
from consensus.truths import read_truths


def _claims(rows):
    return cs.read_claims(pd.DataFrame(rows)).with_scales("log")


CLAIMS = [
    # quantity a: three origins, two dates; quantity b: the same origins
    {"quantity": "a", "source": "A", "date": "2024-01-01", "kind": "point", "value": 1000},
    {"quantity": "a", "source": "B", "date": "2024-01-01", "kind": "point", "value": 1500},
    {"quantity": "a", "source": "C", "date": "2024-01-05", "kind": "point", "value": 800},
    {"quantity": "b", "source": "A", "date": "2024-01-03", "kind": "point", "value": 200},
    {"quantity": "b", "source": "B", "date": "2024-01-03", "kind": "point", "value": 310},
    {"quantity": "b", "source": "C", "date": "2024-01-04", "kind": "point", "value": 170},
]


# ---------------------------------------------------------------- validation, row by row
def test_truths_validation_lists_every_problem_with_row_column_value():
    c = _claims(CLAIMS)
    bad = pd.DataFrame(
        {
            "quantity": ["a", "zzz", "b", "a", "b"],
            "date": ["2024-01-02", "2024-01-02", "01/02/2024", "2024-01-03", "2024-01-04"],
            "value": ["1000", "5", "7", "-3", "abc"],
        }
    )
    with pytest.raises(cs.ClaimsError) as e:
        read_truths(bad, quantities=c.quantities, scales=c.scales)
    got = {(p.row, p.column, p.value) for p in e.value.problems}
    assert got == {
        (3, "quantity", "zzz"),
        (4, "date", "01/02/2024"),
        (5, "value", "-3"),  # a count must be positive
        (6, "value", "abc"),
    }
    assert str(e.value).startswith("4 problems in the truths table:")  # not "in the claims"


def test_truths_missing_column_and_unknown_column_and_duplicate_date():
    c = _claims(CLAIMS)
    with pytest.raises(cs.ClaimsError, match="'value'"):
        read_truths(
            pd.DataFrame({"quantity": ["a"], "date": ["2024-01-01"]}),
            quantities=["a"],
            scales=c.scales,
        )
    with pytest.raises(cs.ClaimsError, match="'sd'"):
        read_truths(
            pd.DataFrame({"quantity": ["a"], "date": ["2024-01-01"], "value": [1], "sd": [1]}),
            quantities=["a"],
            scales=c.scales,
        )
    dup = pd.DataFrame({"quantity": ["a", "a"], "date": ["2024-01-01"] * 2, "value": [1, 2]})
    with pytest.raises(cs.ClaimsError) as e:
        read_truths(dup, quantities=["a"], scales=c.scales)
    assert [p.row for p in e.value.problems] == [3]


def test_truths_proportion_scale_checked():
    rows = [{**r, "value": r["value"] / 5000} for r in CLAIMS]
    c = cs.read_claims(pd.DataFrame(rows)).with_scales("logit")
    with pytest.raises(cs.ClaimsError) as e:
        read_truths(
            pd.DataFrame({"quantity": ["a"], "date": ["2024-01-01"], "value": [45]}),
            quantities=c.quantities,
            scales=c.scales,
        )
    assert e.value.problems[0].column == "value"


def test_truths_extend_the_grid_to_their_dates():
    c = _claims(CLAIMS)
    t = read_truths(
        pd.DataFrame({"quantity": ["a"], "date": ["2024-01-10"], "value": [900]}),
        quantities=c.quantities,
        scales=c.scales,
    )
    d = c.design(truths=t)
    qa = d.quantities.index("a")
    last = d.grid_date[d.grid_start[qa] + d.grid_len[qa] - 1]
    assert pd.Timestamp(last) == pd.Timestamp("2024-01-10")
    assert d.grid_date[d.truth_time[0]] == np.datetime64("2024-01-10")
    assert d.truth_value[0] == pytest.approx(np.log(900))


# ---------------------------------------------------------------- fits
def _fit(claims, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        return cs.fit(
            claims, **{"draws": 400, "tune": 400, "chains": 2, "progressbar": False, **kw}
        )


@pytest.mark.slow
def test_a_truth_with_tiny_stderr_pins_the_latent_value_and_calibrates_the_origins():
    c = _claims(CLAIMS)
    truths = pd.DataFrame(
        {"quantity": ["a"], "date": ["2024-01-01"], "value": [600.0], "stderr": [1.0]}
    )
    est = _fit(c, truths=truths, random_seed=3)
    row = est.at("a", "2024-01-01").iloc[0]
    # stderr 1 on 600 is 0.17 % on the log scale; with the truth floor (0.005 units) the
    # latent value's sd is under 0.6 %: its 90 % interval lies within ±1.5 % of 600
    assert 600 * 0.985 < row["lower"] <= row["median"] <= row["upper"] < 600 * 1.015
    src = est.sources().set_index("source")
    assert src["calibrated"].all() and (src["basis"] == "truths").all()
    # A and B said 1,000 and 1,500 on the truth's own date: against it both run high (medians;
    # one statement each cannot tell bias from noise, so the intervals stay wide), B more
    assert src.loc["B", "bias"] > src.loc["A", "bias"] > 1.0


@pytest.mark.slow
def test_absolute_biases_recovered_from_truths_on_simulated_data():
    sim = cs.simulate(
        scale="log",
        n_quantities=4,
        n_days=30,
        n_origins=5,
        claims_per_quantity=25,
        bias_sd=0.3,
        zero_sum_bias=False,
        random_seed=11,
    )
    truths = sim.truths_at(0.15, seed=2)  # a few known values per quantity
    est = _fit(sim.claims, truths=truths, random_seed=5)
    src = est.sources(prob=0.9).set_index("source")
    true_bias = sim.origins.set_index("origin")["bias"]  # a factor on the log scale
    common = src.index.intersection(true_bias.index)
    assert len(common) == 5 and src.loc[common, "calibrated"].all()
    inside = (src.loc[common, "bias_lower"] <= true_bias[common]) & (
        true_bias[common] <= src.loc[common, "bias_upper"]
    )
    # 90 % intervals: with 5 origins, P(4 or more covered) = 0.92 under nominal coverage
    assert inside.sum() >= 4
    # and the biases are absolute, not centred: their log mean tracks the truth's
    got = np.log(src.loc[common, "bias"]).mean()
    want = np.log(true_bias[common]).mean()
    assert abs(got - want) < 0.1  # 0.1 = about 2 posterior sd of the mean log bias here


@pytest.mark.slow
def test_a_track_record_narrows_an_origins_bias_interval(tmp_path):
    first = _fit(
        _claims(CLAIMS),
        # on the dates A reported, so that its bias against them is not confounded with the walk
        truths=pd.DataFrame(
            {"quantity": ["a", "b"], "date": ["2024-01-01", "2024-01-03"], "value": [700.0, 150.0]}
        ),
        random_seed=1,
    )
    first.to_netcdf(tmp_path / "first.nc")
    later = [
        {"quantity": "c", "source": "A", "date": "2024-03-01", "kind": "point", "value": 50},
        {"quantity": "c", "source": "B", "date": "2024-03-01", "kind": "point", "value": 80},
        {"quantity": "c", "source": "D", "date": "2024-03-02", "kind": "point", "value": 60},
    ]
    plain = _fit(_claims(later), random_seed=2)
    carried = _fit(_claims(later), track_record=tmp_path / "first.nc", random_seed=2)
    src = carried.sources().set_index("source")

    def width(est, o):  # 90 % interval of the origin's absolute bias (log scale)
        b = est.idata.posterior["bias"].sel(origin=o).values.ravel()
        return np.quantile(b, 0.95) - np.quantile(b, 0.05)

    # the earlier fit, calibrated by truths, carries A's bias interval over as its prior; one
    # new statement by A can only narrow it (measured: 0.55 -> 0.43; Monte Carlo error of a
    # 90 % width from 800 draws is about 5 %). An uncalibrated fit's width is no yardstick:
    # it is set by the prior on the origins' unknown average bias, not by evidence (0.50 here)
    assert width(carried, "A") < width(first, "A")
    assert width(plain, "A") > 0  # and the plain fit says "relative", not "track record"
    assert plain.sources().set_index("source").loc["A", "basis"] == "relative"
    assert src.loc["A", "basis"] == "track record" and src.loc["A", "calibrated"]
    assert carried.config.tracked == [["A", "log"], ["B", "log"]]


def test_the_model_passes_the_latent_value_through_a_pinning_truth():
    """At the prior's centre (every standard-normal variable 0) the truth's error is 0, so the
    latent value on the truth's date is the truth itself, whatever the consensus and biases are."""
    c = _claims(CLAIMS)
    t = read_truths(
        pd.DataFrame(
            {"quantity": ["a", "b"], "date": ["2024-01-03", "2024-01-04"], "value": [600, 90]}
        ),
        quantities=c.quantities,
        scales=c.scales,
    )
    d = c.design(truths=t)
    m = cs.build_model(d)
    point = m.initial_point()
    point["bias_mean_z"] = np.full_like(point["bias_mean_z"], 0.7)  # a non-zero average bias
    outs = m.replace_rvs_by_values([m["latent"], m["shared"]])
    latent, shared = m.compile_fn(outs, inputs=m.value_vars, on_unused_input="ignore")(point)
    assert latent[d.truth_time] == pytest.approx(np.log([600.0, 90.0]), abs=1e-9)
    assert np.all(shared != 0)  # the gap between the consensus and the truth went into it


def test_several_truths_of_one_quantity_build_and_observe_the_latent_value():
    c = _claims(CLAIMS)
    t = read_truths(
        pd.DataFrame(
            {
                "quantity": ["a", "a", "b"],
                "date": ["2024-01-02", "2024-01-04", "2024-01-04"],
                "value": [600, 650, 90],
            }
        ),
        quantities=c.quantities,
        scales=c.scales,
    )
    m = cs.build_model(c.design(truths=t))
    assert (
        "truth_obs" in m.named_vars
    )  # the second truth of a is an observation of its latent value
    assert list(m.coords["pinned"]) == ["a", "b"] and len(m.coords["other_truth"]) == 1
    assert np.isfinite(m.compile_logp()(m.initial_point()))
