"""Synthetic scenarios: simulate with a known truth, fit, run the baselines, score all."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import consensus as cs
from consensus import evaluate
from consensus.baselines import BASELINES, latest, rolling_median

from .categorical import exact_match_share, majority_vote
from .fitting import consensus_metrics, fit_consensus, progress, score, summarise_fits
from .settings import EXACT_SCENARIOS, SCENARIOS, SYNTHETIC_BASELINES, TD_METHODS, Settings


def nearest(points: pd.DataFrame, table: pd.DataFrame, on: str, by: str = "quantity"):
    """For each row of ``points``, the row of ``table`` with the same ``by`` and the nearest ``on``."""
    left = points.reset_index(drop=True).assign(_row=np.arange(len(points)))
    out = pd.merge_asof(
        left.sort_values(on), table.sort_values(on), on=on, by=by, direction="nearest"
    )
    return out.sort_values("_row").drop(columns="_row").reset_index(drop=True)


def baseline_rows(claims: pd.DataFrame, log: bool = True) -> pd.DataFrame:
    """What the baselines can use of simulated claims: points and range midpoints.

    Returns
    -------
    pandas.DataFrame
        ``quantity``, ``origin`` (cites, else source), ``date`` (the ``as_of``)
        and ``y`` (the figure, its log when ``log``), one row per claim row,
        relays included.
    """
    c = claims[claims["kind"].isin(["point", "range"])]
    figure = np.where(c["kind"] == "range", (c["low"] + c["high"]) / 2, c["value"])
    return pd.DataFrame(
        {
            "quantity": c["quantity"].to_numpy(),
            "origin": np.where(c["cites"] != "", c["cites"], c["source"]),
            "date": pd.to_datetime(c["as_of"]).to_numpy(),
            "y": np.log(figure.astype(float)) if log else figure.astype(float),
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


def baselines_at(rows: pd.DataFrame, points: pd.DataFrame, settings: Settings) -> dict:
    """Every baseline's log estimate at each point (see the package docstring)."""
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


def exact_metrics(scored: pd.DataFrame, claims: pd.DataFrame, points: pd.DataFrame) -> dict:
    """Exact-value scoring: MAE and exact-match share of consensus and of each baseline.

    Identity scale. The baselines (`TD_METHODS` and `majority_vote`) run per
    (quantity, ``as_of``) on every point and range-midpoint row; consensus is
    scored from ``scored`` (`consensus.evaluate.score`), coverage included.
    """
    truth = points["value"].to_numpy(float)
    c = consensus_metrics(scored)
    c.pop("rel_mae", None)  # not every seed's truths need be positive: keep the keys fixed
    out = {"consensus": {**c, "exact_match": exact_match_share(scored["median"], scored["truth"])}}
    rows = baseline_rows(claims, log=False)
    item = rows["quantity"] + "|" + rows["date"].dt.strftime("%Y-%m-%d")
    at = points["quantity"] + "|" + points["date"].dt.strftime("%Y-%m-%d")
    estimates = {
        name: BASELINES[name](rows["y"], item, rows["origin"]).truth for name in TD_METHODS
    }
    estimates["majority"] = majority_vote(rows["y"], item)
    for name, est in estimates.items():
        e = est.reindex(at).to_numpy(float)
        out[name] = {
            **evaluate.point_errors(e, truth, "identity"),
            "exact_match": exact_match_share(e, truth),
        }
    return out


def evaluation_points(sim: cs.Simulation) -> pd.DataFrame:
    """Every distinct (quantity, ``as_of``) of the simulated claims, with the truth there."""
    return (
        sim.claims[["quantity", "as_of"]]
        .drop_duplicates()
        .assign(date=lambda d: pd.to_datetime(d["as_of"]))[["quantity", "date"]]
        .merge(sim.truth, on=["quantity", "date"], how="left")
        .sort_values(["quantity", "date"], ignore_index=True)
    )


def run_seed(scenario: str, seed: int, settings: Settings) -> dict:
    """Simulate one scenario with one seed, fit consensus, run the baselines, score all.

    Evaluation points: every distinct (quantity, ``as_of``) of the claims, with
    the simulated truth there. Exact scenarios (`EXACT_SCENARIOS`) are fitted on
    their own scale and scored by `exact_metrics`.
    """
    args = {**settings.sim, **SCENARIOS[scenario][1]}
    sim = cs.simulate(**args, random_seed=seed)
    points = evaluation_points(sim)
    est, fit = fit_consensus(sim.claims, args["scale"], settings, seed)
    scored = score(est, points, settings)
    if scenario in EXACT_SCENARIOS:
        metrics = exact_metrics(scored, sim.claims, points)
        return {"seed": seed, "n_points": len(points), "fit": fit, "metrics": metrics}
    metrics = {"consensus": consensus_metrics(scored)}
    truth = points["value"].to_numpy(float)
    for name, y in baselines_at(baseline_rows(sim.claims), points, settings).items():
        e = np.exp(y)
        metrics[name] = {
            **evaluate.point_errors(e, truth, "log"),
            "rel_mae": float(np.mean(np.abs(e - truth) / truth)),
        }
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
    out["diagnostics"] = summarise_fits([r["fit"] for r in runs])
    return out


def _summary(scenario: str, run: dict) -> str:
    """One progress line: fit time, R-hat, consensus against the best baseline, coverage."""
    m, f = run["metrics"], run["fit"]
    head = f"fit {f['fit_s']:.0f}s (R-hat {f['rhat_max']:.3f}, exact on {f['n_exact']}), "
    cov = f"cov90 {m['consensus']['coverage_90']:.2f}"
    if scenario in EXACT_SCENARIOS:
        best = min((k for k in m if k != "consensus"), key=lambda k: m[k]["mae"])
        c = m["consensus"]
        return head + (
            f"MAE consensus {c['mae']:.3f} vs {best} {m[best]['mae']:.3f}, exact-match "
            f"{c['exact_match']:.2f} vs best "
            f"{max(v['exact_match'] for k, v in m.items() if k != 'consensus'):.2f}, {cov}"
        )
    best = min(SYNTHETIC_BASELINES, key=lambda k: m[k]["rmse_model"])
    return head + (
        f"RMSE log consensus {m['consensus']['rmse_model']:.3f} vs {best} "
        f"{m[best]['rmse_model']:.3f}, {cov}"
    )


def run(settings: Settings, scenarios: list[str] | None = None) -> dict:
    """Every scenario (or the named ones) and seed; per-seed results and their aggregate."""
    out = {}
    for name in scenarios or SCENARIOS:
        description, args = SCENARIOS[name]
        runs = []
        for seed in settings.seeds:
            r = run_seed(name, seed, settings)
            runs.append(r)
            progress(f"synthetic {name} seed {seed}: " + _summary(name, r))
        out[name] = {
            "description": description,
            "simulate": {**settings.sim, **args},
            "runs": runs,
            "aggregate": aggregate(runs),
        }
    return out
