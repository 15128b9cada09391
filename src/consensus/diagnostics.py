"""Convergence diagnostics of a NUTS fit: R-hat, effective sample sizes, divergences.

`compute_diagnostics` reads the posterior; `Diagnostics.problems` and
`Diagnostics.advice` are what `fit`'s `ConvergenceWarning` says.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

# thresholds of the convergence warning (Vehtari et al. 2021, "Rank-normalization, folding,
# and localization: an improved R-hat"): R-hat below 1.01 and at least 100 effective draws per chain
RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100


def _version() -> str:
    from . import __version__

    return __version__


@dataclass(frozen=True)
class Diagnostics:
    """Convergence of a NUTS fit: worst R-hat, smallest bulk/tail ESS, divergences.

    ``per_variable`` holds the worst value of each monitored variable.
    """

    rhat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    divergences: int
    n_draws: int
    chains: int
    per_variable: pd.DataFrame

    @property
    def problems(self) -> list[str]:
        out = []
        if self.chains > 1 and not self.rhat_max < RHAT_MAX:
            out.append(f"R-hat up to {self.rhat_max:.3f} (want < {RHAT_MAX})")
        need = ESS_PER_CHAIN_MIN * self.chains
        if min(self.ess_bulk_min, self.ess_tail_min) < need:
            out.append(
                f"effective sample size as low as {min(self.ess_bulk_min, self.ess_tail_min):.0f} (want >= {need})"
            )
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def advice(self) -> str:
        tips = []
        if self.divergences:
            tips.append("raise target_accept (e.g. fit(..., target_accept=0.99))")
        if (
            self.chains > 1
            and not self.rhat_max < RHAT_MAX
            or self.ess_bulk_min < ESS_PER_CHAIN_MIN * self.chains
        ):
            tips.append("sample longer (tune=2000, draws=2000)")
        tips.append("name a trusted origin as reference=[...] to pin the biases")
        tips.append("or tighten priors (priors={'bias_sd': 0.5, 'walk_sd': 0.5})")
        return "; ".join(tips)


def _monitored(posterior: xr.Dataset) -> list[str]:
    names = (
        "latent",
        "bias",
        "bias_relative",
        "noise",
        "walk_sigma",
        "drift",
        "bias_sigma",
        "shared_sigma",
        "nu",
        "exact_prob",
    )
    if "latent_continuous" in posterior:  # exact fits: the sampled value, not the chosen figures
        names = ("latent_continuous",) + names[1:]
    # empty variables (no quantity walks when each has one date) have nothing to diagnose
    return [v for v in names if v in posterior and posterior[v].isel(chain=0, draw=0).size > 0]


def compute_diagnostics(idata: xr.DataTree) -> Diagnostics:
    """R-hat, bulk/tail ESS and divergences of the monitored variables."""
    import arviz as az

    post = idata.posterior.to_dataset()
    names = _monitored(post)
    chains = post.sizes["chain"]
    # bias and noise of absent (origin, scale) pairs are constant zero: skip constant cells
    rows = []
    with warnings.catch_warnings():  # constant cells (absent or fixed biases) divide by zero
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = az.rhat(post, var_names=names) if chains > 1 else None
        ess_b = az.ess(post, var_names=names, method="bulk")
        ess_t = az.ess(post, var_names=names, method="tail")
    for v in names:
        live = post[v].std(("chain", "draw")) > 0

        def worst(ds, reduce, default, v=v, live=live):
            val = float(getattr(ds[v].where(live), reduce)())  # xarray skips NaN
            return val if np.isfinite(val) else default

        rows.append(
            {
                "variable": v,
                "rhat_max": worst(rhat, "max", 1.0) if rhat is not None else np.nan,
                "ess_bulk_min": worst(ess_b, "min", np.inf),
                "ess_tail_min": worst(ess_t, "min", np.inf),
            }
        )
    per = pd.DataFrame(rows)
    div = int(idata.sample_stats["diverging"].sum()) if "sample_stats" in idata.children else 0
    return Diagnostics(
        rhat_max=float(per["rhat_max"].max()) if rhat is not None else 1.0,
        ess_bulk_min=float(per["ess_bulk_min"].min()),
        ess_tail_min=float(per["ess_tail_min"].min()),
        divergences=div,
        n_draws=int(post.sizes["draw"]),
        chains=int(chains),
        per_variable=per,
    )
