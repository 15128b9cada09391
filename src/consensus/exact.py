"""Exact-value data: the truth is one of the reported figures, up to the rounding it shows.

On web and records data (a census population, a flight's scheduled time, whole
degrees from weather sites) some origins report one figure exactly and the
rest are wrong. The exact-or-wrong likelihood says: each point claim of origin
``o`` is, with probability ``pi_o`` (pooled across origins like the noise), the
figure ``S`` that the exact reporters share; otherwise it is an error from the
usual error model. ``S`` is the truth with probability ``rho`` (``exact_truth``,
per scale group); otherwise it is an error the exact reporters share (sites
copying one forecast, one stale feed) and the truth is the continuous value.
Claims alone cannot tell the two cases apart, so without known truths ``rho``
keeps its uniform prior and the intervals mix the agreed figure with the
continuous value; truths at exact cells teach ``rho`` (`cells_logp`).

For one quantity on one date (a *cell*) with distinct claimed figures
``c_1..c_m`` (the *candidates*), ``S`` is one of them or none ("other").
Which one is marginalised in closed form: with ``S ~ N(t0, sigma)`` (``t0``
the consensus less the group's average bias, ``sigma`` the shared-error
scale) and ``w_k = P(S rounds to c_k)``::

    p(claims | .) = prod_i (1 - pi_i) f_i r_i
                    * [ w_0 + sum_k w_k prod_{i says c_k} (1 + pi_i / ((1 - pi_i) f_i r_i)) ]

where ``f_i`` is claim i's density under the error model, ``r_i`` the width of
its figure's rounding bin on the model scale and ``w_0 = 1 - sum_k w_k``. (In
the model ``f_i r_i`` is the error model's probability of the bin itself, the
Student-t CDF difference, so that it never exceeds 1.) A
claim that says ``c_k`` is either exact (``pi_i``) or an error that happens to
land in the bin; any other claim can only be an error. No discrete latent is
sampled; the posterior probability of each candidate is computed from the
draws afterwards (`resolve`), and the truth's draws take the chosen
candidate's value with probability ``rho``.

The rounding a quantity's figures show is the largest power of ten that
divides at least half of them (whole degrees: 1; "12,000" and "3,000": 1,000).
A candidate's bin is its figure plus or minus half that unit, cut at the
midpoints to its neighbours so that bins never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from .claims import KIND_CODE, Claims
from .design import Design, to_model_scale
from .errors import UnknownNameError

#: Auto-on rule: a cell *agrees* when its most common figure comes from at least
#: `AGREE_ORIGINS` origins and at least `AGREE_SHARE` of its origins; a scale group's
#: quantities switch to exact when at least half of its cells (those with 3 or more
#: origins, and at least `AUTO_MIN_CELLS` of them) agree on something other than the
#: group's most common agreed figure. Agreement on one default answer everywhere (0 on a
#: crowd's rating scale: emotion ratings agree on 0 in 592 of 700 items while the expert's
#: value is 0 in a third) is a habit of the scale, not the truth copied exactly.
AGREE_ORIGINS = 3
AGREE_SHARE = 0.4
AUTO_MIN_CELLS = 3


@dataclass(frozen=True)
class ExactDesign:
    """Index arrays of the exact-or-wrong term: statements, candidates, cells.

    ``statement`` (M,) are the point statements in exact cells (indices into the
    design's statements), ``candidate`` (M,) the candidate each one says. Per
    candidate (K,): ``cell``, ``slot`` (its column, 1.., in its cell's row),
    ``value`` (natural units), ``model_value``, ``low``/``high`` (bin edges,
    model scale). Per cell (C,): ``cell_time`` (grid point).
    """

    quantities: list[str]
    statement: np.ndarray
    candidate: np.ndarray
    cell: np.ndarray
    slot: np.ndarray
    value: np.ndarray
    model_value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    cell_time: np.ndarray
    # cells at a known truth's date (the truth that pins its quantity's shared error), and the
    # candidate whose bin holds that truth (-1: none does)
    truth_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    truth_candidate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_slots(self) -> int:
        return int(self.slot.max()) if len(self.slot) else 0

    def arrays(self) -> list[np.ndarray]:
        """Everything that shapes the model's graph (for `consensus.model.structure_key`)."""
        return [
            self.statement,
            self.candidate,
            self.cell,
            self.slot,
            self.low,
            self.high,
            self.cell_time,
            self.truth_cell,
            self.truth_candidate,
        ]


def rounding_unit(values: np.ndarray) -> float:
    """The largest power of ten (1e-6 to 1e15) dividing at least half of ``values``."""
    v = np.abs(np.asarray(values, dtype=float))
    v = v[v > 0]  # zero is a multiple of every unit
    if not len(v):
        return 1.0
    for k in range(15, -7, -1):
        unit = 10.0**k
        r = v / unit
        whole = (np.abs(r - np.round(r)) <= 1e-6 * r) & (np.round(r) >= 1)
        if whole.mean() >= 0.5:
            return unit
    return 1e-6


def _eligible(claims: Claims, design: Design) -> np.ndarray:
    """Point statements that are not their quantity's only evidence."""
    from .model import lone_statements

    d = design
    ok = d.kind == KIND_CODE["point"]
    ok[lone_statements(d)] = False
    return ok & np.isfinite(claims.statements["value"].to_numpy(dtype=float))


def _cells(claims: Claims, design: Design, ok: np.ndarray) -> pd.DataFrame:
    st = claims.statements
    return pd.DataFrame(
        {
            "statement": np.flatnonzero(ok),
            "quantity": design.quantity[ok],
            "time": design.time[ok],
            "origin": design.origin[ok],
            "value": st["value"].to_numpy(dtype=float)[ok],
        }
    )


def agreement(claims: Claims, design: Design) -> pd.DataFrame:
    """Per cell (quantity, grid date) with 3+ origins: origins, top figure and its origins, agrees."""
    c = _cells(claims, design, _eligible(claims, design)).drop_duplicates(
        ["time", "origin", "value"]
    )
    if c.empty:
        return pd.DataFrame(columns=["quantity", "time", "origins", "figure", "top", "agrees"])
    n = c.groupby("time")["origin"].nunique()
    by_figure = c.groupby(["time", "value"])["origin"].nunique()
    best = by_figure.groupby(level=0).idxmax()
    out = pd.DataFrame(
        {
            "origins": n,
            "figure": best.map(lambda tv: tv[1]),
            "top": by_figure.groupby(level=0).max(),
        }
    ).reset_index()
    out["quantity"] = design.grid_quantity[out["time"].to_numpy()]
    out["agrees"] = (out["top"] >= AGREE_ORIGINS) & (out["top"] >= AGREE_SHARE * out["origins"])
    return out[out["origins"] >= 3].reset_index(drop=True)


def exact_quantities(
    claims: Claims, design: Design, setting: bool | str | Sequence[str] | None
) -> list[str]:
    """The quantities the exact-or-wrong term covers, for ``fit(exact=setting)``.

    ``"auto"`` or ``None``: every quantity of a scale group where the data show
    it (in most cells several origins give the same figure, and not one default
    figure everywhere: `AGREE_ORIGINS`, `AGREE_SHARE`); ``True``: all;
    ``False``: none; a list: those quantities.
    """
    d = design
    if setting is False:
        return []
    if setting is True:
        return list(d.quantities)
    if setting is None or (isinstance(setting, str) and setting == "auto"):
        a = agreement(claims, d)
        out: list[str] = []
        for s in range(len(d.scale_groups)):
            cells = a[d.quantity_scale[a["quantity"].to_numpy(dtype=int)] == s]
            agreed = cells.loc[cells["agrees"], "figure"]
            default = agreed.mode().iloc[0] if len(agreed) else np.nan
            varied = cells["agrees"] & (cells["figure"] != default)
            if len(cells) >= AUTO_MIN_CELLS and varied.mean() >= 0.5:
                out += [q for i, q in enumerate(d.quantities) if d.quantity_scale[i] == s]
        return out
    if isinstance(setting, str):
        setting = [setting]
    names = list(setting)
    for name in names:
        if name not in d.quantities:
            raise UnknownNameError(
                f"exact names {name!r}, which is not a quantity; quantities: {d.quantities}"
            )
    return [q for q in d.quantities if q in names]


def exact_design(claims: Claims, design: Design, quantities: Sequence[str]) -> ExactDesign | None:
    """The candidates and bins of ``quantities``' cells; None when no cell has a point claim."""
    d = design
    qi = [d.quantities.index(q) for q in quantities]
    ok = _eligible(claims, d) & np.isin(d.quantity, qi)
    if not ok.any():
        return None
    c = _cells(claims, d, ok)
    c["value"] = [float(f"{v:.12g}") for v in c["value"]]  # as written, free of float noise
    scale_of_q = np.array([d.scale_groups[s] for s in d.quantity_scale])
    units = {q: rounding_unit(g["value"].to_numpy()) for q, g in c.groupby("quantity")}
    cand = c[["time", "quantity", "value"]].drop_duplicates().sort_values(["time", "value"]).copy()
    cand["cell"] = np.unique(cand["time"].to_numpy(), return_inverse=True)[1]
    cand["slot"] = cand.groupby("cell").cumcount() + 1
    half = cand["quantity"].map(units).to_numpy() / 2
    v = cand["value"].to_numpy()
    same_prev = np.r_[False, cand["cell"].to_numpy()[1:] == cand["cell"].to_numpy()[:-1]]
    same_next = np.r_[same_prev[1:], False]
    mid_prev = np.where(same_prev, (v + np.roll(v, 1)) / 2, -np.inf)
    mid_next = np.where(same_next, (v + np.roll(v, -1)) / 2, np.inf)
    low, high = np.maximum(v - half, mid_prev), np.minimum(v + half, mid_next)
    scale = scale_of_q[cand["quantity"].to_numpy()]
    # bins stay inside the scale's domain: (0, inf) for log, (0, 1) for logit
    low = np.where(scale == "identity", low, np.maximum(low, v / 2))
    high = np.where(scale == "logit", np.minimum(high, (1 + v) / 2), high)
    cand["low"], cand["high"] = to_model_scale(low, scale), to_model_scale(high, scale)
    cand["model_value"] = to_model_scale(v, scale)
    cand["k"] = np.arange(len(cand))
    c = c.merge(cand[["time", "value", "k"]], on=["time", "value"], how="left")
    c = c.sort_values("statement")
    cells = cand.drop_duplicates("cell")
    truth_cell, truth_candidate = _truth_cells(d, cand, cells["time"].to_numpy())
    return ExactDesign(
        quantities=[d.quantities[i] for i in sorted(set(cand["quantity"]))],
        statement=c["statement"].to_numpy(dtype=np.int64),
        candidate=c["k"].to_numpy(dtype=np.int64),
        cell=cand["cell"].to_numpy(dtype=np.int64),
        slot=cand["slot"].to_numpy(dtype=np.int64),
        value=v,
        model_value=cand["model_value"].to_numpy(dtype=float),
        low=cand["low"].to_numpy(dtype=float),
        high=cand["high"].to_numpy(dtype=float),
        cell_time=cells["time"].to_numpy(dtype=np.int64),
        truth_cell=truth_cell,
        truth_candidate=truth_candidate,
    )


def _truth_cells(d: Design, cand: pd.DataFrame, cell_time: np.ndarray):
    """Cells at a pinning truth's date, and the candidate whose bin holds it (-1: none)."""
    from .model import pinning_truths

    pin = pinning_truths(d)
    t_time = d.truth_time[pin]
    has = np.isin(t_time, cell_time)
    cell = np.searchsorted(cell_time, t_time[has])  # cell_time is sorted (cells by grid point)
    value = d.truth_value[pin][has]
    k = np.full(len(cell), -1, dtype=np.int64)
    c_cell, lo, hi = cand["cell"].to_numpy(), cand["low"].to_numpy(), cand["high"].to_numpy()
    for j, (cj, vj) in enumerate(zip(cell, value, strict=True)):
        inside = np.flatnonzero((c_cell == cj) & (lo <= vj) & (vj < hi))
        if len(inside):
            k[j] = inside[0]
    return cell.astype(np.int64), k


# ------------------------------------------------------------------ the term, for tensors and arrays
class Arrays:
    """The operations `cell_table` needs, on numpy arrays with any leading (draw) axes."""

    def __init__(self) -> None:
        from scipy import special

        self.sp = special

    log, log1p, exp, minimum = np.log, np.log1p, np.exp, np.minimum
    where, logaddexp = staticmethod(np.where), staticmethod(np.logaddexp)

    def log_ndtr(self, x):
        return self.sp.log_ndtr(x)

    def t_logcdf(self, x, nu):
        from scipy import stats

        return stats.t.logcdf(x, nu)

    def logsumexp(self, x):
        return self.sp.logsumexp(x, axis=-1)

    def softplus(self, x):
        return np.logaddexp(0.0, x)

    def segment_sum(self, x, idx, n):
        out = np.zeros((n,) + x.shape[:-1])
        np.add.at(out, idx, np.moveaxis(x, -1, 0))
        return np.moveaxis(out, 0, -1)

    def table(self, rows, cols, cell, slot, vals, first):
        out = np.full(vals.shape[:-1] + (rows, cols), -np.inf)
        out[..., cell, slot] = vals
        out[..., 0] = first
        return out


class Tensors:
    """The same operations on PyTensor tensors (no leading axes: inside the model)."""

    def __init__(self) -> None:
        import pytensor.tensor as pt
        from pymc.distributions.dist_math import normal_lcdf

        self.pt, self._lcdf = pt, normal_lcdf
        self.log, self.log1p, self.exp = pt.log, pt.log1p, pt.exp
        self.minimum, self.where = pt.minimum, pt.where
        self.softplus, self.logaddexp = pt.softplus, pt.logaddexp

    def log_ndtr(self, x):
        return self._lcdf(0.0, 1.0, x)

    def t_logcdf(self, x, nu):
        from .model import std_t_logcdf

        return std_t_logcdf(x, nu)

    def logsumexp(self, x):
        return self.pt.logsumexp(x, axis=-1)

    def segment_sum(self, x, idx, n):
        return self.pt.zeros(n)[idx].inc(x)

    def table(self, rows, cols, cell, slot, vals, first):
        out = self.pt.full((rows, cols), -np.inf)
        out = self.pt.set_subtensor(out[cell, slot], vals)
        return self.pt.set_subtensor(out[:, 0], first)


def _log_interval(ops, a, b, logcdf):
    """log(F(b) - F(a)) for a < b and a symmetric F, taken in the lower tail (reflected above 0)."""
    upper = (a + b) > 0
    lo, hi = ops.where(upper, -b, a), ops.where(upper, -a, b)
    la, lb = logcdf(lo), logcdf(hi)
    return lb + ops.log1p(-ops.exp(ops.minimum(la - lb, -1e-12)))


class CellTerms(NamedTuple):
    """`cell_table`'s parts (log scale): per cell (``table``), per statement, per candidate."""

    table: Any  # (cells, 1 + slots): "other" in column 0, candidates in their slots
    log_wrong: Any  # (statements,) log((1 - pi) P): each claim as an error
    log_a: Any  # (candidates,) log A_k: how much the claims saying c_k favour it
    log_w: Any  # (candidates,) log P(T rounds to c_k) under the truth's prior


def cell_table(ops: Any, ex: ExactDesign, t0_cell, sigma_cell, mu, sd, nu, prob) -> CellTerms:
    """Per cell, the log weight of "other" (column 0) and of each candidate (columns 1..).

    Arrays are per exact statement (``mu``, ``sd``, ``nu`` of its error model
    and its origin's ``prob``) and per cell (``t0_cell``, ``sigma_cell``), with
    any leading axes. The error model's probability of a figure is that of its
    rounding bin (Student-t CDF difference), never more than 1: a density times
    the bin width would exceed 1 for a very precise origin and outbid
    exactness. ``log_wrong = log((1 - pi) P)`` per statement: the log
    probability of all the cell's claims is ``logsumexp(table)`` summed over
    cells plus ``log_wrong`` summed over statements (`cells_logp`). Normalising
    a row gives the posterior probability of each candidate being the figure
    that the exact reporters give.
    """
    lo, hi = ex.low[ex.candidate], ex.high[ex.candidate]
    log_p = _log_interval(ops, (lo - mu) / sd, (hi - mu) / sd, lambda x: ops.t_logcdf(x, nu))
    log_pi, log_not = ops.log(prob), ops.log1p(-prob)
    # log A_k = sum over claims saying c_k of log(1 + pi / ((1 - pi) P))
    log_a = ops.segment_sum(ops.softplus(log_pi - log_not - log_p), ex.candidate, len(ex.cell))
    t0, sig = t0_cell[..., ex.cell], sigma_cell[..., ex.cell]
    log_w = _log_interval(ops, (ex.low - t0) / sig, (ex.high - t0) / sig, ops.log_ndtr)
    n_cells = len(ex.cell_time)
    only_w = ops.table(n_cells, ex.n_slots + 1, ex.cell, ex.slot, log_w, -np.inf)
    lse_w = ops.logsumexp(only_w)
    log_other = ops.log1p(-ops.exp(ops.minimum(lse_w, -1e-12)))
    table = ops.table(n_cells, ex.n_slots + 1, ex.cell, ex.slot, log_w + log_a, log_other)
    return CellTerms(table, log_not + log_p, log_a, log_w)


def cells_logp(ops: Any, ex: ExactDesign, terms: CellTerms, truth_share_cell):
    """Log probability of the exact cells' claims (and of the truths at their dates).

    Without a truth a cell adds ``logsumexp(table)``. A cell at a known truth's
    date adds ``log(rho A_t + (1 - rho) sum(exp(table)))``: with probability
    ``rho`` (``truth_share_cell``) the figure the exact reporters give is the
    truth, so the truth's own candidate ``t`` is it (``A_t = 1`` when no claim
    gives the truth's figure); otherwise that figure is an error shared by
    those reporters, free of the truth. (The truth's density under its prior is
    the model's ``pinned_shared_prior`` term, common to both.)
    """
    lse = ops.logsumexp(terms.table)
    total = lse.sum() + terms.log_wrong.sum()
    if not len(ex.truth_cell):
        return total
    tc, k = ex.truth_cell, ex.truth_candidate
    log_a_t = ops.where(k >= 0, terms.log_a[np.maximum(k, 0)], 0.0)
    rho = truth_share_cell[tc]
    mixed = ops.logaddexp(ops.log(rho) + log_a_t, ops.log1p(-rho) + lse[tc])
    return total + (mixed - lse[tc]).sum()


# ------------------------------------------------------------------ after sampling
def resolve(
    posterior: xr.Dataset,
    design: Design,
    ex: ExactDesign,
    *,
    nu: float | None,
    noise_floor: float,
    seed: int | None,
    chunk: int = 200,
) -> tuple[xr.Dataset, xr.Dataset]:
    """The truth's draws with the candidates chosen, and each candidate's probability.

    Per draw, the figure that each exact cell's exact reporters give is one of
    its candidates (with the posterior probability of each, given that draw's
    parameters) or "other"; with probability ``exact_truth`` the truth is that
    figure, else it is the continuous value (the consensus less the bias
    offset and a shared error). A cell at a known truth's date keeps the truth. Returns the posterior with ``latent`` so resolved
    (the sampled one kept as ``latent_continuous``) and a table (dim ``row``):
    quantity, date, candidate value (NaN for other), probability, statements.
    """
    from .model import report_sd

    d = design
    lat = posterior["latent"].to_numpy()
    flat = lambda name: posterior[name].to_numpy().reshape((-1,) + posterior[name].shape[2:])  # noqa: E731
    latent, shared = flat("latent"), flat("shared")
    bias, noise, proj = flat("bias"), flat("noise"), flat("projection_sigma")
    sigma, prob, share = flat("shared_sigma"), flat("exact_prob"), flat("exact_truth")
    nu_all = flat("nu") if nu is None else None
    i, s_i = ex.statement, d.quantity_scale[d.quantity[ex.statement]]
    q_cell = d.grid_quantity[ex.cell_time]
    n, ops = len(latent), Arrays()
    rng = np.random.default_rng(seed)
    s_cell = d.quantity_scale[q_cell]
    mean_p = np.zeros((len(ex.cell_time), ex.n_slots + 1))
    known = np.zeros((len(ex.truth_cell), ex.n_slots + 1))  # a known truth's own candidate
    k_t = ex.truth_candidate
    known[np.arange(len(k_t)), np.where(k_t >= 0, ex.slot[np.maximum(k_t, 0)], 0)] = 1.0
    out = latent.copy()
    for a in range(0, n, chunk):
        sl = slice(a, min(a + chunk, n))
        t0 = latent[sl] + shared[sl][:, d.grid_quantity]
        sd = report_sd(d, noise[sl], proj[sl], noise_floor)[:, i]
        mu = t0[:, d.time[i]] + bias[sl][:, d.origin[i], s_i]
        nu_i = nu if nu_all is None else nu_all[sl][:, s_i]
        terms = cell_table(
            ops,
            ex,
            t0[:, ex.cell_time],
            sigma[sl][:, d.quantity_scale[q_cell]],
            mu,
            sd,
            nu_i,
            prob[sl][:, d.origin[i]],
        )
        # the exact reporters' figure: p_s; the truth is it with probability rho, else it is
        # the continuous value (drawn from its prior around the consensus: latent_continuous)
        p_s = np.exp(terms.table - ops.logsumexp(terms.table)[..., None])
        rho = share[sl][:, s_cell]
        w = np.zeros_like(p_s)
        w[:, ex.cell, ex.slot] = np.exp(terms.log_w)
        p = rho[..., None] * p_s + (1 - rho[..., None]) * w
        p[..., 0] = np.clip(1 - p[..., 1:].sum(axis=-1), 0.0, 1.0)
        p[:, ex.truth_cell] = known
        mean_p += p.sum(axis=0)
        # choose per draw and cell: inverse CDF of the row; cells at a truth keep it
        u = rng.random(p_s.shape[:2])[..., None]
        pick = (np.cumsum(p_s, axis=-1) < u).sum(axis=-1)
        pick = np.minimum(pick, p_s.shape[-1] - 1)
        pick[rng.random(pick.shape) >= rho] = 0
        pick[:, ex.truth_cell] = 0
        k = _slot_to_candidate(ex, pick)
        chosen = k >= 0
        rows, cells = np.nonzero(chosen)
        out[a + rows, ex.cell_time[cells]] = ex.model_value[k[rows, cells]]
    mean_p /= n
    post = posterior.assign(
        latent=(posterior["latent"].dims, out.reshape(lat.shape)),
        latent_continuous=posterior["latent"],
    )
    post["latent"].attrs = posterior["latent"].attrs
    return post, _candidate_table(d, ex, mean_p)


def _slot_to_candidate(ex: ExactDesign, pick: np.ndarray) -> np.ndarray:
    """(draws, cells) chosen slot -> candidate index, -1 for "other" (slot 0)."""
    lookup = np.full((len(ex.cell_time), ex.n_slots + 1), -1)
    lookup[ex.cell, ex.slot] = np.arange(len(ex.cell))
    return lookup[np.arange(len(ex.cell_time))[None, :], pick]


def _candidate_table(design: Design, ex: ExactDesign, mean_p: np.ndarray) -> xr.Dataset:
    d = design
    n_says = np.bincount(ex.candidate, minlength=len(ex.cell))
    q_cell = d.grid_quantity[ex.cell_time]
    rows = pd.DataFrame(
        {
            "quantity": [d.quantities[q] for q in q_cell[ex.cell]]
            + [d.quantities[q] for q in q_cell],
            "date": np.r_[d.grid_date[ex.cell_time[ex.cell]], d.grid_date[ex.cell_time]],
            "value": np.r_[ex.value, np.full(len(ex.cell_time), np.nan)],
            "probability": np.r_[mean_p[ex.cell, ex.slot], mean_p[:, 0]],
            "statements": np.r_[n_says, np.zeros(len(ex.cell_time), dtype=np.int64)],
        }
    )
    return xr.Dataset(
        {
            "quantity": ("row", rows["quantity"].to_numpy(dtype=object)),
            "date": ("row", rows["date"].to_numpy().astype("datetime64[ns]")),
            "value": ("row", rows["value"].to_numpy(dtype=float)),
            "probability": ("row", rows["probability"].to_numpy(dtype=float)),
            "statements": ("row", rows["statements"].to_numpy(dtype=np.int64)),
        }
    )


# ------------------------------------------------------------------ copying hints
def shared_figures(claims: Claims, min_common: int = 5) -> pd.DataFrame:
    """Pairs of origins by how often they give the identical figure on the same quantity and date.

    Sources that share many exact values may copy one another (or one feed):
    a hint worth reporting, not modelled. Only pairs with at least
    ``min_common`` quantity-dates in common are listed, most identical first.
    Columns: ``origin_a, origin_b, common, identical, share``.
    """
    st = claims.statements
    pts = st[st["kind"] == "point"]
    key = pts["quantity"].astype(str) + "\x1f" + pts["as_of"].astype(str)
    last = pd.DataFrame({"key": key, "origin": pts["origin"], "value": pts["value"]})
    last = last.drop_duplicates(["key", "origin"], keep="last")
    wide = last.pivot(index="key", columns="origin", values="value")
    rows = []
    for a, b in combinations(wide.columns, 2):
        both = wide[a].notna() & wide[b].notna()
        n = int(both.sum())
        if n >= min_common:
            same = int((wide.loc[both, a] == wide.loc[both, b]).sum())
            rows.append((a, b, n, same, same / n))
    out = pd.DataFrame(rows, columns=["origin_a", "origin_b", "common", "identical", "share"])
    return out.sort_values(["share", "common"], ascending=False, ignore_index=True)
