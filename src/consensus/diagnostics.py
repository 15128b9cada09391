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
class Worst:
    """The element with the worst R-hat or ESS: its variable, labels and chains.

    ``where`` names it (``latent of item_240 on 2008-01-01``, ``bias of Reuters, log``);
    ``chain_means`` are on the model scale; ``chains_apart`` is true when the chains'
    means differ by more than twice the typical within-chain sd (chains in different modes
    rather than slow ones).
    """

    variable: str
    where: str
    value: float
    chain_means: tuple[float, ...]
    chains_apart: bool


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
    worst_rhat: Worst | None = None
    worst_ess: Worst | None = None

    @property
    def problems(self) -> list[str]:
        out = []
        if self.chains > 1 and not self.rhat_max < RHAT_MAX:
            at = f", worst at {self.worst_rhat.where}" if self.worst_rhat else ""
            out.append(f"R-hat up to {self.rhat_max:.3f} (want < {RHAT_MAX}){at}")
            if self.worst_rhat and self.worst_rhat.chains_apart:
                out[-1] += " (its chains settled on different values)"
        need = ESS_PER_CHAIN_MIN * self.chains
        if min(self.ess_bulk_min, self.ess_tail_min) < need:
            at = f", at {self.worst_ess.where}" if self.worst_ess else ""
            out.append(
                f"effective sample size as low as {min(self.ess_bulk_min, self.ess_tail_min):.0f} (want >= {need}){at}"
            )
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def advice(self) -> str:
        tips = []
        w = self.worst_rhat
        if w is not None and w.chains_apart and not self.rhat_max < RHAT_MAX:
            tips.append(
                f"look at the claims behind {w.where} (est.claims()): when they fall into camps "
                "the posterior has several modes that one chain each settles on; more chains "
                "(chains=8) show how much weight each gets, a reference origin or a truth may decide"
            )
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
    live = {v: post[v].std(("chain", "draw")) > 0 for v in names}
    with warnings.catch_warnings():  # constant cells (absent or fixed biases) divide by zero
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = az.rhat(post, var_names=names) if chains > 1 else None
        ess_b = az.ess(post, var_names=names, method="bulk")
        ess_t = az.ess(post, var_names=names, method="tail")
    for v in names:  # the worst value of each variable

        def worst(ds, reduce, default, v=v):
            val = float(getattr(ds[v].where(live[v]), reduce)())  # xarray skips NaN
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
    if rhat is not None:
        worst_rhat = _locate(post, {v: rhat[v].where(live[v]) for v in names}, largest=True)
    else:
        worst_rhat = None
    ess = {v: np.minimum(ess_b[v], ess_t[v]).where(live[v]) for v in names}
    div = int(idata.sample_stats["diverging"].sum()) if "sample_stats" in idata.children else 0
    return Diagnostics(
        rhat_max=float(per["rhat_max"].max()) if rhat is not None else 1.0,
        ess_bulk_min=float(per["ess_bulk_min"].min()),
        ess_tail_min=float(per["ess_tail_min"].min()),
        divergences=div,
        n_draws=int(post.sizes["draw"]),
        chains=int(chains),
        per_variable=per,
        worst_rhat=worst_rhat,
        worst_ess=_locate(post, ess, largest=False),
    )


def _locate(post: xr.Dataset, values: dict[str, xr.DataArray], largest: bool) -> Worst | None:
    """The element with the largest (or smallest) value over every variable, with its labels."""
    best = None
    for v, da in values.items():
        if da.size == 0 or not np.isfinite(da.values).any():
            continue
        flat = int(np.nanargmax(da.values) if largest else np.nanargmin(da.values))
        val = float(da.values.ravel()[flat])
        if best is None or (val > best[1] if largest else val < best[1]):
            idx = np.unravel_index(flat, da.shape)
            best = (v, val, {str(d): int(i) for d, i in zip(da.dims, idx, strict=True)})
    if best is None:
        return None
    v, val, at = best
    draws = post[v].isel(at)  # (chain, draw)
    means = draws.mean("draw").values
    within = float(draws.std("draw").mean())
    return Worst(
        variable=v,
        where=f"{v} of {_label(post[v], at)}" if at else v,
        value=val,
        chain_means=tuple(float(m) for m in means),
        chains_apart=bool(len(means) > 1 and np.ptp(means) > 2 * within),
    )


def _label(da: xr.DataArray, at: dict[str, int]) -> str:
    """Human labels of one element: the labels along each dimension (time: quantity and date)."""
    parts = []
    for dim, i in at.items():
        on_dim = [c for n, c in da.coords.items() if c.dims == (dim,) and n != dim]
        if not on_dim and dim in da.coords:
            on_dim = [da.coords[dim]]
        if not on_dim:
            parts.append(f"{dim} {i}")
            continue
        for c in on_dim:
            x = c.values[i]
            parts.append(
                str(pd.Timestamp(x).date()) if np.issubdtype(c.dtype, np.datetime64) else str(x)
            )
    if len(parts) == 2 and "time" in at:
        return f"{parts[0]} on {parts[1]}"
    return ", ".join(parts)
