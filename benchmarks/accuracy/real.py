"""Real data sets: a default fit and a fit given 20 % of the gold values, scored like the baselines."""

from __future__ import annotations

import warnings
from pathlib import Path

import _common
import numpy as np
import pandas as pd
from scipy import stats

import consensus as cs
from consensus import evaluate
from consensus.baselines import BASELINES
from consensus.exact import shared_figures

from . import data as datasets
from .categorical import exact_match_share, majority_vote
from .fitting import consensus_metrics, fit_consensus, progress, score
from .settings import WEATHER_BEFORE_EXACT, Settings


def baseline_errors(rows: pd.DataFrame, truth: pd.Series) -> dict[str, dict]:
    """Errors of each applicable baseline at the quantities of ``truth``; ``latest`` needs ``time``."""
    out = {}
    for name, f in BASELINES.items():
        if name == "latest" and "time" not in rows:
            continue
        kw = {"times": rows["time"]} if name == "latest" else {}
        est = f(rows["value"], rows["item"], rows["source"], **kw).truth
        out[name] = evaluate.point_errors(est.reindex(truth.index), truth.to_numpy(float))
    return out


def run_variants(data: datasets.RealData, settings: Settings) -> tuple[dict, dict, dict]:
    """The default fit and the fit with truths, each scored; the baselines on the same points.

    A seeded ``truth_share`` of the quantities (`data.split_truths`) is given to
    the second fit as truths; both fits are scored on the other quantities, the
    default fit also on all of them (comparable with results before truths).

    Returns
    -------
    estimates, points, result
        ``{"default": Estimate, "truths": Estimate}``; the per-point tables
        (`consensus.evaluate.score`) of each on the held-out quantities and
        ``"default_all"``; and the JSON-ready result:
        ``info``, ``split``, ``reference`` and per variant ``fit`` and
        ``metrics`` (method -> errors; consensus also coverage, interval score,
        PIT) on the ``held_out`` quantities (and ``all`` for the default fit).
    """
    given, held_out = datasets.split_truths(
        data.truth.index, settings.truth_share, settings.truth_seed
    )
    held = data.truths(held_out)
    baselines_held = baseline_errors(data.rows, data.truth[held_out])
    estimates, variants, points = {}, {}, {}
    for variant, truths in (("default", None), ("truths", data.truths(given))):
        progress(
            f"{data.name} [{variant}]: fitting {len(data.claims)} claims on "
            f"{len(data.truth)} quantities, {0 if truths is None else len(truths)} truths given"
        )
        est, fit = fit_consensus(
            data.claims, "identity", settings, settings.real_seed, real=True, truths=truths
        )
        if truths is None:  # scored on every gold value, then on the held-out ones
            pts_all = points["default_all"] = score(est, data.truths(data.truth.index), settings)
            pts = pts_all[pts_all["quantity"].isin(held_out)].reset_index(drop=True)
        else:
            pts = score(est, held, settings)
        metrics = {"consensus": consensus_metrics(pts), **baselines_held}
        variants[variant] = {"fit": fit, "metrics": {"held_out": metrics}}
        if truths is None:
            variants[variant]["metrics"]["all"] = {
                "consensus": consensus_metrics(pts_all),
                **baseline_errors(data.rows, data.truth),
            }
        estimates[variant], points[variant] = est, pts
        best = min(baselines_held, key=lambda k: baselines_held[k]["mae"])
        c = metrics["consensus"]
        progress(
            f"{data.name} [{variant}]: fit {fit['fit_s']:.0f}s (R-hat {fit['rhat_max']:.3f}), "
            f"held-out MAE {c['mae']:.3f} vs {best} {baselines_held[best]['mae']:.3f}, "
            f"cov90 {c['coverage_90']:.2f}"
        )
    result = {
        "info": data.info,
        "split": {
            "share": settings.truth_share,
            "seed": settings.truth_seed,
            "n_given": len(given),
            "n_held_out": len(held_out),
        },
        "reference": data.reference,
        **variants,
    }
    calibration_figure(data.name, {k: points[k] for k in variants}, settings)
    return estimates, points, result


def calibration_figure(name: str, points: dict[str, pd.DataFrame], settings: Settings) -> Path:
    """results/calibration_<name>[_quick].png: `plot_calibration` of each variant, one row each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from consensus.plots import plot_calibration

    fig, axes = plt.subplots(len(points), 2, figsize=(10, 4 * len(points)), layout="constrained")
    for row, (variant, pts) in zip(np.atleast_2d(axes), points.items(), strict=True):
        plot_calibration(pts, axes=(row[0], row[1]))
        row[0].set_title(f"{name}, {variant}: interval coverage (held-out gold values)")
    fig.suptitle(f"{name}: calibration on {len(next(iter(points.values())))} held-out gold values")
    path = _common.RESULTS / f"calibration_{name}{'_quick' if settings.quick else ''}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# ----------------------------------------------------------------- per-data-set extras


def weather_site_biases(est: cs.Estimate, data: datasets.RealData) -> dict:
    """Posterior site biases against each site's mean offset from gold."""
    src = est.sources(prob=0.9).set_index("origin")
    r = data.rows.assign(offset=data.rows["value"] - data.rows["item"].map(data.truth))
    emp = r.groupby("source")["offset"].mean()
    table = pd.DataFrame(
        {
            "bias": src["bias"],
            "bias_lower": src["bias_lower"],
            "bias_upper": src["bias_upper"],
            "calibrated": src["calibrated"],
            "offset": emp,
            "offset_vs_average": emp - emp.mean(),
        }
    ).sort_values("offset")
    return {
        "sites": table.reset_index(names="site").to_dict("records"),
        "pearson": float(stats.pearsonr(table["bias"], table["offset"])[0]),
        "max_abs_difference": float((table["bias"] - table["offset_vs_average"]).abs().max()),
        "max_abs_difference_absolute": float((table["bias"] - table["offset"]).abs().max()),
    }


def unmixed_latents(est: cs.Estimate, data: datasets.RealData) -> dict:
    """How many latent values did not mix, and the worst one: chain means, gold, figures."""
    import arviz as az

    latent = est.idata.posterior["latent"]
    rhat = az.rhat(latent.to_dataset())["latent"].to_numpy()
    g = int(np.nanargmax(rhat))
    q = str(latent["time_quantity"].to_numpy()[g])
    figures = pd.to_numeric(data.claims.loc[data.claims["quantity"] == q, "value"])
    return {
        "n": len(rhat),
        "rhat_above_1.01": int((rhat > 1.01).sum()),
        "rhat_above_1.1": int((rhat > 1.1).sum()),
        "worst": {
            "quantity": q,
            "rhat": float(rhat[g]),
            "chain_means": latent.isel(time=g).mean("draw").to_numpy().round(2).tolist(),
            "gold": float(data.truth[q]),
            "figures": sorted(figures.round(1).tolist()),
        },
    }


def weather_exact_match(points: dict[str, pd.DataFrame], data: datasets.RealData) -> dict:
    """Per scored set: MAE and exact-match share of consensus (as is), the median and majority vote.

    ``points`` are the per-point tables of `run_variants` (``default_all``,
    ``default``, ``truths``); the baselines see ``data.rows`` (every row a claim).
    """
    rows = data.rows
    votes = {
        "median": BASELINES["median"](rows["value"], rows["item"], rows["source"]).truth,
        "majority": majority_vote(rows["value"], rows["item"]),
    }
    out = {}
    for key, pts in points.items():
        truth = pts["truth"].to_numpy(float)
        cell = {"consensus": pts["median"].to_numpy(float)}
        cell.update({k: v.reindex(pts["quantity"]).to_numpy(float) for k, v in votes.items()})
        out[key] = {
            k: {
                "mae": float(np.mean(np.abs(e - truth))),
                "exact_match": exact_match_share(e, truth),
            }
            for k, e in cell.items()
        }
    return out


def weather_shared_figures(data: datasets.RealData, top: int = 5) -> list[dict]:
    """The ``top`` site pairs by share of identical figures (`consensus.exact.shared_figures`)."""
    with warnings.catch_warnings():  # identical duplicate rows: warned about by the fits already
        warnings.simplefilter("ignore", cs.DuplicateClaimWarning)
        table = shared_figures(cs.read_claims(data.claims))
    return table.head(top).to_dict("records")


def _correlations(x: pd.Series, y: pd.Series) -> dict:
    ok = x.notna() & y.notna()
    return {
        "n": int(ok.sum()),
        "pearson": float(stats.pearsonr(x[ok], y[ok])[0]),
        "spearman": float(stats.spearmanr(x[ok], y[ok])[0]),
    }


def polls_house_effects(est: cs.Estimate, data: datasets.RealData, path: Path) -> dict:
    """Correlation of the estimated pollster biases with 538's published ones.

    Compared with ``Bias`` and ``House Effect`` of ``pollster-ratings-2023.csv``
    (D-vs-R origins only, joined on the pollster's name), for every matched
    pollster and those with at least 10 statements; the same for the naive house
    effect (mean deviation of a pollster's polls from their races' averages).
    """
    ratings = pd.read_csv(path / "pollster-ratings-2023.csv").set_index("Pollster")
    src = est.sources(prob=0.9).set_index("origin")
    r = data.rows
    naive = (r["value"] - r.groupby("item")["value"].transform("mean")).groupby(r["source"]).mean()
    joined = ratings[["Bias", "House Effect"]].join(
        src[["bias", "n_statements"]].assign(naive=naive), how="inner"
    )
    out: dict = {"n_matched": len(joined), "n_rated": len(ratings)}
    for subset, frame in (
        ("all", joined),
        ("at_least_10_statements", joined[joined["n_statements"] >= 10]),
    ):
        out[subset] = {
            f"{est_col}_vs_{ref.lower().replace(' ', '_')}": _correlations(
                frame[est_col], frame[ref]
            )
            for est_col in ("bias", "naive")
            for ref in ("Bias", "House Effect")
        }
    return out


# ----------------------------------------------------------------------- the parts


def run_emotion(settings: Settings) -> dict | None:
    """The emotion part, or None when the data set is absent."""
    path = _common.dataset("emotion")
    if path is None:
        return None
    data = datasets.load_emotion(path)
    estimates, _, result = run_variants(data, settings)
    for variant, est in estimates.items():
        result[variant]["unmixed_latents"] = unmixed_latents(est, data)
    return result


def run_weather(settings: Settings) -> dict | None:
    """The weather part (subsample per settings), or None when the data set is absent."""
    path = _common.dataset("weather")
    if path is None:
        return None
    data, rows_all, gold_all = datasets.load_weather(path, settings.weather_every)
    estimates, points, result = run_variants(data, settings)
    result["baselines_all_objects"] = baseline_errors(rows_all, gold_all)
    # the gold and the figures are whole °F: the estimate rounded like them
    for key, pts in points.items():
        rounded = evaluate.point_errors(np.round(pts["median"]), pts["truth"])
        result.setdefault("consensus_rounded", {})[key] = rounded
    for variant, est in estimates.items():
        result[variant]["site_biases"] = weather_site_biases(est, data)
        result[variant]["unmixed_latents"] = unmixed_latents(est, data)
    result["exact_match"] = weather_exact_match(points, data)
    result["shared_figures"] = weather_shared_figures(data)
    result["before_exact"] = WEATHER_BEFORE_EXACT
    em = result["exact_match"]["default_all"]
    progress(
        "weather: exact on "
        + ", ".join(f"{v} {result[v]['fit']['n_exact']}" for v in estimates)
        + " quantities; exact-match (default, all): "
        + ", ".join(f"{k} {v['exact_match']:.3f}" for k, v in em.items())
    )
    return result


def run_polls(settings: Settings) -> dict | None:
    """The polls part, or None when the data set is absent."""
    path = _common.dataset("polls_538")
    if path is None:
        return None
    data = datasets.load_polls(path)
    estimates, _, result = run_variants(data, settings)
    for variant, est in estimates.items():
        result[variant]["house_effects"] = polls_house_effects(est, data, path)
        h = result[variant]["house_effects"]["all"]["bias_vs_bias"]
        progress(
            f"polls [{variant}]: house effects vs 538 Bias: n={h['n']}, "
            f"Pearson {h['pearson']:.2f}, Spearman {h['spearman']:.2f}"
        )
    return result
