"""Speed and scaling of `consensus.fit`: `python benchmarks/performance.py [--quick] [--only ...]`.

Four measurements, each fit in a fresh Python process (``sys.executable -c``)
so that compile caches, imports and memory are those of a real first call:

``seed``
    The seed example (examples/dprk_troops_2024/claims.csv), 4 chains x 1,000
    draws with the default sampler, timed *cold* (empty PyTensor and Numba
    compile caches) and *warm* (the caches the cold run filled).
``samplers``
    ESS per second of the ``pymc``, ``nutpie`` and ``numpyro`` NUTS samplers
    on a standard synthetic case (about 2,000 statements): the smallest bulk
    ESS over the latent values and the biases (constant cells skipped)
    divided by the sampling wall time (warm-up and draws of all chains),
    with the compile and total times beside it.
``peers``
    The same model in Stan (PyStan 3, benchmarks/peers/consensus.stan) and a
    straightforward PyMC model (centred, unanchored:
    benchmarks/peers/naive_pymc.py), on the same case: ESS/s ratios.
``scaling``
    Wall time and peak memory from 10^2 to 10^5 statements (NUTS while it
    fits in a per-size time cap, mean-field ADVI beyond), the slope of
    log(time) against log(n), and ADVI's error against NUTS.
``reading``
    `read_claims` and `Claims.design()` on simulated CSV files of 10^3, 10^4
    and 10^5 rows, against `pandas.read_csv` of the same file (in this
    process, best of a few runs; under a minute).

``--fit-many [TOPICS]`` runs only the fit_many benchmark instead: simulated
topics of 20-60 claims (200 by default) fitted by a plain loop of `fit` and by
`consensus.fit_many` on 1 and 2 Dask workers, each in a fresh process; it
writes results/fit_many.json and the "fit_many" section of the README.

Writes benchmarks/results/performance.json (every number, the machine and
the settings) and the "performance" section of benchmarks/README.md.
``--quick`` is a smoke run (smaller cases, fewer draws, 10^2-10^3 statements;
about 10-15 minutes on 2 cores, nearly all of it compiling: each fit is a new
process that compiles its model); its numbers are not comparable with a full
run, and writes results/performance_quick.json and results/performance_quick.md
instead of the committed results. The full run took 30 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine, md_table, publish, write_json  # noqa: E402

SEED_CLAIMS = HERE.parent / "examples" / "dprk_troops_2024" / "claims.csv"
SECTIONS = ("seed", "samplers", "peers", "scaling", "reading")
SAMPLERS = ("pymc", "nutpie", "numpyro")

#: The standard synthetic case: every kind of statement, relays, projections and two
#: heavy-tailed origins. ``n_quantities``, ``n_origins`` and ``claims_per_quantity`` are set
#: per run (`case`).
CASE = {
    "n_days": 180,
    "share_at_least": 0.10,
    "share_at_most": 0.05,
    "share_range": 0.10,
    "projection_share": 0.05,
    "relay_share": 0.30,
    "heavy_tailed": 2,
    "walk_sd": 0.02,
    "bias_sd": 0.3,
    "noise_mean": 0.15,
    "random_seed": 2024,
}

#: Full run: about 45-60 minutes on 2 cores, most of it compiling and the slow samplers. Cut
#: for that budget (said in the README text): the samplers and peers run fewer draws than a
#: default fit (ESS/s is a rate), the peers run on a smaller case (Stan takes about 2 ms per
#: gradient of this model), NUTS is timed at 10^2-10^4 statements and ADVI at 10^3-10^5. A
#: process that passes its cap is stopped and reported as such.
FULL = {
    "seed": {"draws": 1000, "tune": 1000, "chains": 4},
    "standard": {"n_quantities": 5, "n_origins": 40, "claims_per_quantity": 400},
    "samplers_nuts": {"draws": 300, "tune": 300, "chains": 4},
    "sampler_cap_s": 720,
    "peer_size": {"n_quantities": 2, "n_origins": 12, "claims_per_quantity": 150},
    "peers_nuts": {"draws": 500, "tune": 500, "chains": 4},
    "peer_cap_s": 600,
    "nuts_sizes": [100, 1000, 10_000],
    "advi_sizes": [1000, 10_000, 100_000],
    "scaling_nuts": {"draws": 250, "tune": 250, "chains": 4},
    "nuts_cap_s": 540,  # a size whose NUTS fit runs longer is stopped; larger sizes are skipped
    "advi_cap_s": 900,
    "advi_iterations": 20_000,  # fit's default (then half as many at the lower learning rate)
    "advi_vs_nuts_n": 1000,
    "advi_more_iterations": [5_000, 40_000],  # also compared with NUTS at advi_vs_nuts_n
}
QUICK = {
    "seed": {"draws": 200, "tune": 200, "chains": 2},
    "standard": {"n_quantities": 2, "n_origins": 10, "claims_per_quantity": 100},
    "samplers_nuts": {"draws": 200, "tune": 200, "chains": 2},
    "sampler_cap_s": 300,
    "peer_size": {"n_quantities": 2, "n_origins": 10, "claims_per_quantity": 100},
    "peers_nuts": {"draws": 200, "tune": 200, "chains": 2},
    "peer_cap_s": 300,
    "nuts_sizes": [100, 1000],
    "advi_sizes": [1000],
    "scaling_nuts": {"draws": 200, "tune": 200, "chains": 2},
    "nuts_cap_s": 240,
    "advi_cap_s": 300,
    "advi_iterations": 5_000,
    "advi_vs_nuts_n": 1000,
    "advi_more_iterations": [],
}

#: Scaling sizes: quantities grow as n^0.5 and origins as n^0.4, anchored at the standard case
#: (2,000 statements: 5 quantities, 40 origins).
Q_EXPONENT, O_EXPONENT = 0.5, 0.4


def log(msg: str) -> None:
    """A progress line."""
    print(f"[performance {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ============================================================== child processes
def run_child(
    func: str,
    kwargs: dict,
    *,
    env: dict | None = None,
    timeout: float | None = None,
    log_file: Path | None = None,
) -> dict:
    """Run ``performance.<func>(**kwargs)`` in a fresh Python process.

    Returns
    -------
    dict
        The function's result (a JSON-able dict) plus ``process_s`` (wall time
        of the whole process: start-up, imports, work), ``peak_rss_mib`` (peak
        resident memory of the largest process of its tree, from ``wait4``)
        and ``timed_out``; ``error`` holds the end of its output when it failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        code = (
            f"import sys; sys.path.insert(0, {str(HERE)!r}); import performance; "
            f"performance._child_main({func!r}, {json.dumps(kwargs)!r}, {str(out)!r})"
        )
        log_path = log_file or Path(tmp) / "child.log"
        with open(log_path, "w") as fh:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                env={**os.environ, **(env or {})},
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                os.killpg(proc.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill) if timeout else None
            if timer:
                timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            if timer:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - t0
        result: dict = {}
        if out.exists():
            result = json.loads(out.read_text())
        elif not killed.is_set():
            result["error"] = Path(log_path).read_text()[-3000:]
    result.update(
        process_s=wall,
        peak_rss_mib=usage.ru_maxrss / 1024.0,  # Linux: KiB
        timed_out=killed.is_set(),
    )
    return result


def _child_main(func: str, kwargs_json: str, out: str) -> None:
    """Entry point in the child: run ``func`` and write its result as JSON."""
    import warnings

    warnings.simplefilter("ignore")  # convergence and FutureWarnings: the numbers say it
    try:
        result = globals()[func](**json.loads(kwargs_json))
    except Exception as exc:  # reported in the results, not fatal to the whole run
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[-3000:]}
    Path(out).write_text(json.dumps(result, default=float))


def fresh_cache_env(folder: Path) -> dict:
    """Environment giving a process empty PyTensor and Numba compile caches under ``folder``."""
    (folder / "pytensor").mkdir(parents=True, exist_ok=True)
    (folder / "numba").mkdir(parents=True, exist_ok=True)
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    return {
        "PYTENSOR_FLAGS": ",".join(filter(None, [flags, f"compiledir={folder / 'pytensor'}"])),
        "NUMBA_CACHE_DIR": str(folder / "numba"),
    }


# ============================================================== work done in the children
def case(n_quantities: int, n_origins: int, claims_per_quantity: int):
    """Claims (scales declared) of the synthetic case of the given size."""
    import consensus as cs

    sim = cs.simulate(
        n_quantities=n_quantities,
        n_origins=n_origins,
        claims_per_quantity=claims_per_quantity,
        **CASE,
    )
    return cs.read_claims(sim.claims).with_scales("log")


def min_bulk_ess(posterior) -> float:
    """Smallest bulk ESS over ``latent`` and ``bias``, constant cells (absent origins) skipped."""
    import arviz as az

    ds = posterior[["latent", "bias"]]
    ess = az.ess(ds, method="bulk")
    live = ds.std(("chain", "draw")) > 0
    return float(min(float(ess[v].where(live[v]).min()) for v in ("latent", "bias")))


def max_rhat(posterior) -> float:
    """Largest R-hat over ``latent`` and ``bias`` (constant cells skipped)."""
    import arviz as az

    ds = posterior[["latent", "bias"]]
    rhat = az.rhat(ds)
    live = ds.std(("chain", "draw")) > 0
    return float(max(float(rhat[v].where(live[v]).max()) for v in ("latent", "bias")))


def step_stats(sample_stats) -> dict:
    """Mean tree depth and mean leapfrog steps (gradient evaluations) per kept draw."""
    out = {"tree_depth_mean": None, "steps_per_draw": None}
    for key, names in (
        ("tree_depth_mean", ("tree_depth", "depth")),
        ("steps_per_draw", ("n_steps", "n_leapfrog")),
    ):
        name = next((n for n in names if n in sample_stats), None)
        if name:
            out[key] = float(sample_stats[name].mean())
    return out


def _nuts_numbers(posterior, sampling_s: float, total_s: float, divergences, steps: dict) -> dict:
    ess = min_bulk_ess(posterior)
    return {
        **steps,
        "ess_bulk_min": ess,
        "rhat_max": max_rhat(posterior),
        "sampling_s": sampling_s,
        "compile_s": max(total_s - sampling_s, 0.0),
        "total_s": total_s,
        "ess_per_s": ess / sampling_s,
        "divergences": None if divergences is None else int(divergences),
    }


def child_seed_fit(draws: int, tune: int, chains: int) -> dict:
    """Fit the seed example with the default sampler; times of the import and of `fit`."""
    t0 = time.perf_counter()
    import consensus as cs

    t1 = time.perf_counter()
    est = cs.fit(
        str(SEED_CLAIMS), draws=draws, tune=tune, chains=chains, random_seed=1, progressbar=False
    )
    t2 = time.perf_counter()
    sampling = float(est.idata.posterior.attrs.get("sampling_time", math.nan))
    return {
        "sampler": est.config.sampler,
        "import_s": t1 - t0,
        "fit_s": t2 - t1,
        "sampling_s": sampling,
        "statements": int(est.design.n_statements),
    }


def _numpyro_compile_s(claims, chains: int) -> float:
    """JIT compile time of the numpyro sampler: PyMC's timer includes it, so time a tiny run."""
    import consensus as cs

    est = cs.fit(claims, sampler="numpyro", draws=5, tune=5, chains=chains, progressbar=False)
    return float(est.idata.posterior.attrs["sampling_time"])


def child_sampler_fit(size: dict, sampler: str, draws: int, tune: int, chains: int) -> dict:
    """`consensus.fit` with one NUTS sampler on the synthetic case; ESS, ESS/s and times.

    ``sampling_s`` is the sampler's own timer (warm-up and draws, all chains).
    For numpyro that timer includes the JIT compile, which is estimated by a
    tiny run (5 + 5 draws) in the same process and subtracted.
    """
    import consensus as cs

    claims = case(**size)
    jit_s = _numpyro_compile_s(claims, chains) if sampler == "numpyro" else 0.0
    t0 = time.perf_counter()
    est = cs.fit(
        claims,
        sampler=sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=1,
        progressbar=False,
    )
    total = time.perf_counter() - t0
    sampling = float(est.idata.posterior.attrs["sampling_time"]) - jit_s
    div = int(est.idata.sample_stats["diverging"].sum())
    steps = step_stats(est.idata.sample_stats)  # fit keeps tree depth and leapfrog steps
    out = _nuts_numbers(est.idata.posterior.to_dataset(), sampling, total, div, steps)
    out.update(statements=int(est.design.n_statements), numpyro_jit_s=jit_s or None)
    return out


def child_naive_fit(size: dict, sampler: str, draws: int, tune: int, chains: int) -> dict:
    """The straightforward PyMC model (peers/naive_pymc.py) with ``sampler``."""
    import pymc as pm
    from peers.naive_pymc import build_naive_model

    claims = case(**size)
    design = claims.design()
    t0 = time.perf_counter()
    model = build_naive_model(design)
    with model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            target_accept=0.9,
            random_seed=1,
            nuts_sampler=sampler,
            progressbar=False,
            compute_convergence_checks=False,
        )
    total = time.perf_counter() - t0
    post = idata.posterior.to_dataset()
    sampling = float(idata.posterior.attrs["sampling_time"])
    div = int(idata.sample_stats["diverging"].sum())
    return _nuts_numbers(post, sampling, total, div, step_stats(idata.sample_stats))


def child_stan_fit(size: dict, draws: int, tune: int, chains: int) -> dict:
    """The Stan model (peers/consensus.stan) with PyStan; ``compile_s`` is httpstan's build."""
    from peers import stan_peer

    why = stan_peer.available()
    if why:
        return {"skipped": f"PyStan unavailable: {why}"}
    design = case(**size).design()
    cached = stan_peer.is_cached()
    r = stan_peer.fit_stan(design, draws=draws, tune=tune, chains=chains, random_seed=1)
    out = _nuts_numbers(
        r["posterior"],
        r["sampling_s"],
        r["build_s"] + r["sampling_s"],
        r["divergences"],
        {"tree_depth_mean": r["tree_depth_mean"], "steps_per_draw": r["steps_per_draw"]},
    )
    out["compile_cached"] = cached
    return out


def child_scaling_fit(
    n: int,
    method: str,
    draws: int,
    tune: int,
    chains: int,
    advi_iterations: int,
    keep_latent: bool = False,
) -> dict:
    """One fit of the scaling series (default sampler for NUTS); ``keep_latent`` adds the
    posterior median and 90 % interval of every latent value (for ADVI against NUTS)."""
    import numpy as np

    import consensus as cs

    size = scaling_size(n)
    claims = case(**size)
    t0 = time.perf_counter()
    est = cs.fit(
        claims,
        method=method,
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=1,
        progressbar=False,
        advi_iterations=advi_iterations,
    )
    total = time.perf_counter() - t0
    post = est.idata.posterior
    out = {
        "statements": int(est.design.n_statements),
        "rows": len(claims.table),
        "grid_points": len(est.design.grid_quantity),
        **size,
        "fit_s": total,
        "sampling_s": float(post.attrs.get("sampling_time", math.nan)),
    }
    if method == "nuts":
        out["ess_bulk_min"] = min_bulk_ess(post.to_dataset())
        out["divergences"] = int(est.idata.sample_stats["diverging"].sum())
    if keep_latent:
        lat = post["latent"].values.reshape(-1, post["latent"].shape[-1])
        q = np.quantile(lat, [0.05, 0.5, 0.95], axis=0)
        out["latent_q"] = q.tolist()
    return out


def scaling_size(n: int) -> dict:
    """Simulation size for about ``n`` statements: Q ~ 5 (n/2000)^0.5, O ~ 40 (n/2000)^0.4."""
    q = max(1, round(5 * (n / 2000) ** Q_EXPONENT))
    o = max(3, round(40 * (n / 2000) ** O_EXPONENT))
    return {"n_quantities": q, "n_origins": o, "claims_per_quantity": max(1, round(n / q))}


# ============================================================== measurements (parent)
def measure_seed(cfg: dict) -> dict:
    """The seed example, cold then warm, in two fresh processes."""
    out = {"settings": cfg["seed"]}
    with tempfile.TemporaryDirectory(prefix="consensus-cold-") as tmp:
        env = fresh_cache_env(Path(tmp))
        for label in ("cold", "warm"):
            log(f"seed: {label} fit ({cfg['seed']['chains']} chains x {cfg['seed']['draws']})")
            r = run_child("child_seed_fit", cfg["seed"], env=env)
            _fail(r, f"seed {label}")
            out[label] = r
            log(
                f"seed: {label}: process {r['process_s']:.1f} s, fit {r.get('fit_s', math.nan):.1f} s, "
                f"sampling {r.get('sampling_s', math.nan):.1f} s"
            )
    return out


def measure_samplers(cfg: dict) -> dict:
    """ESS/s of each NUTS sampler on the standard case, one fresh process each."""
    nuts = cfg["samplers_nuts"]
    out = {"size": cfg["standard"], "settings": nuts, "cap_s": cfg["sampler_cap_s"], "results": {}}
    for sampler in SAMPLERS:
        log(f"samplers: {sampler} on the standard case")
        r = run_child(
            "child_sampler_fit",
            {"size": cfg["standard"], "sampler": sampler, **nuts},
            timeout=cfg["sampler_cap_s"],
        )
        _fail(r, f"sampler {sampler}")
        out["results"][sampler] = r
        log(f"samplers: {sampler}: {_ess_line(r)}")
    return out


def measure_peers(cfg: dict) -> dict:
    """Consensus (default sampler) against Stan and the straightforward PyMC model."""
    from consensus import DEFAULT_SAMPLER

    args = {"size": cfg["peer_size"], **cfg["peers_nuts"]}
    cap = cfg["peer_cap_s"]
    out: dict = {
        "size": cfg["peer_size"],
        "settings": cfg["peers_nuts"],
        "cap_s": cap,
        "sampler": DEFAULT_SAMPLER,
    }
    log(f"peers: consensus ({DEFAULT_SAMPLER})")
    out["consensus"] = run_child(
        "child_sampler_fit", {**args, "sampler": DEFAULT_SAMPLER}, timeout=cap
    )
    _fail(out["consensus"], "consensus")
    log(f"peers: consensus: {_ess_line(out['consensus'])}")
    log("peers: Stan (PyStan 3; the first build compiles C++ for a few minutes)")
    out["stan"] = run_child("child_stan_fit", args, timeout=cap)
    _fail(out["stan"], "stan")
    log(f"peers: Stan: {_ess_line(out['stan'])}")
    log(f"peers: straightforward PyMC model ({DEFAULT_SAMPLER})")
    out["naive_pymc"] = run_child(
        "child_naive_fit", {**args, "sampler": DEFAULT_SAMPLER}, timeout=cap
    )
    _fail(out["naive_pymc"], "naive PyMC")
    log(f"peers: straightforward PyMC: {_ess_line(out['naive_pymc'])}")
    ours = out["consensus"].get("ess_per_s")
    for peer in ("stan", "naive_pymc"):
        theirs = out[peer].get("ess_per_s")
        out[f"ratio_vs_{peer}"] = ours / theirs if ours and theirs else None
    return out


def measure_scaling(cfg: dict) -> dict:
    """Wall time and peak memory against size: NUTS up to its cap, ADVI at larger sizes."""
    import numpy as np

    common = {**cfg["scaling_nuts"], "advi_iterations": cfg["advi_iterations"]}
    plan = sorted(
        [(n, "nuts") for n in cfg["nuts_sizes"]] + [(n, "advi") for n in cfg["advi_sizes"]]
    )
    rows, latent, capped = [], {}, set()
    for n, method in plan:
        size = scaling_size(n)
        if method in capped:
            log(f"scaling: n={n} {method} skipped (a smaller size passed the cap)")
            rows.append({"n": n, "method": method, **size, "skipped": True, "timed_out": False})
            continue
        cap = cfg["nuts_cap_s"] if method == "nuts" else cfg["advi_cap_s"]
        log(f"scaling: n={n} ({size}) {method}")
        r = run_child(
            "child_scaling_fit",
            {"n": n, "method": method, "keep_latent": n == cfg["advi_vs_nuts_n"], **common},
            timeout=cap,
        )
        if r["timed_out"]:
            log(f"scaling: n={n} {method} passed the {cap} s cap: larger sizes skipped")
            capped.add(method)
            rows.append({"n": n, "method": method, **size, **r})
            continue
        _fail(r, f"scaling n={n} {method}")
        if "latent_q" in r:
            latent[method] = np.array(r.pop("latent_q"))
        rows.append({"n": n, "method": method, **r})
        log(
            f"scaling: n={n} {method}: fit {r.get('fit_s', math.nan):.1f} s, "
            f"process {r['process_s']:.1f} s, peak {r['peak_rss_mib']:.0f} MiB"
        )
    out = {
        "nuts_sizes": cfg["nuts_sizes"],
        "advi_sizes": cfg["advi_sizes"],
        "q_exponent": Q_EXPONENT,
        "o_exponent": O_EXPONENT,
        "nuts_settings": cfg["scaling_nuts"],
        "nuts_cap_s": cfg["nuts_cap_s"],
        "advi_cap_s": cfg["advi_cap_s"],
        "advi_iterations": cfg["advi_iterations"],
        "rows": rows,
        "slopes": {m: slopes(rows, m) for m in ("nuts", "advi")},
    }
    n_cmp = cfg["advi_vs_nuts_n"]
    if {"nuts", "advi"} <= set(latent):
        out["advi_vs_nuts"] = [
            {
                "iterations": cfg["advi_iterations"],
                **advi_error(latent["nuts"], latent["advi"], n_cmp),
            }
        ]
        for it in cfg["advi_more_iterations"]:
            log(f"scaling: ADVI with {it:,} iterations at n={n_cmp}, against NUTS")
            r = run_child(
                "child_scaling_fit",
                {
                    "n": n_cmp,
                    "method": "advi",
                    "keep_latent": True,
                    **common,
                    "advi_iterations": it,
                },
                timeout=cfg["advi_cap_s"],
            )
            _fail(r, f"ADVI {it}")
            if "latent_q" in r:
                err = advi_error(latent["nuts"], np.array(r["latent_q"]), n_cmp)
                out["advi_vs_nuts"].append({"iterations": it, "fit_s": r["fit_s"], **err})
    return out


def slopes(rows: list[dict], method: str) -> dict:
    """Least-squares slope of log(time) on log(n), for the fit and for the sampling alone.

    ``fit_s_largest`` uses only the sizes from 10^3 up, where the fixed compile
    cost no longer dominates.
    """
    import numpy as np

    done = [r for r in rows if r["method"] == method and not r["timed_out"] and "fit_s" in r]

    def fit(key: str, min_n: int = 0) -> float | None:
        pts = [(r["n"], r[key]) for r in done if r["n"] >= min_n and r.get(key, 0) > 0]
        if len(pts) < 2:
            return None
        x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
        return float(np.polyfit(x, y, 1)[0])

    return {
        "fit_s": fit("fit_s"),
        "fit_s_from_1000": fit("fit_s", 1000),
        "sampling_s": fit("sampling_s"),
    }


def advi_error(nuts_q, advi_q, n: int) -> dict:
    """ADVI against NUTS on the latent values: RMSE of medians (model scale) and width ratio."""
    import numpy as np

    med_err = advi_q[1] - nuts_q[1]
    w_nuts, w_advi = nuts_q[2] - nuts_q[0], advi_q[2] - advi_q[0]
    return {
        "n": n,
        "rmse_median": float(np.sqrt(np.mean(med_err**2))),
        "max_abs_median_error": float(np.max(np.abs(med_err))),
        "nuts_mean_width_90": float(np.mean(w_nuts)),
        "width_ratio_90_median": float(np.median(w_advi / w_nuts)),
        "width_ratio_90_mean": float(np.mean(w_advi) / np.mean(w_nuts)),
    }


def _fail(r: dict, what: str) -> None:
    if "error" in r:
        log(f"{what} FAILED: {_error_summary(r['error'])}")


def _ess_line(r: dict) -> str:
    if r.get("timed_out"):
        return f"stopped at the cap after {r['process_s']:.0f} s"
    if "ess_per_s" not in r:
        return r.get("skipped") or "failed"
    return (
        f"min bulk ESS {r['ess_bulk_min']:.0f}, sampling {r['sampling_s']:.1f} s -> "
        f"{r['ess_per_s']:.2f} ESS/s; compile {r['compile_s']:.1f} s, total {r['total_s']:.1f} s"
    )


# ============================================================== markdown
def markdown(results: dict, quick: bool) -> str:
    """The README section: one table per measurement, each with its machine, and the caveats."""
    parts = [
        f"Written by `python benchmarks/performance.py{' --quick' if quick else ''}`"
        + (" — **a quick smoke run: the numbers are not comparable.**" if quick else ".")
        + " The machine has 2 cores and other jobs (tests, the accuracy benchmark) may have "
        "run beside it, so times are noisy (easily ±20 %); each item was measured once, in a "
        "fresh process, rather than repeated.",
    ]
    render = {
        "seed": _md_seed,
        "samplers": _md_samplers,
        "peers": _md_peers,
        "scaling": _md_scaling,
        "reading": _md_reading,
    }
    for section in SECTIONS:
        if section in results:
            text = render[section](results[section])
            head, _, body = text.partition("\n\n")
            parts.append(f"{head}\n\n{_machine_line(results[section]['machine'])}\n\n{body}")
    return "\n\n".join(parts)


def _machine_line(m: dict) -> str:
    return (
        f"*Measured on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), Python "
        f"{m['python']}, PyMC {m['pymc']}, commit {m['commit']}, {m['when']}.*"
    )


def _md_seed(s: dict) -> str:
    cfg = s["settings"]
    rows = [
        {
            "run": label,
            "process (s)": s[label].get("process_s"),
            "import (s)": s[label].get("import_s"),
            "fit() (s)": s[label].get("fit_s"),
            "of which sampling (s)": s[label].get("sampling_s"),
        }
        for label in ("cold", "warm")
        if label in s
    ]
    sampler = s.get("warm", s.get("cold", {})).get("sampler", "?")
    return (
        f"### Seed example: {cfg['chains']} chains x {cfg['draws']} draws ({sampler})\n\n"
        "Cold: a new process with empty PyTensor and Numba compile caches; warm: a new process "
        "with the caches the cold run filled. `process` is the whole `python -c` run.\n\n"
        + md_table(rows, list(rows[0]), {k: ".1f" for k in rows[0] if k != "run"})
        + _seed_comment(s)
    )


def _seed_comment(s: dict) -> str:
    """What the cold/warm numbers say."""
    cold, warm = s.get("cold", {}), s.get("warm", {})
    if not ("fit_s" in cold and "fit_s" in warm):
        return ""
    setup = warm["fit_s"] - warm["sampling_s"]
    return (
        f"\n\nThe warm caches save {cold['fit_s'] - warm['fit_s']:.1f} s. Of the warm `fit()`, "
        f"{warm['sampling_s']:.1f} s is sampling and {setup:.1f} s is building and compiling "
        "the model (PyTensor gradients, then Numba for nutpie, which nothing caches across "
        "processes), so on a small input the compile is nearly the whole wait."
    )


def _md_samplers(s: dict) -> str:
    size, cfg = s["size"], s["settings"]
    rows = []
    for name, r in s["results"].items():
        rows.append(
            {
                "sampler": name,
                "min bulk ESS": r.get("ess_bulk_min"),
                "sampling (s)": r.get("sampling_s"),
                "ESS/s": r.get("ess_per_s"),
                "compile etc. (s)": r.get("compile_s"),
                "total (s)": r.get("total_s"),
                "max R-hat": r.get("rhat_max"),
                "divergences": r.get("divergences"),
                "mean tree depth": r.get("tree_depth_mean"),
                "steps/draw": r.get("steps_per_draw"),
            }
        )
    n_st = next((r.get("statements") for r in s["results"].values() if r.get("statements")), "?")
    fmt = {
        "min bulk ESS": ".0f",
        "sampling (s)": ".1f",
        "ESS/s": ".2f",
        "compile etc. (s)": ".1f",
        "total (s)": ".1f",
        "max R-hat": ".3f",
        "mean tree depth": ".1f",
        "steps/draw": ".0f",
    }
    return (
        f"### Samplers: ESS per second ({n_st} statements)\n\n"
        f"`cs.simulate(n_quantities={size['n_quantities']}, n_origins={size['n_origins']}, "
        f"claims_per_quantity={size['claims_per_quantity']}, ...)` (every kind of statement, "
        f"relays, projections; benchmarks/performance.py `CASE`), {cfg['chains']} chains x "
        f"{cfg['draws']} draws after {cfg['tune']} tuning steps. ESS: the smallest bulk ESS over "
        "the latent values and the biases; ESS/s divides it by the sampling wall time (warm-up "
        "and draws, all chains); steps/draw: leapfrog steps (gradient evaluations) per kept draw. `compile etc.` is the rest of `fit`: building the model, "
        "compiling (numpyro: its JIT, timed by a tiny run), post-processing. numpyro runs its "
        "chains one after another on one CPU device, as `fit` calls it; nutpie and pymc run 2 "
        "chains at a time.\n\n" + md_table(rows, list(rows[0]), fmt) + "\n\n" + default_choice(s)
    )


def default_choice(s: dict) -> str:
    """Which sampler should be the default, and why, from the numbers."""
    from consensus import DEFAULT_SAMPLER

    res = {k: v for k, v in s["results"].items() if v.get("ess_per_s")}
    if not res:
        return "No sampler produced a result."
    best = max(res, key=lambda k: res[k]["ess_per_s"])
    others = [k for k in res if k != best]
    speedup = ", ".join(
        f"{res[best]['ess_per_s'] / res[k]['ess_per_s']:.1f}x {k}'s" for k in others
    )
    text = (
        f"**Default sampler: `{best}`.** It gives the most effective draws per second of "
        f"sampling ({res[best]['ess_per_s']:.2f} ESS/s{', ' + speedup if speedup else ''}). "
        "Compile costs are of the same order for all three (tens of seconds, mostly PyTensor "
        "building the gradient of the Student-t log-CDF), so the sampling rate decides on "
        "inputs of any size. nutpie runs its chains as parallel threads of a compiled "
        "(Numba) log-density; the `pymc` sampler drives NUTS from Python; numpyro, as `fit` "
        "calls it, runs its chains one after another on the one CPU device JAX sees."
    )
    for name in SAMPLERS:
        r = s["results"].get(name, {})
        if r.get("timed_out"):
            text += f" `{name}` was stopped at the {s['cap_s']} s cap: it is slower still."
    if best != DEFAULT_SAMPLER:
        text += (
            f" The library default is `{DEFAULT_SAMPLER}`: these numbers favour `{best}` "
            "(one noisy run: confirm before changing it)."
        )
    return text


def _md_peers(p: dict) -> str:
    rows = []
    labels = {
        "consensus": f"consensus (`build_model`, {p['sampler']})",
        "stan": "Stan (PyStan 3, consensus.stan)",
        "naive_pymc": f"straightforward PyMC (naive_pymc.py, {p['sampler']})",
    }
    for key, label in labels.items():
        r = p.get(key, {})
        rows.append(
            {
                "implementation": label,
                "min bulk ESS": r.get("ess_bulk_min"),
                "sampling (s)": r.get("sampling_s"),
                "ESS/s": r.get("ess_per_s"),
                "compile (s)": r.get("compile_s"),
                "max R-hat": r.get("rhat_max"),
                "divergences": r.get("divergences"),
                "mean tree depth": r.get("tree_depth_mean"),
                "steps/draw": r.get("steps_per_draw"),
                "consensus ESS/s ÷ this": p.get(f"ratio_vs_{key}") if key != "consensus" else 1.0,
                "note": _note(r),
            }
        )
    fmt = {
        "min bulk ESS": ".0f",
        "sampling (s)": ".1f",
        "ESS/s": ".2f",
        "compile (s)": ".1f",
        "max R-hat": ".3f",
        "mean tree depth": ".1f",
        "steps/draw": ".0f",
        "consensus ESS/s ÷ this": ".2f",
    }
    r_stan, r_naive = p.get("ratio_vs_stan"), p.get("ratio_vs_naive_pymc")

    def verdict(ratio, aim):
        if ratio is None:
            return "not measured"
        return f"{ratio:.2f}x: {'met' if ratio >= aim else 'NOT met'}"

    return (
        "### Peers: the same model elsewhere\n\n"
        f"`cs.simulate(n_quantities={p['size']['n_quantities']}, n_origins="
        f"{p['size']['n_origins']}, claims_per_quantity={p['size']['claims_per_quantity']}, ...)` "
        f"(same `CASE` as above, smaller: Stan is too slow on this model for the standard case "
        f"within the time budget), {p['settings']['chains']} chains x {p['settings']['draws']} "
        f"draws after {p['settings']['tune']} tuning steps for all three, each stopped at "
        f"{p['cap_s']} s. Stan: the same model written from "
        "model.py's maths (same priors, non-centred, anchored, Student-t, censored terms with "
        "`student_t_lcdf/lccdf`, ranges with `log_diff_exp`), fed the same `Design` arrays, "
        "4 chains on 2 worker processes, `adapt_delta` 0.9. Straightforward PyMC: centred "
        "`GaussianRandomWalk` per quantity (no anchoring), centred biases and log-noise, "
        "`pm.Censored` bounds, one vectorised term per kind.\n\n"
        + md_table(rows, list(rows[0]), fmt)
        + f"\n\nAims: ESS/s at least Stan's: {verdict(r_stan, 1.0)}; at least 3x the "
        f"straightforward PyMC model's: {verdict(r_naive, 3.0)}."
    )


def _error_summary(error: str) -> str:
    """One line for a failure's message."""
    if "is NaN" in error or "NaN occurred" in error:
        return "the ADVI optimisation diverged (parameters became NaN)"
    lines = [x for x in error.strip().splitlines() if x.strip()]
    return (lines[-1] if lines else "unknown error")[:160]


def _note(r: dict) -> str:
    if r.get("timed_out"):
        return f"stopped at the cap ({r['process_s']:.0f} s)"
    if r.get("skipped"):
        return str(r["skipped"])
    if "error" in r:
        return "failed: " + _error_summary(r["error"])
    return "C++ build cached" if r.get("compile_cached") else ""


def _largest_size_comment(s: dict) -> str:
    """Whether the largest size got a fit, and within the 15-minute aim."""
    n_max = max(r["n"] for r in s["rows"])
    ok = [r for r in s["rows"] if r["n"] == n_max and "fit_s" in r]
    if ok:
        best = min(ok, key=lambda r: r["fit_s"])
        met = "met" if best["process_s"] < 900 else "NOT met"
        return (
            f"\nAt {n_max:,} statements the fastest fit ({best['method']}) took "
            f"{best['process_s'] / 60:.1f} min in all: the 15-minute aim is {met}."
        )
    return (
        f"\nAt {n_max:,} statements no method produced a fit here (see the notes), so the "
        "15-minute aim at 10^5 is NOT met as the library stands."
    )


def _md_scaling(s: dict) -> str:
    rows = []
    for r in s["rows"]:
        size = scaling_size(r["n"])
        rows.append(
            {
                "statements": r.get("statements", r["n"]),
                "quantities": r.get("n_quantities", size["n_quantities"]),
                "origins": r.get("n_origins", size["n_origins"]),
                "method": r["method"],
                "fit() (s)": r.get("fit_s"),
                "sampling (s)": r.get("sampling_s") if r["method"] == "nuts" else None,
                "process (s)": r.get("process_s"),
                "peak RSS (MiB)": r.get("peak_rss_mib"),
                "min bulk ESS": r.get("ess_bulk_min"),
                "note": "skipped: a smaller size passed the cap"
                if r.get("skipped") is True
                else _note(r),
            }
        )
    fmt = {
        "fit() (s)": ".1f",
        "sampling (s)": ".1f",
        "process (s)": ".1f",
        "peak RSS (MiB)": ".0f",
        "min bulk ESS": ".0f",
    }
    cfg = s["nuts_settings"]

    def f(x):
        return "–" if x is None else f"{x:.2f}"

    sl = s["slopes"]
    text = [
        "### Scaling: 10^2 to 10^5 statements\n",
        f"Sizes grow with quantities ~ n^{s['q_exponent']} and origins ~ n^{s['o_exponent']} "
        "(5 and 40 at 2,000 statements), 180 days each (`scaling_size`). NUTS: default sampler, "
        f"{cfg['chains']} chains x {cfg['draws']} draws after {cfg['tune']} tuning steps, "
        f"stopped at {s['nuts_cap_s']} s, at {', '.join(f'{n:,}' for n in s['nuts_sizes'])} "
        f"statements; ADVI (`fit(method='advi')`, mean-field, {s['advi_iterations']:,} "
        f"Adam steps at learning rate 0.01 then {s['advi_iterations'] // 2:,} at 0.001, "
        f"stopped at {s['advi_cap_s']} s) at "
        f"{', '.join(f'{n:,}' for n in s['advi_sizes'])} (the time budget of the whole run: NUTS "
        "is not tried beyond 10^4). `fit()` is the call; `process` adds start-up and imports. "
        "Peak RSS: the largest process of the fit's process tree.\n",
        md_table(rows, list(rows[0]), fmt),
        "",
        f"Slope of log(time) on log(n): NUTS fit {f(sl['nuts']['fit_s'])} "
        f"(from 10^3 up: {f(sl['nuts']['fit_s_from_1000'])}; sampling alone "
        f"{f(sl['nuts']['sampling_s'])}); ADVI fit {f(sl['advi']['fit_s'])} "
        f"(from 10^3 up: {f(sl['advi']['fit_s_from_1000'])}). Aim: at most 1.1.",
        _largest_size_comment(s),
    ]
    comparisons = s.get("advi_vs_nuts") or []
    if comparisons:
        n_cmp = comparisons[0]["n"]
        first = next(
            (r for r in s["rows"] if r["method"] == "advi" and r["n"] == n_cmp and "fit_s" in r),
            {},
        )
        rows = [
            {
                "ADVI steps (first stage)": a["iterations"],
                "fit() (s)": a.get("fit_s", first.get("fit_s") if a is comparisons[0] else None),
                "RMSE of medians": a["rmse_median"],
                "largest error": a["max_abs_median_error"],
                "90 % width ÷ NUTS' (median)": a["width_ratio_90_median"],
                "ratio of mean widths": a["width_ratio_90_mean"],
            }
            for a in comparisons
        ]
        text += [
            "",
            f"ADVI against NUTS at {n_cmp:,} statements, on the latent values (model scale: "
            f"log, so 0.1 is about 10 %; NUTS' mean 90 % interval width is "
            f"{comparisons[0]['nuts_mean_width_90']:.3f}):",
            "",
            md_table(
                rows,
                list(rows[0]),
                {k: ".3f" for k in rows[0]} | {"ADVI steps (first stage)": ",", "fit() (s)": ".1f"},
            ),
        ]
    return "\n".join(text)


# ============================================================== reading
READ_SIZES = (1_000, 10_000, 100_000)
#: Targets of issue 11: read_claims within 20 x read_csv, design() within 1 s at 10^5 rows.
READ_RATIO_AIM, DESIGN_AIM_S = 20.0, 1.0


def _best_of(repeats: int, call) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - t)
    return min(times), out


def _read_case(rows: int, folder: Path) -> tuple[Path, Path]:
    """A simulated claims CSV of exactly ``rows`` rows (CASE, relays included), and the same
    claims with every figure written as text (``figure`` only: what read_claims parses)."""
    import consensus as cs

    per_quantity = math.ceil(rows / 10 / 1.5)  # relays add about half again as many rows
    sim = cs.simulate(n_quantities=10, n_origins=40, claims_per_quantity=per_quantity, **CASE)
    df = sim.claims.head(rows)
    df.to_csv(folder / f"claims_{rows}.csv", index=False)
    figures = df.copy()
    figures["figure"] = [
        cs.format_figure(cs.Figure(k, low=lo, high=hi) if k == "range" else cs.Figure(k, value=v))
        for k, v, lo, hi in zip(df["kind"], df["value"], df["low"], df["high"], strict=True)
    ]
    figures[["kind", "value", "low", "high"]] = ""
    figures.to_csv(folder / f"figures_{rows}.csv", index=False)
    return folder / f"claims_{rows}.csv", folder / f"figures_{rows}.csv"


def measure_reading(cfg: dict) -> dict:
    """read_claims and design() against read_csv, in this process (no model is compiled)."""
    import warnings

    import pandas as pd

    import consensus as cs

    out: dict = {"sizes": list(READ_SIZES), "results": []}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.DuplicateClaimWarning)
        for rows in READ_SIZES:
            numbers, figures = _read_case(rows, Path(tmp))
            repeats = 2 if rows >= 100_000 else 3
            csv_s, _ = _best_of(
                repeats, lambda p=numbers: pd.read_csv(p, dtype=str, keep_default_na=False)
            )
            read_s, claims = _best_of(repeats, lambda p=numbers: cs.read_claims(p))
            fig_csv_s, _ = _best_of(
                repeats, lambda p=figures: pd.read_csv(p, dtype=str, keep_default_na=False)
            )
            fig_s, _ = _best_of(repeats, lambda p=figures: cs.read_claims(p))
            scaled = claims.with_scales(None)  # type: ignore[union-attr]
            design_s, _ = _best_of(repeats, lambda c=scaled: c.design())
            r = {
                "rows": rows,
                "statements": len(claims.statements),  # type: ignore[union-attr]
                "read_csv_s": csv_s,
                "read_claims_s": read_s,
                "ratio": read_s / csv_s,
                "figures_read_csv_s": fig_csv_s,
                "figures_read_claims_s": fig_s,
                "figures_ratio": fig_s / fig_csv_s,
                "design_s": design_s,
            }
            log(f"reading {rows} rows: {r}")
            out["results"].append(r)
    return out


def _md_reading(s: dict) -> str:
    rows = s["results"]
    table = md_table(
        rows,
        ["rows", "statements", "read_csv_s", "read_claims_s", "ratio", "figures_read_claims_s",
         "figures_ratio", "design_s"],
        {
            "read_csv_s": ".3f",
            "read_claims_s": ".3f",
            "ratio": ".1f",
            "figures_read_claims_s": ".3f",
            "figures_ratio": ".1f",
            "design_s": ".3f",
        },
    )  # fmt: skip
    big = max(rows, key=lambda r: r["rows"])
    worst = max(big["ratio"], big["figures_ratio"])
    verdict = (
        f"At {big['rows']:,} rows `read_claims` takes {big['read_claims_s']:.2f} s, "
        f"{big['ratio']:.1f} x `read_csv` ({big['figures_ratio']:.1f} x with every figure as "
        f"text): the aim of at most {READ_RATIO_AIM:g} x at 10^5 rows is "
        f"{'met' if worst <= READ_RATIO_AIM else 'missed'}; `design()` takes "
        f"{big['design_s']:.2f} s (aim {DESIGN_AIM_S:g} s: "
        f"{'met' if big['design_s'] <= DESIGN_AIM_S else 'missed'}). On small files the ratio "
        "is larger: read_claims then costs a fixed few tenths of a second of pandas calls "
        "(one per column and check), which read_csv of a tiny file does not."
    )
    return (
        "### Reading claims\n\n"
        "Simulated claims (`CASE`, 10 quantities, 40 origins; relays included), cut to the "
        "given number of rows and written to CSV; times in seconds, best of 3 runs (2 at "
        "10^5) in one process. `read_csv` is `pandas.read_csv(path, dtype=str, "
        "keep_default_na=False)`, as read_claims calls it; `ratio` = read_claims / read_csv. "
        "The *figures* columns read the same claims with kind/value/low/high blank and every "
        "figure written as text (`format_figure`), so that each is parsed (once per distinct "
        "phrase). `design_s`: `Claims.design()` on the claims read.\n\n"
        f"{table}\n\n{verdict}"
    )


# ============================================================== fit_many
#: `--fit-many`: many small topics fitted by a plain loop of `fit` and by `fit_many` with 1
#: and 2 Dask workers. Each topic: one quantity over 90 days, 6 origins, 20-60 claims (10 %
#: at_least, 10 % ranges). Results: results/fit_many.json and the "fit_many" README section.
MANY = {
    "topics": 200,
    "quick_topics": 4,
    "workers": [1, 2],
    "fit": {"draws": 500, "tune": 500, "chains": 2},
    "quick_fit": {"draws": 100, "tune": 100, "chains": 1},
    "cap_s": 3600,
}


def many_topics(n: int) -> dict:
    """``n`` simulated topics of 20-60 claims each, the same for every run."""
    import numpy as np

    import consensus as cs

    sizes = np.random.default_rng(11).integers(20, 61, n)
    return {
        f"topic_{i:03d}": cs.simulate(
            n_quantities=1,
            n_days=90,
            n_origins=6,
            claims_per_quantity=int(k),
            share_at_least=0.1,
            share_range=0.1,
            random_seed=1000 + i,
        ).claims
        for i, k in enumerate(sizes)
    }


def child_fit_loop(n_topics: int, fit: dict, out_dir: str) -> dict:
    """The plain way: one process, ``fit`` then ``to_netcdf`` per topic, one after another."""
    import consensus as cs

    topics = many_topics(n_topics)
    per_topic, failed = [], 0
    t0 = time.perf_counter()
    for name, claims in topics.items():
        t = time.perf_counter()
        try:
            est = cs.fit(claims, progressbar=False, random_seed=1, **fit)
            est.to_netcdf(Path(out_dir) / f"{name}.nc")
        except Exception as e:  # counted, as fit_many counts its failures
            log(f"{name} failed: {type(e).__name__}: {e}")
            failed += 1
        per_topic.append(time.perf_counter() - t)
    return {"wall_s": time.perf_counter() - t0, "per_topic_s": per_topic, "failed": failed}


def child_fit_many(n_topics: int, workers: int, fit: dict, out_dir: str) -> dict:
    """`fit_many` on a LocalCluster of ``workers`` processes; the wall time includes its start."""
    from distributed import Client, LocalCluster

    import consensus as cs
    from consensus.batch import WORKER_ENV

    topics = many_topics(n_topics)
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=WORKER_ENV,
        ) as cluster,
        Client(cluster) as client,
    ):
        started = time.perf_counter() - t0
        table = cs.fit_many(
            topics, out_dir=out_dir, client=client, progress=False, random_seed=1, **fit
        )
    return {
        "wall_s": time.perf_counter() - t0,
        "cluster_start_s": started,
        "per_topic_s": table["seconds"].tolist(),
        "failed": int((table["status"] != "done").sum()),
    }


def measure_fit_many(quick: bool, topics: int | None = None) -> dict:
    """The loop, then fit_many with each number of workers, each in a fresh process."""
    n = topics or (MANY["quick_topics"] if quick else MANY["topics"])
    fit = MANY["quick_fit"] if quick else MANY["fit"]
    load_before = os.getloadavg()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        plans = [("loop", 1, "child_fit_loop", {})] + [
            (f"fit_many, {w} worker{'s' if w > 1 else ''}", w, "child_fit_many", {"workers": w})
            for w in MANY["workers"]
        ]
        for label, workers, func, extra in plans:
            out_dir = Path(tmp) / func / str(workers)
            out_dir.mkdir(parents=True)
            kwargs = {"n_topics": n, "fit": fit, "out_dir": str(out_dir), **extra}
            log(f"{label}: {n} topics")
            r = run_child(func, kwargs, timeout=MANY["cap_s"])
            r.update(label=label, workers=workers, topics=n)
            if "wall_s" in r:
                r["topics_per_min"] = 60 * n / r["wall_s"]
            log(f"{label}: {r.get('wall_s', float('nan')):.0f} s, {r.get('failed')} failed")
            runs.append(r)
    return {
        "machine": machine(),
        "settings": MANY,
        "quick": quick,
        "topics": n,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "runs": runs,
    }


def _md_fit_many(s: dict) -> str:
    import statistics

    rows = []
    for r in s["runs"]:
        times = r.get("per_topic_s") or []
        rows.append(
            {
                "run": r["label"],
                "workers": r["workers"],
                "wall (s)": r.get("wall_s"),
                "topics/min": r.get("topics_per_min"),
                "first topic (s)": times[0] if times else None,
                "later topics, median (s)": statistics.median(times[1:]) if times[1:] else None,
                "failed": r.get("failed", "–"),
                "note": "stopped at the cap" if r.get("timed_out") else (
                    _error_summary(r["error"]) if r.get("error") else ""
                ),
            }
        )  # fmt: skip
    table = md_table(
        rows,
        list(rows[0]),
        {
            k: ".1f"
            for k in ("wall (s)", "topics/min", "first topic (s)", "later topics, median (s)")
        },
    )
    m, f = s["machine"], s["settings"]["quick_fit" if s["quick"] else "fit"]
    lines = [
        "### Many topics: `fit_many` on Dask",
        "",
        _machine_line(m),
        "",
        f"{s['topics']} simulated topics (`many_topics`: one quantity over 90 days, 6 origins, "
        f"20-60 claims with 10 % at_least and 10 % ranges), each fitted with {f['chains']} chains "
        f"x {f['draws']} draws after {f['tune']} tuning steps and saved as `<topic>.nc`. "
        "`loop`: one fresh process calling `fit` then `to_netcdf` per topic, chains in parallel "
        "(fit's default). `fit_many`: a fresh process starting a LocalCluster of single-threaded "
        "worker processes (its start is in the wall time), chains one after another in each "
        "worker (fit_many's default: the parallelism is across topics). Per-topic times: as "
        "each topic's own clock saw them (for fit_many, in its worker), in input order; the "
        "first topic of a process is the one that pays for anything compiled or imported once.",
    ]
    if s["topics"] < MANY["topics"] and not s["quick"]:
        each = statistics.median(t for r in s["runs"] for t in r.get("per_topic_s") or [])
        lines += [
            "",
            f"**{s['topics']} topics, not {MANY['topics']}**: a topic took "
            f"{each:.0f} s here (median over all runs; mostly building and compiling the "
            "model, as the seed example above shows), so the full set would take hours per "
            "run; the rates per minute are what the smaller set measured.",
        ]
    lines += ["", table, ""]
    by = {r["label"]: r for r in s["runs"]}
    loop = by.get("loop", {})
    best = max(
        (r for r in s["runs"] if r["label"] != "loop" and r.get("topics_per_min")),
        key=lambda r: r["topics_per_min"],
        default=None,
    )
    if loop.get("topics_per_min") and best:
        lines.append(
            f"{best['label']}: {best['topics_per_min']:.2f} topics per minute against the "
            f"loop's {loop['topics_per_min']:.2f} ({best['topics_per_min'] / loop['topics_per_min']:.2f} x)."
        )  # fmt: skip
    rate = {r["workers"]: r["topics_per_min"] for r in s["runs"] if r["label"] != "loop" and r.get("topics_per_min")}  # fmt: skip
    if 1 in rate and 2 in rate:
        lines.append(
            f"The second worker gives {rate[2] / rate[1]:.2f} x the topics per minute of one."
        )
    if 1 in rate and loop.get("topics_per_min") and loop["topics_per_min"] < rate[1] / 1.5:
        lines.append(
            f"The loop ran {rate[1] / loop['topics_per_min']:.1f} x slower than one fit_many "
            "worker doing the same topics one at a time. Not measured apart here: the loop's "
            "parallel chains and multi-threaded libraries compete with the other jobs for the "
            "cores (a worker runs one thread), and the machine's load changed between runs; "
            "the one-worker run is the fairer baseline for the gain from more workers."
        )
    times = loop.get("per_topic_s") or []
    if len(times) > 1:
        later = statistics.median(times[1:])
        lines.append(
            f"Compile reuse: in the loop's process the first fit took {times[0]:.1f} s and "
            f"later fits {later:.1f} s (median), {later / times[0]:.2f} x the first: "
            + (
                "later topics reuse what the first compiled."
                if later <= 0.5 * times[0]
                else "every topic still pays for most of its compile."
            )
        )
    before, after = s["load_average_before"], s["load_average_after"]
    lines.append(
        f"Load average (1 min) of the machine: {before[0]:.1f} before, {after[0]:.1f} after "
        "(other jobs share the cores: times are slower and noisier than on an idle machine)."
    )
    return "\n".join(lines)


def run_fit_many_benchmark(quick: bool, topics: int | None = None, render: bool = False) -> dict:
    """Measure, then write results/fit_many[_quick].json and the README's fit_many section
    (``render``: only rewrite the section from the saved JSON)."""
    name = "fit_many_quick.json" if quick else "fit_many.json"
    if render:
        results = json.loads((HERE / "results" / name).read_text())
        log(
            f"fit_many section rewritten from the saved results: {publish('fit_many', _md_fit_many(results), quick)}"
        )
        return results
    results = measure_fit_many(quick, topics)
    path = write_json(name, results)
    where = publish("fit_many", _md_fit_many(results), quick)
    log(f"fit_many benchmark written: {path}, {where}")
    return results


# ============================================================== main
def _json_name(quick: bool) -> str:
    return "performance_quick.json" if quick else "performance.json"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="a few-minute smoke run")
    ap.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    ap.add_argument(
        "--fit-many",
        nargs="?",
        type=int,
        const=0,
        metavar="TOPICS",
        help="only the fit_many benchmark (its own JSON and README section), on TOPICS topics",
    )
    ap.add_argument(
        "--render", action="store_true", help="rewrite the README section from the saved JSON"
    )
    args = ap.parse_args(argv)
    if args.fit_many is not None:
        return run_fit_many_benchmark(args.quick, args.fit_many, args.render)
    cfg = QUICK if args.quick else FULL
    if args.render:
        saved = json.loads((HERE / "results" / _json_name(args.quick)).read_text())
        where = publish("performance", markdown(saved, args.quick), args.quick)
        log(f"tables rewritten from the saved results: {where}")
        return saved
    only = args.only or list(SECTIONS)
    name = _json_name(args.quick)
    previous = HERE / "results" / name
    # --only re-measures some sections and keeps the others from the last run of this mode
    results: dict = json.loads(previous.read_text()) if previous.exists() and args.only else {}
    results.update(quick=args.quick, settings=cfg, case=CASE)
    log(f"sections {only}, {'quick' if args.quick else 'full'} settings")
    t0 = time.perf_counter()
    measures = {
        "seed": lambda: measure_seed(cfg),
        "samplers": lambda: measure_samplers(cfg),
        "peers": lambda: measure_peers(cfg),
        "scaling": lambda: measure_scaling(cfg),
        "reading": lambda: measure_reading(cfg),
    }
    for section in SECTIONS:
        if section in only:
            ts = time.perf_counter()
            results[section] = {"machine": machine(), **measures[section]()}
            results[section]["elapsed_s"] = time.perf_counter() - ts
    results["elapsed_s"] = time.perf_counter() - t0
    path = write_json(name, results)
    where = publish("performance", markdown(results, args.quick), args.quick)
    log(f"done in {results['elapsed_s'] / 60:.1f} min: {path}, {where}")
    return results


if __name__ == "__main__":
    main()
