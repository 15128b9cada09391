"""What decides the numbers: the synthetic case, the full and quick settings, the aims."""

from __future__ import annotations

import time
from pathlib import Path

#: benchmarks/ (this package's parent): `_common`, `peers` and `results/` live there.
BENCHMARKS = Path(__file__).resolve().parents[1]
RESULTS = BENCHMARKS / "results"
SEED_CLAIMS = BENCHMARKS.parent / "examples" / "dprk_troops_2024" / "claims.csv"
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
    "advi_vs_nuts_n": [1000, 10_000],  # sizes where ADVI is compared with NUTS (issue 11: 10^4)
    "advi_more_iterations": [5_000, 40_000],  # also compared with NUTS at the first of those
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
    "advi_vs_nuts_n": [1000],
    "advi_more_iterations": [],
}

#: Scaling sizes: quantities grow as n^0.5 and origins as n^0.4, anchored at the standard case
#: (2,000 statements: 5 quantities, 40 origins).
Q_EXPONENT, O_EXPONENT = 0.5, 0.4


#: The reading section's file sizes (rows).
READ_SIZES = (1_000, 10_000, 100_000)
#: Targets of issue 11: read_claims within 20 x read_csv, design() within 1 s at 10^5 rows.
READ_RATIO_AIM, DESIGN_AIM_S = 20.0, 1.0

#: `--fit-many`: many small topics fitted by a plain loop of `fit` and by `fit_many` with 1
#: and 2 Dask workers. Each topic: one quantity over 90 days, 6 origins, 20-60 claims (10 %
#: at_least, 10 % ranges). Results: results/fit_many.json and the "fit_many" README section.
MANY = {
    "topics": 200,
    "quick_topics": 4,
    # the plain loop compiles every topic anew (about 45 s each here): it runs on the first
    # topics only, and its rate per minute is what those measured
    "loop_topics": 10,
    "workers": [1, 2],
    "fit": {"draws": 500, "tune": 500, "chains": 2},
    "quick_fit": {"draws": 100, "tune": 100, "chains": 1},
    "cap_s": 3600,
}


def json_name(quick: bool) -> str:
    """performance.json, or performance_quick.json for a smoke run."""
    return "performance_quick.json" if quick else "performance.json"


def log(msg: str) -> None:
    """A progress line."""
    print(f"[performance {time.strftime('%H:%M:%S')}] {msg}", flush=True)
