"""fit(method="advi"): the fast approximation for inputs too large for NUTS."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest

import consensus as cs

SIM = dict(n_quantities=2, n_days=40, n_origins=8, claims_per_quantity=80, zero_sum_bias=True)


def _log_errors(est: cs.Estimate, sim) -> np.ndarray:
    """log(estimated median / truth) at every grid date of every quantity."""
    truth = sim.truth.assign(date=pd.to_datetime(sim.truth["date"]))
    out = []
    for q in est.design.quantities:
        tr = est.trajectory(q).merge(truth[truth["quantity"] == q], on="date")
        out.append(np.log(tr["median"] / tr["value"]))
    return np.concatenate(out)


@pytest.mark.slow
def test_advi_estimates_are_close_to_nuts_and_the_truth():
    """On 160 claims from 8 origins (noise about 15 % per claim), NUTS' latent medians are
    within about 5 % of the truth. Mean-field ADVI is an approximation: its medians must be
    within 10 % of the truth on average (RMSE of the log error), and within 0.05 of NUTS'
    RMSE; benchmarks/README.md reports the RMSE between the two at 10^3 statements."""
    sim = cs.simulate(**SIM, random_seed=5)
    claims = cs.read_claims(sim.claims)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        nuts = cs.fit(claims, draws=500, tune=500, chains=2, random_seed=5, progressbar=False)
        advi = cs.fit(claims, method="advi", random_seed=5, progressbar=False)
    rmse_nuts = np.sqrt(np.mean(_log_errors(nuts, sim) ** 2))
    rmse_advi = np.sqrt(np.mean(_log_errors(advi, sim) ** 2))
    assert rmse_nuts < 0.08, rmse_nuts
    assert rmse_advi < 0.10 and rmse_advi < rmse_nuts + 0.05, (rmse_advi, rmse_nuts)
    assert advi.config.method == "advi" and advi.idata.posterior.sizes["draw"] == 4000


class _FallingLoss(pm.ADVI):
    """Real ADVI whose recorded loss is replaced by a steady fall (1 per step) plus noise of
    sd 1: still falling at the end by any measure, whatever the model's own loss does."""

    def fit(self, n, **kw):
        out = super().fit(n, **kw)
        k = len(self.hist)
        self.hist = 1000.0 - np.arange(k) + np.random.default_rng(k).normal(size=k)
        return out


def test_advi_warns_when_the_loss_is_still_falling_and_saves_its_history(tmp_path, monkeypatch):
    monkeypatch.setattr(pm, "ADVI", _FallingLoss)
    sim = cs.simulate(n_quantities=1, n_origins=4, claims_per_quantity=20, random_seed=2)
    with pytest.warns(cs.ConvergenceWarning, match="advi_iterations=200"):
        est = cs.fit(
            sim.claims, method="advi", advi_iterations=100, draws=50, chains=1, random_seed=2,
            progressbar=False,
        )  # fmt: skip
    loss = est.idata["advi"]["loss"].values
    assert loss.shape == (150,) and np.isfinite(loss).all()  # 100 steps, then 50 slower ones
    with pytest.raises(ValueError, match="no MCMC diagnostics"):
        _ = est.diagnostics
    assert "Approximate fit (advi)" in est.summary()
    est.to_netcdf(tmp_path / "advi.nc")
    back = cs.load(tmp_path / "advi.nc")
    np.testing.assert_array_equal(back.idata["advi"]["loss"].values, loss)
    pd.testing.assert_frame_equal(
        back.trajectory(est.design.quantities[0]), est.trajectory(est.design.quantities[0])
    )
