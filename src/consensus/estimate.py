"""`fit`, the `Estimate` it returns, and `load`.

`fit` = validate scales -> design arrays -> `build_model` -> sample -> wrap.
`Estimate` turns the posterior into tidy tables (natural units) that the plots
draw and that users read; it saves to one netCDF file (claims, config and
posterior) and `load` restores an identical object. No pickle anywhere.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .claims import KIND_CODE, Claims, read_claims
from .design import Design, from_model_scale
from .errors import ConvergenceWarning
from .model import DEFAULT_PRIORS, bias_groups, build_model, resolve_priors

#: Chosen by measurement (benchmarks/performance.py, "samplers"): see benchmarks/README.md.
DEFAULT_SAMPLER = "nutpie"
SAMPLERS = ("pymc", "nutpie", "numpyro")
METHODS = ("nuts", "advi")
FORMAT_VERSION = 1

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
    names = ("latent", "bias", "noise", "walk_sigma", "drift", "bias_sigma")
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


def fit(
    claims: Claims | pd.DataFrame | str | Path,
    *,
    scales: str | Mapping[str, str] | None = None,
    reference: Sequence[str] | None = None,
    priors: Mapping[str, float] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    sampler: str | None = None,
    method: str = "nuts",
    target_accept: float = 0.9,
    freq: str | int | None = None,
    random_seed: int | None = None,
    progressbar: bool = True,
    cores: int | None = None,
    advi_iterations: int = 20_000,
) -> Estimate:
    """Fit the consensus model to claims.

    Parameters
    ----------
    claims
        A `Claims` container, or a DataFrame / CSV path passed to `read_claims`.
    scales
        ``"log"`` (counts, the default), ``"logit"`` (proportions) or
        ``"identity"`` (unbounded reals): one for all quantities or a mapping
        per quantity.
    reference
        Origins assumed unbiased. ``None``: biases sum to zero across origins
        ("the consensus is the average origin"); biases are then relative to
        the average origin, not to the truth.
    priors
        Overrides of `consensus.model.DEFAULT_PRIORS` by name.
    draws, tune, chains
        NUTS settings (per chain).
    sampler
        ``"pymc"``, ``"nutpie"`` or ``"numpyro"``; ``None`` uses `DEFAULT_SAMPLER`.
    method
        ``"nuts"`` (default, full Bayes), or ``"advi"``: mean-field ADVI, a
        fast approximation for very large inputs: ``advi_iterations`` Adam
        steps at learning rate 0.01, then half as many at 0.001 to settle the
        stochastic noise, then ``draws * chains`` draws from the approximation.
        It has no MCMC diagnostics (a `ConvergenceWarning` is raised if the
        loss was still falling at the end) and its intervals are typically too
        narrow; benchmarks/README.md reports its error against NUTS.
    target_accept
        NUTS target acceptance; raise towards 0.99 if there are divergences.
    freq
        Time-grid step: days as a number, or a pandas offset alias (``"7D"``).
        ``None``: daily, coarsened so no quantity has more than 300 steps.
    random_seed
        Seed; the same seed gives identical results.
    progressbar
        Show the sampler's progress bar.
    cores
        Parallel chains for the ``pymc`` sampler (default: PyMC's choice).
    advi_iterations
        Optimisation steps of the first stage of ``method="advi"``.

    Returns
    -------
    Estimate
    """
    if not isinstance(claims, Claims):
        claims = read_claims(claims)
    if scales is not None or not claims.scales:
        claims = claims.with_scales(scales)
    sampler = sampler or DEFAULT_SAMPLER
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    prior_values = resolve_priors(priors)
    design = claims.design(freq=freq)
    model = build_model(design, prior_values, reference)
    config = {
        "format_version": FORMAT_VERSION,
        "consensus_version": _version(),
        "scales": dict(claims.scales),
        "vague": {k: list(v) for k, v in (claims.vague or {}).items()},
        "reference": list(reference or []),
        "priors": prior_values,
        "freq": freq,
        "method": method,
        "sampler": sampler if method == "nuts" else None,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "target_accept": target_accept,
        "random_seed": random_seed,
        "advi_iterations": advi_iterations if method == "advi" else None,
    }
    idata = _sample(model, config, progressbar=progressbar, cores=cores)
    est = Estimate(idata=idata, claims=claims, config=config)
    if method == "nuts":
        diag = est.diagnostics
        if not diag.ok:
            warnings.warn(
                "the sampler did not converge well enough to trust the intervals: "
                + "; ".join(diag.problems)
                + ". Try: "
                + diag.advice(),
                ConvergenceWarning,
                stacklevel=2,
            )
    return est


def _sample(model, config: dict, *, progressbar: bool, cores: int | None) -> xr.DataTree:
    import pymc as pm

    keep = [
        "latent",
        "bias",
        "noise",
        "walk_sigma",
        "drift",
        "bias_sigma",
        "noise_mu",
        "noise_spread",
        "projection_sigma",
        "level_z",
    ]
    with model:
        if config["method"] == "nuts":
            kwargs: dict[str, Any] = {}
            if cores is not None:
                kwargs["cores"] = cores
            idata = pm.sample(
                draws=config["draws"],
                tune=config["tune"],
                chains=config["chains"],
                target_accept=config["target_accept"],
                random_seed=config["random_seed"],
                nuts_sampler=config["sampler"],
                progressbar=progressbar,
                compute_convergence_checks=False,
                **kwargs,
            )
        else:  # mean-field ADVI: a fast approximation for inputs too large for NUTS
            approx, loss = _advi(config["advi_iterations"], config["random_seed"], progressbar)
            idata = approx.sample(
                config["draws"] * config["chains"], random_seed=config["random_seed"]
            )
    post = idata.posterior.to_dataset()
    post = post[[v for v in keep if v in post]]
    tree = {"posterior": post}
    if "sample_stats" in idata.children:
        ss = idata.sample_stats.to_dataset()
        tree["sample_stats"] = ss[
            [v for v in ("diverging", "tree_depth", "energy", "lp") if v in ss]
        ]
    if config["method"] == "advi":
        tree["advi"] = xr.Dataset({"loss": ("iteration", loss)})
    return xr.DataTree.from_dict(tree)


#: Adam learning rates of the two ADVI stages. With PyMC's default optimiser (adagrad at
#: 0.001), 20,000 steps left the intervals 17x too wide at 10^3 statements and ran into NaN at
#: 10^5 (benchmarks/results/performance.json as of commit c84df7b); the two stages are measured
#: against NUTS in benchmarks/README.md.
ADVI_LEARNING_RATES = (0.01, 0.001)


def _advi(iterations: int, random_seed: int | None, progressbar: bool):
    """Fit mean-field ADVI in two stages; returns the approximation and the loss history."""
    import pymc as pm

    inference = pm.ADVI(random_seed=random_seed)
    for lr, n in zip(ADVI_LEARNING_RATES, (iterations, max(iterations // 2, 1)), strict=True):
        try:
            inference.fit(n, obj_optimizer=pm.adam(learning_rate=lr), progressbar=progressbar)
        except FloatingPointError as e:
            raise FloatingPointError(
                f"ADVI diverged (the loss became NaN): {e}. Try method='nuts', tighter priors "
                "(priors={'bias_sd': 0.5, 'noise_pool_sd': 0.3}) or a different random_seed."
            ) from e
    loss = np.asarray(inference.hist, dtype=float)
    # still falling at the end of the second stage: the mean of its last quarter is below the
    # mean of its third quarter by more than three standard errors of the difference
    tail = loss[-max(iterations // 2, 1) :]
    q = max(len(tail) // 4, 1)
    a, b = tail[-2 * q : -q], tail[-q:]
    # and by more than a tenth of the loss's own noise (a drift too small to matter is not flagged)
    drop, noise = (a.mean() - b.mean(), b.std()) if len(a) > 1 else (0.0, 0.0)
    if len(a) > 1 and drop > max(3 * noise * np.sqrt(2 / len(b)), 0.1 * noise):
        warnings.warn(
            f"ADVI had not converged: its loss was still falling at the end "
            f"({a.mean():,.1f} -> {b.mean():,.1f}). Try advi_iterations={2 * iterations}.",
            ConvergenceWarning,
            stacklevel=4,  # _advi <- _sample <- fit <- the caller
        )
    return inference.approx, loss


class Estimate:
    """The result of `fit`: posterior, claims and config, with tidy tables and plots.

    Tables are in natural units. ``idata`` is the `xarray.DataTree` for ArviZ.
    """

    def __init__(self, idata: xr.DataTree, claims: Claims, config: dict):
        self.idata = idata
        self.claims_data = claims
        self.config = config
        self.design: Design = claims.design(freq=config["freq"])

    # ------------------------------------------------------------ posterior arrays
    def _draws(self, name: str) -> np.ndarray:
        """(samples, ...) array of a posterior variable, chains stacked."""
        v = self.idata.posterior[name].values
        return v.reshape((-1,) + v.shape[2:])

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """R-hat, bulk/tail ESS and divergences (NUTS fits)."""
        if self.config["method"] != "nuts":
            raise ValueError(f"no MCMC diagnostics for method={self.config['method']!r}")
        return compute_diagnostics(self.idata)

    def _quantity_index(self, quantity: str) -> int:
        if quantity not in self.design.quantities:
            raise KeyError(f"unknown quantity {quantity!r}; quantities: {self.design.quantities}")
        return self.design.quantities.index(quantity)

    def _scale_of(self, q: int) -> str:
        return self.design.scale_groups[self.design.quantity_scale[q]]

    # ------------------------------------------------------------ tables
    def trajectory(self, quantity: str, prob: float = 0.9) -> pd.DataFrame:
        """The estimated true value on every date of the quantity's grid.

        Returns a DataFrame with ``date, mean, median, lower, upper`` (central
        ``prob`` interval) and ``lower_50, upper_50``, in natural units.
        """
        _check_prob(prob)
        q = self._quantity_index(quantity)
        d = self.design
        sl = slice(d.grid_start[q], d.grid_start[q] + d.grid_len[q])
        x = from_model_scale(self._draws("latent")[:, sl], self._scale_of(q))
        a = (1 - prob) / 2
        qs = np.quantile(x, [a, 0.25, 0.5, 0.75, 1 - a], axis=0)
        return pd.DataFrame(
            {
                "date": pd.to_datetime(d.grid_date[sl]),
                "mean": x.mean(axis=0),
                "median": qs[2],
                "lower": qs[0],
                "upper": qs[4],
                "lower_50": qs[1],
                "upper_50": qs[3],
            }
        )

    def sources(self, prob: float = 0.9) -> pd.DataFrame:
        """Bias, noise and a credibility rank per origin (and scale group).

        Columns: ``source`` (the origin), ``scale``, ``n_claims`` (rows carrying
        its statements, duplicates excluded), ``n_statements``, ``bias`` (median;
        a factor for log scale: 2.0 = reports twice the truth; additive
        otherwise), ``bias_lower``/``bias_upper`` (central ``prob`` interval),
        ``p_high`` (posterior probability that it overstates), ``noise`` (median
        typical error: a fraction for log scale, 0.25 = reports within about
        ±25 %; a model-scale sd otherwise), ``noise_lower``/``noise_upper``,
        ``error`` (median root-mean-square report error on the model scale,
        sqrt(bias² + noise²): bias and noise in one number), ``bias_estimated``
        (False where the bias is fixed rather than learned: a ``reference``
        origin, or an origin alone in its group, i.e. the only one reporting
        its quantities; ``p_high`` is then NaN) and ``rank`` (1 = smallest
        ``error``, the most credible; among origins whose bias is estimated or
        a reference, missing for the rest, whose ``error`` is noise alone).

        Biases are relative to the identification rule: with the default, to the
        average origin of the group of origins linked by shared quantities; with
        ``reference=[...]``, to those origins.

        One row per origin when all quantities share one scale (the usual case);
        an origin reporting on quantities of several scales has one row for each.
        """
        _check_prob(prob)
        d = self.design
        bias, noise = self._draws("bias"), self._draws("noise")
        st = self.claims_data.statements
        st_scale = d.quantity_scale[d.quantity]
        a = (1 - prob) / 2
        groups = bias_groups(d)
        group_size = np.bincount(groups[groups >= 0])
        reference = set(self.config["reference"])
        out = []
        for o, name in enumerate(d.origins):
            for s, scale in enumerate(d.scale_groups):
                mine = (d.origin == o) & (st_scale == s)
                if not mine.any():
                    continue
                b, n = bias[:, o, s], noise[:, o, s]
                err = np.sqrt(b**2 + n**2)
                estimated = name not in reference and group_size[groups[o, s]] > 1
                if scale == "log":
                    bn, nn = np.exp(b), np.expm1(n)
                else:
                    bn, nn = b, n
                out.append(
                    {
                        "source": name,
                        "scale": scale,
                        "n_claims": int(st.loc[mine, "n_carriers"].sum()),
                        "n_statements": int(mine.sum()),
                        "bias": float(np.median(bn)),
                        "bias_lower": float(np.quantile(bn, a)),
                        "bias_upper": float(np.quantile(bn, 1 - a)),
                        "p_high": float((b > 0).mean()) if estimated else np.nan,
                        "noise": float(np.median(nn)),
                        "noise_lower": float(np.quantile(nn, a)),
                        "noise_upper": float(np.quantile(nn, 1 - a)),
                        "error": float(np.median(err)),
                        "bias_estimated": estimated,
                        "_ranked": estimated or name in reference,
                    }
                )
        df = pd.DataFrame(out)
        df["rank"] = df["error"].where(df.pop("_ranked")).rank(method="min").astype("Int64")
        return df.sort_values(["rank", "source"], na_position="last").reset_index(drop=True)

    def _statement_predictive(self, max_draws: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """(draws, N) location and scale of each statement's report, on the model scale."""
        d = self.design
        latent, bias, noise = self._draws("latent"), self._draws("bias"), self._draws("noise")
        proj = self._draws("projection_sigma")
        step = max(1, len(latent) // max_draws)
        latent, bias, noise, proj = latent[::step], bias[::step], noise[::step], proj[::step]
        s = d.quantity_scale[d.quantity]
        mu = latent[:, d.time] + bias[:, d.origin, s]
        floor = self.config["priors"]["noise_floor"] * d.unit[s]
        sd = np.sqrt(
            noise[:, d.origin, s] ** 2
            + floor**2
            + d.stderr**2
            + proj[:, s] ** 2 * d.horizon_days / 30.0
        )
        return mu, sd

    def claims(self) -> pd.DataFrame:
        """Every statement with its carriers and how surprising it is under the posterior.

        Adds to `Claims.statements`: ``truth_median`` (estimated true value at
        its ``as_of``), ``expected`` (median report expected from its origin,
        bias included), ``percentile`` (posterior predictive probability of a
        report at or below its figure; for ranges, the midpoint) and
        ``p_value`` (probability of a report at least as far out: two-sided
        for points; for at_least, P(report >= value); for at_most,
        P(report <= value); for ranges, P(report within the range)).
        """
        from scipy import stats

        d = self.design
        nu = self.config["priors"]["nu"]
        mu, sd = self._statement_predictive()
        mid = np.where(d.kind == KIND_CODE["range"], (d.low + d.high) / 2, d.value)
        pct = stats.t.cdf((mid - mu) / sd, nu).mean(axis=0)
        cdf_lo = stats.t.cdf((d.low - mu) / sd, nu).mean(axis=0)
        cdf_hi = stats.t.cdf((d.high - mu) / sd, nu).mean(axis=0)
        p = np.select(
            [
                d.kind == KIND_CODE["point"],
                d.kind == KIND_CODE["at_least"],
                d.kind == KIND_CODE["at_most"],
            ],
            [2 * np.minimum(pct, 1 - pct), 1 - pct, pct],
            cdf_hi - cdf_lo,
        )
        latent = self._draws("latent")[:, d.time]
        scales = np.array(self.design.scale_groups)[d.quantity_scale[d.quantity]]
        out = self.claims_data.statements.copy()
        out["truth_median"] = [
            from_model_scale(np.median(latent[:, i]), s) for i, s in enumerate(scales)
        ]
        out["expected"] = [from_model_scale(np.median(mu[:, i]), s) for i, s in enumerate(scales)]
        out["percentile"] = pct
        out["p_value"] = np.clip(p, 0.0, 1.0)
        return out

    def probability(
        self,
        quantity: str,
        date: str | pd.Timestamp,
        above: float | None = None,
        below: float | None = None,
    ) -> float:
        """Posterior probability that the true value on ``date`` lies above ``above`` and/or below ``below``.

        ``date`` must lie within the quantity's time grid (the span of its
        claims' ``as_of``); the nearest grid date is used.
        """
        if above is None and below is None:
            raise ValueError("give above=, below= or both")
        q = self._quantity_index(quantity)
        d = self.design
        sl = slice(d.grid_start[q], d.grid_start[q] + d.grid_len[q])
        dates = pd.to_datetime(d.grid_date[sl])
        when = pd.Timestamp(date)
        half = pd.Timedelta(days=d.step_days[q] / 2)
        if when < dates[0] - half or when > dates[-1] + half:
            raise ValueError(
                f"{when.date()} is outside the estimated span of {quantity!r} "
                f"({dates[0].date()} to {dates[-1].date()}); the model does not extrapolate"
            )
        i = int(np.argmin(np.abs((dates - when).total_seconds())))
        x = from_model_scale(self._draws("latent")[:, sl][:, i], self._scale_of(q))
        ok = np.ones(len(x), dtype=bool)
        if above is not None:
            ok &= x > above
        if below is not None:
            ok &= x < below
        return float(ok.mean())

    def summary(self, prob: float = 0.9) -> str:
        """A short text: per quantity the latest estimate, sources running high or low, warnings."""
        lines = []
        for q in self.design.quantities:
            last = self.trajectory(q, prob).iloc[-1]
            lines.append(
                f"{q}: {_fmt(last['median'])} on {last['date'].date()} "
                f"({prob:.0%} interval {_fmt(last['lower'])} to {_fmt(last['upper'])})"
            )
        src = self.sources(prob)
        high = src[src["p_high"] > 0.9]["source"].tolist()
        low = src[src["p_high"] < 0.1]["source"].tolist()
        ident = (
            f"relative to {', '.join(self.config['reference'])}"
            if self.config["reference"]
            else "relative to the average origin"
        )
        lines.append(f"Run high (P > 0.9, {ident}): {', '.join(high) or 'none'}")
        lines.append(f"Run low (P > 0.9): {', '.join(low) or 'none'}")
        if self.config["method"] == "nuts":
            diag = self.diagnostics
            lines.append(
                "Convergence: ok" if diag.ok else "Convergence WARNING: " + "; ".join(diag.problems)
            )
        else:
            lines.append(f"Approximate fit ({self.config['method']}): no convergence diagnostics")
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.claims_data
        return (
            f"<Estimate: {len(c.statements)} statements, {len(c.quantities)} quantities, "
            f"{len(c.origins)} origins; {self.config['method']}>"
        )

    # ------------------------------------------------------------ plots
    def plot_trajectory(self, quantity: str | None = None, **kwargs):
        """See `consensus.plots.plot_trajectory`."""
        from .plots import plot_trajectory

        return plot_trajectory(self, quantity, **kwargs)

    def plot_sources(self, **kwargs):
        """See `consensus.plots.plot_sources`."""
        from .plots import plot_sources

        return plot_sources(self, **kwargs)

    # ------------------------------------------------------------ saving
    def to_netcdf(self, path: str | Path) -> None:
        """Save claims, config and posterior in one netCDF file (h5netcdf; no pickle)."""
        frame = self.claims_data.to_frame()
        claims_ds = xr.Dataset(
            {c: ("row", frame[c].astype(str).to_numpy(dtype=object)) for c in frame.columns}
        )
        tree = self.idata.copy()
        tree["claims"] = xr.DataTree(claims_ds)
        tree.attrs = {**tree.attrs, "consensus_config": json.dumps(self.config)}
        tree.to_netcdf(path, engine="h5netcdf")


def load(path: str | Path) -> Estimate:
    """Load an `Estimate` saved with `Estimate.to_netcdf`."""
    with xr.open_datatree(path, engine="h5netcdf") as tree:
        tree = tree.load()
    if "consensus_config" not in tree.attrs or "claims" not in tree.children:
        raise ValueError(f"{path} was not written by consensus (no claims or config inside)")
    config = json.loads(tree.attrs["consensus_config"])
    frame = tree["claims"].to_dataset().to_dataframe().reset_index(drop=True)
    vague = {k: tuple(v) for k, v in config.get("vague", {}).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings were given when the claims were first read
        claims = read_claims(frame, vague=vague or None, scales=config["scales"])
    idata = xr.DataTree.from_dict(
        {name: tree[name].to_dataset() for name in tree.children if name != "claims"}
    )
    return Estimate(idata=idata, claims=claims, config=config)


def _check_prob(prob: float) -> None:
    if not 0 < prob < 1:
        raise ValueError(f"prob must lie strictly between 0 and 1, got {prob}")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


__all__ = ["DEFAULT_PRIORS", "DEFAULT_SAMPLER", "Diagnostics", "Estimate", "fit", "load"]
