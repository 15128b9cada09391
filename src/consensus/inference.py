"""`fit`: claims (and any truths or track record) -> design -> model -> posterior -> `Estimate`.

Every argument is checked before anything is compiled or sampled. The sampler
is nutpie by default (chosen by measurement), `pm.sample` for ``"pymc"`` and
``"numpyro"``, or two-stage ADVI; `fit` then checks convergence and warns with
what to try.

Compile once per model structure: with nutpie, the compiled model is kept in an
in-process LRU cache keyed by `consensus.model.structure_key` (index arrays,
kinds, sizes, priors, track record, sampler settings). A later fit of the same
structure with new numbers swaps its `consensus.model.model_data` into the
compiled model (`CompiledPyMCModel.with_data`) instead of compiling again; its
draws equal a cold fit's with the same seed. With ``fit(buckets=True)`` (what
`fit_many` does) small designs are padded to shape buckets and their index
arrays are data too, so another topic of similar size, new claims or other
reference origins reuse the compiled model as well.
"""

from __future__ import annotations

import numbers
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .claims import KIND_CODE, Claims, read_claims
from .config import FORMAT_VERSION, FitConfig
from .design import Design
from .errors import ConvergenceWarning, OneSidedWarning
from .estimate import Estimate
from .exact import ExactDesign, exact_design, exact_quantities, resolve
from .model import (
    DATA_NAMES,
    TrackPrior,
    build_model,
    coords,
    model_data,
    resolve_priors,
    structure_key,
    unpad,
)
from .storage import label_posterior
from .truths import read_truths

#: Chosen by measurement (benchmarks/performance.py, "samplers"): see benchmarks/README.md.
DEFAULT_SAMPLER = "nutpie"
SAMPLERS = ("pymc", "nutpie", "numpyro")
METHODS = ("nuts", "advi")


def _version() -> str:
    from . import __version__

    return __version__


def fit(
    claims: Claims | pd.DataFrame | str | Path,
    *,
    truths: pd.DataFrame | str | Path | None = None,
    track_record: Estimate | str | Path | None = None,
    scales: str | Mapping[str, str] | None = None,
    reference: str | Sequence[str] | None = None,
    priors: Mapping[str, float] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    sampler: str | None = None,
    method: str = "nuts",
    target_accept: float = 0.9,
    freq: str | int | None = None,
    random_seed: int | None = None,
    progressbar: bool = True,
    cores: int | None = None,
    advi_iterations: int = 20_000,
    exact: bool | str | Sequence[str] | None = "auto",
    buckets: bool = False,
) -> Estimate:
    """Fit the consensus model to claims.

    Parameters
    ----------
    claims
        A `Claims` container, or a DataFrame / CSV path passed to `read_claims`.
    truths
        Known true values (DataFrame or CSV path: ``quantity, date, value``,
        optional ``stderr``, ``note``; see `consensus.truths.read_truths`). Each
        pins the latent value at its date within its stderr; the origins linked
        to its quantity get absolute biases, and the scale of the error that all
        sources share is learned from them.
    track_record
        An earlier `Estimate` or the path of a saved fit. Its posteriors of the
        same origins' absolute bias and log noise (matched by origin name and
        scale group) and of the shared-error scale become this fit's priors,
        each approximated by an independent normal (moments of the draws).
        Correlations between origins are dropped, so a track record carries
        what was learned about each origin, not about their relations.
    scales
        ``"log"`` (counts, the default), ``"logit"`` (proportions) or
        ``"identity"`` (unbounded reals): one for all quantities or a mapping
        per quantity.
    reference
        An origin name, or several, assumed unbiased. ``None``: biases are
        drawn around zero (soft identification); the reports only tell them
        apart relative to each other, so without truths the truth's interval
        includes the uncertainty of the sources' average bias.
    priors
        Overrides of `consensus.model.DEFAULT_PRIORS` by name.
    draws, tune, chains
        NUTS settings (per chain).
    sampler
        ``"pymc"``, ``"nutpie"`` or ``"numpyro"``; ``None`` uses `DEFAULT_SAMPLER`.
    method
        ``"nuts"`` (default, full Bayes), or ``"advi"``: mean-field ADVI, a
        fast approximation for very large inputs: ``advi_iterations`` Adam
        steps at learning rate 0.01, then half as many at 0.001 to settle the
        stochastic noise, then ``draws * chains`` draws from the approximation.
        It has no MCMC diagnostics (a `ConvergenceWarning` is raised if the
        loss was still falling at the end) and its intervals are somewhat
        narrower than NUTS' (about 0.92 of their width at 10^4 statements);
        benchmarks/README.md reports its error against NUTS.
    target_accept
        NUTS target acceptance; raise towards 0.99 if there are divergences.
    freq
        Time-grid step: days as a number, or a pandas offset alias (``"7D"``).
        ``None``: daily, coarsened so no quantity has more than 300 steps.
    random_seed
        Seed; the same seed gives identical results.
    progressbar
        Show the sampler's progress bar.
    cores
        Parallel chains for the ``pymc`` sampler (default: PyMC's choice).
    advi_iterations
        Optimisation steps of the first stage of ``method="advi"``.
    exact
        Whether point claims are *exact or wrong* (`consensus.exact`): each is
        the truth as reported, up to the rounding it shows, or an error from
        the usual error model, with a per-origin probability of reporting
        exactly, pooled across origins. For web and records data where the
        truth is one of the claimed figures. ``"auto"`` (default): on for the
        quantities of a scale group where most dates' top figure is given by
        several origins; ``True``/``False``: on/off for every quantity; a list:
        those quantities. Quantities with known truths are left out (the truth
        is known). `Estimate.candidates` then gives each claimed figure's
        probability of being the truth.
    buckets
        Pad the model's axes up to shape buckets (powers of two) before compiling,
        so that the compiled model serves every later fit in this process whose
        claims fall in the same buckets: another topic of similar size, a topic
        with new claims, other reference origins. The padding is inert (the
        posterior is the same; draws differ from an unpadded fit with the same
        seed), but the first compile takes about twice as long, so it pays from
        the second topic on. `fit_many` turns it on. Only for nutpie and designs
        of at most `PAD_UP_TO` statements and grid points; otherwise ignored.
        Without it a refit reuses the compiled model only for the same claims
        structure with new numbers.

    Returns
    -------
    Estimate
    """
    sampler = sampler or DEFAULT_SAMPLER
    _check_args(
        sampler=sampler,
        method=method,
        draws=draws,
        tune=tune,
        chains=chains,
        target_accept=target_accept,
        advi_iterations=advi_iterations,
        cores=cores,
        buckets=buckets,
    )
    random_seed = _seed(random_seed)
    reference = [reference] if isinstance(reference, str) else list(reference or [])
    prior_values = resolve_priors(priors)
    if not isinstance(claims, Claims):
        claims = read_claims(claims)
    if scales is not None or not claims.scales:
        claims = claims.with_scales(scales)
    truth_table = (
        None
        if truths is None
        else read_truths(truths, quantities=claims.quantities, scales=claims.scales)
    )
    design = claims.design(freq=freq, truths=truth_table)
    ex = exact_design(claims, design, exact_quantities(claims, design, exact))
    _warn_one_sided(design)
    track = None if track_record is None else track_prior(design, track_record)
    config = FitConfig(
        scales=dict(claims.scales),
        priors=prior_values,
        vague={k: list(v) for k, v in (claims.vague or {}).items()},
        reference=reference,
        tracked=[]
        if track is None
        else [
            [design.origins[o], design.scale_groups[s]]
            for o, s in zip(*np.nonzero(track.tracked), strict=True)
        ],
        freq=freq,
        method=method,
        sampler=sampler if method == "nuts" else None,
        draws=draws,
        tune=tune,
        chains=chains,
        target_accept=target_accept,
        random_seed=random_seed,
        advi_iterations=advi_iterations if method == "advi" else None,
        exact=[] if ex is None else ex.quantities,
        format_version=FORMAT_VERSION,
        consensus_version=_version(),
    )
    if method == "nuts" and sampler == "nutpie" and _pm_sample_is_pymcs():
        raw = _sample_nutpie_cached(
            design,
            prior_values,
            reference,
            track,
            config,
            exact=ex,
            buckets=buckets,
            progressbar=progressbar,
            cores=cores,
        )
    else:
        model = build_model(design, prior_values, reference, track, ex)
        raw = _sample(model, config, progressbar=progressbar, cores=cores)
    idata = label_posterior(raw, design)
    if ex is not None:
        idata = _resolve_exact(idata, design, ex, prior_values, random_seed)
    est = Estimate(idata=idata, claims=claims, config=config, truths=truth_table, design=design)
    if method == "nuts":
        diag = est.diagnostics
        if not diag.ok:
            warnings.warn(
                "the sampler did not converge well enough to trust the intervals: "
                + "; ".join(diag.problems)
                + ". Try: "
                + diag.advice(),
                ConvergenceWarning,
                stacklevel=2,
            )
    return est


def _resolve_exact(
    idata: xr.DataTree, design: Design, ex: ExactDesign, priors: dict, seed: int | None
) -> xr.DataTree:
    """The exact cells' truth drawn among their candidates; the candidates' table as a group."""
    post, table = resolve(
        idata.posterior.to_dataset(),
        design,
        ex,
        nu=priors["nu"] if priors["nu"] > 0 else None,
        noise_floor=priors["noise_floor"],
        seed=seed,
    )
    groups = {n: idata[n].to_dataset() for n in idata.children if n != "posterior"}
    return xr.DataTree.from_dict({"posterior": post, **groups, "candidates": table})


def _warn_one_sided(design: Design) -> None:
    """Say which quantities nothing bounds from above (only at_least claims) or from below."""
    d = design
    k = d.kind
    up = np.isin(k, [KIND_CODE["point"], KIND_CODE["at_most"], KIND_CODE["range"]])
    down = np.isin(k, [KIND_CODE["point"], KIND_CODE["at_least"], KIND_CODE["range"]])
    has_truth = np.isin(np.arange(len(d.quantities)), d.truth_quantity)
    for q, name in enumerate(d.quantities):
        mine = d.quantity == q
        for side, ok, kind in (("above", up, "at_least"), ("below", down, "at_most")):
            if not ok[mine].any() and not has_truth[q]:
                warnings.warn(
                    f"nothing bounds {name!r} from {side}: its claims are all {kind}, so the "
                    f"{side} end of its interval comes from the prior alone. Add a claim that "
                    "limits it, or read that end as a guess.",
                    OneSidedWarning,
                    stacklevel=3,
                )


def _check_args(**a: Any) -> None:
    """Refuse bad settings before anything is compiled or sampled."""
    if a["sampler"] not in SAMPLERS:
        raise ValueError(f"unknown sampler {a['sampler']!r}; choose one of {SAMPLERS}")
    if a["method"] not in METHODS:
        raise ValueError(f"unknown method {a['method']!r}; choose one of {METHODS}")
    for name, least in (("draws", 1), ("chains", 1), ("tune", 0), ("advi_iterations", 1)):
        v = a[name]
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {v!r}")
    if a["cores"] is not None and (not isinstance(a["cores"], numbers.Integral) or a["cores"] < 1):
        raise ValueError(f"cores must be a positive integer or None, got {a['cores']!r}")
    ta = a["target_accept"]
    if not isinstance(ta, numbers.Real) or not 0 < float(ta) < 1:
        raise ValueError(f"target_accept must lie strictly between 0 and 1, got {ta!r}")
    if not isinstance(a["buckets"], (bool, np.bool_)):
        raise ValueError(f"buckets must be True or False, got {a['buckets']!r}")


def _seed(seed: Any) -> int | None:
    """A seed as a plain int (numpy integers are accepted; they would not save as JSON)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"random_seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def track_prior(design: Design, earlier: Estimate | str | Path) -> TrackPrior:
    """An earlier fit's posteriors as priors for the origins it shares with ``design``.

    Each (origin, scale group) that both know gets a normal prior on its
    absolute bias and on its log noise, with the earlier posterior's mean and
    sd; the shared-error scale of each scale group gets a normal prior on its
    log; the share of exact reporters' figures that are the truth (fits with
    exact-or-wrong claims) a Beta of the same mean and variance. Independent:
    correlations are not carried.
    """
    if not isinstance(earlier, Estimate):
        from .storage import load

        earlier = load(earlier)
    if earlier.config.format_version < 2:
        raise ValueError(
            "the track record is a fit of format 1, whose biases are relative: refit it"
        )
    post = earlier.idata.posterior
    ed = earlier.design
    n_o, n_s = len(design.origins), len(design.scale_groups)
    out = {k: np.full((n_o, n_s), np.nan) for k in ("bm", "bs", "nm", "ns")}
    sh_m, sh_s = np.full(n_s, np.nan), np.full(n_s, np.nan)
    ex_a, ex_b = np.full(n_s, np.nan), np.full(n_s, np.nan)
    bias = post["bias"].values.reshape((-1, len(ed.origins), len(ed.scale_groups)))
    lnoise = np.log(post["noise"].values.reshape(bias.shape))
    e_st_scale = ed.quantity_scale[ed.quantity]
    known = np.zeros((len(ed.origins), len(ed.scale_groups)), dtype=bool)
    known[ed.origin, e_st_scale] = True
    for s, scale in enumerate(design.scale_groups):
        if scale not in ed.scale_groups:
            continue
        es = ed.scale_groups.index(scale)
        if "shared_sigma" in post:
            ls = np.log(post["shared_sigma"].values.reshape((-1, len(ed.scale_groups)))[:, es])
            sh_m[s], sh_s[s] = ls.mean(), max(ls.std(), 1e-3)
        if "exact_truth" in post:  # a Beta with the earlier posterior's mean and variance
            r = post["exact_truth"].values.reshape((-1, len(ed.scale_groups)))[:, es]
            m, v = r.mean(), max(r.var(), 1e-6)
            n = max(m * (1 - m) / v - 1, 1e-3)
            ex_a[s], ex_b[s] = m * n, (1 - m) * n
        for o, name in enumerate(design.origins):
            if name not in ed.origins or not known[ed.origins.index(name), es]:
                continue
            eo = ed.origins.index(name)
            out["bm"][o, s], out["bs"][o, s] = bias[:, eo, es].mean(), bias[:, eo, es].std()
            out["nm"][o, s], out["ns"][o, s] = lnoise[:, eo, es].mean(), lnoise[:, eo, es].std()
    # a fixed earlier bias (a reference origin) carries as a very tight prior, not a zero sd
    out["bs"] = np.maximum(out["bs"], 1e-3 * design.unit)
    out["ns"] = np.maximum(out["ns"], 1e-3)
    return TrackPrior(out["bm"], out["bs"], out["nm"], out["ns"], sh_m, sh_s, ex_a, ex_b)


#: What a fit keeps of the posterior and of the sampler's statistics.
KEEP = (
    "latent",
    "bias",
    "bias_relative",
    "shared",
    "shared_sigma",
    "nu",
    "noise",
    "walk_sigma",
    "drift",
    "bias_sigma",
    "noise_mu",
    "noise_spread",
    "projection_sigma",
    "level_z",
    "exact_prob",
    "exact_mu",
    "exact_spread",
    "exact_truth",
)
KEEP_STATS = ("diverging", "tree_depth", "depth", "n_steps", "step_size", "energy", "lp")


def _trim(idata: xr.DataTree, config: FitConfig, loss: np.ndarray | None = None) -> xr.DataTree:
    """The posterior variables and sample statistics a fit keeps, as a fresh DataTree."""
    post = idata.posterior.to_dataset()
    post = post[[v for v in KEEP if v in post]]
    tree = {"posterior": post}
    if "sample_stats" in idata.children:
        ss = idata.sample_stats.to_dataset()
        tree["sample_stats"] = ss[[v for v in KEEP_STATS if v in ss]]
    if loss is not None:
        tree["advi"] = xr.Dataset({"loss": ("iteration", loss)})
    return xr.DataTree.from_dict(tree)


# --- compile once per model structure ------------------------------------------------------

#: How many compiled models the in-process cache keeps (least recently used goes first).
COMPILE_CACHE_SIZE = 16

#: ``fit(buckets=True)`` pads designs with at most this many statements and grid points to
#: shape buckets (`consensus.model.bucket`): there, compiling is nearly the whole fit, and
#: the padded terms cost little. Larger designs keep their exact sizes.
PAD_UP_TO = 2000


def _pads(design: Design, buckets: bool) -> bool:
    small = design.n_statements <= PAD_UP_TO and len(design.grid_quantity) <= PAD_UP_TO
    return buckets and small


class _Compiled:
    """A compiled nutpie model and the PyMC model it came from (its initial-point function
    reads that model's data containers, so they are set to each fit's numbers)."""

    def __init__(self, model: Any, compiled: Any) -> None:
        self.model = model
        self.compiled = compiled
        self.lock = threading.Lock()
        self.names = {v.name for v in compiled.shared_var_keys} & set(DATA_NAMES)


_CACHE: OrderedDict[str, _Compiled] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def clear_compile_cache() -> None:
    """Forget every compiled model (the next fit of each structure compiles again)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def compile_cache_info() -> dict[str, int]:
    """How many compiled models the in-process cache holds, and its capacity."""
    return {"size": len(_CACHE), "capacity": COMPILE_CACHE_SIZE}


def _pm_sample_is_pymcs() -> bool:
    """False when `pm.sample` has been replaced (tests stub it with `pymc.testing.mock_sample`):
    then nutpie fits go through the replacement, as they did before the compile cache."""
    import pymc as pm
    from pymc.sampling import mcmc

    return pm.sample is mcmc.sample


def _compiled_for(
    key: str, design: Design, priors, reference, track, exact=None, pad: bool = False
) -> tuple[_Compiled, bool]:
    """The cached compiled model of ``key``, or a new one (compiled and cached): (entry, hit)."""
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None:
            _CACHE.move_to_end(key)
            return entry, True
    import nutpie

    model = build_model(design, priors, reference, track, exact, pad=pad)
    keep = [v for v in KEEP if v in model.named_vars]
    entry = _Compiled(model, nutpie.compile_pymc_model(model, backend="numba", var_names=keep))
    with _CACHE_LOCK:
        _CACHE[key] = entry
        while len(_CACHE) > COMPILE_CACHE_SIZE:
            _CACHE.popitem(last=False)
    return entry, False


def _sample_nutpie_cached(
    design: Design,
    priors: dict[str, float],
    reference: list[str],
    track: TrackPrior | None,
    config: FitConfig,
    *,
    exact: ExactDesign | None = None,
    buckets: bool = False,
    progressbar: bool,
    cores: int | None,
) -> xr.DataTree:
    """NUTS through nutpie on the cached compiled model of ``design``'s structure.

    The same settings as ``pm.sample(nuts_sampler="nutpie")``: seed derived per chain as
    PyMC does, ``tune=0`` run as 1 step, warm-up discarded.
    """
    import nutpie
    from pymc.progress_bar import NutpieProgressBarManager

    pad = _pads(design, buckets)
    key = structure_key(
        design, priors, reference, track, "nutpie", "numba", KEEP, exact=exact, pad=pad
    )
    entry, hit = _compiled_for(key, design, priors, reference, track, exact, pad)
    numbers = model_data(design, track, reference, pad)
    seed = (
        None
        if config.random_seed is None
        else int(np.random.default_rng(config.random_seed).spawn(config.chains)[0].integers(2**30))
    )
    if seed is None:
        seed = int(np.random.default_rng().integers(2**30))
    n_cores = min(cores or min(4, os.cpu_count() or 1), config.chains)
    with entry.lock:
        for var in entry.model.data_vars:  # the initial points read these
            var.set_value(numbers[var.name])
        compiled = entry.compiled.with_data(**{k: numbers[k] for k in entry.names})
        pb = NutpieProgressBarManager(
            chains=config.chains, draws=config.draws, progressbar=progressbar
        )
        with pb:
            idata = nutpie.sample(
                compiled,
                draws=config.draws,
                tune=max(config.tune, 1),
                chains=config.chains,
                cores=n_cores,
                seed=seed,
                save_warmup=False,
                store_unconstrained=False,
                progress_bar=False,
                progress_callback=pb.update,
                target_accept=config.target_accept,
            )
    out = _trim(idata, config)
    # padding off; a hit was compiled for another design of this structure: this one's labels
    post = unpad(out.posterior.to_dataset(), design)
    labels = {k: v for k, v in coords(design).items() if k in post.dims}
    return xr.DataTree.from_dict(
        {
            "posterior": post.assign_coords(labels),
            **{n: out[n].to_dataset() for n in out.children if n != "posterior"},
        }
    )


def _sample(model, config: FitConfig, *, progressbar: bool, cores: int | None) -> xr.DataTree:
    import pymc as pm

    loss = None
    with model:
        if config.method == "nuts":
            kwargs: dict[str, Any] = {}
            if cores is not None:
                kwargs["cores"] = cores
            idata = pm.sample(
                draws=config.draws,
                tune=config.tune,
                chains=config.chains,
                target_accept=config.target_accept,
                random_seed=config.random_seed,
                nuts_sampler=config.sampler,
                progressbar=progressbar,
                compute_convergence_checks=False,
                **kwargs,
            )
        else:  # mean-field ADVI: a fast approximation for inputs too large for NUTS
            approx, loss = _advi(config.advi_iterations or 1, config.random_seed, progressbar)
            idata = approx.sample(config.draws * config.chains, random_seed=config.random_seed)
    return _trim(idata, config, loss)


#: Adam learning rates of the two ADVI stages. With PyMC's default optimiser (adagrad at
#: 0.001), 20,000 steps left the intervals 17x too wide at 10^3 statements and ran into NaN at
#: 10^5 (benchmarks/results/performance.json as of commit c84df7b); the two stages are measured
#: against NUTS in benchmarks/README.md.
ADVI_LEARNING_RATES = (0.01, 0.001)


def _advi(iterations: int, random_seed: int | None, progressbar: bool):
    """Fit mean-field ADVI in two stages; returns the approximation and the loss history."""
    import pymc as pm

    inference = pm.ADVI(random_seed=random_seed)
    for lr, n in zip(ADVI_LEARNING_RATES, (iterations, max(iterations // 2, 1)), strict=True):
        try:
            inference.fit(n, obj_optimizer=pm.adam(learning_rate=lr), progressbar=progressbar)
        except FloatingPointError as e:
            raise FloatingPointError(
                f"ADVI diverged (the loss became NaN): {e}. Try method='nuts', tighter priors "
                "(priors={'bias_sd': 0.5, 'noise_pool_sd': 0.3}) or a different random_seed."
            ) from e
    loss = np.asarray(inference.hist, dtype=float)
    # still falling at the end of the second stage: the mean of its last quarter is below the
    # mean of its third quarter by more than three standard errors of the difference
    tail = loss[-max(iterations // 2, 1) :]
    q = max(len(tail) // 4, 1)
    a, b = tail[-2 * q : -q], tail[-q:]
    # and by more than a tenth of the loss's own noise (a drift too small to matter is not flagged)
    drop, noise = (a.mean() - b.mean(), b.std()) if len(a) > 1 else (0.0, 0.0)
    if len(a) > 1 and drop > max(3 * noise * np.sqrt(2 / len(b)), 0.1 * noise):
        warnings.warn(
            f"ADVI had not converged: its loss was still falling at the end "
            f"({a.mean():,.1f} -> {b.mean():,.1f}). Try advi_iterations={2 * iterations}.",
            ConvergenceWarning,
            stacklevel=4,  # _advi <- _sample <- fit <- the caller
        )
    return inference.approx, loss
