"""Accuracy and calibration of `consensus` against the baselines, on simulated and real data.

Run::

    python benchmarks/accuracy.py [--quick] [--only synthetic|emotion|weather|polls ...]
                                  [--scenario NAME ...] [--render]

Writes ``benchmarks/results/accuracy.json`` (every number: per scenario and seed,
per data set and fit variant, the settings, the machine and each fit's
convergence diagnostics), ``results/calibration_<data set>.png`` and the accuracy
section of ``benchmarks/README.md``. ``--only`` (repeatable) runs some parts and
``--scenario`` some synthetic scenarios; what is not run is kept from the previous
results file when it was written in the same mode (quick or full). ``--render`` runs
nothing: it judges the targets and writes the README section again from the
results file. ``--quick`` is
a smoke run (2 seeds, small simulations, 200 draws, a weather subsample); its
numbers are not comparable, so it writes ``results/accuracy_quick.json``,
``results/accuracy_quick.md`` and ``results/calibration_*_quick.png`` instead.

Modules: `settings` (what decides the numbers, the targets), `data` (real data
sets, the truth split), `fitting` (fit and score through the public API),
`synthetic` and `real` (the runs), `targets` (the verdicts), `render` (the
README section), `main` (the command line).

Sampler
-------
`consensus.fit` with the default sampler (nutpie), ``chains=2``,
``target_accept=0.9``, the default priors and ``random_seed`` = the simulation
seed (1 for real data). Synthetic fits: ``tune=1000``, ``draws=1000`` per chain;
real-data fits: ``tune=500``, ``draws=500``; quick: 200 and 200 everywhere.
Warnings raised while reading and fitting are caught and recorded per fit, with
`Estimate.diagnostics`: max R-hat, min bulk and tail ESS, divergences, and the
worst value per variable.

Scoring
-------
Every consensus score comes from `consensus.evaluate`: `evaluate.score` reads
the central 50/80/90/95 % intervals from `Estimate.at` and the PIT from
`Estimate.probability`; `evaluate.metrics` gives MAE/RMSE (natural units and
model scale), coverage, interval scores and PIT summaries. Baselines give
points only and are scored with `evaluate.point_errors`.

Synthetic data
--------------
`consensus.simulate` on the log scale with ``zero_sum_bias=True``: 3 quantities
over 60 days, 8 origins, 40 statements per quantity (quick: 2 and 25), and per
scenario (`settings.SCENARIOS`): unbiased origins; biased origins (``bias_sd
0.3``); one heavy-tailed origin; heavy relaying; half the statements bounds or
ranges; a trending quantity with 30 % projections; an error shared by every
origin of a quantity (``shared_error_sd 0.1``); few origins (4, each reporting
on every quantity). Seeds 1-3 (quick: 1-2).

*Exact-value scenario* (``exact``, issue 13): identity scale, one date, 60
quantities (level 100, spread 30), 10 origins chosen uniformly (about one
claim each per quantity), each reporting the truth exactly with probability
0.9, 0.8, 0.7, 0.6, 0.5, 0.3, 0.1, 0, 0, 0 and otherwise the truth plus a bias
(sd 2) and noise (median sd 3), rounded to whole numbers (the truth is one of
the figures). Consensus is fitted with the defaults (``exact='auto'``); it and
the baselines (``mean``, ``median``, ``crh``, ``gtm``, ``catd`` and
``majority``: the most common figure, ties by the median of the tied figures,
`categorical.majority_vote`) are scored by MAE, exact-match share (estimate
literally equal to the truth) and, for consensus, coverage.

*Evaluation points*: every distinct (quantity, ``as_of``) of the claims, with
the simulated truth there. ``rmse_model`` is the RMSE of the log estimate,
``rel_mae`` the mean of ``|estimate - truth| / truth``.

*Baselines* see point figures and range midpoints (bounds dropped), every row as
published (relays counted as repeated claims), attributed to their origin, at
their ``as_of``, on the log scale: ``mean``, ``median``, ``crh``, ``gtm``,
``catd`` per (quantity, 7-day bucket of ``as_of``), a point taking its bucket's
estimate or the nearest bucket's; ``latest``: the most recent figure about a
date at or before the point's; ``rolling_median``: the median of the trailing
14 days, ``latest`` where that window is empty.

Real data (``../shared/datasets``, or ``$CONSENSUS_DATASETS``)
----------------------------------------------------------------
Every real quantity has one date, so the model reduces to a level per quantity
and a bias and noise per origin (identity scale). Each data set is fitted twice:
by default, and with a fixed, seeded 20 % of its gold values given as truths
(``fit(truths=...)``; `data.split_truths`: a permutation, seed
`Settings.truth_seed`, of the sorted quantity names). Both fits are scored on
the other 80 %, the default fit also on every gold value (comparable with the
results before truths existed); the baselines on the same quantities.

* ``emotion`` (Snow et al. 2008 via Zheng et al. 2017): 700 items are the
  quantities, 38 workers the origins, 7,000 answers, one fixed date.
* ``weather`` (Dong et al. 2010): Temperature; each (city, polling time) object
  with a gold value is a quantity, each of the 16 sites an origin. Non-numeric
  figures are dropped; duplicate gold rows keep the last value (this reproduces
  SOURCE.txt's reference figures). Identical rows are one statement for the
  model and one claim each for the baselines. Full mode fits every object
  (quick: every 20th); the baselines are also scored on all objects. The
  estimate rounded to whole degrees (as the gold is) is reported too, with the
  site biases against the sites' mean offsets from gold and the latent values
  that did not mix. Exact-value extras (issue 13): the exact-match share and
  MAE of consensus (as is), the median and majority vote; the five site pairs
  that most often give the identical figure (`consensus.exact.shared_figures`);
  and, for before -> after, the numbers before the exact mode existed
  (`settings.WEATHER_BEFORE_EXACT`).
* ``polls_538`` (FiveThirtyEight raw polls, final 21 days): each race's margin is
  a quantity, its ``as_of`` the election date (earlier polls are projections);
  ``stderr = 100 / sqrt(samplesize)``. The origin is the pollster in D-vs-R
  races and "<pollster> [other margin]" otherwise. House effects are compared
  with ``pollster-ratings-2023.csv`` (``Bias``, ``House Effect``) and with the
  naive house effect.

Targets (issue 8; `targets.judge`, written into the README section)
---------------------------------------------------------------------
Synthetic, every scenario: RMSE (log) at most 2/3 of the best baseline's and
90 % coverage 0.85-0.95. Real data with 20 % truths: 90 % coverage 0.85-0.95 and
MAE below the best baseline's on the held-out values. Real data without truths:
90 % coverage at least 0.75 and MAE no worse than before issue 8 (emotion 13.368,
weather 0.650, polls 5.506, on every gold value).

Targets (issue 13; `targets.judge_exact`): exact scenarios, exact-match share at
least the best baseline's and MAE at most 2/3 of the best baseline's; weather
without truths, MAE (estimate not rounded) below the median's 0.609.
"""

import sys
from pathlib import Path

_BENCHMARKS = str(Path(__file__).resolve().parents[1])
if _BENCHMARKS not in sys.path:  # for `_common`, however the package is started
    sys.path.insert(0, _BENCHMARKS)
