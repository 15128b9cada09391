"""What does the shared-error prior trade? Synthetic against real-data coverage (issue 8).

Without known truths nothing in the reports tells the error that every source of a quantity
shares (``shared``) from the truth itself, so its scale is the prior's:
``shared_sigma ~ HalfNormal(shared_sd * unit)``. The synthetic scenarios (all but one have no
shared error) want it small; real data, where sources share errors (a polling miss, the
crowd-versus-expert gap, copied readings), want it large. This fits both with ``shared_sd``
in `SHARED_SD` (the default is 1) and nothing else changed:

- every synthetic scenario of the accuracy benchmark (except the exact-value one), seed 1,
  scored at every (quantity, ``as_of``) of its claims: RMSE of the log estimate, coverage;
- emotion and polls, every gold value, no truths given: MAE, coverage; weather (every K-th
  object) with ``--weather-every K``;
- ``seeds``: the ``biased`` scenario over `MANY_SEEDS` seeds at the smallest and the default
  value, coverage pooled over the seeds. Within one seed the intervals' errors are nearly
  one draw (the sources' average bias is common to every point of a quantity), so one
  seed's coverage says little; pooled over many seeds it shows whether the intervals are
  calibrated when the prior matches the data (no shared error) and how wide the default is.

The sampler settings are the accuracy benchmark's. A last line says which values, if any,
meet both of issue 8's coverage targets at once: 90 % coverage 0.85-0.95 on every synthetic
scenario, and at least 0.75 on every real set.

Usage::

    python benchmarks/shared_prior.py [--only synthetic|seeds|emotion|polls|weather ...]
                                      [--weather-every 15] [--quick]

Writes ``results/shared_prior.json`` and the "shared_prior" section of benchmarks/README.md
(``--quick``: a smoke run, ``results/shared_prior_quick.*``); with ``--only`` the other
parts' rows are kept from the previous results. A data set that is not in
../shared/datasets is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from accuracy.data import load_emotion, load_polls, load_weather  # noqa: E402
from accuracy.settings import EXACT_SCENARIOS, SCENARIOS, TARGETS, make_settings  # noqa: E402
from accuracy.synthetic import evaluation_points  # noqa: E402

import consensus as cs  # noqa: E402
from consensus import evaluate  # noqa: E402

#: prior scales of the shared error, in units of the data's spread (the default is 1.0)
SHARED_SD = (0.1, 0.25, 0.5, 1.0)
REAL = {"emotion": "emotion", "polls": "polls_538", "weather": "weather"}
PARTS = ("synthetic", "seeds", *REAL)
SEED = 1
MANY_SEEDS = tuple(range(1, 13))  # the seeds part: `biased` over these seeds
LEVELS = (0.5, 0.9)


def _fit(
    claims, scale: str, shared_sd: float, settings, real: bool, seed: int = SEED
) -> tuple[cs.Estimate, float]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cs.fit(
            claims,
            scales=scale,
            priors={"shared_sd": shared_sd},
            draws=settings.real_draws if real else settings.draws,
            tune=settings.real_tune if real else settings.tune,
            chains=settings.chains,
            target_accept=settings.target_accept,
            random_seed=seed if not real else settings.real_seed,
            progressbar=False,
            buckets=not real,  # simulated claims of one shape share a compiled model
        )
    return est, time.perf_counter() - t0


def _row(part: str, data: str, shared_sd: float, scored, fit_s: float, rhat: float) -> dict:
    m = evaluate.metrics(scored)
    row = {
        "part": part,
        "data": data,
        "shared_sd": shared_sd,
        "error": m["rmse_model"] if part in ("synthetic", "seeds") else m["mae"],
        "cov50": m["coverage_50"],
        "cov90": m["coverage_90"],
        "rhat_max": rhat,
        "fit_s": fit_s,
    }
    print(
        f"[{data}] shared_sd {shared_sd}: error {row['error']:.3f}, cov50 {row['cov50']:.2f}, "
        f"cov90 {row['cov90']:.2f}, R-hat {row['rhat_max']:.3f}, {fit_s:.0f} s",
        flush=True,
    )
    return row


def run_synthetic(settings, values) -> list[dict]:
    rows = []
    for scenario, (_, extra) in SCENARIOS.items():
        if scenario in EXACT_SCENARIOS:
            continue
        args = {**settings.sim, **extra}
        sim = cs.simulate(**args, random_seed=SEED)
        points = evaluation_points(sim)
        for sd in values:
            est, s = _fit(sim.claims, args["scale"], sd, settings, real=False)
            scored = evaluate.score(est, points, levels=LEVELS)
            rows.append(_row("synthetic", scenario, sd, scored, s, est.diagnostics.rhat_max))
    return rows


def run_seeds(settings, values) -> list[dict]:
    """`biased` over MANY_SEEDS at the smallest and the default value, coverage pooled."""
    args = {**settings.sim, **SCENARIOS["biased"][1]}
    sims = [(seed, cs.simulate(**args, random_seed=seed)) for seed in MANY_SEEDS]
    rows = []
    for sd in (min(values), 1.0):
        scored, per_seed, offset_z, rhat, total = [], [], [], 1.0, 0.0
        for seed, sim in sims:
            est, s = _fit(sim.claims, args["scale"], sd, settings, real=False, seed=seed)
            one = evaluate.score(est, evaluation_points(sim), levels=LEVELS)
            scored.append(one)
            per_seed.append(evaluate.metrics(one)["coverage_90"])
            offset_z.append(_offset_z(est, sim))
            rhat, total = max(rhat, est.diagnostics.rhat_max), total + s
        name = f"biased, {len(sims)} seeds pooled"
        row = _row("seeds", name, sd, pd.concat(scored, ignore_index=True), total, rhat)
        row["cov90_per_seed"] = per_seed
        row["offset_z"] = offset_z
        rows.append(row)
    return rows


def _offset_z(est: cs.Estimate, sim: cs.Simulation) -> float:
    """z-score of the origins' true average (log) bias under the posterior of the offset the
    model subtracts from the consensus (absolute minus relative bias; one bias group)."""
    post = est.idata.posterior
    offset = (post["bias"] - post["bias_relative"]).isel(origin=0, scale=0).values.ravel()
    true = np.log(sim.origins.set_index("origin").loc[est.origins, "bias"]).mean()
    return float((true - offset.mean()) / offset.std())


def run_real(name: str, settings, values, weather_every: int) -> list[dict]:
    path = _common.dataset(REAL[name])
    if path is None:
        return []
    if name == "emotion":
        data = load_emotion(path)
    elif name == "polls":
        data = load_polls(path)
    else:
        data = load_weather(path, weather_every)[0]
    rows = []
    for sd in values:
        est, s = _fit(data.claims, "identity", sd, settings, real=True)
        scored = evaluate.score(est, data.truths(data.truth.index), levels=LEVELS)
        rows.append(_row(name, name, sd, scored, s, est.diagnostics.rhat_max))
    return rows


def verdict(rows: list[dict], values) -> list[str]:
    """Per value: the range of synthetic 90 % coverage, the lowest real one, and the targets."""
    lo, hi = TARGETS["coverage_90"]
    floor = TARGETS["default_coverage_90_min"]
    out, both = [], []
    for sd in values:
        syn = [r["cov90"] for r in rows if r["shared_sd"] == sd and r["part"] == "synthetic"]
        real = [r for r in rows if r["shared_sd"] == sd and r["part"] in REAL]
        if not syn or not real:
            continue
        worst = min(real, key=lambda r: r["cov90"])
        syn_ok = all(lo <= c <= hi for c in syn)
        real_ok = worst["cov90"] >= floor
        out.append(
            f"- `shared_sd = {sd}`: synthetic 90 % coverage {min(syn):.2f}-{max(syn):.2f} "
            f"({'within' if syn_ok else 'not all within'} {lo}-{hi}); real data at least "
            f"{worst['cov90']:.2f} ({worst['data']}; {'meets' if real_ok else 'misses'} "
            f"the {floor} floor)."
        )
        if syn_ok and real_ok:
            both.append(str(sd))
    if out:
        out.append(
            "- Values meeting both coverage targets at once: "
            + (", ".join(both) if both else "none")
            + "."
        )
    for r in rows:
        if r["part"] == "seeds":
            c, z = r["cov90_per_seed"], np.abs(r.get("offset_z", []))
            out.append(
                f"- {r['data']}, `shared_sd = {r['shared_sd']}`: pooled 90 % coverage "
                f"{r['cov90']:.2f}; one seed's ranges from {min(c):.2f} to {max(c):.2f} "
                f"({sum(x < lo for x in c)} of {len(c)} seeds below {lo})."
            )
            if len(z):
                out[-1] += (
                    " The origins' true average bias lies outside its posterior's central 90 % "
                    f"in {int((z > 1.645).sum())} of {len(z)} seeds (|z| "
                    + ", ".join(f"{x:.2f}" for x in z)
                    + "; 10 % expected if calibrated)."
                )
    return out


def markdown(payload: dict) -> str:
    m = payload["machine"]
    rows = [{**r, "fit": f"{r['fit_s']:.0f} s"} for r in payload["rows"]]
    skipped = "".join(f"\n\n{k}: skipped, {v}." for k, v in payload["skipped"].items())
    return (
        f"Written by `{payload['command']}`. Synthetic: seed {SEED}, {payload['draws']} draws × "
        f"{payload['chains']} chains after {payload['tune']} tuning steps, error = RMSE of the "
        f"log estimate; real: every gold value, no truths, {payload['real_draws']} draws × "
        f"{payload['chains']} chains after {payload['real_tune']} tuning steps, error = MAE "
        "in the data's units; weather: "
        + (
            f"every {payload['weather_every']}-th object"
            if payload["weather_every"]
            else "not run, `--weather-every K` adds it"
        )
        + ".\n\n"
        + _common.md_table(
            rows,
            ["data", "shared_sd", "error", "cov50", "cov90", "rhat_max", "fit"],
            {"shared_sd": "g", "error": ".3f", "cov50": ".2f", "cov90": ".2f", "rhat_max": ".3f"},
        )
        + "\n\n"
        + "\n".join(payload["verdict"])
        + skipped
        + f"\n\n*{m['cpu']}, {m['cores']} cores, commit {m['commit']}, {m['when']}.*"
    )


def _previous(name: str) -> list[dict]:
    """Rows of the previous results file (its part derived for rows written before ``part``)."""
    path = _common.RESULTS / name
    if not path.exists():
        return []
    rows = json.loads(path.read_text())["rows"]
    for r in rows:
        r.setdefault("part", "synthetic" if r["data"] in SCENARIOS else r["data"])
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", choices=list(PARTS))
    ap.add_argument(
        "--weather-every", type=int, default=0, help="weather, every K-th object (0: not run)"
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: two values, short chains")
    args = ap.parse_args(argv)
    settings = make_settings(args.quick)
    values = (0.25, 1.0) if args.quick else SHARED_SD
    parts = args.only or [p for p in PARTS if p != "weather" or args.weather_every]
    rows, skipped = [], {}
    for part in parts:
        if part == "synthetic":
            rows += run_synthetic(settings, values)
            continue
        if part == "seeds":
            rows += run_seeds(settings, values)
            continue
        found = run_real(part, settings, values, max(args.weather_every, 1))
        if not found:
            skipped[part] = f"data set {REAL[part]} not found in ../shared/datasets"
        rows += found
    name = "shared_prior_quick.json" if args.quick else "shared_prior.json"
    if args.only:  # keep the other parts' rows from the previous results
        rows = [r for r in _previous(name) if r.get("part") not in parts] + rows
        rows.sort(key=lambda r: PARTS.index(r["part"]))
    payload = {
        "benchmark": "shared_prior",
        "quick": args.quick,
        "command": "python benchmarks/shared_prior.py"
        + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
        "values": list(values),
        "draws": settings.draws,
        "tune": settings.tune,
        "real_draws": settings.real_draws,
        "real_tune": settings.real_tune,
        "chains": settings.chains,
        "weather_every": args.weather_every,
        "machine": _common.machine(),
        "rows": rows,
        "verdict": verdict(rows, values),
        "skipped": skipped,
    }
    path = _common.write_json(name, payload)
    where = _common.publish("shared_prior", markdown(payload), quick=args.quick)
    print(f"wrote {path} and {where}")
    return payload


if __name__ == "__main__":
    main()
