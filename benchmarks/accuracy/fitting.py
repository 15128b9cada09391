"""Fitting through the public API, recording warnings and diagnostics, and scoring a fit."""

from __future__ import annotations

import time
import warnings
from collections import Counter

import numpy as np
import pandas as pd

import consensus as cs
from consensus import evaluate

from .settings import Settings

_T0 = time.perf_counter()


def progress(message: str) -> None:
    """Print a progress line with the elapsed wall time."""
    print(f"[{time.perf_counter() - _T0:7.1f}s] {message}", flush=True)


def fit_consensus(
    claims: pd.DataFrame,
    scales: str,
    settings: Settings,
    seed: int,
    *,
    real: bool = False,
    truths: pd.DataFrame | None = None,
) -> tuple[cs.Estimate, dict]:
    """Read and fit claims (with known truths if given), recording warnings and diagnostics.

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
    truths
        Passed to ``fit(truths=...)``.

    Returns
    -------
    estimate, record
        The `Estimate`, and a JSON-ready dict: sizes, seconds, max R-hat, min
        bulk/tail ESS, divergences, the worst of each monitored variable, how
        many quantities were fitted as exact-or-wrong (``n_exact``), the
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
            truths=truths,
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
        "n_truths": 0 if truths is None else len(truths),
        "n_exact": len(est.config.exact),  # quantities fitted as exact-or-wrong (issue 13)
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


def score(est: cs.Estimate, truths: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """`consensus.evaluate.score` at the settings' interval levels."""
    return evaluate.score(est, truths, levels=settings.levels)


def consensus_metrics(points: pd.DataFrame) -> dict:
    """`consensus.evaluate.metrics`, plus the relative MAE (natural units) for positive truths."""
    out = evaluate.metrics(points)
    t = points["truth"].to_numpy(float)
    if (t > 0).all():
        out["rel_mae"] = float(np.mean(np.abs(points["median"].to_numpy(float) - t) / t))
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
