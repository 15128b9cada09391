"""`Estimate`: the posterior of a fit as tidy tables in natural units.

`fit` (`consensus.inference`) makes one; `consensus.storage` saves and loads
it. Every table here reads the labelled posterior and the `Design`; the plots
and the report draw these tables and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .claims import KIND_CODE, Claims, parse_date
from .config import DEFAULT_PROB, FitConfig
from .design import Design, from_model_scale
from .diagnostics import Diagnostics, compute_diagnostics
from .errors import UnknownNameError
from .model import bias_groups, group_basis, report_sd
from .words import estimative


class Estimate:
    """The result of `fit`: posterior, claims and config, with tidy tables and plots.

    Tables are in natural units. ``idata`` is the `xarray.DataTree` for ArviZ;
    its ``latent`` variable is labelled by ``time_quantity`` and ``time_date``.
    """

    def __init__(
        self,
        idata: xr.DataTree,
        claims: Claims,
        config: FitConfig,
        truths: pd.DataFrame | None = None,
        design: Design | None = None,
    ):
        self.idata = idata
        self.claims_data = claims
        self.config = config
        self.truths = truths
        self.design: Design = design or claims.design(freq=config.freq, truths=truths)

    # ------------------------------------------------------------ names
    @property
    def quantities(self) -> list[str]:
        """The quantities, in order of first appearance in the claims."""
        return list(self.design.quantities)

    @property
    def origins(self) -> list[str]:
        """The origins (``cites`` if given, else ``source``)."""
        return list(self.design.origins)

    def scale(self, quantity: str) -> str:
        """The scale of a quantity: ``"log"``, ``"logit"`` or ``"identity"``."""
        q = self._quantity_index(quantity)
        return self.design.scale_groups[self.design.quantity_scale[q]]

    def _quantity_index(self, quantity: str) -> int:
        if not isinstance(quantity, str) or quantity not in self.design.quantities:
            raise UnknownNameError(
                f"unknown quantity {quantity!r}; quantities: {self.design.quantities}"
            )
        return self.design.quantities.index(quantity)

    # ------------------------------------------------------------ posterior arrays
    def _draws(self, name: str) -> np.ndarray:
        """(samples, ...) array of a posterior variable, chains stacked."""
        v = self.idata.posterior[name].values
        return v.reshape((-1,) + v.shape[2:])

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """R-hat, bulk/tail ESS and divergences (NUTS fits)."""
        if self.config.method != "nuts":
            raise ValueError(f"no MCMC diagnostics for method={self.config.method!r}")
        return compute_diagnostics(self.idata)

    def _latent(self, quantity: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """(draws, grid dates) of a quantity's true value in natural units, and its grid dates."""
        q = self._quantity_index(quantity)
        d = self.design
        sl = slice(d.grid_start[q], d.grid_start[q] + d.grid_len[q])
        x = from_model_scale(self._draws("latent")[:, sl], self.scale(quantity))
        return x, pd.DatetimeIndex(d.grid_date[sl])

    def _grid_index(self, quantity: str, dates: pd.DatetimeIndex) -> np.ndarray:
        """Nearest grid point of each date; dates beyond the grid (by half a step) are refused."""
        _, grid = self._latent(quantity)
        half = pd.Timedelta(days=float(self.design.step_days[self._quantity_index(quantity)]) / 2)
        out = []
        for when in dates:
            if when < grid[0] - half or when > grid[-1] + half:
                raise ValueError(
                    f"{when.date()} is outside the estimated span of {quantity!r} "
                    f"({grid[0].date()} to {grid[-1].date()}); the model does not extrapolate"
                )
            out.append(int(np.argmin(np.abs((grid - when).total_seconds()))))
        return np.array(out, dtype=int)

    # ------------------------------------------------------------ tables
    def trajectory(self, quantity: str, prob: float = DEFAULT_PROB) -> pd.DataFrame:
        """The estimated true value on every date of the quantity's grid.

        Returns a DataFrame with ``date, mean, median, lower, upper`` (central
        ``prob`` interval) and ``lower_50, upper_50``, in natural units.
        """
        _check_prob(prob)
        x, grid = self._latent(quantity)
        return _summarise(x, grid, prob)

    def at(
        self, quantity: str, dates: str | pd.Timestamp | Sequence, prob: float = DEFAULT_PROB
    ) -> pd.DataFrame:
        """The estimate on given dates (each read at its nearest grid date); columns as `trajectory`.

        Dates are read like the claims' dates (ISO ``YYYY-MM-DD`` or a full ISO
        timestamp); a date outside the quantity's grid is an error.
        """
        _check_prob(prob)
        when = _dates(dates)
        x, _ = self._latent(quantity)
        idx = self._grid_index(quantity, when)
        return _summarise(x[:, idx], when, prob)

    def probability(
        self,
        quantity: str,
        date: str | pd.Timestamp,
        above: float | None = None,
        below: float | None = None,
    ) -> float:
        """Posterior probability that the true value on ``date`` lies above ``above`` and/or below ``below``.

        ``date`` must lie within the quantity's time grid (the span of its
        claims' ``as_of`` and any truths); the nearest grid date is used.
        Thresholds are numbers in natural units; a proportion's lie in [0, 1].
        """
        if above is None and below is None:
            raise ValueError("give above=, below= or both")
        scale = self.scale(quantity)
        for name, v in (("above", above), ("below", below)):
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
            if scale == "logit" and not 0 <= v <= 1:
                raise ValueError(
                    f"{quantity!r} is a proportion: {name} must lie in [0, 1], got {v!r}"
                )
        when = _dates(date)
        x, _ = self._latent(quantity)
        x = x[:, self._grid_index(quantity, when)[0]]
        ok = np.ones(len(x), dtype=bool)
        if above is not None:
            ok &= x > above
        if below is not None:
            ok &= x < below
        return float(ok.mean())

    def sources(self, prob: float = DEFAULT_PROB) -> pd.DataFrame:
        """Bias, noise and a credibility rank per origin (and scale group).

        Columns: ``source`` and ``origin`` (both the origin's name: the party
        whose figures these are, ``cites`` if given, else ``source``),
        ``scale``, ``n_claims`` (rows carrying its statements, duplicates
        excluded), ``n_statements``, ``bias`` (median; a factor for log scale:
        2.0 = reports twice the truth; additive otherwise),
        ``bias_lower``/``bias_upper`` (central ``prob`` interval), ``p_high``
        (posterior probability that it overstates), ``noise`` (median typical
        error: a fraction for log scale, 0.25 = reports within about ±25 %; a
        model-scale sd otherwise), ``noise_lower``/``noise_upper``, ``error``
        (median root-mean-square report error on the model scale,
        sqrt(bias² + noise²)), ``basis`` (what the bias is measured against:
        ``"truths"``, ``"reference"``, ``"track record"`` or ``"relative"``,
        the average origin of its group), ``exact_prob`` (only in fits with
        exact-or-wrong claims: median probability that its point claim is the
        figure the exact reporters share, which is the truth with probability
        ``exact_truth``), ``calibrated`` (True unless
        ``basis`` is ``"relative"``), ``bias_estimated`` (False where the bias
        is fixed rather than learned: a reference origin, or an uncalibrated
        origin alone in its group; ``p_high`` is then NaN) and ``rank`` (1 =
        smallest ``error``; missing where the bias is not estimated).

        Calibrated biases are absolute (from the posterior of each origin's
        own bias); relative ones are measured against the group's average
        origin, as the reports alone can only tell origins apart.

        One row per origin when all quantities share one scale (the usual case);
        an origin reporting on quantities of several scales has one row for each.
        """
        _check_prob(prob)
        d = self.design
        absolute, relative = self._draws("bias"), self._draws("bias_relative")
        noise = self._draws("noise")
        exact = self._draws("exact_prob") if "exact_prob" in self.idata.posterior else None
        st = self.claims_data.statements
        st_scale = d.quantity_scale[d.quantity]
        a = (1 - prob) / 2
        groups = bias_groups(d)
        basis = group_basis(d, self.config.reference, _tracked_mask(self))
        group_size = np.bincount(groups[groups >= 0])
        reference = set(self.config.reference)
        out = []
        for o, name in enumerate(d.origins):
            for s, scale in enumerate(d.scale_groups):
                mine = (d.origin == o) & (st_scale == s)
                if not mine.any():
                    continue
                g = groups[o, s]
                how = basis[g]
                b = (relative if how == "relative" else absolute)[:, o, s]
                n = noise[:, o, s]
                err = np.sqrt(b**2 + n**2)
                estimated = name not in reference and (how != "relative" or group_size[g] > 1)
                bn, nn = (np.exp(b), np.expm1(n)) if scale == "log" else (b, n)
                out.append(
                    {
                        "source": name,
                        "origin": name,
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
                        "basis": how,
                        **({} if exact is None else {"exact_prob": float(np.median(exact[:, o]))}),
                        "calibrated": how != "relative",
                        "bias_estimated": estimated,
                        "_ranked": estimated or name in reference,
                    }
                )
        df = pd.DataFrame(out)
        df["rank"] = df["error"].where(df.pop("_ranked")).rank(method="min").astype("Int64")
        return df.sort_values(["rank", "source"], na_position="last").reset_index(drop=True)

    def candidates(self, quantity: str) -> pd.DataFrame:
        """Each claimed figure's posterior probability of being the truth, per date.

        Only for quantities fitted as exact-or-wrong (`fit(exact=...)`). Rows:
        ``date``, ``candidate`` (the figure as text, or ``"other"``: the truth
        is none of them), ``value`` (NaN for other), ``probability`` (summing
        to 1 per date) and ``statements`` (how many statements gave it),
        most probable first within each date.
        """
        q = self._quantity_index(quantity)
        if quantity not in self.config.exact or "candidates" not in self.idata.children:
            raise ValueError(
                f"{quantity!r} was not fitted as exact-or-wrong; fit with exact=True or "
                f"exact=[{quantity!r}] (exact quantities of this fit: {self.config.exact})"
            )
        t = self.idata["candidates"].to_dataset().to_dataframe().reset_index(drop=True)
        t = t[t["quantity"] == self.design.quantities[q]].drop(columns="quantity")
        t["candidate"] = [
            "other" if np.isnan(v) else f"{v:.12g}" for v in t["value"].to_numpy(dtype=float)
        ]
        t = t.sort_values(["date", "probability"], ascending=[True, False], ignore_index=True)
        return t[["date", "candidate", "value", "probability", "statements"]]

    def shared_figures(self, min_common: int = 5) -> pd.DataFrame:
        """Origin pairs by how often they give identical figures: a hint of copying.

        See `consensus.exact.shared_figures`.
        """
        from .exact import shared_figures

        return shared_figures(self.claims_data, min_common)

    def _statement_predictive(self, max_draws: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """(draws, N) location and scale of each statement's report, on the model scale."""
        d = self.design
        names = ("latent", "shared", "bias", "noise", "projection_sigma")
        sampled = (
            {"latent": "latent_continuous"} if "latent_continuous" in self.idata.posterior else {}
        )
        draws = {k: self._draws(sampled.get(k, k)) for k in names}
        step = max(1, len(draws["latent"]) // max_draws)
        draws = {k: v[::step] for k, v in draws.items()}
        s = d.quantity_scale[d.quantity]
        mu = (
            draws["latent"][:, d.time]
            + draws["shared"][:, d.quantity]
            + draws["bias"][:, d.origin, s]
        )
        sd = report_sd(
            d, draws["noise"], draws["projection_sigma"], self.config.priors["noise_floor"]
        )
        return mu, sd

    def _nu(self, n_draws: int) -> np.ndarray | float:
        """Degrees of freedom of each statement's error: (draws, N) when learned, else a float."""
        if "nu" not in self.idata.posterior:
            return float(self.config.priors["nu"]) or 4.0  # format 1 fits fixed it at 4
        d = self.design
        nu = self._draws("nu")
        nu = nu[:: max(1, len(nu) // n_draws)][:n_draws]
        return nu[:, d.quantity_scale[d.quantity]]

    def claims(self) -> pd.DataFrame:
        """Every statement with its carriers and how surprising it is under the posterior.

        Adds to `Claims.statements`: ``truth_median`` (estimated true value at
        its ``as_of``), ``expected`` (median report expected from its origin,
        bias and shared error included), ``percentile`` (posterior predictive
        probability of a report at or below its figure; for ranges, the
        midpoint) and ``p_value`` (probability of a report at least as far
        out: two-sided for points; for at_least, P(report >= value); for
        at_most, P(report <= value); for ranges, P(report within the range)).
        """
        from scipy import stats

        d = self.design
        mu, sd = self._statement_predictive()
        nu = self._nu(len(mu))
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
        scales = np.array(d.scale_groups)[d.quantity_scale[d.quantity]]
        out = self.claims_data.statements.copy()
        out["truth_median"] = [
            from_model_scale(np.median(latent[:, i]), s) for i, s in enumerate(scales)
        ]
        out["expected"] = [from_model_scale(np.median(mu[:, i]), s) for i, s in enumerate(scales)]
        out["percentile"] = pct
        out["p_value"] = np.clip(p, 0.0, 1.0)
        return out

    def headline(self, prob: float = DEFAULT_PROB) -> pd.DataFrame:
        """Per quantity, the estimate on the date of its latest report.

        The latest report's publication date, not the end of the time grid: a
        projection ("up to 10,000 by year end") stretches the grid to a date no
        one has reported on yet. Columns: ``quantity`` and those of
        `trajectory` (the row of the grid date nearest that date), plus
        ``grid_end`` (the last grid date), ``n_statements`` and ``n_origins``.
        The report, the command line, `summary` and `consensus.fit_many` all
        give this row.
        """
        st = self.claims_data.statements
        rows = []
        for q in self.quantities:
            mine = st[st["quantity"] == q]
            traj = self.trajectory(q, prob)
            latest = mine["date"].max()
            i = int(np.argmin(np.abs((traj["date"] - latest).dt.total_seconds().to_numpy())))
            row = {"quantity": q, **traj.iloc[i].to_dict()}
            row["grid_end"] = traj["date"].iloc[-1]
            row["n_statements"] = len(mine)
            row["n_origins"] = mine["origin"].nunique()
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self, prob: float = DEFAULT_PROB) -> str:
        """A short text: per quantity the estimate, sources running high or low, warnings.

        The estimate is the report's headline (`headline`): on the date of the
        quantity's latest report, its interval in words and numbers; where
        projections stretch the grid further, its end too.
        """
        lines = []
        for r in self.headline(prob).itertuples():
            line = (
                f"{r.quantity}: {_fmt(r.median)} on {r.date.date()}, its latest report "
                f"({estimative(prob)} between {_fmt(r.lower)} and {_fmt(r.upper)})"
            )
            if r.grid_end > r.date:
                end = self.trajectory(r.quantity, prob).iloc[-1]
                line += (
                    f"; {_fmt(end['median'])} on {end['date'].date()}, as projected "
                    f"({_fmt(end['lower'])} to {_fmt(end['upper'])})"
                )
            lines.append(line)
        src = self.sources(prob)
        high = [
            f"{r.source}: {estimative(r.p_high)}" for r in src[src["p_high"] > 0.9].itertuples()
        ]
        low = [
            f"{r.source}: {estimative(1 - r.p_high)}" for r in src[src["p_high"] < 0.1].itertuples()
        ]
        if self.config.reference:
            ident = f"relative to {', '.join(self.config.reference)}"
        elif src["calibrated"].all():
            ident = "against known truths or track records"
        else:
            ident = "relative to the average origin, unless calibrated"
        lines.append(f"Run high (P > 0.9, {ident}): {'; '.join(high) or 'none'}")
        lines.append(f"Run low (P > 0.9): {'; '.join(low) or 'none'}")
        if self.config.method == "nuts":
            diag = self.diagnostics
            lines.append(
                "Convergence: ok" if diag.ok else "Convergence WARNING: " + "; ".join(diag.problems)
            )
        else:
            lines.append(f"Approximate fit ({self.config.method}): no convergence diagnostics")
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.claims_data
        return (
            f"<Estimate: {len(c.statements)} statements, {len(c.quantities)} quantities, "
            f"{len(c.origins)} origins; {self.config.method}>"
        )

    # ------------------------------------------------------------ plots and saving
    def plot_trajectory(self, quantity: str | None = None, **kwargs):
        """See `consensus.plots.plot_trajectory`."""
        from .plots import plot_trajectory

        return plot_trajectory(self, quantity, **kwargs)

    def plot_sources(self, **kwargs):
        """See `consensus.plots.plot_sources`."""
        from .plots import plot_sources

        return plot_sources(self, **kwargs)

    def to_netcdf(self, path: str | Path) -> None:
        """Save claims, truths, config, design and posterior in one netCDF file (see `consensus.storage`)."""
        from .storage import save

        save(self, path)


def _tracked_mask(est: Estimate):
    """A stand-in track prior carrying only which (origin, scale) pairs were tracked."""
    if not est.config.tracked:
        return None
    from .model import TrackPrior

    d = est.design
    m = np.full((len(d.origins), len(d.scale_groups)), np.nan)
    for o, s in est.config.tracked:
        m[d.origins.index(o), d.scale_groups.index(s)] = 0.0
    nan_s = np.full(len(d.scale_groups), np.nan)
    return TrackPrior(m, m, m, m, nan_s, nan_s)


def _summarise(x: np.ndarray, dates: pd.DatetimeIndex, prob: float) -> pd.DataFrame:
    a = (1 - prob) / 2
    qs = np.quantile(x, [a, 0.25, 0.5, 0.75, 1 - a], axis=0)
    return pd.DataFrame(
        {
            "date": pd.DatetimeIndex(dates),
            "mean": x.mean(axis=0),
            "median": qs[2],
            "lower": qs[0],
            "upper": qs[4],
            "lower_50": qs[1],
            "upper_50": qs[3],
        }
    )


def _dates(dates) -> pd.DatetimeIndex:
    """Dates read as the claims' dates are (ISO; tz-aware converted to UTC)."""
    items = (
        [dates]
        if isinstance(dates, str | pd.Timestamp) or not hasattr(dates, "__iter__")
        else list(dates)
    )
    out = []
    for d in items:
        if isinstance(d, pd.Timestamp):
            d = d.isoformat()
        try:
            out.append(parse_date(str(d).strip()))
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"date {d!r} is not an ISO date YYYY-MM-DD or timestamp (as in the claims)"
            ) from e
    return pd.DatetimeIndex(out)


def _check_prob(prob: float) -> None:
    if isinstance(prob, bool) or not isinstance(prob, Real) or not 0 < prob < 1:
        raise ValueError(f"prob must lie strictly between 0 and 1, got {prob!r}")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


__all__ = ["Estimate"]
