"""Run `consensus.stan` (the consensus model in Stan) with PyStan 3 on a `Design`.

PyStan is a benchmark-only optional dependency (``pip install -e '.[bench]'``);
httpstan compiles the model to C++ the first time (a few minutes) and caches it.

On Python 3.13 httpstan 4.17's precompiled ``stan_services.o`` (built with
pybind11 2.9) calls ``_PyThreadState_UncheckedGet``, which Python 3.13 no longer
exports (it became the macro alias of ``PyThreadState_GetUnchecked``), so the
compiled model fails to import with "undefined symbol". `_abi_shim` compiles a
one-line C alias with the system C compiler and loads it globally before
PyStan is used; httpstan's sampling workers are forked and inherit it.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from consensus.claims import KIND_CODE, Design
from consensus.model import resolve_priors

STAN_FILE = Path(__file__).with_name("consensus.stan")


_SHIM_C = (
    "void *PyThreadState_GetUnchecked(void);\n"
    "void *_PyThreadState_UncheckedGet(void) { return PyThreadState_GetUnchecked(); }\n"
)


def _abi_shim() -> None:
    """Export ``_PyThreadState_UncheckedGet`` on Python >= 3.13 (see the module docstring)."""
    if sys.version_info < (3, 13) or hasattr(ctypes.pythonapi, "_PyThreadState_UncheckedGet"):
        return
    folder = Path(tempfile.gettempdir()) / "consensus_bench_stan_shim"
    folder.mkdir(exist_ok=True)
    lib = folder / "pythreadstate_shim.so"
    if not lib.exists():
        src = folder / "pythreadstate_shim.c"
        src.write_text(_SHIM_C)
        subprocess.run(
            ["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True, capture_output=True
        )
    ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)


def available() -> str | None:
    """None when PyStan can be used, else the reason it cannot."""
    try:
        import stan  # noqa: F401

        _abi_shim()
    except Exception as exc:  # ImportError, a broken httpstan build, no C compiler
        return f"{type(exc).__name__}: {exc}"
    return None


def stan_data(design: Design, priors: dict | None = None) -> dict:
    """The data block of `consensus.stan` from a `Design`, as `build_model` derives it.

    Indices are 1-based. Only the default identification (biases sum to zero
    over the origins present in each scale group) is supported.
    """
    p = resolve_priors(priors)
    d = design
    n_q, n_o, n_s = len(d.quantities), len(d.origins), len(d.scale_groups)
    unit_q = d.unit[d.quantity_scale]
    walking = np.flatnonzero(d.grid_len > 1)
    span = ((d.grid_len - 1) * d.step_days)[walking]
    st_scale = d.quantity_scale[d.quantity]
    present = np.zeros((n_o, n_s))
    present[d.origin, st_scale] = 1.0
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

    _abi_shim()
    data = stan_data(design)
    t0 = time.perf_counter()
    model = stan.build(STAN_FILE.read_text(), data=data, random_seed=random_seed)
    t1 = time.perf_counter()
    fit = model.sample(
        num_chains=chains, num_samples=draws, num_warmup=tune, delta=target_accept
    )
    t2 = time.perf_counter()
    post = xr.Dataset(
        {
            "latent": (("chain", "draw", "time"), _draws(fit, "latent", chains)),
            "bias": (("chain", "draw", "origin", "scale"), _draws(fit, "bias", chains)),
        }
    )
    div = int(np.asarray(fit["divergent__"]).sum()) if "divergent__" in fit else None
    return {"build_s": t1 - t0, "sampling_s": t2 - t1, "posterior": post, "divergences": div}
