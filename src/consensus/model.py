"""The consensus model: a pure builder from a `Design` and priors to a `pm.Model`.

Read `build_model` top to bottom; it is the whole model. Everything is on the
*model scale* (log for counts, logit for proportions, identity for reals), and
every prior scale is in units of ``design.unit`` (a robust within-quantity
spread of the claims of that scale group), so the same defaults work for troop
counts, poll margins and temperatures.

Fixed dimension names: ``quantity``, ``origin``, ``scale``, ``walk`` (the
quantities with more than one grid point), ``time`` (all quantities' grid
points, concatenated), ``statement``, ``point`` (the point statements).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .claims import KIND_CODE
from .design import Design
from .errors import UnknownNameError
from .exact import ExactDesign, Tensors, cell_table, cells_logp

#: Default priors, every one overridable by name through ``fit(priors={...})``.
#: Scales are in units of the data's spread (``Design.unit``), times in days.
DEFAULT_PRIORS: dict[str, float] = {
    # level of each quantity at its anchor date ~ Normal(robust centre of its claims, level_sd)
    "level_sd": 3.0,
    # random-walk innovation sd per sqrt(day) ~ HalfNormal(walk_sd / sqrt(span of the quantity))
    # i.e. over its whole span a quantity wanders about walk_sd units
    "walk_sd": 1.0,
    # drift per day ~ Normal(0, drift_sd / span): a trend of about drift_sd units over the span
    "drift_sd": 1.0,
    # spread of origin biases ~ HalfNormal(bias_sd)
    "bias_sd": 1.0,
    # origin noise: log noise_o = noise_mu + noise_spread * z_o, where the population centre
    # noise_mu ~ Normal(log(noise_median), noise_level_sd) and noise_spread ~ HalfNormal(noise_pool_sd)
    "noise_median": 0.5,
    "noise_level_sd": 0.5,
    "noise_pool_sd": 0.5,
    # floor of every report's error sd: figures are rounded ("about 12,000"), so no report is
    # exact; also keeps the sampler out of the funnel where noise -> 0 (0.05 units ~ 3.5 % on counts)
    "noise_floor": 0.05,
    # projection error sd at 30 days' horizon ~ HalfNormal(projection_sd); grows as sqrt(horizon / 30)
    "projection_sd": 0.5,
    # Student-t degrees of freedom of report errors: fixed at 4 (heavy tails bound a wild
    # figure's pull; a closed-form CDF keeps the censored terms fast). 0 learns it per scale
    # group, nu = 1 + Gamma(2, nu_rate); measured in benchmarks/README.md, it did not pay on the
    # real data (emotion: a bimodal posterior between light and heavy tails), so it is opt-in
    "nu": 4.0,
    "nu_rate": 0.1,
    # error shared by every source of one quantity (a polling miss, the crowd-vs-expert gap, one
    # upstream feed): shared_q ~ Normal(0, shared_sigma), shared_sigma ~ HalfNormal(shared_sd).
    # Only known truths can tell it from the truth itself, so without them it is prior only:
    # a priori the sources' consensus misses the truth by about as much as a typical report
    # misses the consensus (1 unit), i.e. the truth is treated as one more report
    "shared_sd": 1.0,
    # floor of a known truth's error sd (truths are exact up to this)
    "truth_floor": 0.005,
    # exact-or-wrong claims (`fit(exact=...)`, consensus.exact): the probability that origin o
    # reports the truth exactly is sigmoid(exact_mu + exact_spread * z_o), pooled like the
    # noise: exact_mu ~ Normal(0, exact_level_sd) (a priori half of the claims), exact_spread ~
    # HalfNormal(exact_pool_sd)
    "exact_level_sd": 1.5,
    "exact_pool_sd": 1.0,
    # ... and the figure those exact reporters give is the truth with probability exact_truth
    # ~ Beta(a, b) per scale group, else an error they share (weather sites copying one
    # forecast). Claims cannot tell the two apart, only known truths: uniform a priori
    "exact_truth_a": 1.0,
    "exact_truth_b": 1.0,
}


def std_t_logcdf(z: pt.TensorVariable, nu) -> pt.TensorVariable:
    """log F(z) of the standard Student-t with ``nu`` degrees of freedom.

    For the default ``nu = 4`` the CDF has a closed form, with ``r = sqrt(4 + z²)``:
    ``F(z) = (1 + z/r)² (2 - z/r) / 4``. In the lower tail ``1 + z/r`` is
    rewritten as ``4 / (r (r - z))`` so that no cancellation occurs. It is
    exact, and compiles and runs much faster than the general incomplete-beta
    form (benchmarks/README.md), which is used for any other ``nu``.
    """
    if isinstance(nu, float) and nu == 4.0:
        r = pt.sqrt(4.0 + z**2)
        log1p_zr = pt.switch(
            z < 0, np.log(4.0) - pt.log(r - z) - pt.log(r), pt.log(r + z) - pt.log(r)
        )
        return 2.0 * log1p_zr + pt.log(2.0 - z / r) - np.log(4.0)
    return pm.logcdf(pm.StudentT.dist(nu=nu, mu=0.0, sigma=1.0), z)


def interval_logp(lo_z: pt.TensorVariable, hi_z: pt.TensorVariable, nu) -> pt.TensorVariable:
    """log(F(hi_z) - F(lo_z)) for the standard Student-t, stable in both tails.

    Intervals whose midpoint lies above 0 are reflected (F is symmetric), so the
    difference is always taken in the lower tail, where log F keeps full
    relative precision; ``logdiffexp`` then avoids subtracting probabilities.
    """
    upper = (lo_z + hi_z) > 0
    a = pt.switch(upper, -hi_z, lo_z)
    b = pt.switch(upper, -lo_z, hi_z)
    return pm.math.logdiffexp(std_t_logcdf(b, nu), std_t_logcdf(a, nu))


def _at(nu, idx):
    """The degrees of freedom of the statements ``idx``: a fixed float, or their entries."""
    return nu if isinstance(nu, float) else nu[idx]


def resolve_priors(priors: Mapping[str, float] | None) -> dict[str, float]:
    """Defaults overridden by ``priors``; unknown names are an error."""
    priors = dict(priors or {})
    unknown = sorted(set(priors) - set(DEFAULT_PRIORS))
    if unknown:
        raise ValueError(f"unknown prior names {unknown}; known: {sorted(DEFAULT_PRIORS)}")
    out = dict(DEFAULT_PRIORS)
    for k, v in priors.items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"prior {k!r} must be a number, got {v!r}") from None
    bad = [k for k, v in out.items() if not np.isfinite(v) or v < 0 or (v == 0 and k != "nu")]
    if bad:
        raise ValueError(f"priors must be positive finite numbers: {bad}")
    return out


def reference_mask(design: Design, reference: Sequence[str] | None) -> np.ndarray:
    """(origin,) 1.0 for origins assumed unbiased; raises for names that are not origins."""
    mask = np.zeros(len(design.origins))
    for name in reference or ():
        if name not in design.origins:
            raise UnknownNameError(
                f"reference origin {name!r} is not an origin; origins: {design.origins}"
            )
        mask[design.origins.index(name)] = 1.0
    return mask


def bias_groups(design: Design) -> np.ndarray:
    """(origin, scale) -> connected group of origins, -1 where the origin has no statement.

    Two origins are in one group when a chain of shared quantities links them
    (A and B report on q1, B and C on q2: A, B, C form one group). Biases are
    only comparable within a group, so identification (sum to zero, or a
    reference origin) is applied per group. An origin alone in its group (only
    it reports its quantities) gets bias 0: its quantities' estimate is its
    own figures, which is all the data can say.
    """
    d = design
    n_o, n_s, n_q = len(d.origins), len(d.scale_groups), len(d.quantities)
    parent = np.arange(n_o * n_s + n_q)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    node = d.origin * n_s + d.quantity_scale[d.quantity]
    for a, b in set(zip(node.tolist(), (n_o * n_s + d.quantity).tolist(), strict=True)):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    out = np.full(n_o * n_s, -1)
    live = np.unique(node)
    roots = np.array([find(i) for i in live])
    out[live] = np.unique(roots, return_inverse=True)[1]
    return out.reshape(n_o, n_s)


def lone_statements(design: Design) -> np.ndarray:
    """Statements that are the only evidence on their quantity: a single point at a single date.

    Such a quantity's level is written as the statement minus its origin's bias
    minus its error (``lone_error``, the standardised Student-t error). That is
    the same model, but its geometry no longer depends on the origin's noise: in
    the usual parametrisation the level's posterior width scales with the noise,
    a funnel that slowed mixing badly with a few such quantities.
    """
    d = design
    n_st = np.bincount(d.quantity, minlength=len(d.quantities))
    lone_q = (n_st == 1) & (d.grid_len == 1)
    return np.flatnonzero(lone_q[d.quantity] & (d.kind == KIND_CODE["point"]))


@dataclass(frozen=True)
class TrackPrior:
    """Priors carried from an earlier fit (`fit(..., track_record=...)`), aligned to a design.

    Arrays are (origin, scale); NaN where the earlier fit knew nothing of that
    origin on that scale (the usual priors apply). ``bias_*`` is the earlier
    posterior of the absolute bias (model scale) as a normal; ``noise_*`` of the
    log noise as a normal; ``shared_*`` (scale,) of the log shared-error scale;
    ``exact_truth_*`` (scale,) of the share of exact reporters' figures that are
    the truth, as a Beta (only from an earlier fit with exact-or-wrong claims).
    """

    bias_mean: np.ndarray
    bias_sd: np.ndarray
    log_noise_mean: np.ndarray
    log_noise_sd: np.ndarray
    log_shared_mean: np.ndarray
    log_shared_sd: np.ndarray
    exact_truth_a: np.ndarray | None = None
    exact_truth_b: np.ndarray | None = None

    @property
    def tracked(self) -> np.ndarray:
        """(origin, scale) True where an earlier posterior is the prior."""
        return np.isfinite(self.bias_mean)


def quantity_groups(design: Design) -> np.ndarray:
    """(quantity,) the bias group (`bias_groups`) of each quantity's origins."""
    d = design
    g = bias_groups(d)
    out = np.full(len(d.quantities), -1)
    out[d.quantity] = g[d.origin, d.quantity_scale[d.quantity]]
    return out


def group_basis(
    design: Design, reference: Sequence[str] | None, track: TrackPrior | None = None
) -> list[str]:
    """What each bias group's biases are measured against.

    ``"truths"`` (a quantity of the group has a known truth: biases are
    absolute), ``"reference"`` (a reference origin is in it: relative to that
    origin), ``"track record"`` (an origin's bias is known from an earlier fit),
    or ``"relative"`` (relative to the group's average origin).
    """
    d = design
    g = bias_groups(d)
    n_groups = int(g.max()) + 1
    basis = ["relative"] * n_groups
    if track is not None:
        for grp in np.unique(g[track.tracked & (g >= 0)]):
            basis[grp] = "track record"
    ref = reference_mask(d, reference) > 0
    for grp in np.unique(g[ref][g[ref] >= 0]):
        basis[grp] = "reference"
    for grp in np.unique(quantity_groups(d)[d.truth_quantity]):
        basis[grp] = "truths"
    return basis


def pinning_truths(design: Design) -> np.ndarray:
    """Index of the first truth of each quantity that has any: it is written into the model.

    For such a quantity the shared error is solved from the truth (shared =
    consensus at the truth's date − group offset − truth − error), with the
    shared error's prior as a term. Same model; no narrow ridge between the
    shared error and the bias offset that a tight truth would otherwise make.
    """
    _, first = np.unique(design.truth_quantity, return_index=True)
    return np.sort(first)


def report_sd(design: Design, noise, projection_sigma, noise_floor: float):
    """Error sd of each statement's report: origin noise, rounding floor, stderr, projection.

    Works on numpy arrays (posterior draws, leading draw axis) and on PyTensor
    tensors alike: the model and the tables compute it once, here.
    """
    d = design
    s = d.quantity_scale[d.quantity]
    own_noise = noise[..., d.origin, s]
    return (
        own_noise**2
        + (noise_floor * d.unit[s]) ** 2
        + d.stderr**2
        + projection_sigma[..., s] ** 2 * (d.horizon_days / 30.0)
    ) ** 0.5


#: A padding statement's error sd, in units of its scale group: its terms in the log density
#: are constant to about 1e-12, so padding changes no posterior (`model_data(pad=True)`).
PAD_SD = 1e6


def bucket(n: int) -> int:
    """The padded length of an axis of ``n`` entries: the next power of two (at least 2; 0 stays 0).

    Designs whose axes fall in the same buckets share one compiled model (`structure_key`).
    """
    return 0 if n <= 0 else 1 << max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class Sizes:
    """The lengths of a design's axes, as the model holds them (padded or not)."""

    quantity: int
    origin: int
    time: int
    walk: int
    statement: int
    step: int
    group: int


def _pad(a: np.ndarray, n: int, fill) -> np.ndarray:
    """``a`` followed by ``fill`` up to length ``n`` along its first axis."""
    a = np.asarray(a)
    extra = np.full((n - len(a), *a.shape[1:]), fill, dtype=a.dtype)
    return np.concatenate([a, extra])


def model_sizes(design: Design, pad: bool = False) -> tuple[Sizes, Sizes]:
    """(real, held): the design's axis lengths and those the model holds.

    Padded (``pad``), every axis that varies from one small topic to the next is rounded
    up to its `bucket`, with room for one padding statement, one padding grid point
    and one padding walk (the targets of the padded entries).
    """
    d = design
    real = Sizes(
        quantity=len(d.quantities),
        origin=len(d.origins),
        time=len(d.grid_quantity),
        walk=int((d.grid_len > 1).sum()),
        statement=d.n_statements,
        step=len(d.grid_quantity) - len(d.quantities),
        group=int(bias_groups(d).max()) + 1,
    )
    if not pad:
        return real, real
    held = Sizes(
        quantity=bucket(real.quantity),
        origin=bucket(real.origin),
        time=bucket(real.time + 1),
        walk=bucket(real.walk + 1),
        statement=bucket(real.statement + 1),
        step=bucket(real.step),
        group=bucket(real.group),
    )
    return real, held


def coords(design: Design, pad: bool = False) -> dict[str, list]:
    """The model's coordinates; padded entries (``pad``) are labelled ``(padding i)``."""
    real, held = model_sizes(design, pad)
    walking = np.flatnonzero(design.grid_len > 1)
    lone = lone_statements(design)
    pin = pinning_truths(design)
    points = np.setdiff1d(np.flatnonzero(design.kind == KIND_CODE["point"]), lone)

    def padded(labels: list, n: int) -> list:
        return list(labels) + [f"(padding {i})" for i in range(n - len(labels))]

    return {
        "quantity": padded(design.quantities, held.quantity),
        "origin": padded(design.origins, held.origin),
        "scale": design.scale_groups,
        "walk": padded([design.quantities[i] for i in walking], held.walk),
        "time": list(range(held.time)),
        "statement": list(range(held.statement)),
        # padded point terms are labelled by statement numbers past the design's own
        "point": [int(i) for i in points]
        + list(
            range(real.statement, real.statement + (held.statement - len(points) if pad else 0))
        ),
        "lone": [design.quantities[q] for q in design.quantity[lone]],
        "pinned": [design.quantities[q] for q in design.truth_quantity[pin]],
        "other_truth": list(np.setdiff1d(np.arange(len(design.truth_quantity)), pin)),
        # bias groups: origins linked by shared quantities, per scale group (`bias_groups`)
        "bias_group": padded([f"group {i}" for i in range(real.group)], held.group),
    }


def unpad(post, design: Design):
    """A posterior of a padded model cut back to the design's own axes (padding comes last)."""
    real, _ = model_sizes(design)
    cut = {"quantity": real.quantity, "origin": real.origin, "time": real.time, "walk": real.walk}
    return post.isel({k: slice(0, n) for k, n in cut.items() if k in post.dims})


#: Names of the `pm.Data` containers: a design's numbers and its index arrays. Two designs
#: with the same `structure_key` give the same graph up to these values, so a compiled
#: model serves both with `model_data` swapped in (`consensus.inference`).
NUMBER_NAMES = (
    "data_unit",
    "data_center",
    "data_span",
    "data_step_days",
    "data_value",
    "data_low",
    "data_high",
    "data_stderr",
    "data_horizon",
    "data_report",
    "data_truth_value",
    "data_truth_stderr",
    "data_track_bias_mean",
    "data_track_bias_sd",
    "data_track_noise_mean",
    "data_track_noise_sd",
    "data_track_shared_mean",
    "data_track_shared_sd",
)
#: All the containers: the numbers, then the masks and indices.
DATA_NAMES = (
    *NUMBER_NAMES,
    # masks
    "data_present",
    "data_reference",
    "data_tracked",
    "data_group_size",
    "data_group_has_ref",
    # indices
    "data_quantity_scale",
    "data_anchor",
    "data_quantity_group",
    "data_grid_quantity",
    "data_steps",
    "data_step_walk",
    "data_walking",
    "data_quantity",
    "data_origin",
    "data_time",
    "data_group",
    "data_point",
    "data_at_least",
    "data_at_most",
    "data_range",
    "data_lone",
    "data_pin",
    "data_other",
    "data_truth_quantity",
    "data_truth_time",
)


def _exact_truth_prior(
    priors: Mapping[str, float], track: TrackPrior | None, n_scales: int
) -> tuple[np.ndarray, np.ndarray]:
    """(scale,) Beta parameters of ``exact_truth``: the track record's where it has them."""
    a = np.full(n_scales, float(priors["exact_truth_a"]))
    b = np.full(n_scales, float(priors["exact_truth_b"]))
    ta, tb = (None, None) if track is None else (track.exact_truth_a, track.exact_truth_b)
    if ta is not None and tb is not None:
        known = np.isfinite(ta)
        a[known], b[known] = ta[known], tb[known]
    return a, b


def _has_track_shared(track: TrackPrior | None) -> bool:
    return track is not None and bool(np.isfinite(track.log_shared_mean).any())


def model_data(
    design: Design,
    track: TrackPrior | None = None,
    reference: Sequence[str] | None = None,
    pad: bool = False,
) -> dict[str, np.ndarray]:
    """Every array `build_model` reads, by the name of its `pm.Data` container.

    The numbers (values and bounds, standard errors, horizons, the unit and centres, the time
    steps, truths, a track record's moments) and the index arrays (which quantity, origin and
    grid point each statement is about, the statements of each kind, the bias groups, the
    reference origins). `build_model` holds the numbers in `pm.Data` containers, and the
    indices too when padded (else as constants of the graph: they compile faster).

    ``pad`` rounds the axes up to their `bucket`. The padding is inert: padded statements
    copy statement 0 at its quantity's centre with an error sd of `PAD_SD` units (every kind gets
    ``statement`` entries, so which kinds a topic has does not matter either); padded
    quantities, origins, walks and steps are prior-only; `unpad` cuts them off the posterior.
    """
    d = design
    real, held = model_sizes(d, pad)
    i32 = np.int32
    walking = np.flatnonzero(d.grid_len > 1)
    is_start = np.zeros(real.time, dtype=bool)
    is_start[d.grid_start] = True
    steps = np.flatnonzero(~is_start)
    walk_of_q = np.full(real.quantity, -1)
    walk_of_q[walking] = np.arange(len(walking))
    lone = lone_statements(d)
    pin, other = _truth_split(d)
    g = bias_groups(d)
    n_s = len(d.scale_groups)
    present = np.zeros((real.origin, n_s))
    present[d.origin, d.quantity_scale[d.quantity]] = 1.0
    ref = np.repeat(reference_mask(d, reference), n_s)
    g_flat = g.ravel()
    has_ref = np.zeros(real.group)
    has_ref[g_flat[(ref > 0) & (g_flat >= 0)]] = 1.0
    # each quantity's level is anchored at the grid point of its median statement
    anchor = np.array(
        [
            np.sort(d.time[d.quantity == q])[(d.quantity == q).sum() // 2]
            for q in range(real.quantity)
        ]
    )
    # padded statements: copies of statement 0 at its quantity's centre, with an error sd of
    # PAD_SD units; padded steps and walks: prior-only, onto a padded grid point and walk
    q0, o0, t0 = int(d.quantity[0]), int(d.origin[0]), int(d.time[0])
    s0 = int(d.quantity_scale[q0])
    c0, u0 = float(d.center[q0]), float(d.unit[s0])
    kinds = {}
    for name in ("point", "at_least", "at_most", "range"):
        idx = np.flatnonzero(d.kind == KIND_CODE[name])
        if name == "point":
            idx = np.setdiff1d(idx, lone)
        kinds[name] = _pad(idx.astype(i32), held.statement if pad else len(idx), real.statement)
    value = _pad(np.nan_to_num(np.asarray(d.value, dtype=float)), held.statement, c0)
    f = np.asarray
    out = {
        "data_unit": f(d.unit, dtype=float),
        "data_center": _pad(f(d.center, dtype=float), held.quantity, 0.0),
        "data_span": _pad(f((d.grid_len - 1) * d.step_days, dtype=float)[walking], held.walk, 1.0),
        "data_step_days": _pad(f(d.step_days, dtype=float)[d.grid_quantity[steps]], held.step, 1.0),
        "data_value": value,
        "data_low": _pad(np.nan_to_num(f(d.low, dtype=float)), held.statement, c0 - u0),
        "data_high": _pad(np.nan_to_num(f(d.high, dtype=float)), held.statement, c0 + u0),
        "data_stderr": _pad(f(d.stderr, dtype=float), held.statement, PAD_SD * u0),
        "data_horizon": _pad(f(d.horizon_days, dtype=float), held.statement, 0.0),
        "data_report": value[kinds["point"]],
        "data_truth_value": f(d.truth_value, dtype=float),
        "data_truth_stderr": f(d.truth_stderr, dtype=float),
        "data_present": _pad(present, held.origin, 0.0),
        "data_reference": _pad(ref.reshape(real.origin, n_s), held.origin, 0.0).ravel(),
        "data_group_size": _pad(
            np.bincount(g_flat[g_flat >= 0], minlength=real.group).astype(float), held.group, 1.0
        ),
        "data_group_has_ref": _pad(has_ref, held.group, 0.0),
        "data_quantity_scale": _pad(d.quantity_scale.astype(i32), held.quantity, 0),
        "data_anchor": _pad(anchor.astype(i32), held.quantity, 0),
        "data_quantity_group": _pad(
            np.maximum(quantity_groups(d), 0).astype(i32), held.quantity, 0
        ),
        "data_grid_quantity": _pad(d.grid_quantity.astype(i32), held.time, 0),
        "data_steps": _pad(steps.astype(i32), held.step, real.time),
        "data_step_walk": _pad(walk_of_q[d.grid_quantity[steps]].astype(i32), held.step, real.walk),
        "data_walking": _pad(walking.astype(i32), held.walk, 0),
        "data_quantity": _pad(d.quantity.astype(i32), held.statement, q0),
        "data_origin": _pad(d.origin.astype(i32), held.statement, o0),
        "data_time": _pad(d.time.astype(i32), held.statement, t0),
        "data_group": _pad(np.maximum(g, 0).astype(i32), held.origin, 0).ravel(),
        "data_point": kinds["point"],
        "data_at_least": kinds["at_least"],
        "data_at_most": kinds["at_most"],
        "data_range": kinds["range"],
        "data_lone": lone.astype(i32),
        "data_pin": pin.astype(i32),
        "data_other": other.astype(i32),
        "data_truth_quantity": d.truth_quantity.astype(i32),
        "data_truth_time": d.truth_time.astype(i32),
    }
    if track is not None and track.tracked.any():
        out["data_tracked"] = _pad(track.tracked.astype(float), held.origin, 0.0).ravel()
        out["data_track_bias_mean"] = _pad(np.nan_to_num(track.bias_mean), held.origin, 0.0).ravel()
        out["data_track_bias_sd"] = _pad(np.nan_to_num(track.bias_sd), held.origin, 0.0).ravel()
        out["data_track_noise_mean"] = _pad(np.nan_to_num(track.log_noise_mean), held.origin, 0.0)
        out["data_track_noise_sd"] = _pad(np.nan_to_num(track.log_noise_sd), held.origin, 0.0)
    if _has_track_shared(track):
        assert track is not None
        out["data_track_shared_mean"] = np.nan_to_num(track.log_shared_mean)
        out["data_track_shared_sd"] = np.nan_to_num(track.log_shared_sd)
    return out


def _truth_split(design: Design) -> tuple[np.ndarray, np.ndarray]:
    pin = pinning_truths(design)
    return pin, np.setdiff1d(np.arange(len(design.truth_quantity)), pin)


def structure_key(
    design: Design,
    priors: Mapping[str, float] | None = None,
    reference: Sequence[str] | None = None,
    track: TrackPrior | None = None,
    *extra: object,
    exact: ExactDesign | None = None,
    pad: bool = False,
) -> str:
    """A hash of everything that shapes `build_model`'s graph, but not of its data containers.

    The lengths of `model_data`'s arrays (with ``pad``, their buckets), the number of scale
    groups, the priors, which scale groups a track record's shared-error scale covers, the
    exact-or-wrong cells; unpadded, also the index and mask arrays, which are then
    constants of the graph (padded, they are data: which statement is about what, and the
    reference origins, are not structure). ``extra`` adds the caller's settings (the
    sampler). Equal keys: the same compiled model serves both designs.
    """
    h = hashlib.sha256()
    h.update(repr(sorted(resolve_priors(priors).items())).encode())
    h.update(repr(len(design.scale_groups)).encode())
    data = model_data(design, track, reference, pad)
    h.update(repr(sorted((k, v.dtype.str, v.shape) for k, v in data.items())).encode())
    # unpadded, indices and masks are constants of the graph: their values are structure
    arrays = [] if pad else [data[k] for k in sorted(data) if k not in NUMBER_NAMES]
    if track is not None:
        arrays += [np.isfinite(track.log_shared_mean)]
        if exact is not None:  # the carried Beta is a constant of the graph
            arrays += list(
                _exact_truth_prior(resolve_priors(priors), track, len(design.scale_groups))
            )
    arrays += exact.arrays() if exact is not None else [np.zeros(1)]
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    h.update(repr(extra).encode())
    return h.hexdigest()


def build_model(
    design: Design,
    priors: Mapping[str, float] | None = None,
    reference: Sequence[str] | None = None,
    track: TrackPrior | None = None,
    exact: ExactDesign | None = None,
    pad: bool = False,
) -> pm.Model:
    """Build the consensus model.

    Parameters
    ----------
    design
        Arrays from `Claims.design` (scales declared), with any known truths.
    priors
        Overrides of `DEFAULT_PRIORS`.
    reference
        Origins assumed unbiased (bias exactly 0).
    track
        Priors from an earlier fit's posterior for the origins it knew.
    exact
        Cells whose point claims are each exact or wrong (`consensus.exact`).
    pad
        Round the axes up to their `bucket` (`model_data`), so that one compiled model
        serves every design in the same buckets; `unpad` cuts the posterior back.

    Returns
    -------
    pm.Model
        Deterministics on the model scale: ``latent`` (time), the true value;
        ``bias`` (origin, scale), each origin's absolute bias; ``bias_relative``
        (origin, scale), its bias relative to the average origin of its group
        (to the reference origin in a group that has one); ``noise`` (origin,
        scale); ``shared`` (quantity), the error all sources of a quantity share.

    Notes
    -----
    Biases are *softly* identified: each origin's bias is drawn around zero
    with spread ``bias_sigma``. What the reports identify is each bias relative
    to its group's average (``bias_relative``) and the *consensus*, the value
    the average origin would report; the truth is the consensus minus the
    group's average bias (``group_offset``, whose prior sd is bias_sigma/√K for
    K origins) minus the quantity's shared error. Without truths, these two are
    known from their priors only, and they widen the truth's interval by
    exactly that uncertainty; known truths (or a reference origin, or a track
    record) pin them.

    The standardised biases are parameterised by each group's mean direction
    (``bias_mean_z``) and the deviations from it (``bias_u``, whose own mean drops out):
    the same iid standard normal prior, with the direction that only the prior informs as
    one coordinate, which NUTS and mean-field ADVI handle far better than a sum.

    The design's numbers are data containers (`model_data`); padded, so are its index
    arrays and masks, and the graph depends only on their lengths (`structure_key`).
    """
    p = resolve_priors(priors)
    numbers = model_data(design, track, reference, pad)
    _, held = model_sizes(design, pad)
    n_o, n_s = held.origin, len(design.scale_groups)
    tracked_any = track is not None and bool(track.tracked.any())

    with pm.Model(coords=coords(design, pad)) as model:
        # numbers are always data; indices and masks only when padded (shared across designs):
        # as constants they compile about twice as fast (benchmarks/README.md, refits)
        data: dict[str, Any] = {
            k: pm.Data(k, v) if pad or k in NUMBER_NAMES else pt.as_tensor(v)
            for k, v in numbers.items()
        }
        d = dataclasses.replace(  # the design's arrays as the tensors report_sd reads
            design,
            unit=data["data_unit"],
            quantity_scale=data["data_quantity_scale"],
            quantity=data["data_quantity"],
            origin=data["data_origin"],
            stderr=data["data_stderr"],
            horizon_days=data["data_horizon"],
        )
        unit = data["data_unit"]
        unit_q = unit[d.quantity_scale]  # (Q,)
        st_scale = d.quantity_scale[d.quantity]  # (N,)
        present = data["data_present"].ravel()
        group = data["data_group"]  # (O*S,) bias group of each (origin, scale)
        # --- origins: bias (hierarchical, softly identified) and noise (pooled)
        bias_sigma = pm.HalfNormal("bias_sigma", sigma=p["bias_sd"] * unit, dims="scale")
        # standardised biases z ~ N(0, I), written as each group's mean direction plus the
        # deviations from it: z = u - mean_g(u) + m_g / sqrt(K_g). The same prior (u's own mean
        # drops out and stays prior-only), but the direction the reports cannot see (the
        # group's average bias) is one coordinate, m_g, instead of a sum over all members
        bias_u = pm.Normal("bias_u", 0.0, 1.0, dims=("origin", "scale"))
        bias_m = pm.Normal("bias_mean_z", 0.0, 1.0, dims="bias_group")
        k_g = data["data_group_size"]

        def group_mean(x):  # per bias group, the mean over its present members
            return pt.zeros(held.group)[group].inc(x) / k_g

        u = bias_u.ravel() * present
        u_mean = group_mean(u)
        z = (u - u_mean[group] + (bias_m / pt.sqrt(k_g))[group]) * present
        abs_flat = z * pt.tile(bias_sigma, n_o)
        if tracked_any:  # earlier posterior as the prior
            tb = data["data_track_bias_mean"] + data["data_track_bias_sd"] * z
            abs_flat = pt.where(data["data_tracked"] > 0, tb, abs_flat)
        abs_flat = abs_flat * (1.0 - data["data_reference"]) * present
        # the average bias of each group, which the reports cannot see; 0 in a reference group
        group_offset = group_mean(abs_flat)
        group_offset = pt.where(data["data_group_has_ref"] > 0, 0.0, group_offset)
        pm.Deterministic("bias", abs_flat.reshape((n_o, n_s)), dims=("origin", "scale"))
        rel_flat = (abs_flat - group_offset[group]) * present
        bias_relative = pm.Deterministic(
            "bias_relative", rel_flat.reshape((n_o, n_s)), dims=("origin", "scale")
        )
        noise_mu = pm.Normal(
            "noise_mu", pt.log(p["noise_median"] * unit), p["noise_level_sd"], dims="scale"
        )
        noise_spread = pm.HalfNormal("noise_spread", sigma=p["noise_pool_sd"], dims="scale")
        noise_z = pm.Normal("noise_z", 0.0, 1.0, dims=("origin", "scale"))
        log_noise = noise_mu + noise_spread * noise_z
        if tracked_any:
            tn = data["data_track_noise_mean"] + data["data_track_noise_sd"] * noise_z
            log_noise = pt.where(data["data_tracked"].reshape((n_o, n_s)) > 0, tn, log_noise)
        noise = pm.Deterministic("noise", pt.exp(log_noise), dims=("origin", "scale"))
        projection_sigma = pm.HalfNormal(
            "projection_sigma", sigma=p["projection_sd"] * unit, dims="scale"
        )
        if track is not None and _has_track_shared(track):
            sh_log = pm.Normal("shared_log_z", 0.0, 1.0, dims="scale")
            prior_sh = pt.log(p["shared_sd"] * unit * np.sqrt(2 / np.pi))  # HalfNormal's mean
            known = np.isfinite(track.log_shared_mean)
            shared_sigma = pm.Deterministic(
                "shared_sigma",
                pt.exp(
                    pt.where(known, data["data_track_shared_mean"], prior_sh)
                    + pt.where(known, data["data_track_shared_sd"], 1.0) * sh_log
                ),
                dims="scale",
            )
        else:
            shared_sigma = pm.HalfNormal("shared_sigma", sigma=p["shared_sd"] * unit, dims="scale")
        sd = report_sd(d, noise, projection_sigma, p["noise_floor"])
        own_bias = bias_relative[d.origin, st_scale]
        if p["nu"] > 0:  # fixed tails: the same number for every statement
            nu = p["nu"]
        else:  # learned per scale group, one value per statement
            nu_extra = pm.Gamma("nu_extra", alpha=2.0, beta=p["nu_rate"], dims="scale")
            nu = pm.Deterministic("nu", 1.0 + nu_extra, dims="scale")[st_scale]

        # --- the consensus (what the average origin would report): level + random walk
        level_z = pm.Normal("level_z", 0.0, 1.0, dims="quantity")  # unused for lone quantities
        center = data["data_center"]
        value = data["data_value"]
        level = center + p["level_sd"] * unit_q * level_z
        lone = data["data_lone"]
        if len(numbers["data_lone"]):  # level = its one statement - bias - error; prior as a term
            lone_q = d.quantity[lone]
            err = pm.StudentT("lone_error", nu=_at(nu, lone), mu=0.0, sigma=1.0, dims="lone")
            lone_level = value[lone] - own_bias[lone] - sd[lone] * err
            prior = pm.Normal.dist(center[lone_q], p["level_sd"] * unit_q[lone_q])
            pm.Potential("lone_level_prior", pm.logp(prior, lone_level).sum())
            level = pt.set_subtensor(level[lone_q], lone_level)
        walking, span = data["data_walking"], data["data_span"]
        walk_scale = p["walk_sd"] * unit_q[walking] / pt.sqrt(span)
        walk_sigma = pm.HalfNormal("walk_sigma", sigma=walk_scale, dims="walk")
        drift = pm.Normal("drift", 0.0, p["drift_sd"] * unit_q[walking] / span, dims="walk")
        innov = pm.Normal("innovation_z", 0.0, 1.0, shape=held.step)
        step_walk, step_days = data["data_step_walk"], data["data_step_days"]
        increments = (
            drift[step_walk] * step_days + walk_sigma[step_walk] * pt.sqrt(step_days) * innov
        )
        grid_q = data["data_grid_quantity"]
        path = pt.cumsum(pt.set_subtensor(pt.zeros(held.time)[data["data_steps"]], increments))
        consensus = level[grid_q] + path - path[data["data_anchor"]][grid_q]

        # --- the truth: consensus - the group's average bias - the error all sources share
        offset_q = group_offset[data["data_quantity_group"]]
        shared_z = pm.Normal("shared_z", 0.0, 1.0, dims="quantity")  # unused where a truth pins
        shared = shared_sigma[d.quantity_scale] * shared_z
        truth_q, truth_t = data["data_truth_quantity"], data["data_truth_time"]
        truth_value = data["data_truth_value"]
        truth_sd = pt.sqrt(
            data["data_truth_stderr"] ** 2 + (p["truth_floor"] * unit_q[truth_q]) ** 2
        )
        pin, other = data["data_pin"], data["data_other"]
        if len(
            numbers["data_pin"]
        ):  # shared = consensus at the truth's date - offset - truth - error
            pin_q = truth_q[pin]
            t_err = pm.Normal("truth_error", 0.0, 1.0, dims="pinned")
            pinned = (
                consensus[truth_t[pin]] - offset_q[pin_q] - truth_value[pin] - truth_sd[pin] * t_err
            )
            pm.Potential(
                "pinned_shared_prior",
                pm.logp(pm.Normal.dist(0.0, shared_sigma[d.quantity_scale[pin_q]]), pinned).sum(),
            )
            shared = pt.set_subtensor(shared[pin_q], pinned)
        shared = pm.Deterministic("shared", shared, dims="quantity")
        latent = pm.Deterministic(
            "latent", consensus - offset_q[grid_q] - shared[grid_q], dims="time"
        )
        if len(numbers["data_other"]):  # further truths of a quantity: observations of its latent
            pm.Normal(
                "truth_obs",
                mu=latent[truth_t[other]],
                sigma=truth_sd[other],
                observed=truth_value[other],
                dims="other_truth",
            )

        # --- likelihood, one term per statement, by kind (lone statements are in lone_error)
        mu = consensus[data["data_time"]] + own_bias
        pts, lo = data["data_point"], data["data_at_least"]
        hi, rg = data["data_at_most"], data["data_range"]
        if len(numbers["data_point"]):
            pm.StudentT(
                "report",
                nu=_at(nu, pts),
                mu=mu[pts],
                sigma=sd[pts],
                observed=data["data_report"],
                dims="point",
            )
        if len(numbers["data_at_least"]):  # P(report >= value) = F(-(value - mu) / sd)
            z_lo = -(value[lo] - mu[lo]) / sd[lo]
            pm.Potential("at_least", std_t_logcdf(z_lo, _at(nu, lo)).sum())
        if len(numbers["data_at_most"]):  # P(report <= value)
            z_hi = (value[hi] - mu[hi]) / sd[hi]
            pm.Potential("at_most", std_t_logcdf(z_hi, _at(nu, hi)).sum())
        if len(numbers["data_range"]):  # P(low <= report <= high)
            z_lo = (data["data_low"][rg] - mu[rg]) / sd[rg]
            z_hi = (data["data_high"][rg] - mu[rg]) / sd[rg]
            pm.Potential("range", interval_logp(z_lo, z_hi, _at(nu, rg)).sum())

        # --- exact-or-wrong point claims: which candidate is the truth, marginalised
        if exact is not None:
            ex_mu = pm.Normal("exact_mu", 0.0, p["exact_level_sd"])
            ex_spread = pm.HalfNormal("exact_spread", p["exact_pool_sd"])
            ex_z = pm.Normal("exact_z", 0.0, 1.0, dims="origin")
            prob = pm.Deterministic(
                "exact_prob", pm.math.sigmoid(ex_mu + ex_spread * ex_z), dims="origin"
            )
            # is the figure the exact reporters give the truth, or an error they share (one
            # upstream feed, one forecast model)? Only known truths can tell; prior otherwise
            a_share, b_share = _exact_truth_prior(p, track, len(design.scale_groups))
            share = pm.Beta("exact_truth", a_share, b_share, dims="scale")
            i = exact.statement
            t0 = consensus - offset_q[grid_q]  # the truth before the shared error
            q_cell = design.grid_quantity[exact.cell_time]
            terms = cell_table(
                Tensors(),
                exact,
                t0[exact.cell_time],
                shared_sigma[design.quantity_scale[q_cell]],
                mu[i],
                sd[i],
                _at(nu, i),
                prob[design.origin[i]],
            )
            # the report term holds each claim's density; exact cells take their bins' probability
            log_f = pm.logp(pm.StudentT.dist(nu=_at(nu, i), mu=mu[i], sigma=sd[i]), value[i])
            logp = cells_logp(Tensors(), exact, terms, share[design.quantity_scale[q_cell]])
            pm.Potential("exact", logp - log_f.sum())
    return model
