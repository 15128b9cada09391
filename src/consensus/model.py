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


def _at(nu, idx: np.ndarray):
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
    return (
        noise[..., d.origin, s] ** 2
        + (noise_floor * d.unit[s]) ** 2
        + d.stderr**2
        + projection_sigma[..., s] ** 2 * (d.horizon_days / 30.0)
    ) ** 0.5


def coords(design: Design) -> dict[str, list]:
    walking = np.flatnonzero(design.grid_len > 1)
    lone = lone_statements(design)
    pin = pinning_truths(design)
    return {
        "quantity": design.quantities,
        "origin": design.origins,
        "scale": design.scale_groups,
        "walk": [design.quantities[i] for i in walking],
        "time": list(range(len(design.grid_quantity))),
        "statement": list(range(design.n_statements)),
        "point": list(np.setdiff1d(np.flatnonzero(design.kind == KIND_CODE["point"]), lone)),
        "lone": [design.quantities[q] for q in design.quantity[lone]],
        "pinned": [design.quantities[q] for q in design.truth_quantity[pin]],
        "other_truth": list(np.setdiff1d(np.arange(len(design.truth_quantity)), pin)),
    }


#: Names of the `pm.Data` containers that hold a design's numbers (not its structure).
#: Two designs with the same `structure_key` give the same graph up to these values, so a
#: compiled model can be reused with `model_data` swapped in (`consensus.inference`).
DATA_NAMES = (
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


def model_data(design: Design, track: TrackPrior | None = None) -> dict[str, np.ndarray]:
    """The numbers of a design that `build_model` puts into `pm.Data` containers, by name.

    Everything that may change between refits of one structure: values and bounds,
    standard errors, horizons, the unit and centres, the time steps, truths' values
    and a track record's moments. Index arrays (which statement, origin, grid point
    and kind) are structure and stay constants of the graph (`structure_key`).
    """
    d = design
    walking = np.flatnonzero(d.grid_len > 1)
    is_start = np.zeros(len(d.grid_quantity), dtype=bool)
    is_start[d.grid_start] = True
    steps = np.flatnonzero(~is_start)
    pts = np.setdiff1d(np.flatnonzero(d.kind == KIND_CODE["point"]), lone_statements(d))
    _, other = _truth_split(d)
    f = np.asarray
    out = {
        "data_unit": f(d.unit, dtype=float),
        "data_center": f(d.center, dtype=float),
        "data_span": f((d.grid_len - 1) * d.step_days, dtype=float)[walking],
        "data_step_days": f(d.step_days, dtype=float)[d.grid_quantity[steps]],
        "data_value": np.nan_to_num(f(d.value, dtype=float)),
        "data_low": np.nan_to_num(f(d.low, dtype=float)),
        "data_high": np.nan_to_num(f(d.high, dtype=float)),
        "data_stderr": f(d.stderr, dtype=float),
        "data_horizon": f(d.horizon_days, dtype=float),
        "data_report": f(d.value, dtype=float)[pts],
        "data_truth_value": f(d.truth_value, dtype=float),
        "data_truth_stderr": f(d.truth_stderr, dtype=float),
    }
    if track is not None and track.tracked.any():
        out["data_track_bias_mean"] = np.nan_to_num(track.bias_mean.ravel())
        out["data_track_bias_sd"] = np.nan_to_num(track.bias_sd.ravel())
        out["data_track_noise_mean"] = np.nan_to_num(track.log_noise_mean)
        out["data_track_noise_sd"] = np.nan_to_num(track.log_noise_sd)
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
) -> str:
    """A hash of everything that shapes `build_model`'s graph, but not of `model_data`.

    Index arrays, kinds, sizes, the scale groups, priors, reference origins and which
    (origin, scale) pairs a track record covers; ``extra`` adds the caller's settings
    (the sampler). Equal keys: the same compiled model serves both designs.
    """
    d = design
    h = hashlib.sha256()
    p = resolve_priors(priors)
    h.update(repr(sorted(p.items())).encode())
    h.update(repr((len(d.quantities), len(d.origins), list(d.scale_groups))).encode())
    arrays = [
        d.quantity_scale,
        d.grid_quantity,
        d.grid_start,
        d.grid_len,
        d.quantity,
        d.origin,
        d.time,
        d.kind,
        d.truth_quantity,
        d.truth_time,
        reference_mask(d, reference),
    ]
    if track is not None:
        arrays += [track.tracked, np.isfinite(track.log_shared_mean)]
        if exact is not None:  # the carried Beta is a constant of the graph
            arrays += list(_exact_truth_prior(p, track, len(d.scale_groups)))
    else:
        arrays += [np.zeros(0)]
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
    """
    p = resolve_priors(priors)
    d = design
    ref = reference_mask(d, reference)
    n_q, n_o, n_s = len(d.quantities), len(d.origins), len(d.scale_groups)
    walking = np.flatnonzero(d.grid_len > 1)
    # statement -> scale group, and which (origin, scale) pairs carry any statement
    st_scale = d.quantity_scale[d.quantity]
    present = np.zeros((n_o, n_s))
    present[d.origin, st_scale] = 1.0
    g_flat = bias_groups(d).ravel()  # (O*S,) group of each (origin, scale); -1 if absent
    live = np.flatnonzero(g_flat >= 0)
    g_live = g_flat[live]
    n_groups = int(g_flat.max()) + 1
    g_size = np.bincount(g_live, minlength=n_groups).astype(float)
    ref_flat = np.repeat(ref, n_s)
    has_ref = np.zeros(n_groups, dtype=bool)
    has_ref[g_flat[(ref_flat > 0) & (g_flat >= 0)]] = True
    q_group = quantity_groups(d)
    tracked = (track.tracked if track is not None else np.zeros((n_o, n_s), bool)).ravel()

    # each quantity's level is anchored at the grid point of its median statement
    anchor = np.array(
        [np.sort(d.time[d.quantity == q])[(d.quantity == q).sum() // 2] for q in range(n_q)]
    )
    # non-start grid points, and the walking quantity each belongs to
    is_start = np.zeros(len(d.grid_quantity), dtype=bool)
    is_start[d.grid_start] = True
    steps = np.flatnonzero(~is_start)
    walk_of_q = np.full(n_q, -1)
    walk_of_q[walking] = np.arange(len(walking))
    step_walk = walk_of_q[d.grid_quantity[steps]]
    lone = lone_statements(d)
    lone_q = d.quantity[lone]
    pin, other = _truth_split(d)
    pin_q = d.truth_quantity[pin]
    numbers = model_data(d, track)

    with pm.Model(coords=coords(d)) as model:
        # the design's numbers are data containers, its indices constants: a compiled model
        # serves every design of the same structure (`structure_key`) with `model_data` swapped
        data = {k: pm.Data(k, v) for k, v in numbers.items()}
        unit = data["data_unit"]
        unit_q = unit[d.quantity_scale]  # (Q,)
        span = data["data_span"]  # days covered by each walking quantity
        # the tensors report_sd reads, in place of the design's arrays
        d_sd = dataclasses.replace(
            d, unit=unit, stderr=data["data_stderr"], horizon_days=data["data_horizon"]
        )
        # --- origins: bias (hierarchical, softly identified) and noise (pooled)
        bias_sigma = pm.HalfNormal("bias_sigma", sigma=p["bias_sd"] * unit, dims="scale")
        bias_z = pm.Normal("bias_z", 0.0, 1.0, dims=("origin", "scale"))
        z = bias_z.ravel()
        abs_flat = z * pt.tile(bias_sigma, n_o)
        if track is not None and tracked.any():  # earlier posterior as the prior
            tb = data["data_track_bias_mean"] + data["data_track_bias_sd"] * z
            abs_flat = pt.where(tracked, tb, abs_flat)
        abs_flat = abs_flat * (1.0 - ref_flat) * present.ravel()
        # the average bias of each group, which the reports cannot see; 0 in a reference group
        group_offset = pt.zeros(n_groups)[g_live].inc(abs_flat[live]) / g_size
        group_offset = pt.where(has_ref, 0.0, group_offset)
        pm.Deterministic("bias", abs_flat.reshape((n_o, n_s)), dims=("origin", "scale"))
        rel_flat = (abs_flat - group_offset[np.maximum(g_flat, 0)]) * present.ravel()
        bias_relative = pm.Deterministic(
            "bias_relative", rel_flat.reshape((n_o, n_s)), dims=("origin", "scale")
        )
        noise_mu = pm.Normal(
            "noise_mu", pt.log(p["noise_median"] * unit), p["noise_level_sd"], dims="scale"
        )
        noise_spread = pm.HalfNormal("noise_spread", sigma=p["noise_pool_sd"], dims="scale")
        noise_z = pm.Normal("noise_z", 0.0, 1.0, dims=("origin", "scale"))
        log_noise = noise_mu + noise_spread * noise_z
        if track is not None and tracked.any():
            tn = data["data_track_noise_mean"] + data["data_track_noise_sd"] * noise_z
            log_noise = pt.where(track.tracked, tn, log_noise)
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
        sd = report_sd(d_sd, noise, projection_sigma, p["noise_floor"])
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
        if len(lone):  # level = its one statement - bias - error; the level's prior as a term
            err = pm.StudentT("lone_error", nu=_at(nu, lone), mu=0.0, sigma=1.0, dims="lone")
            lone_level = value[lone] - own_bias[lone] - sd[lone] * err
            prior = pm.Normal.dist(center[lone_q], p["level_sd"] * unit_q[lone_q])
            pm.Potential("lone_level_prior", pm.logp(prior, lone_level).sum())
            level = pt.set_subtensor(level[lone_q], lone_level)
        walk_scale = p["walk_sd"] * unit_q[walking] / pt.sqrt(span)
        walk_sigma = pm.HalfNormal("walk_sigma", sigma=walk_scale, dims="walk")
        drift = pm.Normal("drift", 0.0, p["drift_sd"] * unit_q[walking] / span, dims="walk")
        innov = pm.Normal("innovation_z", 0.0, 1.0, shape=len(steps))
        step_days = data["data_step_days"]
        increments = (
            drift[step_walk] * step_days + walk_sigma[step_walk] * pt.sqrt(step_days) * innov
        )
        path = pt.cumsum(pt.set_subtensor(pt.zeros(len(d.grid_quantity))[steps], increments))
        consensus = level[d.grid_quantity] + path - path[anchor][d.grid_quantity]

        # --- the truth: consensus - the group's average bias - the error all sources share
        offset_q = group_offset[np.maximum(q_group, 0)]
        shared_z = pm.Normal("shared_z", 0.0, 1.0, dims="quantity")  # unused where a truth pins
        shared = shared_sigma[d.quantity_scale] * shared_z
        truth_value = data["data_truth_value"]
        truth_sd = pt.sqrt(
            data["data_truth_stderr"] ** 2 + (p["truth_floor"] * unit_q[d.truth_quantity]) ** 2
        )
        if len(pin):  # shared = consensus at the truth's date - offset - truth - its error
            t_err = pm.Normal("truth_error", 0.0, 1.0, dims="pinned")
            pinned = (
                consensus[d.truth_time[pin]]
                - offset_q[pin_q]
                - truth_value[pin]
                - truth_sd[pin] * t_err
            )
            pm.Potential(
                "pinned_shared_prior",
                pm.logp(pm.Normal.dist(0.0, shared_sigma[d.quantity_scale[pin_q]]), pinned).sum(),
            )
            shared = pt.set_subtensor(shared[pin_q], pinned)
        shared = pm.Deterministic("shared", shared, dims="quantity")
        latent = pm.Deterministic(
            "latent", consensus - offset_q[d.grid_quantity] - shared[d.grid_quantity], dims="time"
        )
        if len(other):  # further truths of a quantity: observations of its latent value
            pm.Normal(
                "truth_obs",
                mu=latent[d.truth_time[other]],
                sigma=truth_sd[other],
                observed=truth_value[other],
                dims="other_truth",
            )

        # --- likelihood, one term per statement, by kind (lone statements are in lone_error)
        mu = consensus[d.time] + own_bias
        k = d.kind
        pts = np.setdiff1d(np.flatnonzero(k == KIND_CODE["point"]), lone)
        if len(pts):
            pm.StudentT(
                "report",
                nu=_at(nu, pts),
                mu=mu[pts],
                sigma=sd[pts],
                observed=data["data_report"],
                dims="point",
            )
        lo = np.flatnonzero(k == KIND_CODE["at_least"])
        if len(lo):  # P(report >= value) = F(-(value - mu) / sd)
            z_lo = -(value[lo] - mu[lo]) / sd[lo]
            pm.Potential("at_least", std_t_logcdf(z_lo, _at(nu, lo)).sum())
        hi = np.flatnonzero(k == KIND_CODE["at_most"])
        if len(hi):  # P(report <= value)
            z_hi = (value[hi] - mu[hi]) / sd[hi]
            pm.Potential("at_most", std_t_logcdf(z_hi, _at(nu, hi)).sum())
        rg = np.flatnonzero(k == KIND_CODE["range"])
        if len(rg):  # P(low <= report <= high)
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
            a_share, b_share = _exact_truth_prior(p, track, len(d.scale_groups))
            share = pm.Beta("exact_truth", a_share, b_share, dims="scale")
            i = exact.statement
            t0 = consensus - offset_q[d.grid_quantity]  # the truth before the shared error
            q_cell = d.grid_quantity[exact.cell_time]
            terms = cell_table(
                Tensors(),
                exact,
                t0[exact.cell_time],
                shared_sigma[d.quantity_scale[q_cell]],
                mu[i],
                sd[i],
                _at(nu, i),
                prob[d.origin[i]],
            )
            # the report term holds each claim's density; exact cells take their bins' probability
            log_f = pm.logp(pm.StudentT.dist(nu=_at(nu, i), mu=mu[i], sigma=sd[i]), value[i])
            logp = cells_logp(Tensors(), exact, terms, share[d.quantity_scale[q_cell]])
            pm.Potential("exact", logp - log_f.sum())
    return model
