"""Slow recovery test: one simulated data set that exercises every term of the model.

Statements with known stderr, projections, lower bounds and ranges, relays and a
small shared error, plus two lone quantities (one point each, by an origin
whose bias the other quantities teach): the estimate is checked against the
simulator's truth and origins.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import consensus as cs

SIM = dict(
    n_quantities=4,
    n_days=40,
    n_origins=6,
    claims_per_quantity=30,
    bias_sd=0.3,
    noise_mean=0.15,
    walk_sd=0.02,
    stderr_share=0.3,
    stderr_sd=0.1,
    projection_share=0.2,
    max_horizon_days=20,
    share_at_least=0.1,
    share_range=0.1,
    relay_share=0.2,
    shared_error_sd=0.03,
)
LONE_TRUTH = {"lone_a": 2000.0, "lone_b": 50_000.0}


def _with_lone_quantities(sim: cs.Simulation, rng: np.random.Generator) -> pd.DataFrame:
    """Append one point per lone quantity by origin_00, drawn as the simulator draws points."""
    o = sim.origins.set_index("origin").loc["origin_00"]
    rows = [
        {
            "quantity": q,
            "source": "origin_00",
            "date": "2024-01-20",
            "kind": "point",
            "value": float(
                np.round(truth * o["bias"] * np.exp(o["noise"] * rng.standard_normal()), -1)
            ),
            "as_of": "2024-01-20",
            "id": f"lone-{q}",
        }
        for q, truth in LONE_TRUTH.items()
    ]
    return pd.concat([sim.claims, pd.DataFrame(rows)], ignore_index=True)


@pytest.mark.slow
def test_recovery_with_every_model_term():
    sim = cs.simulate(**SIM, random_seed=7)
    claims = cs.read_claims(_with_lone_quantities(sim, np.random.default_rng(7)))
    assert claims.table["stderr"].notna().sum() > 20
    assert (claims.statements["horizon_days"] > 0).sum() > 15
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        est = cs.fit(claims, draws=500, tune=500, chains=2, random_seed=7, progressbar=False)

    # latent truth on every grid date of the simulated quantities
    truth = sim.truth.assign(date=pd.to_datetime(sim.truth["date"]))
    errors, inside, widths = [], [], []
    for q in sorted(truth["quantity"].unique()):
        tr = est.trajectory(q, prob=0.9).merge(truth[truth["quantity"] == q], on="date")
        errors += list(np.log(tr["median"] / tr["value"]))
        inside += list((tr["lower"] <= tr["value"]) & (tr["value"] <= tr["upper"]))
        widths += list(np.log(tr["upper"] / tr["lower"]))
    rmse, coverage, width = np.sqrt(np.mean(np.square(errors))), np.mean(inside), np.mean(widths)
    # About 7 statements per 10 days per quantity with noise 0.15 (log) give a local error
    # near 0.15 / sqrt(7) = 0.06; the shared error (0.03) and the group's average bias, which
    # the reports cannot see, add to it: 0.12 is twice the local error.
    assert rmse < 0.12, rmse
    # One seed, 4 trajectories of strongly correlated dates: the nominal 0.9 can only be
    # checked loosely; 0.75 fails when intervals are too narrow for their errors.
    assert coverage >= 0.75, coverage
    # origins' biases relative to the average origin (the simulator centres them at zero)
    src = est.sources(prob=0.9).merge(sim.origins, left_on="source", right_on="origin")
    src = src[src["bias_estimated"]]
    assert len(src) == 6
    err_b = np.log(src["bias_x"] / src["bias_y"])
    # each origin makes 5 to 60 statements (noise 0.15): bias errors about 0.15 / sqrt(5)
    # = 0.07 at worst; 0.12 allows for the fewest-statement origin
    assert np.sqrt(np.mean(err_b**2)) < 0.12, err_b.tolist()
    covered = (src["bias_lower"] <= src["bias_y"]) & (src["bias_y"] <= src["bias_upper"])
    assert covered.sum() >= 5, src[["source", "bias_lower", "bias_y", "bias_upper"]]

    # lone quantities: the report divided by origin_00's learned bias, within its noise
    for q, value in LONE_TRUTH.items():
        t = est.trajectory(q, prob=0.9).iloc[0]
        assert t["lower"] <= value <= t["upper"], (q, value, t.to_dict())
        assert abs(np.log(t["median"] / value)) < 0.3, (q, value, t["median"])

    # ...and not bought with useless width. Without known truths the model rightly keeps
    # what the reports cannot see: the group's average bias (sd about 0.3 / sqrt(6) = 0.12)
    # and the shared error (its prior, HalfNormal(0.5 unit), unit about 0.3 here). The
    # reports themselves spread over about 1.1 in log (90 %, bias sd 0.3 and noise 0.15);
    # an interval of 1.5 (x/÷ 2.1) would be wider than the claims it summarises.
    assert width < 1.5, width
