"""Run `consensus.stan` (the consensus model in Stan) with PyStan 3 on a `Design`.

**Which model.** `consensus.stan` is the *earlier, simpler* consensus model, from
before soft identification: biases summing exactly to zero over the origins of
the one bias group, no per-quantity ``shared`` error, no lone-statement or truth
terms (today's `consensus.model.build_model` has an absolute ``bias``, a zero-sum
``bias_relative`` per group and ``shared``). The speed comparison in
benchmarks/README.md ("Peers") is therefore against that earlier model until it
is re-measured with a peer of the current one. Every prior value in the data
block comes from `consensus.model.resolve_priors`, and which origins are present
from `consensus.model.bias_groups`; the report's error sd is written out in Stan
as `consensus.model.report_sd` computes it (Stan cannot call it).

PyStan is a benchmark-only optional dependency (``pip install -e '.[bench]'``);
httpstan compiles the model to C++ the first time (a few minutes) and caches it.

httpstan links every model with a precompiled ``stan_services.o``. The one in
the httpstan 4.17.0 wheel for CPython 3.13 was compiled against Python 3.10
and pybind11 2.9: a model built with it fails to import ("undefined symbol:
_PyThreadState_UncheckedGet", then "module was compiled for Python 3.10").
`_use_own_services_object` therefore compiles ``stan_services.cpp`` once
against the running Python and a current pybind11 (``pip install pybind11``;
about a minute, cached under ``~/.cache/consensus-bench``) and has httpstan
link models with it. The model code gets a marker comment so that its cache
entry never mixes with one built by an unpatched httpstan.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
import xarray as xr

from consensus.claims import KIND_CODE
from consensus.design import Design
from consensus.model import bias_groups, lone_statements, resolve_priors

STAN_FILE = Path(__file__).with_name("consensus.stan")
CACHE = Path.home() / ".cache" / "consensus-bench"
_MARKER = "// linked with the benchmark's own stan_services.o (see stan_peer.py)\n"


def _services_object() -> Path:
    """``stan_services.o`` compiled for this Python (built once, then cached)."""
    import httpstan
    import pybind11

    pkg = Path(httpstan.__file__).parent
    py = f"{sys.version_info.major}{sys.version_info.minor}"
    obj = CACHE / f"stan_services-httpstan{httpstan.__version__}-cp{py}.o"
    if obj.exists():
        return obj
    CACHE.mkdir(parents=True, exist_ok=True)
    print("[stan] compiling httpstan's stan_services.cpp for this Python (about a minute)")
    macros = [
        "-DBOOST_DISABLE_ASSERTS",
        "-DBOOST_PHOENIX_NO_VARIADIC_EXPRESSION",
        "-DSTAN_THREADS",
        "-D_REENTRANT",
        "-D_GLIBCXX_USE_CXX11_ABI=0",  # as httpstan compiles the models
    ]
    tmp = obj.with_suffix(".tmp.o")
    subprocess.run(
        [
            "c++", "-c", "-O3", "-std=c++17", "-fPIC", "-w", *macros,
            f"-I{pybind11.get_include()}",
            f"-I{pkg / 'include'}",
            f"-I{sysconfig.get_paths()['include']}",
            str(pkg / "stan_services.cpp"),
            "-o", str(tmp),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    tmp.rename(obj)
    return obj


def _use_own_services_object() -> None:
    """Make httpstan link models with `_services_object` and a current pybind11."""
    import httpstan.build_ext
    import pybind11

    run = httpstan.build_ext.run_build_ext
    if getattr(run, "_consensus_patched", False):
        return
    obj = _services_object()

    def patched(extensions, build_lib):
        for ext in extensions:
            ext.extra_objects = [str(obj)]
            ext.include_dirs.insert(0, pybind11.get_include())
        return run(extensions, build_lib)

    patched._consensus_patched = True
    httpstan.build_ext.run_build_ext = patched


def program_code() -> str:
    """The Stan program as built (with the marker line)."""
    return _MARKER + STAN_FILE.read_text()


def is_cached() -> bool:
    """Whether httpstan already holds the compiled model (then `fit_stan` skips the C++ build)."""
    import httpstan.cache
    import httpstan.models

    folder = httpstan.cache.model_directory(httpstan.models.calculate_model_name(program_code()))
    return any(folder.glob("*.so"))


def available() -> str | None:
    """None when PyStan can be used, else the reason it cannot."""
    try:
        import stan  # noqa: F401

        _use_own_services_object()
    except subprocess.CalledProcessError as exc:
        return f"compiling stan_services.cpp failed: {exc.stderr.decode()[-500:]}"
    except Exception as exc:  # ImportError, no compiler, ...
        return f"{type(exc).__name__}: {exc}"
    return None


def stan_data(design: Design, priors: dict | None = None) -> dict:
    """The data block of `consensus.stan` from a `Design`, as `build_model` derives it.

    Indices are 1-based. Only the default identification is written out, and
    in its simplest form (biases sum to zero over all origins of a scale group),
    which is `build_model`'s when every origin is linked to every other by
    shared quantities and no quantity rests on a single point statement; the
    benchmark case is checked for that here.
    """
    groups = bias_groups(design)
    if groups.max() > 0 or len(lone_statements(design)):
        raise ValueError("the Stan peer handles one group of origins and no lone statements")
    p = resolve_priors(priors)
    if p["nu"] <= 0:
        raise ValueError("the Stan peer has fixed tails only: priors['nu'] must be positive")
    d = design
    n_q, n_o, n_s = len(d.quantities), len(d.origins), len(d.scale_groups)
    unit_q = d.unit[d.quantity_scale]
    walking = np.flatnonzero(d.grid_len > 1)
    span = ((d.grid_len - 1) * d.step_days)[walking]
    st_scale = d.quantity_scale[d.quantity]
    present = (groups >= 0).astype(float)  # (origin, scale): has a statement there
    anchor = np.array(
        [np.sort(d.time[d.quantity == q])[(d.quantity == q).sum() // 2] for q in range(n_q)]
    )
    is_start = np.zeros(len(d.grid_quantity), dtype=bool)
    is_start[d.grid_start] = True
    steps = np.flatnonzero(~is_start)
    walk_of_q = np.full(n_q, -1)
    walk_of_q[walking] = np.arange(len(walking))

    def idx(a: np.ndarray) -> list[int]:
        return (np.asarray(a, dtype=int) + 1).tolist()

    def by_kind(name: str) -> np.ndarray:
        return np.flatnonzero(d.kind == KIND_CODE[name])

    pts, lo, hi, rg = (by_kind(k) for k in ("point", "at_least", "at_most", "range"))
    return {
        "Q": n_q,
        "O": n_o,
        "S": n_s,
        "G": len(d.grid_quantity),
        "W": len(walking),
        "K": len(steps),
        "N": d.n_statements,
        "quantity_scale": idx(d.quantity_scale),
        "grid_quantity": idx(d.grid_quantity),
        "anchor": idx(anchor),
        "center": d.center.tolist(),
        "unit": d.unit.tolist(),
        "step_point": idx(steps),
        "step_walk": idx(walk_of_q[d.grid_quantity[steps]]),
        "step_days": d.step_days[d.grid_quantity[steps]].astype(float).tolist(),
        "walk_scale": (p["walk_sd"] * unit_q[walking] / np.sqrt(span)).tolist(),
        "drift_scale": (p["drift_sd"] * unit_q[walking] / span).tolist(),
        "present": present.tolist(),
        "time": idx(d.time),
        "origin": idx(d.origin),
        "st_scale": idx(st_scale),
        "stderr": d.stderr.astype(float).tolist(),
        "horizon_days": d.horizon_days.astype(float).tolist(),
        "n_point": len(pts),
        "point": idx(pts),
        "point_value": d.value[pts].tolist(),
        "n_at_least": len(lo),
        "at_least": idx(lo),
        "at_least_value": d.value[lo].tolist(),
        "n_at_most": len(hi),
        "at_most": idx(hi),
        "at_most_value": d.value[hi].tolist(),
        "n_range": len(rg),
        "range_idx": idx(rg),
        "range_low": d.low[rg].tolist(),
        "range_high": d.high[rg].tolist(),
        **{
            k: p[k]
            for k in (
                "level_sd",
                "bias_sd",
                "noise_median",
                "noise_level_sd",
                "noise_pool_sd",
                "noise_floor",
                "projection_sd",
                "nu",
            )
        },
    }


def _draws(fit, name: str, chains: int) -> np.ndarray:
    """(chain, draw, *dims) array of one Stan variable."""
    a = np.asarray(fit[name])  # (*dims, draws * chains), draw-major: index = draw * chains + chain
    dims = a.shape[:-1]
    a = a.reshape(*dims, -1, chains)
    return np.moveaxis(a, (-1, -2), (0, 1))


def fit_stan(
    design: Design,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    target_accept: float = 0.9,
    random_seed: int = 1,
) -> dict:
    """Compile (or fetch from httpstan's cache) and sample `consensus.stan`.

    Returns
    -------
    dict
        ``build_s`` (compile, or cache look-up), ``sampling_s`` (warm-up and
        draws of all chains), ``posterior`` (an `xarray.Dataset` with ``latent``
        (chain, draw, time) and ``bias`` (chain, draw, origin, scale)) and
        ``divergences``.
    """
    import stan

    _use_own_services_object()
    data = stan_data(design)
    t0 = time.perf_counter()
    model = stan.build(program_code(), data=data, random_seed=random_seed)
    t1 = time.perf_counter()
    fit = model.sample(num_chains=chains, num_samples=draws, num_warmup=tune, delta=target_accept)
    t2 = time.perf_counter()
    post = xr.Dataset(
        {
            "latent": (("chain", "draw", "time"), _draws(fit, "latent", chains)),
            "bias": (("chain", "draw", "origin", "scale"), _draws(fit, "bias", chains)),
        }
    )
    return {
        "build_s": t1 - t0,
        "sampling_s": t2 - t1,
        "posterior": post,
        "divergences": int(np.asarray(fit["divergent__"]).sum()),
        "tree_depth_mean": float(np.asarray(fit["treedepth__"]).mean()),
        "steps_per_draw": float(np.asarray(fit["n_leapfrog__"]).mean()),
    }
