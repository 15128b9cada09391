"""Baselines for fusing conflicting numeric claims: simple aggregates and truth discovery.

Every function takes one row per claim -- 1-D arrays ``values`` (float), ``items``
(hashable labels: what the claim is about) and ``sources`` (hashable labels: who
made it) of equal length -- and returns a :class:`BaselineResult` whose ``truth``
is a :class:`pandas.Series` indexed by item (sorted when the labels sort) and whose
``source_weight`` is a :class:`pandas.Series` indexed by source, or ``None`` for the
methods that do not weigh sources.

Methods
-------
``mean``, ``median``
    Per-item mean / median of the claims.
``latest``
    Per item, the claim with the latest time (ties: median of the tied claims).
``rolling_median``
    Per requested (item, time), the median of the item's claims made in the
    trailing window ``(t - window_days, t]`` (or, with ``window_days=None``, all
    claims made up to and including ``t``).
``crh``
    CRH, Li, Li, Gao, Zhao, Fan & Han, "Resolving conflicts in heterogeneous data
    by truth discovery and source reliability estimation", SIGMOD 2014.
``gtm``
    GTM, Zhao & Han, "A probabilistic model for estimating real-valued truth from
    conflicting sources", QDB (VLDB workshop) 2012.
``catd``
    CATD, Li, Li, Gao, Su, Zhao, Demirbas, Fan & Han, "A confidence-aware
    approach for truth discovery on long-tail data", PVLDB 8(4), 2015.

``BASELINES`` maps the names ``"mean"``, ``"median"``, ``"latest"``, ``"crh"``,
``"gtm"`` and ``"catd"`` to callables ``f(values, items, sources, *, times=None)``
(only ``latest`` uses ``times``) so that benchmarks can loop over them.

Conventions shared by the iterative methods
-------------------------------------------
* A source may make several claims on one item (e.g. at different dates); each
  claim is one term of the sums below, weighted by its source's weight.
* The spread of an item is the *population* standard deviation of its claims
  (``ddof=0``), so that an item with one claim has spread 0 rather than NaN.
* An item whose claims all agree (spread 0, in particular an item with a single
  claim; numerically: spread <= 1e-13 * |mean|) carries no information about the
  sources: it adds nothing to any source's loss, and its truth is the common value.
* Zero losses are floored at ``eps`` times a scale of the data (documented per
  method) so that weights stay finite; weights are floored at a tiny positive
  number so that a weighted mean never divides by zero. Outputs are therefore
  finite for sources with one claim, items with one claim and items whose claims
  all agree.
* Truths start at the per-item median and the methods alternate "weights from
  truths" and "truths from weights" until the largest change of a truth, in
  units of the item's spread (1 where the spread is 0), is at most ``tol``, or
  ``max_iter`` rounds have run. ``max_iter=1`` is exactly one weight update
  followed by one truth update. The returned weights are the ones that produced
  the returned truths.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "BASELINES",
    "BaselineResult",
    "catd",
    "crh",
    "gtm",
    "latest",
    "mean",
    "median",
    "rolling_median",
]

type ArrayLike = Sequence[Any] | np.ndarray | pd.Series | pd.Index

_AGREE_RTOL = 1e-13  # an item's claims "all agree" when std <= this * |mean|
_MIN_WEIGHT = 1e-300  # weights are floored here, so sum(w) > 0 on every item
_HALF_RTOL = 1e-9  # tolerance deciding "cumulative weight is exactly half"
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class BaselineResult:
    """What a baseline estimates.

    Attributes
    ----------
    truth : pandas.Series
        The estimated truth, indexed by item (``rolling_median``: by a
        ``(item, time)`` MultiIndex).
    source_weight : pandas.Series or None
        The source weights, indexed by source; ``None`` for the methods that do
        not weigh sources. Their meaning differs by method: CRH ``-log`` loss
        share, GTM ``1 / sigma_k^2`` on the standardised scale, CATD the
        chi-squared confidence weight.
    n_iter : int or None
        Rounds run by an iterative method; ``None`` otherwise.
    converged : bool or None
        Whether an iterative method met its tolerance within ``max_iter``.
    method : str
        The method's name.
    """

    truth: pd.Series
    source_weight: pd.Series | None = None
    n_iter: int | None = None
    converged: bool | None = None
    method: str = ""


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class _Claims:
    """Validated claims: float values and integer codes for items and sources."""

    x: np.ndarray  # float64 (n,)
    item: np.ndarray  # intp (n,), codes into item_labels
    item_labels: pd.Index
    source: np.ndarray | None  # intp (n,), codes into source_labels
    source_labels: pd.Index | None

    @property
    def n_items(self) -> int:
        return len(self.item_labels)

    @property
    def n_sources(self) -> int:
        return 0 if self.source_labels is None else len(self.source_labels)


def _as_1d(a: ArrayLike, name: str) -> np.ndarray:
    arr = a.to_numpy() if isinstance(a, pd.Series | pd.Index) else np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _factorize(labels: np.ndarray, name: str, index_name: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the labels, sorted when they sort (first appearance otherwise)."""
    if pd.isna(labels).any():
        raise ValueError(f"{name} has missing labels")
    try:
        codes, uniques = pd.factorize(labels, sort=True)
    except TypeError:  # labels of mixed, unorderable types
        codes, uniques = pd.factorize(labels, sort=False)
    return codes.astype(np.intp), pd.Index(uniques, name=index_name)


def _prepare(
    values: ArrayLike, items: ArrayLike, sources: ArrayLike | None, *, need_sources: bool
) -> _Claims:
    x = _as_1d(values, "values").astype(np.float64)
    it = _as_1d(items, "items")
    if len(x) == 0:
        raise ValueError("no claims: values is empty")
    if len(it) != len(x):
        raise ValueError(f"items has length {len(it)}, values {len(x)}")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite (no NaN or inf)")
    item, item_labels = _factorize(it, "items", "item")
    source = source_labels = None
    if sources is not None:
        so = _as_1d(sources, "sources")
        if len(so) != len(x):
            raise ValueError(f"sources has length {len(so)}, values {len(x)}")
        source, source_labels = _factorize(so, "sources", "source")
    elif need_sources:
        raise ValueError("sources is required for this method")
    return _Claims(x, item, item_labels, source, source_labels)


# ---------------------------------------------------------------- group helpers


def _group_mean(codes: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=x, minlength=n) / np.bincount(codes, minlength=n)


def _group_std(codes: np.ndarray, x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-group mean and population std (two passes, so large offsets do not cancel)."""
    m = _group_mean(codes, x, n)
    var = _group_mean(codes, (x - m[codes]) ** 2, n)
    return m, np.sqrt(var)


def _sorted_groups(codes: np.ndarray, x: np.ndarray, n: int):
    """Order sorting claims by (group, value); group sizes and start offsets."""
    order = np.lexsort((x, codes))
    counts = np.bincount(codes, minlength=n)
    starts = np.cumsum(counts) - counts
    return order, counts, starts


def _group_median(codes: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Per-group median (mean of the two middle values for an even count)."""
    order, counts, starts = _sorted_groups(codes, x, n)
    xs = x[order]
    return 0.5 * (xs[starts + (counts - 1) // 2] + xs[starts + counts // 2])


def _group_weighted_median(
    codes: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    n: int,
    sorted_groups: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-group weighted median.

    The smallest value whose cumulative weight (values ascending) reaches half
    the group's total weight; where the cumulative weight equals exactly half
    (within a relative 1e-9), the mean of that value and the next one, so that
    equal weights give the ordinary median.
    """
    order, counts, starts = sorted_groups or _sorted_groups(codes, x, n)
    xs, ws, cs = x[order], w[order], codes[order]
    csum = np.cumsum(ws)
    before = np.concatenate(([0.0], csum))[starts]  # total weight of earlier groups
    cum = csum - before[cs]  # cumulative weight within the group
    total = np.bincount(cs, weights=ws, minlength=n)
    half = 0.5 * total
    reached = cum >= half[cs] - _HALF_RTOL * total[cs]
    first = starts + (
        counts - np.bincount(cs, weights=reached.astype(np.float64), minlength=n).astype(np.intp)
    )
    exact = np.abs(cum[first] - half) <= _HALF_RTOL * total
    nxt = np.minimum(first + 1, starts + counts - 1)
    return np.where(exact, 0.5 * (xs[first] + xs[nxt]), xs[first])


def _weighted_mean(codes: np.ndarray, x: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=w * x, minlength=n) / np.bincount(
        codes, weights=w, minlength=n
    )


def _spread(c: _Claims) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-item mean, std, and a mask of items whose claims all agree."""
    m, sd = _group_std(c.item, c.x, c.n_items)
    agree = sd <= _AGREE_RTOL * np.abs(m)
    return m, sd, agree


def _check_iter(tol: float, max_iter: int) -> None:
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter}")


def _truth(c: _Claims, t: np.ndarray) -> pd.Series:
    return pd.Series(t, index=c.item_labels, name="truth")


def _weights(c: _Claims, w: np.ndarray) -> pd.Series:
    assert c.source_labels is not None
    return pd.Series(w, index=c.source_labels, name="weight")


# ------------------------------------------------------------- simple aggregates


def mean(values: ArrayLike, items: ArrayLike, sources: ArrayLike | None = None) -> BaselineResult:
    """Per-item mean of the claims.

    Parameters
    ----------
    values, items : array_like
        One entry per claim: the claimed number and the item it is about.
    sources : array_like, optional
        Checked for length and otherwise ignored.

    Returns
    -------
    BaselineResult
        ``truth`` indexed by item; ``source_weight`` is None.
    """
    c = _prepare(values, items, sources, need_sources=False)
    return BaselineResult(_truth(c, _group_mean(c.item, c.x, c.n_items)), method="mean")


def median(values: ArrayLike, items: ArrayLike, sources: ArrayLike | None = None) -> BaselineResult:
    """Per-item median of the claims (mean of the two middle claims for an even count).

    Parameters and returns as in :func:`mean`.
    """
    c = _prepare(values, items, sources, need_sources=False)
    return BaselineResult(_truth(c, _group_median(c.item, c.x, c.n_items)), method="median")


def _time_keys(
    times: ArrayLike, name: str = "times"
) -> tuple[np.ndarray, float, bool, np.ndarray | pd.DatetimeIndex]:
    """Times as numbers: (keys, units per day, is_datetime, the times as read).

    Numbers are taken as days (any origin); anything else goes through
    :func:`pandas.to_datetime` and becomes int64 nanoseconds (UTC for aware times).
    """
    arr = _as_1d(times, name)
    if arr.dtype.kind in "iuf":
        keys = arr.astype(np.float64)
        if not np.isfinite(keys).all():
            raise ValueError(f"{name} must be finite")
        return keys, 1.0, False, keys
    if arr.dtype.kind == "b":
        raise ValueError(f"{name} must be numbers (days) or datetimes, not booleans")
    dt = pd.DatetimeIndex(pd.to_datetime(arr))
    if dt.hasnans:
        raise ValueError(f"{name} has missing or unparseable times")
    return dt.as_unit("ns").asi8.astype(np.int64), float(_NS_PER_DAY), True, dt


def latest(
    values: ArrayLike,
    items: ArrayLike,
    sources: ArrayLike | None = None,
    *,
    times: ArrayLike | None = None,
) -> BaselineResult:
    """Per item, the most recent claim; ties at the latest time give their median.

    Parameters
    ----------
    values, items : array_like
        One entry per claim.
    sources : array_like, optional
        Checked for length and otherwise ignored.
    times : array_like
        Required. When each claim was made: numbers (days) or anything
        :func:`pandas.to_datetime` reads.

    Returns
    -------
    BaselineResult
        ``truth`` indexed by item; ``source_weight`` is None.
    """
    if times is None:
        raise ValueError("latest needs times")
    c = _prepare(values, items, sources, need_sources=False)
    t = _time_keys(times)[0]
    if len(t) != len(c.x):
        raise ValueError(f"times has length {len(t)}, values {len(c.x)}")
    last = np.full(c.n_items, t.min(), dtype=t.dtype)
    np.maximum.at(last, c.item, t)
    keep = t == last[c.item]
    return BaselineResult(
        _truth(c, _group_median(c.item[keep], c.x[keep], c.n_items)), method="latest"
    )


def rolling_median(
    values: ArrayLike,
    items: ArrayLike,
    times: ArrayLike,
    window_days: float | None = None,
    *,
    at_items: ArrayLike | None = None,
    at_times: ArrayLike | None = None,
) -> BaselineResult:
    """Median of each item's claims in a trailing time window, at requested times.

    The estimate for item ``e`` at time ``t`` is the median of the claims on
    ``e`` made in ``(t - window_days, t]`` (the convention of pandas' time-based
    rolling windows); with ``window_days=None``, of all claims on ``e`` made up
    to and including ``t``. Where that set is empty (``t`` before the item's
    first claim, or a gap longer than the window) the estimate is NaN: there is
    nothing to report.

    Parameters
    ----------
    values, items : array_like
        One entry per claim.
    times : array_like
        When each claim was made: numbers (days) or anything
        :func:`pandas.to_datetime` reads.
    window_days : float, optional
        Window length in days (> 0). None: expanding window (all claims so far).
    at_items, at_times : array_like, optional
        The (item, time) pairs to evaluate, in the order wanted; both or neither.
        ``at_times`` must be of the same kind (numbers or datetimes) as
        ``times``. Default: every distinct (item, claim time) pair, sorted by
        item then time.

    Returns
    -------
    BaselineResult
        ``truth`` indexed by a ``(item, time)`` MultiIndex, one entry per pair
        requested; ``source_weight`` is None.

    Notes
    -----
    Per item, claims are sorted by time and the requests visited in time order
    with a sorted sliding window, so the cost is O(n log n) plus the insertions.
    """
    c = _prepare(values, items, None, need_sources=False)
    t, per_day, is_dt, t_read = _time_keys(times)
    if len(t) != len(c.x):
        raise ValueError(f"times has length {len(t)}, values {len(c.x)}")
    if window_days is not None and not window_days > 0:
        raise ValueError(f"window_days must be > 0 or None, got {window_days}")

    if (at_items is None) != (at_times is None):
        raise ValueError("give both at_items and at_times, or neither")
    if at_items is None:
        pairs = pd.DataFrame({"code": c.item, "key": t}).drop_duplicates()
        pairs = pairs.sort_values(["code", "key"], kind="stable")
        rows = pairs.index.to_numpy()
        q_code = c.item[rows]
        q_key = t[rows]
        index = pd.MultiIndex.from_arrays(
            [c.item_labels[q_code], t_read[rows]], names=["item", "time"]
        )
    else:
        assert at_times is not None
        qi = _as_1d(at_items, "at_items")
        q_key, _, q_dt, _ = _time_keys(at_times, "at_times")
        if len(qi) != len(q_key):
            raise ValueError(f"at_items has length {len(qi)}, at_times {len(q_key)}")
        if q_dt != is_dt:
            raise ValueError("at_times must be of the same kind (numbers or datetimes) as times")
        q_code = c.item_labels.get_indexer(pd.Index(qi))  # -1: item with no claims
        index = pd.MultiIndex.from_arrays(
            [pd.Index(qi), _as_1d(at_times, "at_times")], names=["item", "time"]
        )

    out = np.full(len(q_code), np.nan)
    width: float | int | None = None
    if window_days is not None:  # integer nanoseconds for datetimes: exact boundaries
        width = int(round(window_days * per_day)) if is_dt else float(window_days)
    claim_order = np.lexsort((t, c.item))
    claim_counts = np.bincount(c.item, minlength=c.n_items)
    claim_starts = np.cumsum(claim_counts) - claim_counts
    q_order = np.lexsort((q_key, q_code))
    q_sorted_code = q_code[q_order]
    bounds = np.searchsorted(q_sorted_code, np.arange(-1, c.n_items + 1))
    for e in range(c.n_items):
        qs = q_order[bounds[e + 1] : bounds[e + 2]]
        if len(qs) == 0:
            continue
        rows = claim_order[claim_starts[e] : claim_starts[e] + claim_counts[e]]
        te, xe = t[rows], c.x[rows]
        qt = q_key[qs]
        hi = np.searchsorted(te, qt, side="right")
        if width is None:
            lo = np.zeros_like(hi)
        else:
            lo = np.searchsorted(te, qt - width, side="right")
        window: list[float] = []
        cur_lo = cur_hi = 0
        for j in range(len(qs)):
            while cur_hi < hi[j]:
                bisect.insort(window, xe[cur_hi])
                cur_hi += 1
            while cur_lo < lo[j]:
                del window[bisect.bisect_left(window, xe[cur_lo])]
                cur_lo += 1
            m = len(window)
            if m:
                out[qs[j]] = 0.5 * (window[(m - 1) // 2] + window[m // 2])
    return BaselineResult(pd.Series(out, index=index, name="truth"), method="rolling_median")


# -------------------------------------------------------------------------- CRH


def crh(
    values: ArrayLike,
    items: ArrayLike,
    sources: ArrayLike,
    *,
    loss: Literal["squared", "absolute"] = "squared",
    tol: float = 1e-6,
    max_iter: int = 500,
    eps: float = 1e-12,
) -> BaselineResult:
    r"""CRH truth discovery (Li et al., SIGMOD 2014) for one continuous property.

    CRH minimises :math:`\sum_k w_k \sum_e d(t_e, x_{ek})` over truths ``t`` and
    weights ``w`` subject to :math:`\sum_k \exp(-w_k) = 1` (the paper's
    optimisation problem and its constraint). Block coordinate descent alternates:

    *Weights* (the closed-form minimiser over ``w`` under the constraint)::

        loss_k = sum_{claims c of k} d(t_e(c), x_c)
        w_k    = -log( loss_k / sum_k' loss_k' )

    with the paper's normalised losses for continuous data::

        squared:   d(t_e, x) = (t_e - x)^2 / std_e
        absolute:  d(t_e, x) = |t_e - x| / std_e

    where ``std_e`` is the standard deviation of the claims on item ``e``.

    *Truths*: for the squared loss the weighted mean,
    ``t_e = sum_k w_k x_ek / sum_k w_k``; for the absolute deviation the
    weighted median.

    (The formulas are quoted rather than the paper's equation numbers.)

    Parameters
    ----------
    values, items, sources : array_like
        One entry per claim.
    loss : {"squared", "absolute"}
        The normalised loss, and with it the truth update (weighted mean or
        weighted median).
    tol : float
        Stop when no truth moves by more than ``tol`` item standard deviations.
    max_iter : int
        At most this many (weights, truths) rounds.
    eps : float
        Floor on a source's loss share ``loss_k / sum loss``, so a source with
        zero loss gets the finite weight ``-log(eps)`` (27.6 at the default).

    Returns
    -------
    BaselineResult
        ``truth`` by item; ``source_weight`` the CRH weights ``w_k`` (>= 0).

    Notes
    -----
    Truths start at the per-item median. Items whose claims all agree (one
    claim, or std 0) add no loss. If the total loss is zero every weight is
    ``log K`` (equal loss shares ``1/K``); a lone source (``K = 1``) has share
    1 and weight 0, floored at 1e-300 so the weighted mean is the plain mean.
    """
    if loss not in ("squared", "absolute"):
        raise ValueError(f"loss must be 'squared' or 'absolute', got {loss!r}")
    _check_iter(tol, max_iter)
    c = _prepare(values, items, sources, need_sources=True)
    assert c.source is not None
    n_e, n_k = c.n_items, c.n_sources
    _, sd, agree = _spread(c)
    inv_sd = np.where(agree, 0.0, 1.0 / np.where(agree, 1.0, sd))  # agreeing items: no loss
    scale = np.where(agree, 1.0, sd)
    groups = _sorted_groups(c.item, c.x, n_e)

    t = _group_median(c.item, c.x, n_e)
    w = np.ones(n_k)
    converged, it = False, 0
    while it < max_iter:
        it += 1
        r = t[c.item] - c.x
        d = (r * r if loss == "squared" else np.abs(r)) * inv_sd[c.item]
        loss_k = np.bincount(c.source, weights=d, minlength=n_k)
        total = loss_k.sum()
        share = np.maximum(loss_k / total, eps) if total > 0 else np.full(n_k, 1.0 / n_k)
        w = np.maximum(-np.log(share), _MIN_WEIGHT)
        wc = w[c.source]
        if loss == "squared":
            t_new = _weighted_mean(c.item, c.x, wc, n_e)
        else:
            t_new = _group_weighted_median(c.item, c.x, wc, n_e, groups)
        change = np.max(np.abs(t_new - t) / scale)
        t = t_new
        if change <= tol:
            converged = True
            break
    return BaselineResult(_truth(c, t), _weights(c, w), it, converged, "crh")


# -------------------------------------------------------------------------- GTM


def gtm(
    values: ArrayLike,
    items: ArrayLike,
    sources: ArrayLike,
    *,
    alpha: float = 10.0,
    beta: float = 10.0,
    mu0: float = 0.0,
    sigma0: float = 1.0,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> BaselineResult:
    r"""GTM, the Gaussian truth model (Zhao & Han, QDB 2012), fitted by EM / MAP.

    Model, on claims standardised per item (``z = (x - mean_e) / std_e``, as
    the paper preprocesses them so that one prior fits every item)::

        truth      mu_e      ~ N(mu0, sigma0^2)
        quality    sigma_k^2 ~ InvGamma(alpha, beta)
        claim      z_ek      ~ N(mu_e, sigma_k^2)

    The iterations alternate the two MAP updates (the paper's E and M steps)::

        sigma_k^2 = (2 beta + sum_{claims c of k} (z_c - mu_e(c))^2)
                    / (2 (alpha + 1) + n_k)
        mu_e      = (mu0 / sigma0^2 + sum_{claims c on e} z_c / sigma_k(c)^2)
                    / (1 / sigma0^2 + sum_{claims c on e} 1 / sigma_k(c)^2)

    and the truths are mapped back, ``t_e = mean_e + std_e * mu_e``.

    Parameters
    ----------
    values, items, sources : array_like
        One entry per claim.
    alpha, beta : float
        Shape and scale of the inverse-gamma prior on each source's variance
        (standardised scale). Default 10 and 10: prior mode ``beta/(alpha+1)``
        = 0.91, i.e. a source is a priori about as noisy as the spread of the
        claims, worth ``2(alpha+1)`` = 22 pseudo-claims.
    mu0, sigma0 : float
        Mean and sd of the normal prior on each truth (standardised scale).
        Default 0 and 1: the truth lies near the mean of the item's claims,
        within about their spread. This prior pulls every truth towards the
        item's mean by ``1/sigma0^2`` pseudo-claims of precision 1.
    tol : float
        Stop when no standardised truth moves by more than ``tol``.
    max_iter : int
        At most this many (variances, truths) rounds.

    Returns
    -------
    BaselineResult
        ``truth`` by item on the original scale; ``source_weight`` the
        precisions ``1 / sigma_k^2`` on the standardised scale.

    Notes
    -----
    The hyperparameters are inputs of the model, not fixed by it. The defaults
    (``alpha = beta = 10``, ``mu0 = 0``, ``sigma0 = 1``) are the ones found in
    public re-implementations of GTM used in truth-discovery comparisons (e.g.
    the GTM model of the TrustFuse library), which also start the truths at
    the per-item median, as done here. They were not tuned for this library.

    Items whose claims all agree (one claim, or std 0) are standardised with
    std 1, so their claims are all 0 and add nothing to any source's squared
    error; their truth is the common value. ``beta > 0`` keeps every
    ``sigma_k^2`` positive (a source with one claim gets a finite variance).
    """
    if not (alpha > -1 and beta > 0 and sigma0 > 0):
        raise ValueError("need alpha > -1, beta > 0 and sigma0 > 0")
    _check_iter(tol, max_iter)
    c = _prepare(values, items, sources, need_sources=True)
    assert c.source is not None
    n_e, n_k = c.n_items, c.n_sources
    m, sd, agree = _spread(c)
    sd = np.where(agree, 1.0, sd)
    z = (c.x - m[c.item]) / sd[c.item]
    n_claims = np.bincount(c.source, minlength=n_k)
    prior_prec = 1.0 / sigma0**2

    mu = _group_median(c.item, z, n_e)
    var = np.ones(n_k)
    converged, it = False, 0
    while it < max_iter:
        it += 1
        r = z - mu[c.item]
        sse = np.bincount(c.source, weights=r * r, minlength=n_k)
        var = (2.0 * beta + sse) / (2.0 * (alpha + 1.0) + n_claims)
        prec = 1.0 / var[c.source]
        num = mu0 * prior_prec + np.bincount(c.item, weights=prec * z, minlength=n_e)
        den = prior_prec + np.bincount(c.item, weights=prec, minlength=n_e)
        mu_new = num / den
        change = np.max(np.abs(mu_new - mu))
        mu = mu_new
        if change <= tol:
            converged = True
            break
    t = m + sd * mu
    return BaselineResult(_truth(c, t), _weights(c, 1.0 / var), it, converged, "gtm")


# ------------------------------------------------------------------------- CATD


def catd(
    values: ArrayLike,
    items: ArrayLike,
    sources: ArrayLike,
    *,
    alpha: float = 0.05,
    normalize: bool = False,
    tol: float = 1e-6,
    max_iter: int = 500,
    eps: float = 1e-12,
) -> BaselineResult:
    r"""CATD, confidence-aware truth discovery (Li et al., PVLDB 2015).

    A source's error is modelled as ``N(0, sigma_k^2)``; the sum of its squared
    errors over its ``n_k`` claims, divided by ``sigma_k^2``, is chi-squared
    with ``n_k`` degrees of freedom, so the upper end of the ``(1 - alpha)``
    confidence interval of ``sigma_k^2`` is ``SSE_k / chi2_{alpha/2}(n_k)``.
    CATD weighs each source by the inverse of that upper bound (the paper's
    source-weight equation)::

        w_k = chi2.ppf(alpha / 2, n_k) / sum_{claims c of k} (x_c - t_e(c))^2

    -- the lower ``alpha/2`` quantile, small for small ``n_k``, which discounts
    sources with few claims (the long tail) -- and takes the weighted mean as
    the truth::

        t_e = sum_k w_k x_ek / sum_k w_k

    Truths start at the per-item median, then weights and truths alternate.

    Parameters
    ----------
    values, items, sources : array_like
        One entry per claim.
    alpha : float
        Significance level of the confidence interval, in (0, 1). Default 0.05
        (a 95% interval).
    normalize : bool
        False (default, the paper's formula): raw squared errors, so items on
        large scales dominate every source's error. True: errors divided by the
        item's std (z-scale residuals), for items on different scales.
    tol : float
        Stop when no truth moves by more than ``tol`` item standard deviations.
    max_iter : int
        At most this many (weights, truths) rounds.
    eps : float
        A source's squared-error sum is floored at ``eps`` times the mean
        within-item squared deviation of all claims (1 if that is 0), so a source
        whose claims all equal the current truths gets a large finite weight.

    Returns
    -------
    BaselineResult
        ``truth`` by item; ``source_weight`` the CATD weights ``w_k``
        (unnormalised; only their ratios matter).

    Notes
    -----
    Iterated to convergence, CATD can collapse onto one source: a source's
    own claims pull the weighted-mean truth towards it, which shrinks its
    squared error, which raises its weight (the Gaussian likelihood with free
    per-source variances is unbounded as one variance goes to 0). Where every
    source claims every item and items have few claims (say 3-5), the
    iteration typically ends with one source holding all the weight (its
    error floored at ``eps``) and the truths equal to that source's claims.
    On sparse, long-tail data (most sources making few claims, the paper's
    setting) it is much less marked. ``max_iter`` small (e.g. 10) stops
    short of it; ``converged`` and the weights show when it happened.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    _check_iter(tol, max_iter)
    c = _prepare(values, items, sources, need_sources=True)
    assert c.source is not None
    n_e, n_k = c.n_items, c.n_sources
    m, sd, agree = _spread(c)
    scale = np.where(agree, 1.0, sd)
    resid_scale = scale if normalize else np.ones(n_e)
    dev = (c.x - m[c.item]) / resid_scale[c.item]
    typical = float(np.mean(dev * dev))
    floor = eps * (typical if typical > 0 else 1.0)
    n_claims = np.bincount(c.source, minlength=n_k)
    q = stats.chi2.ppf(alpha / 2.0, n_claims)

    t = _group_median(c.item, c.x, n_e)
    w = np.ones(n_k)
    converged, it = False, 0
    while it < max_iter:
        it += 1
        r = (c.x - t[c.item]) / resid_scale[c.item]
        sse = np.bincount(c.source, weights=r * r, minlength=n_k)
        w = np.maximum(q / np.maximum(sse, floor), _MIN_WEIGHT)
        t_new = _weighted_mean(c.item, c.x, w[c.source], n_e)
        change = np.max(np.abs(t_new - t) / scale)
        t = t_new
        if change <= tol:
            converged = True
            break
    return BaselineResult(_truth(c, t), _weights(c, w), it, converged, "catd")


# --------------------------------------------------------------------- registry

type Baseline = Callable[..., BaselineResult]


def _registry_entry(f: Callable[..., BaselineResult], name: str, uses_times: bool) -> Baseline:
    def run(
        values: ArrayLike,
        items: ArrayLike,
        sources: ArrayLike,
        *,
        times: ArrayLike | None = None,
    ) -> BaselineResult:
        if uses_times:
            return f(values, items, sources, times=times)
        return f(values, items, sources)

    run.__name__ = name
    run.__qualname__ = name
    run.__doc__ = f"``{name}`` with the registry's signature; see :func:`{f.__name__}`."
    return run


BASELINES: dict[str, Baseline] = {
    "mean": _registry_entry(mean, "mean", False),
    "median": _registry_entry(median, "median", False),
    "latest": _registry_entry(latest, "latest", True),
    "crh": _registry_entry(crh, "crh", False),
    "gtm": _registry_entry(gtm, "gtm", False),
    "catd": _registry_entry(catd, "catd", False),
}
"""Name -> ``f(values, items, sources, *, times=None)``; only ``latest`` uses ``times``."""
