"""Do the report errors' tails cost accuracy on real data? (issue 8, hypothesis 3; issue 15's "why")

Fits the emotion and polls sets (and, with ``--weather-every K``, every K-th weather
object) without truths, changing only the Student-t degrees of freedom of the report
errors: the default ``nu = 4``, near-normal ``nu = 30``, and ``nu`` learned per scale
group (``priors={"nu": 0}``). Two more near-normal fits take the origins' habits away one
at a time (biases fixed near zero, ``bias_sd`` 0.01; one noise level for every origin,
``noise_pool_sd`` 0.01), to show what the rest of the model buys or costs on each set
(`VARIANTS`). Everything else is the accuracy benchmark's
real-data setting (draws, tuning, seed, target_accept; exact-or-wrong by its automatic
rule). Scores every gold value: MAE, RMSE, 50 % and 90 % coverage, the worst R-hat.

The synthetic ``heavy_tail`` scenario (one origin with Student-t 1.5 df errors), the case
heavy tails are kept for, is fitted at ``nu = 4`` and ``nu = 30`` over the accuracy
benchmark's seeds and settings, and scored on the log scale at every (quantity, as_of),
pooled over the seeds.

Usage::

    python benchmarks/tails.py [--only emotion|polls|weather|heavy_tail ...] [--weather-every 15]

Writes ``results/tails.json`` and the "tails" section of benchmarks/README.md. A data
set that is not in ../shared/datasets is skipped with a message.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from accuracy.data import load_emotion, load_polls, load_weather  # noqa: E402
from accuracy.settings import SCENARIOS, make_settings  # noqa: E402
from accuracy.synthetic import evaluation_points  # noqa: E402

import consensus as cs  # noqa: E402
from consensus import evaluate  # noqa: E402

#: label -> prior overrides. The last two take the origins' habits away one at a time from
#: the near-normal fit, to show what the rest of the model costs or buys on each set.
VARIANTS: dict[str, dict[str, float]] = {
    "nu = 4 (default)": {"nu": 4.0},
    "nu = 30": {"nu": 30.0},
    "nu learned": {"nu": 0.0},
    "nu = 30, no origin biases": {"nu": 30.0, "bias_sd": 0.01},
    "nu = 30, one noise for all origins": {"nu": 30.0, "noise_pool_sd": 0.01},
}
DATASETS = {"emotion": "emotion", "polls": "polls_538", "weather": "weather"}
SYNTHETIC = "heavy_tail"


def load(name: str, path: Path, weather_every: int):
    if name == "emotion":
        return load_emotion(path)
    if name == "polls":
        return load_polls(path)
    return load_weather(path, weather_every)[0]


def run(name: str, data, settings) -> list[dict]:
    out = []
    for label, priors in VARIANTS.items():
        nu = priors["nu"]
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = cs.fit(
                data.claims,
                scales="identity",
                priors=priors,
                draws=settings.real_draws,
                tune=settings.real_tune,
                chains=settings.chains,
                target_accept=settings.target_accept,
                random_seed=settings.real_seed,
                progressbar=False,
            )
        m = evaluate.metrics(evaluate.score(est, data.truths(data.truth.index), levels=(0.5, 0.9)))
        post = est.idata.posterior
        learned = float(np.median(post["nu"].values)) if nu == 0 and "nu" in post else float("nan")
        row = {
            "data": name,
            "variant": label,
            "mae": m["mae"],
            "rmse": m["rmse"],
            "cov50": m["coverage_50"],
            "cov90": m["coverage_90"],
            "nu_median": learned,
            "rhat_max": est.diagnostics.rhat_max,
            "n_exact": len(est.config.exact),
            "fit_s": time.perf_counter() - t0,
        }
        print(
            f"[{name}] {label}: "
            + ", ".join(f"{k} {v:.3f}" for k, v in row.items() if isinstance(v, float)),
            flush=True,
        )
        out.append(row)
    return out


def run_heavy_tail(settings) -> list[dict]:
    """The heavy_tail scenario at nu = 4 and 30, over the accuracy seeds, scores pooled."""
    import pandas as pd

    args = {**settings.sim, **SCENARIOS[SYNTHETIC][1]}
    sims = [(seed, cs.simulate(**args, random_seed=seed)) for seed in settings.seeds]
    out = []
    for label in ("nu = 4 (default)", "nu = 30"):
        t0, scored, rhat = time.perf_counter(), [], 1.0
        for seed, sim in sims:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = cs.fit(
                    sim.claims,
                    scales=args["scale"],
                    priors=VARIANTS[label],
                    draws=settings.draws,
                    tune=settings.tune,
                    chains=settings.chains,
                    target_accept=settings.target_accept,
                    random_seed=seed,
                    progressbar=False,
                    buckets=True,  # the seeds' claims share a compiled model
                )
            scored.append(evaluate.score(est, evaluation_points(sim), levels=(0.5, 0.9)))
            rhat = max(rhat, est.diagnostics.rhat_max)
        m = evaluate.metrics(pd.concat(scored, ignore_index=True))
        row = {
            "data": f"{SYNTHETIC} (log scale, seeds {', '.join(str(s) for s, _ in sims)})",
            "variant": label,
            "mae": m["mae_model"],
            "rmse": m["rmse_model"],
            "cov50": m["coverage_50"],
            "cov90": m["coverage_90"],
            "nu_median": float("nan"),
            "rhat_max": rhat,
            "n_exact": 0,
            "fit_s": time.perf_counter() - t0,
        }
        print(
            f"[{SYNTHETIC}] {label}: rmse {row['rmse']:.3f}, cov90 {row['cov90']:.2f}", flush=True
        )
        out.append(row)
    return out


def markdown(payload: dict) -> str:
    m = payload["machine"]
    rows = [
        {**r, "nu_median": r["nu_median"], "fit": f"{r['fit_s'] / 60:.1f} min"}
        for r in payload["rows"]
    ]
    skipped = "".join(f"\n\n{k}: skipped, {v}." for k, v in payload["skipped"].items())
    return (
        f"Written by `{payload['command']}` (all gold values scored, no truths given; "
        f"{payload['draws']} draws × {payload['chains']} chains after {payload['tune']} tuning "
        f"steps, seed {payload['seed']}; weather: "
        + (
            f"every {payload['weather_every']}-th object"
            if payload["weather_every"]
            else "not run, `--weather-every K` adds it"
        )
        + f"). `{SYNTHETIC}`: errors of the log estimate at every (quantity, as_of) of the "
        f"claims, pooled over the seeds; {payload['synthetic_draws']} draws × "
        f"{payload['chains']} chains after {payload['synthetic_tune']} tuning steps.\n\n"
        + _common.md_table(
            rows,
            ["data", "variant", "mae", "rmse", "cov50", "cov90", "nu_median", "rhat_max", "fit"],
            {
                "mae": ".3f",
                "rmse": ".3f",
                "cov50": ".2f",
                "cov90": ".2f",
                "nu_median": ".1f",
                "rhat_max": ".3f",
            },
        )
        + skipped
        + f"\n\n*{m['cpu']}, {m['cores']} cores, commit {m['commit']}, {m['when']}.*"
    )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", choices=[*DATASETS, SYNTHETIC])
    ap.add_argument(
        "--weather-every",
        type=int,
        default=0,
        help="include weather, every K-th object (0: leave weather out)",
    )
    args = ap.parse_args(argv)
    names = args.only or [n for n in (*DATASETS, SYNTHETIC) if n != "weather" or args.weather_every]
    settings = make_settings(False)
    rows, skipped = [], {}
    for name in names:
        if name == SYNTHETIC:
            rows += run_heavy_tail(settings)
            continue
        path = _common.dataset(DATASETS[name])
        if path is None:
            skipped[name] = f"data set {DATASETS[name]} not found in ../shared/datasets"
            print(f"[skip] {name}: {skipped[name]}")
            continue
        rows += run(name, load(name, path, max(args.weather_every, 1)), settings)
    payload = {
        "benchmark": "tails",
        "command": "python benchmarks/tails.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip(),
        "draws": settings.real_draws,
        "tune": settings.real_tune,
        "synthetic_draws": settings.draws,
        "synthetic_tune": settings.tune,
        "chains": settings.chains,
        "seed": settings.real_seed,
        "weather_every": args.weather_every,
        "machine": _common.machine(),
        "rows": rows,
        "skipped": skipped,
    }
    path = _common.write_json("tails.json", payload)
    _common.publish("tails", markdown(payload), quick=False)
    print(f"wrote {path} and {_common.README}")
    return payload


if __name__ == "__main__":
    main()
