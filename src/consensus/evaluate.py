"""Scoring estimates against known truths: errors, interval coverage, interval score, PIT.

Two entry points build the same per-point table, one row per truth:

* `score` from a fitted `Estimate`: the posterior draws on each truth's date,
  read by the posterior's labels as `Estimate.at` reads them;
* `score_draws` from plain posterior draws, so that anything that yields draws
  (another model, a baseline with a bootstrap) is scored the same way.

`metrics` reduces that table to numbers and `coverage` to the calibration table
that `consensus.plots.plot_calibration` draws.

>>> points = score(est, truths)            # doctest: +SKIP
>>> metrics(points)["coverage_90"]         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .design import from_model_scale, to_model_scale
from .truths import read_truths

if TYPE_CHECKING:
    from .estimate import Estimate

#: Central interval probabilities scored by default.
DEFAULT_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)


def level_name(level: float) -> str:
    """Column suffix of an interval level: 0.9 -> ``"90"``, 0.975 -> ``"97.5"``."""
    return f"{100 * level:g}"


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(p) for p in levels)
    if not out or any(not 0 < p < 1 for p in out):
        raise ValueError(f"levels must be probabilities strictly between 0 and 1, got {levels!r}")
    return out


# ------------------------------------------------------------------ elementwise scores


def interval_score(lower, upper, truth, level: float) -> np.ndarray:
    """Interval score of central ``level`` intervals (Gneiting & Raftery 2007, eq. 43).

    ``(upper - lower) + (2 / alpha) * (lower - truth)`` when the truth lies below,
    ``+ (2 / alpha) * (truth - upper)`` when above, with ``alpha = 1 - level``.
    Lower is better: narrow intervals are rewarded, misses penalised in
    proportion to how far they miss.

    Parameters
    ----------
    lower, upper, truth
        Arrays of one shape (or broadcastable), any units.
    level
        Nominal probability of the intervals, e.g. 0.9.

    Returns
    -------
    numpy.ndarray
        The score per interval, in the units of the inputs.
    """
    lo, hi, t = (np.asarray(x, dtype=float) for x in (lower, upper, truth))
    alpha = 1.0 - _check_levels([level])[0]
    return (hi - lo) + (2 / alpha) * (np.maximum(lo - t, 0) + np.maximum(t - hi, 0))


def pit(draws, truth) -> np.ndarray:
    """Probability integral transform: the share of draws below each truth.

    Ties count one half, so a truth equal to every draw gets 0.5. For a
    calibrated forecast the values are uniform on [0, 1].

    Parameters
    ----------
    draws
        ``(n_points, n_draws)`` posterior (or predictive) draws.
    truth
        ``(n_points,)`` true values, in the units of ``draws``.

    Returns
    -------
    numpy.ndarray
        ``(n_points,)`` values in [0, 1].
    """
    x = np.atleast_2d(np.asarray(draws, dtype=float))
    t = np.asarray(truth, dtype=float).reshape(-1, 1)
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"draws has {x.shape[0]} rows but truth has {t.shape[0]} values")
    return (x < t).mean(axis=1) + 0.5 * (x == t).mean(axis=1)


# --------------------------------------------------------------------- per-point tables


def score_draws(
    draws,
    truth,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
    scale: str | Sequence[str] = "identity",
    quantity: Sequence[str] | None = None,
    date: Sequence | None = None,
) -> pd.DataFrame:
    """The per-point table from posterior draws.

    Parameters
    ----------
    draws
        ``(n_points, n_draws)`` draws of each point's value, natural units.
    truth
        ``(n_points,)`` the true values.
    levels
        Central interval probabilities to record.
    scale
        The model scale of every point, or one per point (``"log"``,
        ``"logit"``, ``"identity"``): `metrics` reports errors on it too.
    quantity, date
        Optional labels carried into the table.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``quantity``, ``date``, ``scale``, ``truth``,
        ``mean``, ``median``, ``pit`` and for each level ``lower_<p>``,
        ``upper_<p>`` (e.g. ``lower_90``), the central interval.
    """
    levels = _check_levels(levels)
    x = np.atleast_2d(np.asarray(draws, dtype=float))
    t = np.asarray(truth, dtype=float)
    n = len(t)
    if x.shape[0] != n:
        raise ValueError(f"draws has {x.shape[0]} rows but truth has {n} values")
    out = pd.DataFrame(
        {
            "quantity": list(quantity) if quantity is not None else [None] * n,
            "date": pd.to_datetime(list(date)) if date is not None else pd.NaT,
            "scale": [scale] * n if isinstance(scale, str) else list(scale),
            "truth": t,
            "mean": x.mean(axis=1),
            "median": np.median(x, axis=1),
            "pit": pit(x, t),
        }
    )
    for p in levels:
        lo, hi = np.quantile(x, [(1 - p) / 2, (1 + p) / 2], axis=1)
        out[f"lower_{level_name(p)}"] = lo
        out[f"upper_{level_name(p)}"] = hi
    return out


def latent_draws(est: Estimate, quantity: str, dates) -> np.ndarray:
    """Posterior draws of a quantity's true value on given dates, natural units.

    Selected by the posterior's labels (``time_quantity``, ``time_date``), each
    date at its nearest grid date, as `Estimate.at` reads it; a date more than
    half a grid step (half a day on a one-date grid) beyond the grid is refused.

    Returns
    -------
    numpy.ndarray
        ``(len(dates), n_draws)``, chains stacked.
    """
    latent = est.idata.posterior["latent"]
    here = np.flatnonzero(latent["time_quantity"].to_numpy() == quantity)
    if not len(here):
        raise KeyError(f"unknown quantity {quantity!r}; quantities: {est.quantities}")
    grid = pd.DatetimeIndex(latent["time_date"].to_numpy()[here]).as_unit("ns")
    when = pd.DatetimeIndex(pd.to_datetime(list(dates))).as_unit("ns")  # one resolution
    half = (grid[1] - grid[0]) / 2 if len(grid) > 1 else pd.Timedelta(hours=12)
    outside = (when < grid[0] - half) | (when > grid[-1] + half)
    if outside.any():
        raise ValueError(
            f"{when[outside][0].date()} is outside the estimated span of {quantity!r} "
            f"({grid[0].date()} to {grid[-1].date()}); the model does not extrapolate"
        )
    nearest = np.abs(np.subtract.outer(when.asi8, grid.asi8)).argmin(axis=1)
    x = latent.isel(time=here[nearest]).transpose("time", ...).to_numpy()
    return from_model_scale(x.reshape(len(when), -1), est.scale(quantity))


def score(
    est: Estimate,
    truths: pd.DataFrame | str | Path,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
) -> pd.DataFrame:
    """The per-point table of a fitted estimate against known truths.

    The draws of each truth's quantity on its date (`latent_draws`, the draws
    behind `Estimate.at` and `Estimate.probability`) go to `score_draws`, so
    the intervals are those of ``est.at(quantity, date, prob=level)`` and the
    PIT is ``est.probability(quantity, date, below=truth)``.

    Parameters
    ----------
    est
        A fitted `Estimate`.
    truths
        ``quantity``, ``date``, ``value`` (natural units) and optionally
        ``stderr``, ``note``, as a DataFrame or a CSV path, validated like the
        truths of `fit` (`consensus.truths.read_truths`: a `ClaimsError`
        naming row, column and value). Each date must lie in the quantity's
        estimated span.
    levels
        Central interval probabilities to record.

    Returns
    -------
    pandas.DataFrame
        As `score_draws` (``scale`` is the quantity's), in the order of ``truths``.
    """
    scales = {q: est.scale(q) for q in est.quantities}
    t = read_truths(truths, quantities=est.quantities, scales=scales)
    parts = []
    for q, rows in t.groupby("quantity", sort=False):
        part = score_draws(
            latent_draws(est, str(q), rows["date"]),
            rows["value"].to_numpy(),
            levels=levels,
            scale=scales[str(q)],
            quantity=[str(q)] * len(rows),
            date=rows["date"],
        )
        parts.append(part.set_axis(rows.index))
    return pd.concat(parts).sort_index().reset_index(drop=True)


# ------------------------------------------------------------------------- summaries


def point_errors(estimate, truth, scale: str | Sequence[str] = "identity") -> dict[str, float]:
    """Errors of point estimates: for methods without intervals, and inside `metrics`.

    Parameters
    ----------
    estimate, truth
        ``(n,)`` arrays, natural units.
    scale
        The model scale of every point, or one per point.

    Returns
    -------
    dict
        ``mae``, ``rmse``, ``mean_error`` (estimate − truth) in natural units;
        ``mae_model``, ``rmse_model`` on the model scale (log, logit or identity).
    """
    e, t = np.asarray(estimate, dtype=float), np.asarray(truth, dtype=float)
    sc = np.full(len(t), scale) if isinstance(scale, str) else np.asarray(scale)
    r = e - t
    rm = to_model_scale(e, sc) - to_model_scale(t, sc)
    return {
        "mae": float(np.mean(np.abs(r))),
        "rmse": float(np.sqrt(np.mean(r**2))),
        "mean_error": float(np.mean(r)),
        "mae_model": float(np.mean(np.abs(rm))),
        "rmse_model": float(np.sqrt(np.mean(rm**2))),
    }


def levels_of(points: pd.DataFrame) -> list[float]:
    """The interval levels recorded in a per-point table, ascending."""
    names = [c.removeprefix("lower_") for c in points.columns if c.startswith("lower_")]
    return sorted(float(n) / 100 for n in names if f"upper_{n}" in points.columns)


def metrics(points: pd.DataFrame) -> dict[str, float]:
    """Numbers that summarise a per-point table.

    Returns
    -------
    dict
        ``n``; ``mae``, ``rmse``, ``mean_error`` (estimate − truth; the posterior
        median is the estimate) in natural units; ``mae_model``, ``rmse_model``
        on each point's model scale (log, logit or identity); per level
        ``coverage_<p>`` (share of truths inside the central interval, ends
        included), ``interval_score_<p>`` (mean, natural units) and
        ``interval_score_model_<p>`` (mean, model scale); ``pit_mean`` and
        ``pit_ks_pvalue`` (Kolmogorov-Smirnov test of uniform PIT values).
    """
    t = points["truth"].to_numpy(float)
    sc = points["scale"].to_numpy()
    out = {"n": float(len(points)), **point_errors(points["median"], t, sc)}
    for p in levels_of(points):
        lo = points[f"lower_{level_name(p)}"].to_numpy(float)
        hi = points[f"upper_{level_name(p)}"].to_numpy(float)
        out[f"coverage_{level_name(p)}"] = float(np.mean((lo <= t) & (t <= hi)))
        out[f"interval_score_{level_name(p)}"] = float(np.mean(interval_score(lo, hi, t, p)))
        out[f"interval_score_model_{level_name(p)}"] = float(
            np.mean(
                interval_score(
                    to_model_scale(lo, sc), to_model_scale(hi, sc), to_model_scale(t, sc), p
                )
            )
        )
    u = points["pit"].to_numpy(float)
    out["pit_mean"] = float(np.mean(u))
    out["pit_ks_pvalue"] = float(stats.kstest(u, "uniform").pvalue) if len(u) else np.nan
    return out


def coverage(points: pd.DataFrame, *, band: float = 0.95) -> pd.DataFrame:
    """The calibration table: nominal against empirical coverage, with a binomial band.

    Parameters
    ----------
    points
        A per-point table (`score`, `score_draws`).
    band
        Probability of the band: the central range of the coverage a
        calibrated method would show on this many points
        (``Binomial(n, nominal) / n``).

    Returns
    -------
    pandas.DataFrame
        One row per level: ``nominal``, ``n``, ``inside`` (count), ``empirical``
        (share), ``band_lower``, ``band_upper``.
    """
    t = points["truth"].to_numpy(float)
    n = len(t)
    rows = []
    for p in levels_of(points):
        lo = points[f"lower_{level_name(p)}"].to_numpy(float)
        hi = points[f"upper_{level_name(p)}"].to_numpy(float)
        inside = int(np.sum((lo <= t) & (t <= hi)))
        b_lo, b_hi = stats.binom.ppf([(1 - band) / 2, (1 + band) / 2], n, p) / max(n, 1)
        rows.append(
            {
                "nominal": p,
                "n": n,
                "inside": inside,
                "empirical": inside / n if n else np.nan,
                "band_lower": float(b_lo),
                "band_upper": float(b_hi),
            }
        )
    return pd.DataFrame(rows)
