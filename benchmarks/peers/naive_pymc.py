"""A straightforward PyMC version of the consensus model, for the performance peer.

The same priors and likelihood as `consensus.model.build_model`, written the way
a first PyMC model is usually written, without the library's optimisations:

- **centred** random walk: one `pm.GaussianRandomWalk` per quantity, started at
  the quantity's first grid date with the level prior there (no anchoring at
  the median statement, no single segmented cumulative sum over all quantities);
- **centred** biases (``bias ~ Normal(0, bias_sigma)``, then made to sum to
  zero over the origins present, the same identification) and centred
  log-noise (``log_noise ~ Normal(noise_mu, noise_spread)``);
- bounds with `pm.Censored` (observed at the bound), ranges as a `pm.Potential`
  of ``logdiffexp(logcdf(high), logcdf(low))`` without the lower-tail reflection.

Each kind is still one vectorised term (a Python loop over statements would
make the graph, and its compile time, grow with the data and is no fair peer);
the loop over quantities is kept, as it would be written.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from consensus.claims import KIND_CODE
from consensus.design import Design
from consensus.model import coords, resolve_priors


def build_naive_model(design: Design, priors: dict | None = None) -> pm.Model:
    """Build the straightforward (centred, unanchored) model.

    Parameters
    ----------
    design
        Arrays from `Claims.design`.
    priors
        Overrides of `consensus.model.DEFAULT_PRIORS`.

    Returns
    -------
    pm.Model
        With deterministics ``latent`` (time) and ``bias``, ``noise`` (origin, scale)
        on the model scale, as in `consensus.model.build_model`.
    """
    p = resolve_priors(priors)
    d = design
    nu = p["nu"]
    n_o, n_s = len(d.origins), len(d.scale_groups)
    unit_q = d.unit[d.quantity_scale]
    walking = np.flatnonzero(d.grid_len > 1)
    span = ((d.grid_len - 1) * d.step_days)[walking]
    st_scale = d.quantity_scale[d.quantity]
    present = np.zeros((n_o, n_s))
    present[d.origin, st_scale] = 1.0

    with pm.Model(coords=coords(d)) as model:
        walk_sigma = pm.HalfNormal(
            "walk_sigma", sigma=p["walk_sd"] * unit_q[walking] / np.sqrt(span), dims="walk"
        )
        drift = pm.Normal("drift", 0.0, p["drift_sd"] * unit_q[walking] / span, dims="walk")
        pieces = []
        for q, name in enumerate(d.quantities):
            level_sd = p["level_sd"] * unit_q[q]
            if d.grid_len[q] == 1:
                pieces.append(pm.Normal(f"level_{q}", d.center[q], level_sd, shape=1))
                continue
            w = int(np.flatnonzero(walking == q)[0])
            step = float(d.step_days[q])
            pieces.append(
                pm.GaussianRandomWalk(
                    f"walk_{name}",
                    mu=drift[w] * step,
                    sigma=walk_sigma[w] * np.sqrt(step),
                    init_dist=pm.Normal.dist(d.center[q], level_sd),
                    steps=int(d.grid_len[q]) - 1,
                )
            )
        latent = pm.Deterministic("latent", pt.concatenate(pieces), dims="time")

        bias_sigma = pm.HalfNormal("bias_sigma", sigma=p["bias_sd"] * d.unit, dims="scale")
        bias_raw = pm.Normal("bias_raw", 0.0, bias_sigma, dims=("origin", "scale"))
        mean = (bias_raw * present).sum(axis=0) / np.maximum(present.sum(axis=0), 1.0)
        bias = pm.Deterministic("bias", (bias_raw - mean) * present, dims=("origin", "scale"))

        noise_mu = pm.Normal("noise_mu", np.log(p["noise_median"] * d.unit), 1.0, dims="scale")
        noise_spread = pm.HalfNormal("noise_spread", sigma=p["noise_pool_sd"], dims="scale")
        log_noise = pm.Normal("log_noise", noise_mu, noise_spread, dims=("origin", "scale"))
        noise = pm.Deterministic("noise", pt.exp(log_noise), dims=("origin", "scale"))
        projection_sigma = pm.HalfNormal(
            "projection_sigma", sigma=p["projection_sd"] * d.unit, dims="scale"
        )

        mu = latent[d.time] + bias[d.origin, st_scale]
        sd = pt.sqrt(
            noise[d.origin, st_scale] ** 2
            + (p["noise_floor"] * d.unit[st_scale]) ** 2
            + d.stderr**2
            + projection_sigma[st_scale] ** 2 * (d.horizon_days / 30.0)
        )

        def of_kind(name: str) -> np.ndarray:
            return np.flatnonzero(d.kind == KIND_CODE[name])

        pts, lo, hi, rg = (of_kind(k) for k in ("point", "at_least", "at_most", "range"))
        if len(pts):
            pm.StudentT("report", nu=nu, mu=mu[pts], sigma=sd[pts], observed=d.value[pts])
        if len(lo):  # right-censored at the bound: log P(report >= value)
            pm.Censored(
                "at_least",
                pm.StudentT.dist(nu=nu, mu=mu[lo], sigma=sd[lo]),
                lower=None,
                upper=d.value[lo],
                observed=d.value[lo],
            )
        if len(hi):  # left-censored at the bound: log P(report <= value)
            pm.Censored(
                "at_most",
                pm.StudentT.dist(nu=nu, mu=mu[hi], sigma=sd[hi]),
                lower=d.value[hi],
                upper=None,
                observed=d.value[hi],
            )
        if len(rg):
            dist = pm.StudentT.dist(nu=nu, mu=mu[rg], sigma=sd[rg])
            pm.Potential(
                "range",
                pm.math.logdiffexp(pm.logcdf(dist, d.high[rg]), pm.logcdf(dist, d.low[rg])).sum(),
            )
    return model
