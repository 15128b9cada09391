"""Accuracy and calibration of `consensus` against the baselines, on simulated and real data.

Run::

    python benchmarks/accuracy.py [--quick] [--only synthetic|emotion|weather|polls ...]

Writes ``benchmarks/results/accuracy.json`` (every number: per scenario and seed,
aggregated, the settings, the machine and each fit's convergence diagnostics) and
the accuracy section of ``benchmarks/README.md``. ``--only`` (repeatable) runs
some parts; the parts not run are kept from the previous results file when it was
written in the same mode (quick or full). ``--quick`` is a smoke run (2 seeds,
small simulations, 200 draws, a weather subsample; about 8 minutes on 2 busy
cores, most of it nutpie compiling each model); its numbers are not comparable,
so it writes ``results/accuracy_quick.json`` and ``results/accuracy_quick.md``
instead of the committed results.
The full run took about 22 minutes on the same machine.

Sampler
-------
`consensus.fit` with the default sampler (nutpie), ``chains=2``,
``target_accept=0.9``, the default priors and ``random_seed`` = the simulation
seed (1 for real data). Synthetic fits: ``tune=1000``, ``draws=1000`` per chain
(a small model's fit is dominated by compiling it, 10-50 s, so longer chains cost
little and make the diagnostics meaningful); real-data fits: ``tune=500``,
``draws=500`` (sampling dominates there); quick: 200 and 200 everywhere.
Warnings raised while reading and fitting (``ConvergenceWarning`` included) are
caught and recorded per fit, with the diagnostics of `Estimate.diagnostics`: max
R-hat, min bulk and tail ESS, divergences, and the worst value per variable.

Synthetic data
--------------
`consensus.simulate` on the log scale with ``zero_sum_bias=True`` (the model's
identification, so the truth is what the model claims to estimate): 3 quantities
over 60 days, 8 origins, 40 statements per quantity (quick: 2 and 25), ``noise_mean
0.15``, ``walk_sd 0.02``, figures rounded to 2 significant digits, and per scenario
(see `SCENARIOS`): unbiased origins; biased origins (``bias_sd 0.3``: factors of
about 0.74 to 1.35); one heavy-tailed origin (Student-t, 1.5 df); heavy relaying
(60 % of the statements relayed by 1-5 outlets); half the statements bounds or
ranges; a trending quantity (``drift_sd 0.015`` per day, either sign: `simulate`
has no mean drift) with 30 % projections up to 60 days ahead. Seeds 1-5 (quick: 1-2).

*Evaluation points*: every distinct (quantity, ``as_of``) of the claims, i.e. the
truth on each date some statement is about (projections included). Each method's
point estimate there is compared with the simulated truth:

* ``rmse_log``: root mean squared error of the log estimate against the log truth;
* ``rel_mae``: relative mean absolute error in natural units,
  mean of ``|estimate - truth| / truth``;
* ``cov50``, ``cov90`` (consensus only; baselines give points): the share of
  points whose truth lies in the central 50 % / 90 % posterior interval.

The consensus point estimate is the posterior median of `Estimate.trajectory`
at the grid date nearest to the point (the grid is daily here).

*Baselines* see what a baseline can use: point figures and the midpoints of
ranges, ``(low + high) / 2`` in natural units (bounds are dropped), every row
as published (relays counted as repeated claims, since the methods have no notion
of a relay), each attributed to its origin (``cites`` when given, else
``source``), located in time by ``as_of``. They work on the log of the figures
(the simulated errors are multiplicative; this is the favourable choice for them):

* ``mean``, ``median``, ``crh``, ``gtm``, ``catd``: each (quantity, 7-day bucket of
  ``as_of``) is one item; a point takes the estimate of its bucket, or of the
  nearest bucket with figures when its own has none (e.g. only bounds);
* ``latest``: the most recent figure about a date at or before the point's
  (ties: their median), or the earliest figure when there is none before;
* ``rolling_median``: the median of the figures about the trailing 14 days
  ``(t - 14 d, t]``; ``latest`` where that window is empty.

Real data (``../shared/datasets``, or ``$CONSENSUS_DATASETS``)
----------------------------------------------------------------
Every real quantity has one date, so there is no time series: the model reduces
to a level per quantity and a bias and noise per origin (identity scale, biases
summing to zero). Errors are MAE and RMSE of the posterior median against the
gold value; 50 %/90 % coverage is reported too. Baselines see the same rows as
the model; ``latest`` applies to polls only (the others have no claim times).

* ``emotion`` (Snow et al. 2008 via Zheng et al. 2017): 700 items are the
  quantities, 38 workers the origins, 7,000 answers, one fixed date (2008-01-01).
  Reference from SOURCE.txt: mean MAE 12.02, RMSE 17.84; median 13.53, 21.26.
* ``weather`` (Dong et al. 2010 via the *spectrum* package): Temperature only;
  each (city, polling time) object with a gold value is a quantity, each of the 16
  sites an origin, one fixed date (2010-01-28). Non-numeric figures are dropped;
  duplicate gold rows keep the *last* value (this reproduces the reference
  figures in SOURCE.txt: median MAE 0.61 °F, mean 0.82 °F, on all objects).
  Identical rows (one site repeating a figure) are one statement for the model
  (``DuplicateClaimWarning``, counted once) and one claim each for the baselines.
  The fit uses a deterministic systematic subsample, every ``k``-th object in
  sorted order (`Settings.weather_every`; full mode k=1, all objects), and the
  baselines are scored on the same subsample (and, as a check of the reference,
  on all objects). The consensus estimate rounded to whole degrees (the gold and
  the figures are whole °F) is reported on a separate line. Per-site biases: the
  posterior bias against each site's mean offset from gold on the subsample,
  both relative to the average site (the model's identification).
* ``polls_538`` (FiveThirtyEight raw polls, final 21 days): each race's margin
  ``margin_poll`` (Dem - Rep for D-vs-R races, cand1 - cand2 otherwise) is a
  quantity; ``date`` is the poll's median field date and ``as_of`` the election
  date (the quantity is the result), so earlier polls count as projections with
  the model's horizon-growing error. ``stderr = 100 / sqrt(samplesize)`` points
  (the margin's sampling sd at p = 0.5: ``2 sqrt(p (1 - p) / n) * 100``). The
  origin is the pollster in D-vs-R races and "<pollster> [other margin]" in the
  rest (primaries, D-vs-I): a house effect on a Dem - Rep margin is partisan, a
  primary's cand1 - cand2 margin is not, so pooling them would blur both.
  Baselines per race: the plain poll average (``mean``), ``median``, ``latest``
  (by field date), CRH, GTM, CATD. House effects are compared with
  ``pollster-ratings-2023.csv`` (joined on the pollster's name, one-to-one with
  its rating id): ``Bias`` (538's mean of ``margin_poll - margin_actual`` over
  the pollster's D-vs-R polls, positive = more Democratic than the result) and
  ``House Effect`` (against other polls of the same races). The model's bias has
  the same sign convention (positive = more Democratic) but is relative to the
  average pollster (sum to zero), which shifts all biases by one constant and
  leaves correlations unchanged. Reported for every matched pollster and for
  those with at least 10 statements, next to the naive house effect (a pollster's
  mean deviation from its races' poll averages).

Aims (judged on the aggregated numbers, written in the README section)
------------------------------------------------------------------------
(a) on every synthetic scenario with biased origins, consensus has the lowest
RMSE (log) and is at least a third below the best baseline (ratio <= 2/3);
(b) 90 % intervals cover 0.85-0.95 (per synthetic scenario and real data set);
(c) on each real data set consensus' MAE is no worse than the best baseline's.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

import consensus as cs  # noqa: E402
from consensus.baselines import BASELINES, latest, rolling_median  # noqa: E402

PARTS = ("synthetic", "emotion", "weather", "polls")
TD_METHODS = ("mean", "median", "crh", "gtm", "catd")  # item-wise methods of the registry
SYNTHETIC_METHODS = ("consensus", *TD_METHODS, "latest", "rolling_median")
AIM_RATIO = 2 / 3  # aim (a): consensus error at most two thirds of the best baseline's
AIM_COVERAGE = (0.85, 0.95)  # aim (b)
RESULTS_FILE = "accuracy.json"


def results_file(quick: bool) -> str:
    """accuracy.json, or accuracy_quick.json for a smoke run (never the committed numbers)."""
    return "accuracy_quick.json" if quick else RESULTS_FILE


_T0 = time.perf_counter()


# ------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Settings:
    """Everything that decides the numbers (saved with them)."""

    quick: bool
    seeds: tuple[int, ...]
    draws: int  # per chain, synthetic fits
    tune: int
    real_draws: int  # per chain, real-data fits
    real_tune: int
    chains: int
    target_accept: float
    sim: dict = field(default_factory=dict)
    bucket_days: int = 7
    window_days: int = 14
    weather_every: int = 1
    real_seed: int = 1


def make_settings(quick: bool) -> Settings:
    """The full-mode settings, or the quick smoke-run ones.

    Parameters
    ----------
    quick
        Small simulations, 2 seeds, 200 draws, a weather subsample.

    Returns
    -------
    Settings
    """
    base_sim = {"n_days": 60, "n_origins": 8, "scale": "log", "zero_sum_bias": True}
    if quick:
        return Settings(
            quick=True,
            seeds=(1, 2),
            draws=200,
            tune=200,
            real_draws=200,
            real_tune=200,
            chains=2,
            target_accept=0.9,
            sim={**base_sim, "n_quantities": 2, "claims_per_quantity": 25},
            weather_every=20,
        )
    return Settings(
        quick=False,
        seeds=(1, 2, 3, 4, 5),
        draws=1000,
        tune=1000,
        real_draws=500,
        real_tune=500,
        chains=2,
        target_accept=0.9,
        sim={**base_sim, "n_quantities": 3, "claims_per_quantity": 40},
        weather_every=1,
    )


#: name -> (description, arguments of `consensus.simulate` on top of `Settings.sim`)
SCENARIOS: dict[str, tuple[str, dict]] = {
    "unbiased": ("all origins unbiased", {"bias_sd": 0.0}),
    "biased": ("origin biases, sd 0.3 on the log scale", {"bias_sd": 0.3}),
    "heavy_tail": (
        "biased; one origin with Student-t (1.5 df) errors",
        {"bias_sd": 0.3, "heavy_tailed": 1, "heavy_df": 1.5},
    ),
    "relays": (
        "biased; 60 % of statements relayed by 1-5 outlets",
        {"bias_sd": 0.3, "relay_share": 0.6, "max_relays": 5},
    ),
    "bounds": (
        "biased; 20 % at_least, 15 % at_most, 15 % ranges",
        {"bias_sd": 0.3, "share_at_least": 0.2, "share_at_most": 0.15, "share_range": 0.15},
    ),
    "trend_projections": (
        "biased; drift sd 0.015/day, 30 % projections up to 60 days ahead",
        {"bias_sd": 0.3, "drift_sd": 0.015, "projection_share": 0.3, "max_horizon_days": 60},
    ),
}


def progress(message: str) -> None:
    """Print a progress line with the elapsed wall time."""
    print(f"[{time.perf_counter() - _T0:7.1f}s] {message}", flush=True)


# --------------------------------------------------------------------- consensus


def fit_consensus(
    claims: pd.DataFrame, scales: str, settings: Settings, seed: int, *, real: bool = False
) -> tuple[cs.Estimate, dict]:
    """Read and fit claims, catching and recording warnings and diagnostics.

    Parameters
    ----------
    claims
        A claims table in the contract format.
    scales
        Scale of every quantity.
    settings
        Sampler settings.
    seed
        ``random_seed`` of the fit.
    real
        Use the real-data draws and tuning steps.

    Returns
    -------
    estimate, record
        The `Estimate`, and a JSON-ready dict: sizes, seconds, max R-hat, min
        bulk/tail ESS, divergences, the worst of each monitored variable, the
        library's convergence verdict and the warnings caught (counts by
        category, the convergence message).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        parsed = cs.read_claims(claims)
        t1 = time.perf_counter()
        est = cs.fit(
            parsed,
            scales=scales,
            draws=settings.real_draws if real else settings.draws,
            tune=settings.real_tune if real else settings.tune,
            chains=settings.chains,
            target_accept=settings.target_accept,
            random_seed=seed,
            progressbar=False,
        )
        t2 = time.perf_counter()
    d = est.diagnostics
    convergence = [str(w.message) for w in caught if issubclass(w.category, cs.ConvergenceWarning)]
    record = {
        "n_rows": len(parsed),
        "n_statements": len(parsed.statements),
        "n_quantities": len(parsed.quantities),
        "n_origins": len(parsed.origins),
        "read_s": t1 - t0,
        "fit_s": t2 - t1,
        "rhat_max": d.rhat_max,
        "ess_bulk_min": d.ess_bulk_min,
        "ess_tail_min": d.ess_tail_min,
        "divergences": d.divergences,
        "per_variable": d.per_variable.to_dict("records"),
        "converged": d.ok,
        "problems": d.problems,
        "warnings": dict(Counter(w.category.__name__ for w in caught)),
        "convergence_warning": convergence[0] if convergence else None,
    }
    return est, record


def nearest(points: pd.DataFrame, table: pd.DataFrame, on: str, by: str = "quantity"):
    """For each row of ``points``, the row of ``table`` with the same ``by`` and the nearest ``on``.

    Parameters
    ----------
    points, table
        Frames with columns ``by`` and ``on``.
    on, by
        Matching keys.

    Returns
    -------
    pandas.DataFrame
        ``points`` (in its order) joined with the matched columns of ``table``.
    """
    left = points.reset_index(drop=True).assign(_row=np.arange(len(points)))
    if pd.api.types.is_datetime64_any_dtype(left[on]):  # one resolution on both sides
        left[on] = left[on].astype("datetime64[ns]")
        table = table.assign(**{on: table[on].astype("datetime64[ns]")})
    out = pd.merge_asof(
        left.sort_values(on), table.sort_values(on), on=on, by=by, direction="nearest"
    )
    return out.sort_values("_row").drop(columns="_row").reset_index(drop=True)


def consensus_at(est: cs.Estimate, points: pd.DataFrame) -> pd.DataFrame:
    """Posterior median and 50 %/90 % intervals at each (quantity, date) of ``points``.

    Parameters
    ----------
    est
        A fitted estimate.
    points
        Columns ``quantity`` and ``date`` (Timestamps).

    Returns
    -------
    pandas.DataFrame
        ``points`` with ``median``, ``lower``, ``upper`` (90 %), ``lower_50``,
        ``upper_50`` at the nearest grid date, natural units.
    """
    traj = pd.concat(
        [est.trajectory(q, prob=0.9).assign(quantity=q) for q in pd.unique(points["quantity"])],
        ignore_index=True,
    )
    cols = ["quantity", "date", "median", "lower", "upper", "lower_50", "upper_50"]
    return nearest(points, traj[cols], on="date")


# ----------------------------------------------------------------------- metrics


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else math.nan


def log_errors(estimate: np.ndarray, truth: np.ndarray) -> dict:
    """RMSE of the log estimate and relative MAE (natural units), for positive quantities."""
    e, t = np.asarray(estimate, float), np.asarray(truth, float)
    return {
        "rmse_log": math.sqrt(_mean((np.log(e) - np.log(t)) ** 2)),
        "rel_mae": _mean(np.abs(e - t) / t),
    }


def errors(estimate: np.ndarray, truth: np.ndarray) -> dict:
    """MAE and RMSE in natural units."""
    r = np.asarray(estimate, float) - np.asarray(truth, float)
    return {"mae": _mean(np.abs(r)), "rmse": math.sqrt(_mean(r**2))}


def coverage(frame: pd.DataFrame, truth: np.ndarray) -> dict:
    """Shares of ``truth`` inside the 50 % and 90 % intervals of a `consensus_at` frame."""
    t = np.asarray(truth, float)

    def inside(lo: str, hi: str) -> float:
        return _mean((frame[lo].to_numpy() <= t) & (t <= frame[hi].to_numpy()))

    return {"cov50": inside("lower_50", "upper_50"), "cov90": inside("lower", "upper")}


# ---------------------------------------------------------------- synthetic data


def baseline_rows(claims: pd.DataFrame) -> pd.DataFrame:
    """What the baselines can use of simulated claims: points and range midpoints.

    Returns
    -------
    pandas.DataFrame
        ``quantity``, ``origin`` (cites, else source), ``date`` (the ``as_of``)
        and ``y`` (log of the figure), one row per claim row, relays included.
    """
    c = claims[claims["kind"].isin(["point", "range"])]
    figure = np.where(c["kind"] == "range", (c["low"] + c["high"]) / 2, c["value"])
    return pd.DataFrame(
        {
            "quantity": c["quantity"].to_numpy(),
            "origin": np.where(c["cites"] != "", c["cites"], c["source"]),
            "date": pd.to_datetime(c["as_of"]).to_numpy(),
            "y": np.log(figure.astype(float)),
        }
    )


def latest_at(rows: pd.DataFrame, points: pd.DataFrame) -> np.ndarray:
    """The most recent figure about a date at or before each point (ties: median).

    Uses `consensus.baselines.latest` with each point as an item; a point with no
    figure at or before its date takes the median of the earliest figures.
    """
    pairs = points[["quantity", "date"]].assign(point=np.arange(len(points)))
    pairs = pairs.merge(rows, on="quantity", suffixes=("", "_claim"))
    before = pairs[pairs["date_claim"] <= pairs["date"]]
    est = latest(before["y"], before["point"], times=before["date_claim"]).truth
    out = est.reindex(range(len(points)))
    if out.isna().any():
        after = pairs[pairs["point"].isin(np.flatnonzero(out.isna()))]
        first = after[after["date_claim"] == after.groupby("point")["date_claim"].transform("min")]
        out = out.fillna(first.groupby("point")["y"].median())
    return out.to_numpy()


def synthetic_baselines(
    rows: pd.DataFrame, points: pd.DataFrame, settings: Settings
) -> dict[str, np.ndarray]:
    """Every baseline's log estimate at each point (see the module docstring).

    Parameters
    ----------
    rows
        From `baseline_rows`.
    points
        ``quantity``, ``date``: the evaluation points.
    settings
        Bucket and window lengths.

    Returns
    -------
    dict
        Method name -> log estimates aligned with ``points``.
    """
    t0 = min(rows["date"].min(), points["date"].min())

    def bucket(dates: pd.Series) -> pd.Series:
        return ((dates - t0).dt.days // settings.bucket_days).astype(np.int64)

    rows = rows.assign(bucket=bucket(rows["date"]))
    rows["item"] = rows["quantity"] + "|" + rows["bucket"].astype(str)
    items = rows.drop_duplicates("item")[["item", "quantity", "bucket"]]
    at = points[["quantity", "date"]].assign(bucket=bucket(points["date"]))
    out = {}
    for name in TD_METHODS:
        truth = BASELINES[name](rows["y"], rows["item"], rows["origin"]).truth
        table = items.assign(est=items["item"].map(truth))[["quantity", "bucket", "est"]]
        out[name] = nearest(at, table, on="bucket")["est"].to_numpy()
    out["latest"] = latest_at(rows, points)
    roll = rolling_median(
        rows["y"],
        rows["quantity"],
        rows["date"],
        window_days=settings.window_days,
        at_items=points["quantity"],
        at_times=points["date"],
    ).truth.to_numpy()
    out["rolling_median"] = np.where(np.isnan(roll), out["latest"], roll)
    return out


def run_synthetic_seed(scenario: str, seed: int, settings: Settings) -> dict:
    """Simulate one scenario with one seed, fit consensus, run the baselines, score all.

    Returns
    -------
    dict
        ``seed``, ``fit`` (see `fit_consensus`), ``n_points`` and ``metrics``
        (method -> ``rmse_log``, ``rel_mae``; consensus also ``cov50``, ``cov90``).
    """
    sim = cs.simulate(**settings.sim, **SCENARIOS[scenario][1], random_seed=seed)
    claims = sim.claims
    points = (
        claims[["quantity", "as_of"]]
        .drop_duplicates()
        .assign(date=lambda d: pd.to_datetime(d["as_of"]))[["quantity", "date"]]
        .merge(sim.truth, on=["quantity", "date"], how="left")
        .rename(columns={"value": "truth"})
        .sort_values(["quantity", "date"], ignore_index=True)
    )
    est, fit = fit_consensus(claims, "log", settings, seed)
    con = consensus_at(est, points)
    truth = points["truth"].to_numpy()
    metrics = {"consensus": {**log_errors(con["median"], truth), **coverage(con, truth)}}
    for name, y in synthetic_baselines(baseline_rows(claims), points, settings).items():
        metrics[name] = log_errors(np.exp(y), truth)
    return {"seed": seed, "n_points": len(points), "fit": fit, "metrics": metrics}


def aggregate(runs: list[dict]) -> dict:
    """Mean and sd over seeds of every method's metrics, and the fits' worst diagnostics."""
    out: dict = {"methods": {}}
    for method in runs[0]["metrics"]:
        cell = {}
        for metric in runs[0]["metrics"][method]:
            v = np.array([r["metrics"][method][metric] for r in runs], float)
            cell[metric] = float(v.mean())
            cell[f"{metric}_sd"] = float(v.std(ddof=1)) if len(v) > 1 else math.nan
        out["methods"][method] = cell
    fits = [r["fit"] for r in runs]
    out["diagnostics"] = summarise_fits(fits)
    return out


def summarise_fits(fits: list[dict]) -> dict:
    """Worst diagnostics over fits, and how many raised a ConvergenceWarning."""
    return {
        "n_fits": len(fits),
        "rhat_max": max(f["rhat_max"] for f in fits),
        "ess_bulk_min": min(f["ess_bulk_min"] for f in fits),
        "ess_tail_min": min(f["ess_tail_min"] for f in fits),
        "divergences": sum(f["divergences"] for f in fits),
        "n_warned": sum(f["convergence_warning"] is not None for f in fits),
        "fit_s_mean": float(np.mean([f["fit_s"] for f in fits])),
    }


def run_synthetic(settings: Settings) -> dict:
    """Every scenario and seed; per-seed results and their aggregate."""
    out = {}
    for name, (description, args) in SCENARIOS.items():
        runs = []
        for seed in settings.seeds:
            r = run_synthetic_seed(name, seed, settings)
            runs.append(r)
            m = r["metrics"]
            best = min(TD_METHODS + ("latest", "rolling_median"), key=lambda k: m[k]["rmse_log"])
            progress(
                f"synthetic {name} seed {seed}: fit {r['fit']['fit_s']:.0f}s "
                f"(R-hat {r['fit']['rhat_max']:.3f}), RMSE log consensus "
                f"{m['consensus']['rmse_log']:.3f} vs {best} {m[best]['rmse_log']:.3f}, "
                f"cov90 {m['consensus']['cov90']:.2f}"
            )
        out[name] = {
            "description": description,
            "simulate": {**settings.sim, **args},
            "runs": runs,
            "aggregate": aggregate(runs),
        }
    return out


# --------------------------------------------------------------------- real data


@dataclass
class RealData:
    """A real data set prepared for the model and the baselines.

    Attributes
    ----------
    name
        Key in the results.
    claims
        Claims table in the contract format (identity scale).
    truth
        Gold value per quantity.
    rows
        What the baselines see: ``value``, ``item`` (the quantity), ``source``
        and, where claim times exist, ``time``.
    reference
        Published or verified baseline figures, method -> {metric: value}.
    info
        Facts about the preparation (sizes, subsample, choices).
    """

    name: str
    claims: pd.DataFrame
    truth: pd.Series
    rows: pd.DataFrame
    reference: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)


def real_baselines(rows: pd.DataFrame, truth: pd.Series) -> dict[str, dict]:
    """Errors of each applicable baseline; ``latest`` only when ``rows`` has ``time``."""
    out = {}
    for name, f in BASELINES.items():
        if name == "latest" and "time" not in rows:
            continue
        kw = {"times": rows["time"]} if name == "latest" else {}
        est = f(rows["value"], rows["item"], rows["source"], **kw).truth
        out[name] = errors(est.reindex(truth.index), truth)
    return out


def run_real(data: RealData, settings: Settings) -> tuple[cs.Estimate, dict]:
    """Fit consensus on a real data set and score it and the baselines against gold.

    Returns
    -------
    estimate, result
        The fit, and ``info``, ``fit``, ``metrics`` (method -> ``mae``, ``rmse``;
        consensus also ``cov50``, ``cov90``) and ``reference``.
    """
    progress(f"{data.name}: fitting {len(data.claims)} claims on {len(data.truth)} quantities")
    est, fit = fit_consensus(data.claims, "identity", settings, settings.real_seed, real=True)
    # one date per quantity: its trajectory is one row
    con = pd.concat(
        [est.trajectory(q, prob=0.9).iloc[[0]].assign(quantity=q) for q in data.truth.index],
        ignore_index=True,
    )
    truth = data.truth.to_numpy(float)
    metrics = {"consensus": {**errors(con["median"], truth), **coverage(con, truth)}}
    metrics.update(real_baselines(data.rows, data.truth))
    best = min((k for k in metrics if k != "consensus"), key=lambda k: metrics[k]["mae"])
    progress(
        f"{data.name}: fit {fit['fit_s']:.0f}s (R-hat {fit['rhat_max']:.3f}), MAE consensus "
        f"{metrics['consensus']['mae']:.3f} vs {best} {metrics[best]['mae']:.3f}"
    )
    result = {
        "info": data.info,
        "fit": fit,
        "metrics": metrics,
        "reference": data.reference,
        "consensus_estimate": con.set_index("quantity")["median"],
    }
    return est, result


def load_emotion(path: Path) -> RealData:
    """The N_Emotion crowd ratings: items are quantities, workers are origins."""
    a = pd.read_csv(path / "answer.csv")
    g = pd.read_csv(path / "truth.csv")
    q = "item_" + a["question"].astype(str).str.zfill(3)
    claims = pd.DataFrame(
        {
            "quantity": q,
            "source": a["worker"],
            "date": "2008-01-01",
            "kind": "point",
            "value": a["answer"].astype(float),
        }
    )
    truth = pd.Series(
        g["truth"].to_numpy(float), index="item_" + g["question"].astype(str).str.zfill(3)
    ).sort_index()
    rows = pd.DataFrame({"value": claims["value"], "item": q, "source": a["worker"]})
    return RealData(
        "emotion",
        claims,
        truth,
        rows,
        reference={"mean": {"mae": 12.02, "rmse": 17.84}, "median": {"mae": 13.53, "rmse": 21.26}},
        info={"n_items": len(truth), "n_workers": a["worker"].nunique(), "n_answers": len(a)},
    )


def _weather_tables(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Numeric Temperature claims and de-duplicated gold (last row per object)."""
    files = sorted(
        path.glob("weather_claim*.csv"), key=lambda f: int(f.stem.removeprefix("weather_claim"))
    )
    c = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    c = c[c["PropertyID"] == "Temperature"].assign(
        value=lambda d: pd.to_numeric(d["PropertyValue"], errors="coerce")
    )
    g = pd.read_csv(path / "weather_truth.csv", dtype=str)
    g = g[g["PropertyID"] == "Temperature"].drop_duplicates("ObjectID", keep="last")
    gold = pd.Series(pd.to_numeric(g["PropertyValue"]).to_numpy(float), index=g["ObjectID"])
    return c, gold.sort_index()


def load_weather(path: Path, every: int) -> tuple[RealData, dict]:
    """Weather Temperature: objects are quantities, sites are origins (subsample: every k-th).

    Returns
    -------
    data, full
        The prepared subsample, and the baselines' errors on all objects (a
        check of the reference figures).
    """
    c, gold = _weather_tables(path)
    n_dropped = int(c["value"].isna().sum())
    c = c.dropna(subset=["value"])
    c = c[c["ObjectID"].isin(gold.index)]
    gold = gold[gold.index.isin(c["ObjectID"])]
    rows_all = pd.DataFrame(
        {"value": c["value"].to_numpy(), "item": c["ObjectID"], "source": c["SourceID"]}
    )
    full = real_baselines(rows_all, gold)
    keep = gold.index[::every]
    sub = c[c["ObjectID"].isin(keep)]
    claims = pd.DataFrame(
        {
            "quantity": sub["ObjectID"].to_numpy(),
            "source": sub["SourceID"].to_numpy(),
            "date": "2010-01-28",
            "kind": "point",
            "value": sub["value"].to_numpy(),
        }
    )
    rows = rows_all[rows_all["item"].isin(keep)].reset_index(drop=True)
    info = {
        "n_objects_all": len(gold),
        "subsample_every": every,
        "n_objects": len(keep),
        "n_claims": len(sub),
        "n_sites": sub["SourceID"].nunique(),
        "n_non_numeric_dropped": n_dropped,
    }
    return RealData(
        "weather",
        claims,
        gold[keep],
        rows,
        reference={"median": {"mae": 0.61}, "mean": {"mae": 0.82}},
        info=info,
    ), full


def weather_site_biases(est: cs.Estimate, data: RealData) -> dict:
    """Posterior site biases against each site's mean offset from gold (both vs the average site)."""
    src = est.sources(prob=0.9).set_index("source")
    r = data.rows.assign(offset=data.rows["value"] - data.rows["item"].map(data.truth))
    emp = r.groupby("source")["offset"].mean()
    table = pd.DataFrame(
        {
            "bias": src["bias"],
            "bias_lower": src["bias_lower"],
            "bias_upper": src["bias_upper"],
            "offset": emp,
            "offset_vs_average": emp - emp.mean(),
        }
    ).sort_values("offset")
    return {
        "sites": table.reset_index(names="site").to_dict("records"),
        "pearson": float(stats.pearsonr(table["bias"], table["offset"])[0]),
        "max_abs_difference": float((table["bias"] - table["offset_vs_average"]).abs().max()),
    }


def load_polls(path: Path) -> RealData:
    """538 raw polls: race margins are quantities, pollsters (split by margin kind) origins."""
    p = pd.read_csv(path / "raw-polls-2023.csv")
    dem_rep = (p["cand1_party"] == "DEM") & (p["cand2_party"] == "REP")
    origin = np.where(dem_rep, p["pollster"], p["pollster"] + " [other margin]")
    fielded = pd.to_datetime(p["polldate"], format="%m/%d/%Y")
    election = pd.to_datetime(p["electiondate"], format="%m/%d/%Y")
    claims = pd.DataFrame(
        {
            "quantity": p["race"],
            "source": origin,
            "date": fielded.dt.strftime("%Y-%m-%d"),
            "as_of": election.dt.strftime("%Y-%m-%d"),
            "kind": "point",
            "value": p["margin_poll"].astype(float),
            "stderr": 100.0 / np.sqrt(p["samplesize"].astype(float)),
        }
    )
    truth = p.groupby("race")["margin_actual"].first().astype(float)
    rows = pd.DataFrame(
        {"value": claims["value"], "item": p["race"], "source": origin, "time": fielded}
    )
    info = {
        "n_polls": len(p),
        "n_races": p["race"].nunique(),
        "n_pollsters": p["pollster"].nunique(),
        "n_origins": len(set(origin)),
        "share_dem_rep": float(dem_rep.mean()),
    }
    return RealData("polls", claims, truth, rows, info=info)


def _correlations(x: pd.Series, y: pd.Series) -> dict:
    ok = x.notna() & y.notna()
    return {
        "n": int(ok.sum()),
        "pearson": float(stats.pearsonr(x[ok], y[ok])[0]),
        "spearman": float(stats.spearmanr(x[ok], y[ok])[0]),
    }


def polls_house_effects(est: cs.Estimate, data: RealData, path: Path) -> dict:
    """Correlation of the estimated pollster biases with 538's published ones.

    Compared with ``Bias`` and ``House Effect`` of ``pollster-ratings-2023.csv``
    (D-vs-R origins only, joined on the pollster's name), for every matched
    pollster and those with at least 10 statements; the same for the naive house
    effect (mean deviation of a pollster's polls from their races' averages).
    """
    ratings = pd.read_csv(path / "pollster-ratings-2023.csv").set_index("Pollster")
    src = est.sources(prob=0.9).set_index("source")
    r = data.rows
    naive = (r["value"] - r.groupby("item")["value"].transform("mean")).groupby(r["source"]).mean()
    joined = ratings[["Bias", "House Effect"]].join(
        src[["bias", "n_statements"]].assign(naive=naive), how="inner"
    )
    out: dict = {"n_matched": len(joined), "n_rated": len(ratings)}
    for subset, frame in (
        ("all", joined),
        ("at_least_10_statements", joined[joined["n_statements"] >= 10]),
    ):
        out[subset] = {
            f"{est_col}_vs_{ref.lower().replace(' ', '_')}": _correlations(
                frame[est_col], frame[ref]
            )
            for est_col in ("bias", "naive")
            for ref in ("Bias", "House Effect")
        }
    return out


def run_emotion(settings: Settings) -> dict | None:
    """The emotion part, or None when the data set is absent."""
    path = _common.dataset("emotion")
    if path is None:
        return None
    _, result = run_real(load_emotion(path), settings)
    result.pop("consensus_estimate")
    return result


def run_weather(settings: Settings) -> dict | None:
    """The weather part (subsample per settings), or None when the data set is absent."""
    path = _common.dataset("weather")
    if path is None:
        return None
    data, full = load_weather(path, settings.weather_every)
    est, result = run_real(data, settings)
    rounded = np.round(result.pop("consensus_estimate").reindex(data.truth.index))
    result["consensus_rounded"] = errors(rounded, data.truth)
    result["baselines_all_objects"] = full
    result["site_biases"] = weather_site_biases(est, data)
    result["unmixed_latents"] = unmixed_latents(est, data)
    return result


def unmixed_latents(est: cs.Estimate, data: RealData) -> dict:
    """How many latent values did not mix, and the worst one: chain means, gold, figures."""
    import arviz as az

    post = est.idata.posterior.to_dataset()
    rhat = az.rhat(post[["latent"]])["latent"].to_numpy()
    g = int(np.nanargmax(rhat))
    q = est.design.quantities[est.design.grid_quantity[g]]
    figures = pd.to_numeric(data.claims.loc[data.claims["quantity"] == q, "value"])
    return {
        "n": len(rhat),
        "rhat_above_1.01": int((rhat > 1.01).sum()),
        "rhat_above_1.1": int((rhat > 1.1).sum()),
        "worst": {
            "quantity": q,
            "rhat": float(rhat[g]),
            "chain_means": post["latent"].isel(time=g).mean("draw").to_numpy().round(2).tolist(),
            "gold": float(data.truth[q]),
            "figures": sorted(figures.round(1).tolist()),
        },
    }


def run_polls(settings: Settings) -> dict | None:
    """The polls part, or None when the data set is absent."""
    path = _common.dataset("polls_538")
    if path is None:
        return None
    data = load_polls(path)
    est, result = run_real(data, settings)
    result.pop("consensus_estimate")
    result["house_effects"] = polls_house_effects(est, data, path)
    h = result["house_effects"]["all"]["bias_vs_bias"]
    progress(
        f"polls: house effects vs 538 Bias: n={h['n']}, Pearson {h['pearson']:.2f}, "
        f"Spearman {h['spearman']:.2f}"
    )
    return result


RUNNERS: dict[str, Callable[[Settings], dict | None]] = {
    "synthetic": run_synthetic,
    "emotion": run_emotion,
    "weather": run_weather,
    "polls": run_polls,
}


# -------------------------------------------------------------------------- aims


def judge_aims(parts: dict) -> dict:
    """Aims (a), (b), (c) on whatever parts there are; ``met`` is None when untested."""
    aims: dict = {}
    syn = parts.get("synthetic", {}).get("scenarios", {})
    a = {}
    for name, s in syn.items():
        if s["simulate"].get("bias_sd", 0) == 0:
            continue
        m = s["aggregate"]["methods"]
        base = {k: v for k, v in m.items() if k != "consensus"}
        best = min(base, key=lambda k: base[k]["rmse_log"])
        best_mae = min(base, key=lambda k: base[k]["rel_mae"])
        ratio = m["consensus"]["rmse_log"] / base[best]["rmse_log"]
        a[name] = {
            "best_baseline": best,
            "ratio_rmse_log": ratio,
            "best_baseline_rel_mae": best_mae,
            "ratio_rel_mae": m["consensus"]["rel_mae"] / base[best_mae]["rel_mae"],
            "met": bool(ratio <= AIM_RATIO),
        }
    aims["a"] = {"scenarios": a, "met": all(v["met"] for v in a.values()) if a else None}

    b = {name: s["aggregate"]["methods"]["consensus"]["cov90"] for name, s in syn.items()}
    b.update(
        {
            k: parts[k]["metrics"]["consensus"]["cov90"]
            for k in ("emotion", "weather", "polls")
            if parts.get(k)
        }
    )
    lo, hi = AIM_COVERAGE
    aims["b"] = {
        "cov90": b,
        "within": {k: bool(lo <= v <= hi) for k, v in b.items()},
        "met": all(lo <= v <= hi for v in b.values()) if b else None,
    }

    c = {}
    for k in ("emotion", "weather", "polls"):
        if not parts.get(k):
            continue
        m = parts[k]["metrics"]
        best = min((x for x in m if x != "consensus"), key=lambda x: m[x]["mae"])
        c[k] = {
            "best_baseline": best,
            "consensus_mae": m["consensus"]["mae"],
            "best_mae": m[best]["mae"],
            "met": bool(m["consensus"]["mae"] <= m[best]["mae"]),
        }
    aims["c"] = {"datasets": c, "met": all(v["met"] for v in c.values()) if c else None}
    return aims


# ------------------------------------------------------------------------ report


def _diag_cell(d: dict) -> str:
    warned = f", {d['n_warned']}/{d['n_fits']} warned" if d.get("n_fits", 1) > 1 else ""
    return (
        f"R̂ ≤ {d['rhat_max']:.3f}, ESS ≥ {min(d['ess_bulk_min'], d['ess_tail_min']):.0f}, "
        f"{d['divergences']} div{warned}"
    )


def _fit_diag(fit: dict) -> dict:
    return {**fit, "n_fits": 1}


def synthetic_markdown(part: dict) -> str:
    """The synthetic table: one row per scenario, RMSE(log) / relative MAE per method."""
    s = part["settings"]
    rows = []
    for name, sc in part["scenarios"].items():
        m = sc["aggregate"]["methods"]
        row = {"scenario": f"`{name}`: {sc['description']}"}
        for k in SYNTHETIC_METHODS:
            row[k] = f"{m[k]['rmse_log']:.3f} / {100 * m[k]['rel_mae']:.1f} %"
        row["cov50"] = f"{m['consensus']['cov50']:.2f}"
        row["cov90"] = f"{m['consensus']['cov90']:.2f}"
        row["convergence"] = _diag_cell(sc["aggregate"]["diagnostics"])
        rows.append(row)
    cols = ["scenario", *SYNTHETIC_METHODS, "cov50", "cov90", "convergence"]
    sim = s["sim"]
    return (
        f"### Synthetic data ({len(s['seeds'])} seeds per scenario, means over seeds)\n\n"
        "Each cell: RMSE of the log estimate / relative MAE (mean |estimate − truth| / truth), "
        "at every (quantity, as_of) of the claims; cov50/cov90: share of those truths inside "
        "consensus' 50 %/90 % intervals. Convergence: worst over the seeds' fits.\n\n"
        + _common.md_table(rows, cols)
        + f"\n\n`simulate(scale='log', zero_sum_bias=True, n_quantities={sim['n_quantities']}, "
        f"n_days={sim['n_days']}, n_origins={sim['n_origins']}, "
        f"claims_per_quantity={sim['claims_per_quantity']})` plus the scenario's arguments, "
        f"seeds {', '.join(map(str, s['seeds']))}. Baselines use points and range midpoints "
        f"(log scale; bounds dropped; relays counted as claims): mean/median/CRH/GTM/CATD per "
        f"(quantity, {s['bucket_days']}-day bucket of as_of); latest = most recent figure at or "
        f"before the date; rolling median over the trailing {s['window_days']} days."
    )


def real_markdown(parts: dict) -> str:
    """The real-data table and the per-data-set extras."""
    methods = ["consensus", "mean", "median", "latest", "crh", "gtm", "catd"]
    rows, notes = [], []
    for key, label in (("emotion", "emotion"), ("weather", "weather"), ("polls", "polls_538")):
        part = parts.get(key)
        if not part:
            continue
        m, info = part["metrics"], part["info"]
        size = {
            "emotion": lambda i: (
                f"{i['n_items']} items, {i['n_workers']} workers, {i['n_answers']} answers"
            ),
            "weather": lambda i: (
                f"{i['n_objects']} of {i['n_objects_all']} objects (every {i['subsample_every']}), {i['n_sites']} sites, {i['n_claims']} claims"
            ),
            "polls": lambda i: (
                f"{i['n_races']} races, {i['n_polls']} polls, {i['n_origins']} origins"
            ),
        }[key](info)
        row = {"data set": f"{label}: {size}"}
        for k in methods:
            row[k] = f"{m[k]['mae']:.3f} / {m[k]['rmse']:.3f}" if k in m else "–"
        row["cov50"] = f"{m['consensus']['cov50']:.2f}"
        row["cov90"] = f"{m['consensus']['cov90']:.2f}"
        row["convergence"] = _diag_cell(_fit_diag(part["fit"]))
        rows.append(row)
        ref = ", ".join(
            f"{meth} {', '.join(f'{k.upper()} {v}' for k, v in vals.items())}"
            for meth, vals in part.get("reference", {}).items()
        )
        if key == "emotion":
            notes.append(f"- **emotion**: reference (SOURCE.txt): {ref}.")
        if key == "weather":
            full = part["baselines_all_objects"]
            sb = part["site_biases"]
            notes.append(
                f"- **weather**: consensus rounded to whole °F (as the gold is): MAE "
                f"{part['consensus_rounded']['mae']:.3f}, RMSE {part['consensus_rounded']['rmse']:.3f}. "
                f"Baselines on all {info['n_objects_all']} objects: "
                + ", ".join(f"{k} {v['mae']:.3f}" for k, v in full.items())
                + f" (reference: {ref}). Per-site biases (posterior median vs the site's mean "
                f"offset from gold): Pearson {sb['pearson']:.2f}, largest gap to the offset "
                f"relative to the average site {sb['max_abs_difference']:.2f} °F; table below."
            )
            um = part.get("unmixed_latents")
            if um:
                w = um["worst"]
                notes.append(
                    f"- **weather, mixing**: of {um['n']} latent values, {um['rhat_above_1.01']} "
                    f"have R-hat above 1.01 and {um['rhat_above_1.1']} above 1.1. The worst, "
                    f"`{w['quantity']}` (R-hat {w['rhat']:.2f}), has chain means "
                    f"{', '.join(f'{m:.1f}' for m in w['chain_means'])} °F, gold {w['gold']:.0f}, "
                    f"figures {', '.join(f'{v:g}' for v in w['figures'])}."
                )
        if key == "polls":
            h = part["house_effects"]
            a, b = h["all"], h["at_least_10_statements"]
            notes.append(
                f"- **polls_538**: estimated house effects (D-vs-R origins) against 538's "
                f"published `Bias` (poll − result margin, positive = more Democratic; the model's "
                f"bias is relative to the average pollster, same sign): n = {a['bias_vs_bias']['n']}, "
                f"Pearson {a['bias_vs_bias']['pearson']:.2f}, Spearman {a['bias_vs_bias']['spearman']:.2f}; "
                f"pollsters with ≥ 10 statements: n = {b['bias_vs_bias']['n']}, Pearson "
                f"{b['bias_vs_bias']['pearson']:.2f}, Spearman {b['bias_vs_bias']['spearman']:.2f}. "
                f"Against `House Effect`: Pearson {a['bias_vs_house_effect']['pearson']:.2f} "
                f"(≥ 10: {b['bias_vs_house_effect']['pearson']:.2f}). The naive house effect "
                f"(mean deviation from the race's poll average) vs `Bias`: Pearson "
                f"{a['naive_vs_bias']['pearson']:.2f} (≥ 10: {b['naive_vs_bias']['pearson']:.2f})."
            )
    text = (
        "### Real data\n\nEach cell: MAE / RMSE of the estimate against the gold values "
        "(natural units: rating points, °F, margin points). Baselines see the same rows as "
        "the model; `latest` needs claim times (polls only).\n\n"
        + _common.md_table(rows, ["data set", *methods, "cov50", "cov90", "convergence"])
    )
    if notes:
        text += "\n\n" + "\n".join(notes)
    if parts.get("weather"):
        sites = parts["weather"]["site_biases"]["sites"]
        text += "\n\nWeather sites, °F (posterior median and 90 % interval; offsets from gold):\n\n"
        text += _common.md_table(
            [
                {
                    "site": r["site"],
                    "bias [90 %]": f"{r['bias']:+.2f} [{r['bias_lower']:+.2f}, {r['bias_upper']:+.2f}]",
                    "mean offset": f"{r['offset']:+.2f}",
                    "offset − average": f"{r['offset_vs_average']:+.2f}",
                }
                for r in sites
            ],
            ["site", "bias [90 %]", "mean offset", "offset − average"],
        )
    return text


def aims_markdown(aims: dict) -> str:
    """The honest verdict on each aim."""

    def verdict(met):
        return {True: "**met**", False: "**not met**", None: "not tested"}[met]

    a, b, c = aims["a"], aims["b"], aims["c"]
    la = "; ".join(
        f"{k} {v['ratio_rmse_log']:.2f} vs {v['best_baseline']} (rel. MAE {v['ratio_rel_mae']:.2f} vs {v['best_baseline_rel_mae']})"
        for k, v in a["scenarios"].items()
    )
    lb = "; ".join(f"{k} {v:.3f}{'' if b['within'][k] else ' ✗'}" for k, v in b["cov90"].items())
    lc = "; ".join(
        f"{k} {v['consensus_mae']:.3f} vs {v['best_baseline']} {v['best_mae']:.3f}"
        for k, v in c["datasets"].items()
    )
    return (
        "### Aims\n\n"
        f"- (a) Lowest error on every synthetic scenario with biased origins, at most 2/3 of the "
        f"best baseline's RMSE (log): {verdict(a['met'])}. Consensus / best baseline: {la or '–'}.\n"
        f"- (b) 90 % intervals cover 0.85–0.95: {verdict(b['met'])}. Coverage: {lb or '–'}.\n"
        f"- (c) No worse than the best baseline (MAE) on each real data set: {verdict(c['met'])}. "
        f"Consensus vs best: {lc or '–'}."
    )


def settings_markdown(payload: dict) -> str:
    """Machine and sampler settings of each part."""
    lines = []
    for key, part in payload["parts"].items():
        mach, s = part["machine"], part["settings"]
        draws, tune = (
            (s["draws"], s["tune"]) if key == "synthetic" else (s["real_draws"], s["real_tune"])
        )
        lines.append(
            f"- `{key}`: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB, "
            f"Python {mach['python']}, PyMC {mach['pymc']}, commit {mach['commit']}, "
            f"{mach['when']}; nutpie, {s['chains']} chains × {draws} draws after "
            f"{tune} tuning steps, target_accept {s['target_accept']}; "
            f"{part['wall_s'] / 60:.1f} min wall."
        )
    return "Measured with:\n\n" + "\n".join(lines)


def markdown(payload: dict) -> str:
    """The whole accuracy section of benchmarks/README.md."""
    parts = payload["parts"]
    head = ("**Quick smoke run: numbers are not comparable.** " if payload["quick"] else "") + (
        f"Written by `{payload['command']}`; every number, per seed, with each fit's "
        "diagnostics, is in `results/accuracy.json`. Estimates are posterior medians. "
        "The protocol (evaluation points, what each baseline sees) is in the docstring of "
        "`benchmarks/accuracy.py`."
    )
    blocks = [head]
    if parts.get("synthetic"):
        blocks.append(synthetic_markdown(parts["synthetic"]))
    if any(parts.get(k) for k in ("emotion", "weather", "polls")):
        blocks.append(real_markdown(parts))
    blocks.append(aims_markdown(payload["aims"]))
    blocks.append(settings_markdown(payload))
    return "\n\n".join(blocks)


def _clean(x):
    """JSON-ready: numpy scalars to Python, NaN and inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def previous_parts(quick: bool) -> dict:
    """Parts of the last results file, when it was written in the same mode."""
    path = _common.RESULTS / results_file(quick)
    if not path.exists():
        return {}
    try:
        old = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}
    return old.get("parts", {}) if old.get("quick") == quick else {}


def main(argv: list[str] | None = None) -> dict:
    """Run the requested parts, merge with earlier results, write JSON and README."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few-minute smoke run")
    ap.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    args = ap.parse_args(argv)
    logging.getLogger("pymc").setLevel(logging.ERROR)  # no "NUTS[nutpie]: ..." per fit
    settings = make_settings(args.quick)
    parts = previous_parts(args.quick)
    for part in args.only or PARTS:
        t0 = time.perf_counter()
        progress(f"=== {part}{' (quick)' if args.quick else ''}")
        result = RUNNERS[part](settings)
        if result is None:
            parts.pop(part, None)
            continue
        wrapped = {"scenarios": result} if part == "synthetic" else result
        parts[part] = _clean(
            {
                **wrapped,
                "settings": asdict(settings),
                "machine": _common.machine(),
                "wall_s": time.perf_counter() - t0,
            }
        )
    parts = {k: parts[k] for k in PARTS if k in parts}
    payload = {
        "benchmark": "accuracy",
        "quick": args.quick,
        "command": "python benchmarks/accuracy.py" + (" --quick" if args.quick else ""),
        "parts": parts,
    }
    payload["aims"] = _clean(judge_aims(parts))
    path = _common.write_json(results_file(args.quick), payload)
    tables = _common.publish("accuracy", markdown(payload), args.quick)
    progress(f"wrote {path} and {tables}")
    return payload


if __name__ == "__main__":
    main()
