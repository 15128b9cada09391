"""The measurements in the parent process: seed, samplers, peers and scaling, each fit a child."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from .cases import scaling_size
from .processes import fresh_cache_env, run_child
from .render import error_summary
from .settings import O_EXPONENT, Q_EXPONENT, SAMPLERS, log


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
    cmp_sizes = cfg["advi_vs_nuts_n"]
    cmp_sizes = [cmp_sizes] if isinstance(cmp_sizes, int) else list(cmp_sizes)
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
            {"n": n, "method": method, "keep_latent": n in cmp_sizes, **common},
            timeout=cap,
        )
        if r["timed_out"]:
            log(f"scaling: n={n} {method} passed the {cap} s cap: larger sizes skipped")
            capped.add(method)
            rows.append({"n": n, "method": method, **size, **r})
            continue
        _fail(r, f"scaling n={n} {method}")
        if "latent_q" in r:
            latent[method, n] = np.array(r.pop("latent_q"))
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
    out["advi_vs_nuts"] = [
        {
            "iterations": cfg["advi_iterations"],
            **advi_error(latent["nuts", n], latent["advi", n], n),
        }
        for n in cmp_sizes
        if ("nuts", n) in latent and ("advi", n) in latent
    ]
    n_cmp = cmp_sizes[0]
    if ("nuts", n_cmp) in latent:
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
                err = advi_error(latent["nuts", n_cmp], np.array(r["latent_q"]), n_cmp)
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
    """ADVI against NUTS on the latent values: RMSE of medians (model scale) and width ratio.

    Median errors are also given in NUTS posterior sds, each sd read from NUTS' 90 % interval
    as its width / 3.29 (a normal posterior's), the unit of issue 11's aim (within 0.25 sd).
    """
    import numpy as np

    med_err = advi_q[1] - nuts_q[1]
    w_nuts, w_advi = nuts_q[2] - nuts_q[0], advi_q[2] - advi_q[0]
    in_sd = np.abs(med_err) / (w_nuts / 3.29)
    ratio = w_advi / w_nuts
    return {
        "median_error_sd_median": float(np.median(in_sd)),
        "median_error_sd_max": float(np.max(in_sd)),
        "share_median_within_0_25_sd": float(np.mean(in_sd <= 0.25)),
        "share_width_within_15_percent": float(np.mean(np.abs(ratio - 1) <= 0.15)),
        "n": n,
        "rmse_median": float(np.sqrt(np.mean(med_err**2))),
        "max_abs_median_error": float(np.max(np.abs(med_err))),
        "nuts_mean_width_90": float(np.mean(w_nuts)),
        "width_ratio_90_median": float(np.median(w_advi / w_nuts)),
        "width_ratio_90_mean": float(np.mean(w_advi) / np.mean(w_nuts)),
    }


def _fail(r: dict, what: str) -> None:
    if "error" in r:
        log(f"{what} FAILED: {error_summary(r['error'])}")


def _ess_line(r: dict) -> str:
    if r.get("timed_out"):
        return f"stopped at the cap after {r['process_s']:.0f} s"
    if "ess_per_s" not in r:
        return r.get("skipped") or "failed"
    return (
        f"min bulk ESS {r['ess_bulk_min']:.0f}, sampling {r['sampling_s']:.1f} s -> "
        f"{r['ess_per_s']:.2f} ESS/s; compile {r['compile_s']:.1f} s, total {r['total_s']:.1f} s"
    )
