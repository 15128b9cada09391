"""A straightforward PyMC version of the consensus model, for the performance peer.

**Which model.** The *earlier, simpler* consensus model, from before soft
identification: biases summing exactly to zero within each group of linked
origins (`consensus.model.bias_groups`), no per-quantity ``shared`` error, no
lone-statement or truth terms. Today's `consensus.model.build_model` draws an
absolute ``bias`` and derives a zero-sum ``bias_relative`` per group, and adds
``shared``. The speed comparison in benchmarks/README.md ("Peers") is therefore
against that earlier model until it is re-measured with a peer of the current one.

What it takes from the library rather than recomputing: every prior value
(`consensus.model.resolve_priors`, i.e. `DEFAULT_PRIORS` and overrides), the
coordinates (`coords`), which origins are present and how they group
(`bias_groups`) and each report's error sd (`report_sd`).

It is written the way a first PyMC model is usually written, without the
library's optimisations:

- **centred** random walk: one `pm.GaussianRandomWalk` per quantity, started at
  the quantity's first grid date with the level prior there (no anchoring at
  the median statement, no single segmented cumulative sum over all quantities);
- **centred** biases (``bias ~ Normal(0, bias_sigma)``, then made to sum to
  zero over the origins of each bias group) and centred log-noise
  (``log_noise ~ Normal(noise_mu, noise_spread)``);
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
from consensus.model import bias_groups, coords, report_sd, resolve_priors


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
    if nu <= 0:
        raise ValueError("the naive peer has fixed tails only: priors['nu'] must be positive")
    n_o, n_s = len(d.origins), len(d.scale_groups)
    unit_q = d.unit[d.quantity_scale]
    walking = np.flatnonzero(d.grid_len > 1)
    span = ((d.grid_len - 1) * d.step_days)[walking]
    st_scale = d.quantity_scale[d.quantity]
    groups = bias_groups(d).ravel()  # (origin * scale,) bias group, -1 where absent
    present = (groups >= 0).astype(float)
    n_groups = int(groups.max()) + 1
    # (group, origin * scale): the average over each group's present origins
    average = np.zeros((n_groups, n_o * n_s))
    average[groups[groups >= 0], np.flatnonzero(groups >= 0)] = 1.0
    average /= np.maximum(average.sum(axis=1, keepdims=True), 1.0)

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
        raw = bias_raw.ravel()
        centred = (raw - pt.dot(average, raw)[np.maximum(groups, 0)]) * present
        bias = pm.Deterministic("bias", centred.reshape((n_o, n_s)), dims=("origin", "scale"))

        noise_mu = pm.Normal(
            "noise_mu", np.log(p["noise_median"] * d.unit), p["noise_level_sd"], dims="scale"
        )
        noise_spread = pm.HalfNormal("noise_spread", sigma=p["noise_pool_sd"], dims="scale")
        log_noise = pm.Normal("log_noise", noise_mu, noise_spread, dims=("origin", "scale"))
        noise = pm.Deterministic("noise", pt.exp(log_noise), dims=("origin", "scale"))
        projection_sigma = pm.HalfNormal(
            "projection_sigma", sigma=p["projection_sd"] * d.unit, dims="scale"
        )

        mu = latent[d.time] + bias[d.origin, st_scale]
        sd = report_sd(d, noise, projection_sigma, p["noise_floor"])

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
