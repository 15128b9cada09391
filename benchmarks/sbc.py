"""Simulation-based calibration (Talts et al. 2018) of the consensus model on a small case.

Run::

    python benchmarks/sbc.py [--quick] [--reps N]

If the sampler and the model are right, the rank of a parameter's true value
among posterior draws, when the truth is drawn from the prior and the data from
the model given it, is uniform. For each replication: draw every parameter from
the prior of `consensus.build_model` of a small fixed design, draw the point
reports from the model given them (`pm.sample_prior_predictive`), fit the same
model to those reports, and count the thinned posterior draws below the drawn
true value. The design, so the priors (scaled to the design's data), stays fixed
across replications; the model is compiled once (nutpie), its observed reports
are the model's data container `data_report`, which each replication replaces
(`with_data`). So every replication is exactly the model of `fit`, without its
per-call compile.

Judged scalars: the latent value of the first quantity on its last grid date,
and the first origin's absolute and relative bias. Uniformity: a histogram of
`BINS` bins per scalar; no bin outside the central 99 % of
``Binomial(reps, 1 / BINS)``. Because a perfectly calibrated model fails that
rule by chance now and then (many bins are checked), the script also gives the
chance of that by simulating uniform ranks, and a chi-square p-value per scalar.

Writes ``results/sbc.json``, ``results/sbc.png`` and the SBC section of
``benchmarks/README.md`` (``--quick``: 20 replications, ``results/sbc_quick.*``).
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import _common
import matplotlib
import numpy as np
import pymc as pm
from scipy import stats

import consensus as cs

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: The fixed case: `consensus.simulate` arguments (only its design is used) and the grid.
CASE = {
    "n_quantities": 2,
    "n_days": 8,
    "n_origins": 4,
    "claims_per_quantity": 10,
    "scale": "identity",
    "level": 0.0,
    "bias_sd": 0.3,
    "noise_mean": 0.3,
    "walk_sd": 0.1,
    "round_sig": None,
    "random_seed": 1,
}
FREQ = 4  # grid step in days: 2-3 grid dates per quantity
DRAWS, TUNE, CHAINS = 500, 400, 2  # per replication
THIN = 10  # keep every 10th draw ...
L = 99  # ... and the first 99 of those: ranks 0..99, 10 to each of the BINS bins
BINS = 10
BAND = 0.99
SEED = 2026


def build():
    """The design, its model and the model compiled once (the reports are its data)."""
    import nutpie

    sim = cs.simulate(**CASE)
    claims = cs.read_claims(sim.claims, scales=CASE["scale"])
    design = claims.design(freq=FREQ)
    model = cs.build_model(design)
    # the reports are the model's data container ``data_report``: one compiled model takes
    # each replication's drawn reports through ``with_data``
    compiled = nutpie.compile_pymc_model(model)
    return claims, design, model, compiled


def scalars(tree) -> dict[str, np.ndarray]:
    """The judged scalars from a prior or posterior group: (chain, draw) arrays."""
    return {
        "latent (q0, last date)": tree["latent"].values[..., -1],
        "bias (origin 0)": tree["bias"].values[..., 0, 0],
        "bias_relative (origin 0)": tree["bias_relative"].values[..., 0, 0],
    }


def replicate(compiled, reports: np.ndarray, truth: dict[str, float], seed: int) -> dict:
    """Fit one set of drawn reports; the rank of each true value among the thinned draws."""
    import nutpie

    trace = nutpie.sample(
        compiled.with_data(data_report=reports),
        draws=DRAWS,
        tune=TUNE,
        chains=CHAINS,
        seed=seed,
        progress_bar=False,
    )
    post = scalars(trace.posterior)
    kept = {k: v[:, ::THIN].ravel()[:L] for k, v in post.items()}
    if len(next(iter(kept.values()))) < L:
        raise ValueError(f"{CHAINS} chains x {DRAWS} draws thinned by {THIN} give fewer than {L}")
    ranks = {k: int((v < truth[k]).sum()) for k, v in kept.items()}
    divergences = int(trace.sample_stats["diverging"].values.sum())
    return {"ranks": ranks, "divergences": divergences}


def uniformity(ranks: np.ndarray, n_ranks: int) -> dict:
    """Histogram counts, the 99 % band of each bin, bins outside it, chi-square p-value."""
    counts = np.histogram(ranks, bins=np.linspace(0, n_ranks, BINS + 1))[0]
    n = len(ranks)
    lo, hi = stats.binom.ppf([(1 - BAND) / 2, (1 + BAND) / 2], n, 1 / BINS)
    return {
        "counts": counts.tolist(),
        "band": [float(lo), float(hi)],
        "bins_outside": int(((counts < lo) | (counts > hi)).sum()),
        "chi2_pvalue": float(stats.chisquare(counts).pvalue),
    }


def false_alarm(n: int, n_scalars: int, trials: int = 20000) -> float:
    """Chance that exactly uniform ranks put some bin of some scalar outside the band."""
    rng = np.random.default_rng(0)
    lo, hi = stats.binom.ppf([(1 - BAND) / 2, (1 + BAND) / 2], n, 1 / BINS)
    counts = rng.multinomial(n, np.full(BINS, 1 / BINS), size=(trials, n_scalars))
    return float(((counts < lo) | (counts > hi)).any(axis=(1, 2)).mean())


def figure(result: dict, path) -> None:
    """One rank histogram per judged scalar, with the expected count and its band."""
    checks = result["scalars"]
    fig, axes = plt.subplots(1, len(checks), figsize=(4 * len(checks), 3.2), layout="constrained")
    for ax, (name, u) in zip(np.atleast_1d(axes), checks.items(), strict=True):
        ax.bar(np.arange(BINS) + 0.5, u["counts"], width=0.9, color="C0")
        ax.axhspan(*u["band"], color="0.5", alpha=0.25, lw=0)
        ax.axhline(result["reps"] / BINS, color="0.3", ls="--", lw=1)
        ax.set(title=name, xlabel=f"rank bin (ranks 0-{result['n_ranks'] - 1})", xticks=[])
    np.atleast_1d(axes)[0].set_ylabel("replications")
    fig.suptitle(
        f"SBC: {result['reps']} replications; grey: {BAND:.0%} band of each bin if uniform"
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def markdown(result: dict, command: str, suffix: str) -> str:
    """The SBC section of benchmarks/README.md."""
    rows = [
        {
            "scalar": name,
            "bins outside the 99 % band": u["bins_outside"],
            "chi-square p": f"{u['chi2_pvalue']:.3f}",
            "counts per bin": " ".join(map(str, u["counts"])),
        }
        for name, u in result["scalars"].items()
    ]
    lo, hi = next(iter(result["scalars"].values()))["band"]
    m = result["machine"]
    return (
        ("**Quick smoke run: numbers are not comparable.** " if result["quick"] else "")
        + f"Written by `{command}` (protocol: its docstring); ranks per replication in "
        f"`results/sbc{suffix}.json`.\n\n"
        f"{result['reps']} replications of prior draw → simulated point reports → fit "
        f"({result['design']['n_statements']} statements, {result['design']['n_quantities']} "
        f"quantities, {result['design']['n_origins']} origins, {result['design']['n_grid']} grid "
        f"dates; nutpie, {CHAINS} chains × {DRAWS} draws after {TUNE}, every {THIN}th, {L} kept: ranks "
        f"0–{result['n_ranks'] - 1}). {BINS} bins; expected {result['reps'] / BINS:g} per bin, "
        f"99 % band {lo:.0f}–{hi:.0f}.\n\n"
        + _common.md_table(rows, list(rows[0]))
        + "\n\nTarget (issue 8): no bin outside the 99 % band: **"
        + ("met" if result["met"] else "not met")
        + f"**. A perfectly calibrated model fails this rule by chance with probability "
        f"{result['false_alarm']:.2f} ({len(rows)} histograms × {BINS} bins, simulated). "
        f"Divergent transitions: {result['divergences']} in all.\n\n"
        f"![SBC rank histograms](results/sbc{suffix}.png)\n\n"
        f"Measured on {m['cpu']} ({m['cores']} cores), Python {m['python']}, PyMC {m['pymc']}, "
        f"commit {m['commit']}, {m['when']}; {result['wall_s'] / 60:.1f} min wall "
        f"(compiling {result['compile_s']:.0f} s)."
    )


def main(argv: list[str] | None = None) -> dict:
    """Run the replications, judge uniformity, write JSON, image and the README section."""
    ap = argparse.ArgumentParser(description="Simulation-based calibration of consensus.")
    ap.add_argument("--quick", action="store_true", help="20 replications, results/sbc_quick.*")
    ap.add_argument("--reps", type=int, default=None, help="replications (default 200)")
    args = ap.parse_args(argv)
    reps = args.reps or (20 if args.quick else 200)
    logging.getLogger("pymc").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        claims, design, model, compiled = build()
        compile_s = time.perf_counter() - t0
        prior = pm.sample_prior_predictive(draws=reps, model=model, random_seed=SEED)
    truths = {k: v.ravel() for k, v in scalars(prior.prior).items()}
    reports = prior.prior_predictive["report"].values.reshape(reps, -1)
    runs = []
    for i in range(reps):
        run = replicate(compiled, reports[i], {k: float(v[i]) for k, v in truths.items()}, i)
        runs.append(run)
        if (i + 1) % 10 == 0:
            print(f"[{time.perf_counter() - t0:6.0f}s] {i + 1}/{reps} replications", flush=True)
    n_ranks = L + 1
    checks = {k: uniformity(np.array([r["ranks"][k] for r in runs]), n_ranks) for k in truths}
    result = {
        "benchmark": "sbc",
        "quick": args.quick,
        "reps": reps,
        "n_ranks": n_ranks,
        "case": {**CASE, "freq": FREQ},
        "sampler": {"draws": DRAWS, "tune": TUNE, "chains": CHAINS, "thin": THIN, "seed": SEED},
        "design": {
            "n_statements": len(claims.statements),
            "n_quantities": len(design.quantities),
            "n_origins": len(design.origins),
            "n_grid": len(design.grid_quantity),
        },
        "scalars": checks,
        "met": all(u["bins_outside"] == 0 for u in checks.values()),
        "false_alarm": false_alarm(reps, len(checks)),
        "divergences": sum(r["divergences"] for r in runs),
        "runs": runs,
        "compile_s": compile_s,
        "wall_s": time.perf_counter() - t0,
        "machine": _common.machine(),
    }
    suffix = "_quick" if args.quick else ""
    _common.write_json(f"sbc{suffix}.json", result)
    figure(result, _common.RESULTS / f"sbc{suffix}.png")
    command = "python benchmarks/sbc.py" + (" --quick" if args.quick else "")
    where = _common.publish("sbc", markdown(result, command, suffix), args.quick)
    print(f"wrote results/sbc{suffix}.json, results/sbc{suffix}.png and {where}")
    return result


if __name__ == "__main__":
    main()
