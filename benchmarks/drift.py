"""Drift at the ends of a series (issue 8, hypothesis 4): polls read over time, not as forecasts.

`accuracy.py` reads every 538 poll as a statement about election day (``as_of`` = the
election), so each race is one date and the model's time path never extrapolates. A user
with a poll series gives each poll its own date instead, and reads the estimate at the end
of the series. This script fits the races of 2012 and later with at least 5 polls (each
poll dated by its median field date) three ways, every setting else as the accuracy
benchmark's real-data fits (500 draws x 2 chains after 500 tuning steps, seed 1, pollster
house effects shared across races, sampling error as ``stderr``):

* ``as_of = election day``: the accuracy benchmark's reading, for comparison;
* ``dated polls``: the default priors (a random walk with a drift per race);
* ``dated polls, no drift``: the same with ``drift_sd`` 0.01 (about no trend).

Each race is scored at its headline (`Estimate.headline`: the estimate on the date of its
latest poll) against the election's margin, with `consensus.evaluate`. Baselines: the
mean of all the race's polls, and of those in the last 14 and 7 days before its last poll.
The 538 file holds only the last 21 days before each election, so this tests the ends of
short series. The US presidential races are listed one by one (the national poll series).

    python benchmarks/drift.py [--since 2012] [--min-polls 5]

Writes ``results/drift.json`` and the "drift" section of benchmarks/README.md. Without
../shared/datasets/polls_538 it says so and stops.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

import consensus as cs  # noqa: E402
from consensus import evaluate  # noqa: E402

VARIANTS = {
    "as_of = election day": ("election", None),
    "dated polls (default priors)": ("polldate", None),
    "dated polls, no drift": ("polldate", {"drift_sd": 0.01}),
}
FIT = {"draws": 500, "tune": 500, "chains": 2, "random_seed": 1, "target_accept": 0.9}


def load(path: Path, since: int, min_polls: int) -> tuple[pd.DataFrame, pd.Series]:
    """The polls (one row each, with race, pollster origin, dates, margin, stderr) and the truths."""
    p = pd.read_csv(path / "raw-polls-2023.csv")
    p = p[p["year"] >= since]
    p = p[p.groupby("race")["poll_id"].transform("size") >= min_polls].copy()
    dem_rep = (p["cand1_party"] == "DEM") & (p["cand2_party"] == "REP")
    polls = pd.DataFrame(
        {
            "race": p["race"],
            "origin": np.where(dem_rep, p["pollster"], p["pollster"] + " [other margin]"),
            "fielded": pd.to_datetime(p["polldate"], format="%m/%d/%Y"),
            "election": pd.to_datetime(p["electiondate"], format="%m/%d/%Y"),
            "margin": p["margin_poll"].astype(float),
            "stderr": 100.0 / np.sqrt(p["samplesize"].astype(float)),
        }
    )
    truth = p.groupby("race")["margin_actual"].first().astype(float)
    return polls, truth


def claims(polls: pd.DataFrame, as_of: str) -> cs.Claims:
    day = polls["fielded"].dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame(
        {
            "quantity": polls["race"],
            "source": polls["origin"],
            "date": day,
            "as_of": polls["election"].dt.strftime("%Y-%m-%d") if as_of == "election" else day,
            "kind": "point",
            "value": polls["margin"],
            "stderr": polls["stderr"],
        }
    )
    return cs.read_claims(frame, scales="identity")


def baselines(polls: pd.DataFrame, truth: pd.Series) -> dict[str, pd.Series]:
    last = polls.groupby("race")["fielded"].transform("max")
    out = {"mean of all polls": polls.groupby("race")["margin"].mean()}
    for days in (14, 7):
        recent = polls[polls["fielded"] >= last - pd.Timedelta(days=days)]
        out[f"mean, last {days} days"] = recent.groupby("race")["margin"].mean()
    return {k: v[truth.index] for k, v in out.items()}


def run(polls: pd.DataFrame, truth: pd.Series) -> tuple[list[dict], list[dict]]:
    rows, national = [], []
    base = baselines(polls, truth)
    for name, est_point in base.items():
        err = (est_point - truth).abs()
        rows.append({"method": name, "mae": err.mean(), "rmse": np.sqrt((err**2).mean())})
    us = [r for r in truth.index if r.endswith("_Pres-G_US")]
    for label, (as_of, priors) in VARIANTS.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = cs.fit(claims(polls, as_of), priors=priors, progressbar=False, **FIT)
        heads = est.headline().set_index("quantity").loc[truth.index]
        draws = np.stack(
            [evaluate.latent_draws(est, q, [d])[0] for q, d in heads["date"].items()]
        )  # fmt: skip
        points = evaluate.score_draws(
            draws, truth.to_numpy(), levels=(0.5, 0.9), quantity=truth.index, date=heads["date"]
        )
        m = evaluate.metrics(points)
        diag = est.diagnostics
        rows.append(
            {
                "method": f"consensus: {label}",
                "mae": m["mae"],
                "rmse": m["rmse"],
                "cov50": m["coverage_50"],
                "cov90": m["coverage_90"],
                "width90": float(np.median(points["upper_90"] - points["lower_90"])),
                "rhat_max": diag.rhat_max,
                "fit_s": time.perf_counter() - t0,
            }
        )
        print(f"{label}: MAE {m['mae']:.3f}, cov90 {m['coverage_90']:.2f}", flush=True)
        for race in us:
            p = points.set_index("quantity").loc[race]
            national.append(
                {
                    "race": race,
                    "method": f"consensus: {label}",
                    "estimate": p["median"],
                    "lower_90": p["lower_90"],
                    "upper_90": p["upper_90"],
                    "result": truth[race],
                }
            )
    for race in us:
        for name, est_point in base.items():
            national.append(
                {"race": race, "method": name, "estimate": est_point[race], "result": truth[race]}
            )
    return rows, national


def markdown(payload: dict) -> str:
    m = payload["machine"]
    rows = [
        {**r, "fit": f"{r['fit_s'] / 60:.1f} min" if "fit_s" in r else ""}
        for r in payload["rows"]
    ]  # fmt: skip
    nat = [
        {
            **r,
            "error": abs(r["estimate"] - r["result"]),
            "90 % interval": (
                f"{r['lower_90']:.1f} to {r['upper_90']:.1f}" if "lower_90" in r else ""
            ),
            "holds": (
                ("yes" if r["lower_90"] <= r["result"] <= r["upper_90"] else "no")
                if "lower_90" in r
                else ""
            ),
        }
        for r in payload["national"]
    ]
    by = {r["method"]: r for r in payload["rows"]}
    dated, nodrift = (
        by["consensus: dated polls (default priors)"],
        by["consensus: dated polls, no drift"],
    )
    best = min(
        (r for r in payload["rows"] if not r["method"].startswith("consensus")),
        key=lambda r: r["mae"],
    )
    return "\n".join(
        [
            f"Written by `{payload['command']}`: {payload['n_polls']:,} polls of "
            f"{payload['n_races']} races ({payload['since']} and later, at least "
            f"{payload['min_polls']} polls each), scored at each race's headline date (its "
            "latest poll) against the election margin (points, D minus R). Protocol: the "
            "docstring of `benchmarks/drift.py`.",
            "",
            _common.md_table(
                rows,
                ["method", "mae", "rmse", "cov50", "cov90", "width90", "rhat_max", "fit"],
                {
                    "mae": ".3f",
                    "rmse": ".3f",
                    "cov50": ".2f",
                    "cov90": ".2f",
                    "width90": ".1f",
                    "rhat_max": ".3f",
                },
            ),
            "",
            f"- Dated polls, default priors: MAE {dated['mae']:.3f} against the best "
            f"baseline's {best['mae']:.3f} ({best['method']}); 90 % coverage "
            f"{dated['cov90']:.2f}.",
            f"- Without drift: MAE {nodrift['mae']:.3f}, 90 % coverage {nodrift['cov90']:.2f}: "
            + _drift_verdict(dated["mae"], nodrift["mae"]),
            "",
            "US presidential races (the national poll series):",
            "",
            _common.md_table(
                nat,
                ["race", "method", "estimate", "90 % interval", "result", "error", "holds"],
                {"estimate": ".2f", "result": ".2f", "error": ".2f"},
            ),
            "",
            f"*{m['cpu']}, {m['cores']} cores, Python {m['python']}, PyMC {m['pymc']}, "
            f"commit {m['commit']}, {m['when']}.*",
        ]
    )


def _drift_verdict(with_drift: float, without: float) -> str:
    """Words for the MAE difference; under 2 % of the error is called no difference."""
    if abs(with_drift - without) < 0.02 * without:
        return "the drift term makes no material difference at the series' ends here."
    if with_drift < without:
        return "the drift term helps at the series' ends here."
    return "the drift term costs accuracy at the series' ends here."


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--since", type=int, default=2012, help="first election year")
    ap.add_argument("--min-polls", type=int, default=5, help="fewest polls per race")
    args = ap.parse_args(argv)
    path = _common.dataset("polls_538")
    if path is None:
        print("[skip] drift: data set polls_538 not found in ../shared/datasets")
        return
    polls, truth = load(path, args.since, args.min_polls)
    print(f"{len(polls)} polls, {len(truth)} races", flush=True)
    rows, national = run(polls, truth)
    payload = {
        "benchmark": "drift",
        "command": "python benchmarks/drift.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip(),
        "since": args.since,
        "min_polls": args.min_polls,
        "n_polls": len(polls),
        "n_races": len(truth),
        "fit": FIT,
        "machine": _common.machine(),
        "rows": rows,
        "national": national,
    }
    _common.write_json("drift.json", payload)
    _common.publish("drift", markdown(payload), quick=False)
    print(markdown(payload))


if __name__ == "__main__":
    main()
