"""Work done in the child processes: one timed fit each, and its ESS, R-hat and step numbers."""

from __future__ import annotations

import math
import time

from .cases import case, scaling_size
from .settings import SEED_CLAIMS


def min_bulk_ess(posterior) -> float:
    """Smallest bulk ESS over ``latent`` and ``bias``, constant cells (absent origins) skipped."""
    import arviz as az

    ds = posterior[["latent", "bias"]]
    ess = az.ess(ds, method="bulk")
    live = ds.std(("chain", "draw")) > 0
    return float(min(float(ess[v].where(live[v]).min()) for v in ("latent", "bias")))


def max_rhat(posterior) -> float:
    """Largest R-hat over ``latent`` and ``bias`` (constant cells skipped)."""
    import arviz as az

    ds = posterior[["latent", "bias"]]
    rhat = az.rhat(ds)
    live = ds.std(("chain", "draw")) > 0
    return float(max(float(rhat[v].where(live[v]).max()) for v in ("latent", "bias")))


def step_stats(sample_stats) -> dict:
    """Mean tree depth and mean leapfrog steps (gradient evaluations) per kept draw."""
    out = {"tree_depth_mean": None, "steps_per_draw": None}
    for key, names in (
        ("tree_depth_mean", ("tree_depth", "depth")),
        ("steps_per_draw", ("n_steps", "n_leapfrog")),
    ):
        name = next((n for n in names if n in sample_stats), None)
        if name:
            out[key] = float(sample_stats[name].mean())
    return out


def _nuts_numbers(posterior, sampling_s: float, total_s: float, divergences, steps: dict) -> dict:
    ess = min_bulk_ess(posterior)
    return {
        **steps,
        "ess_bulk_min": ess,
        "rhat_max": max_rhat(posterior),
        "sampling_s": sampling_s,
        "compile_s": max(total_s - sampling_s, 0.0),
        "total_s": total_s,
        "ess_per_s": ess / sampling_s,
        "divergences": None if divergences is None else int(divergences),
    }


def child_seed_fit(draws: int, tune: int, chains: int) -> dict:
    """Fit the seed example with the default sampler; times of the import and of `fit`."""
    t0 = time.perf_counter()
    import consensus as cs

    t1 = time.perf_counter()
    est = cs.fit(
        str(SEED_CLAIMS), draws=draws, tune=tune, chains=chains, random_seed=1, progressbar=False
    )
    t2 = time.perf_counter()
    sampling = float(est.idata.posterior.attrs.get("sampling_time", math.nan))
    return {
        "sampler": est.config.sampler,
        "import_s": t1 - t0,
        "fit_s": t2 - t1,
        "sampling_s": sampling,
        "statements": int(est.design.n_statements),
    }


def _numpyro_compile_s(claims, chains: int) -> float:
    """JIT compile time of the numpyro sampler: PyMC's timer includes it, so time a tiny run."""
    import consensus as cs

    est = cs.fit(claims, sampler="numpyro", draws=5, tune=5, chains=chains, progressbar=False)
    return float(est.idata.posterior.attrs["sampling_time"])


def child_sampler_fit(size: dict, sampler: str, draws: int, tune: int, chains: int) -> dict:
    """`consensus.fit` with one NUTS sampler on the synthetic case; ESS, ESS/s and times.

    ``sampling_s`` is the sampler's own timer (warm-up and draws, all chains).
    For numpyro that timer includes the JIT compile, which is estimated by a
    tiny run (5 + 5 draws) in the same process and subtracted.
    """
    import consensus as cs

    claims = case(**size)
    jit_s = _numpyro_compile_s(claims, chains) if sampler == "numpyro" else 0.0
    t0 = time.perf_counter()
    est = cs.fit(
        claims,
        sampler=sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=1,
        progressbar=False,
    )
    total = time.perf_counter() - t0
    sampling = float(est.idata.posterior.attrs["sampling_time"]) - jit_s
    div = int(est.idata.sample_stats["diverging"].sum())
    steps = step_stats(est.idata.sample_stats)  # fit keeps tree depth and leapfrog steps
    out = _nuts_numbers(est.idata.posterior.to_dataset(), sampling, total, div, steps)
    out.update(statements=int(est.design.n_statements), numpyro_jit_s=jit_s or None)
    return out


def child_naive_fit(size: dict, sampler: str, draws: int, tune: int, chains: int) -> dict:
    """The straightforward PyMC model (peers/naive_pymc.py) with ``sampler``."""
    import pymc as pm
    from peers.naive_pymc import build_naive_model

    claims = case(**size)
    design = claims.design()
    t0 = time.perf_counter()
    model = build_naive_model(design)
    with model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            target_accept=0.9,
            random_seed=1,
            nuts_sampler=sampler,
            progressbar=False,
            compute_convergence_checks=False,
        )
    total = time.perf_counter() - t0
    post = idata.posterior.to_dataset()
    sampling = float(idata.posterior.attrs["sampling_time"])
    div = int(idata.sample_stats["diverging"].sum())
    return _nuts_numbers(post, sampling, total, div, step_stats(idata.sample_stats))


def child_stan_fit(size: dict, draws: int, tune: int, chains: int) -> dict:
    """The Stan model (peers/consensus.stan) with PyStan; ``compile_s`` is httpstan's build."""
    from peers import stan_peer

    why = stan_peer.available()
    if why:
        return {"skipped": f"PyStan unavailable: {why}"}
    design = case(**size).design()
    cached = stan_peer.is_cached()
    r = stan_peer.fit_stan(design, draws=draws, tune=tune, chains=chains, random_seed=1)
    out = _nuts_numbers(
        r["posterior"],
        r["sampling_s"],
        r["build_s"] + r["sampling_s"],
        r["divergences"],
        {"tree_depth_mean": r["tree_depth_mean"], "steps_per_draw": r["steps_per_draw"]},
    )
    out["compile_cached"] = cached
    return out


def child_scaling_fit(
    n: int,
    method: str,
    draws: int,
    tune: int,
    chains: int,
    advi_iterations: int,
    keep_latent: bool = False,
) -> dict:
    """One fit of the scaling series (default sampler for NUTS); ``keep_latent`` adds the
    posterior median and 90 % interval of every latent value (for ADVI against NUTS)."""
    import numpy as np

    import consensus as cs

    size = scaling_size(n)
    claims = case(**size)
    t0 = time.perf_counter()
    est = cs.fit(
        claims,
        method=method,
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=1,
        progressbar=False,
        advi_iterations=advi_iterations,
    )
    total = time.perf_counter() - t0
    post = est.idata.posterior
    out = {
        "statements": int(est.design.n_statements),
        "rows": len(claims.table),
        "grid_points": len(est.design.grid_quantity),
        **size,
        "fit_s": total,
        "sampling_s": float(post.attrs.get("sampling_time", math.nan)),
    }
    if method == "nuts":
        out["ess_bulk_min"] = min_bulk_ess(post.to_dataset())
        out["divergences"] = int(est.idata.sample_stats["diverging"].sum())
    if keep_latent:
        lat = post["latent"].values.reshape(-1, post["latent"].shape[-1])
        q = np.quantile(lat, [0.05, 0.5, 0.95], axis=0)
        out["latent_q"] = q.tolist()
    return out
