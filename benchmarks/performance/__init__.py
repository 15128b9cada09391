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

Modules: `settings` (what decides the numbers: the case, full and quick settings,
the aims), `cases` (the simulated inputs), `processes` (a measurement in a fresh
process), `fits` (the timed fits done in those processes), `runs` (the seed,
samplers, peers and scaling measurements), `reading` (the reading section, in
this process), `fit_many` (the ``--fit-many`` benchmark), `render` (the README
sections, also from saved JSON with ``--render``), `main` (the command line).
"""

import sys
from pathlib import Path

_BENCHMARKS = str(Path(__file__).resolve().parents[1])
if _BENCHMARKS not in sys.path:  # for `_common` and `peers`, however the package is started
    sys.path.insert(0, _BENCHMARKS)
