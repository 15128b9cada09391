"""Simulated claims with a known truth, for testing and benchmarking the model.

`simulate` draws a latent truth for each quantity, a set of origins with their
own bias and noise, and statements by those origins, some of them bounds,
ranges or projections, some relayed by outlets. It returns the claims table in
the contract format of `consensus.read_claims` together with the truth and the
origins' parameters, so that an estimate can be scored against what really
happened.

Generative process
------------------
Everything is drawn on the *model scale*: ``log`` (counts; natural units are
``exp`` of it) or ``identity`` (real numbers).

1. **Truth.** Quantity ``q`` (named ``"q0"``, ``"q1"``, ...) starts on day 0 at
   ``L_q = log(level) + level_spread * z`` (``level + level_spread * z`` on the
   identity scale), with ``z ~ N(0, 1)``, and moves each day by
   ``d_q + walk_sd * z_t``, where the drift ``d_q ~ N(0, drift_sd)`` is fixed
   per quantity. The truth is returned on every day from ``start`` to the end
   of the span (``n_days`` days, longer when a projection's ``as_of`` lies
   beyond it).
2. **Origins.** Origin ``o`` (``"origin_00"``, ...) has a bias
   ``b_o ~ N(0, bias_sd)`` and a noise sd ``s_o = noise_mean * exp(noise_spread
   * z)`` (lognormal with median ``noise_mean``). With ``zero_sum_bias`` the
   biases are centred so that their mean over the origins that made any
   statement is 0, the model's default identification. ``heavy_tailed`` origins,
   picked at random, make Student-t errors with ``heavy_df`` degrees of freedom.
   Origins differ in how prolific they are: statement ``i`` is by origin ``o``
   with probability proportional to ``1 / (o + 1) ** propensity_exponent``
   (Zipf-like: ``origin_00`` is the most prolific), except that every origin
   makes at least one statement when there are at least as many statements as
   origins.
3. **Statements.** Each quantity gets ``claims_per_quantity`` statements (rows
   before relays) made on days drawn uniformly over the span. A statement by
   ``o`` about ``q`` refers to the truth at ``as_of`` and reports, on the model
   scale, ``y = latent_q(as_of) + b_o + s_o * e`` with ``e ~ N(0, 1)`` (or
   Student-t for heavy-tailed origins). A share ``projection_share`` of the
   statements are projections: ``as_of = date + h`` with ``h`` uniform on
   ``1..max_horizon_days`` days, and ``y`` carries an extra
   ``N(0, projection_sd * sqrt(h / 30))`` error (``projection_sd`` is the extra
   sd at a 30-day horizon, as in the model). Otherwise ``as_of = date``.

   *Shared error.* With ``shared_error_sd > 0`` every statement about ``q``
   also carries ``eta_q ~ N(0, shared_error_sd)``, the same for every origin
   (a polling miss, a common upstream source): ``y`` gains ``eta_q``. With
   ``shared_error_days = k`` there is one ``eta`` per quantity and block of
   ``k`` days of ``as_of`` (days ``0..k-1``, ``k..2k-1``, ...), drawn
   independently. `Simulation.shared` lists them.

   *Known sampling error.* An exact share ``stderr_share`` of the statements
   come with a known standard error, as a poll's. Statement ``i``'s error sd on
   the model scale is ``se_i = stderr_sd * U(0.5, 2.0)`` and ``y`` gains
   ``se_i * N(0, 1)``. The ``stderr`` column gives it in the figure's natural
   units by the delta method, the conversion the model reads back: on the log
   scale ``stderr = se_i * F`` (``d log F = dF / F``), on the identity scale
   ``stderr = se_i``, where ``F`` is the reported figure (a range's midpoint
   ``(low + high) / 2``). Other statements have ``stderr`` NaN.
4. **Figures.** With ``Y`` the figure in natural units (``exp(y)`` on the log
   scale, ``y`` on the identity scale), exact shares of the statements are
   bounds and ranges; the rest are points:

   ============  =========================================  ===========================================
   kind          log scale                                  identity scale (``u = noise_mean``)
   ============  =========================================  ===========================================
   ``point``     ``value = Y``                              ``value = Y``
   ``at_least``  ``value = Y * U(0.5, 0.9)``                ``value = Y - u * U(0.5, 3.0)``
   ``at_most``   ``value = Y * U(1.1, 2.0)``                ``value = Y + u * U(0.5, 3.0)``
   ``range``     ``low = Y * U(0.6, 0.95)``,                ``low = Y - u * U(0.3, 2.0)``,
                 ``high = Y * U(1.05, 1.6)``                ``high = Y + u * U(0.3, 2.0)``
   ============  =========================================  ===========================================

   so the origin's belief ``Y`` always satisfies its bound or lies in its
   range. Figures are then rounded as news reports round them: to
   ``round_sig`` significant figures on the log scale; on the identity scale
   to a multiple of ``10 ** (floor(log10(noise_mean)) - round_sig + 1)`` (the
   same relative precision against the typical noise). Points round to the
   nearest, lower bounds (``at_least``, a range's ``low``) down and upper
   bounds up, so rounding never breaks a bound. Rounding adds a small error to
   points (at most half a unit in the last place: up to 5% at 2 significant
   figures, sd about 1.5-3% on the log scale), which the model absorbs into
   the origins' noise; ``round_sig=None`` disables it. Should two distinct
   statements by one origin about one quantity and ``as_of`` round to the same
   figure (which the claims reader would take for one statement relayed
   twice), the later one is given one more significant figure until they
   differ.
5. **Exact reports.** With ``exact_prob`` above 0, a point statement by ``o``
   is *exact* with probability ``exact_prob[o]`` (a Bernoulli draw per
   statement; bounds and ranges never are): its figure is the truth at its
   ``as_of`` in natural units, rounded to the nearest by the rule of item 4,
   with no bias, noise, shared error, known error (``stderr`` NaN) or
   projection error, as a census figure or a timetable repeated word for
   word. The truth the simulation returns (``truth``, ``truths_at``) is then
   rounded by the same rule, so the truth is literally one of the reported
   figures (the other statements still scatter around the unrounded truth,
   which lies within half a unit in the last place of it). With
   ``scale="identity"`` and a unit of 1 (``noise_mean=2``, ``round_sig=1``)
   every exact figure and the truth are whole numbers. Exact figures never
   get extra digits: another statement's figure that collides with one gets
   them, and two exact statements by one origin about one quantity and
   ``as_of`` are the same figure, which the claims reader counts as one
   statement carried twice. `Simulation.statements` says which statements
   were exact.
6. **Relays.** An exact share ``relay_share`` of the statements is relayed by
   1 to ``max_relays`` distinct outlets (``"outlet_00"``, ..., chosen with
   Zipf-like propensity): each relay is an extra row with ``source`` and
   ``outlet`` the outlet's name, ``cites`` the origin, and the statement's
   ``as_of``, kind and figure. A relay is dated ``relay_delay_days`` or fewer
   days after the statement (0 by default: same day). The origin's own row
   has ``source`` the origin, ``cites`` and ``outlet`` empty.

Ids are ``"s<statement>"`` for the
origin's row and ``"s<statement>-r<k>"`` for its ``k``-th relay; rows are
sorted by date. The same ``random_seed`` gives identical output; the truth,
the origins, the statements, the relays, the known errors, the shared errors
and the exact reports use separate random streams, so changing how claims are
made (shares, relays, counts) leaves the truth and the origins' biases and
noises of a seed unchanged (as long as ``n_quantities``, ``n_days``,
``n_origins`` and the truth's and origins' arguments stay the same), and
adding known errors or a shared error leaves everything else as it was.
``exact_prob=0`` (the default) gives exactly the output of versions without
it.

`Simulation.truths_at` returns the truth on chosen dates (or a seeded share of
days) as a table of known truths for ``consensus.fit(truths=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CLAIM_COLUMNS", "Simulation", "simulate"]

#: Columns of the simulated claims table, in order (the claims contract).
CLAIM_COLUMNS = (
    "quantity",
    "source",
    "date",
    "kind",
    "value",
    "low",
    "high",
    "as_of",
    "cites",
    "outlet",
    "stderr",
    "id",
)
_KINDS = ("point", "at_least", "at_most", "range")

# how bounds and ranges relate to the origin's figure Y (see the module docstring)
_LOG_AT_LEAST = (0.5, 0.9)  # value = Y * U(...)
_LOG_AT_MOST = (1.1, 2.0)
_LOG_RANGE_LOW = (0.6, 0.95)
_LOG_RANGE_HIGH = (1.05, 1.6)
_ID_BOUND = (0.5, 3.0)  # value = Y -/+ noise_mean * U(...)
_ID_RANGE = (0.3, 2.0)  # low = Y - noise_mean * U(...), high = Y + noise_mean * U(...)

_LOG_CLIP = 300.0  # |y| on the log scale is clipped here so exp(y) stays finite and positive
_T_CLIP = 1e6  # a Student-t draw is clipped here (only df near 0 reaches it)
_MAX_EXTRA_DIGITS = 12  # after this many extra digits a colliding figure is left unrounded


@dataclass
class Simulation:
    """Output of `simulate`.

    Attributes
    ----------
    claims
        The claims table in the contract format (columns `CLAIM_COLUMNS`):
        dates as ISO ``YYYY-MM-DD`` strings, numbers as floats (NaN where not
        applicable), ``cites``/``outlet`` empty strings where not applicable.
        `consensus.read_claims` reads it as is.
    truth
        ``quantity``, ``date`` (Timestamp) and ``value`` (natural units): the
        latent truth on every day of each quantity's span, rounded as an exact
        report would give it when some ``exact_prob`` is above 0.
    origins
        One row per origin: ``origin``, ``bias`` (multiplicative on the log
        scale, i.e. the model-scale bias is ``log(bias)``; additive on the
        identity scale), ``noise`` (sd on the model scale), ``heavy_tailed``
        (bool), and for information ``propensity`` (probability that a
        statement is by this origin, before every origin is given one),
        ``n_statements`` (statements made, relays not counted) and, only when
        some is above 0 (so that tables without exact reports are as before),
        ``exact_prob``.
    params
        Every argument used, with the seed actually drawn when
        ``random_seed`` was None (JSON-serialisable): ``simulate(**params)``
        reproduces the simulation.
    shared
        The shared errors: one row per quantity and period, ``quantity``,
        ``start`` (first ``as_of`` day of the period, ISO string) and ``error``
        (multiplicative on the log scale, additive on the identity scale, like
        ``bias``; 1 or 0 when ``shared_error_sd`` is 0).
    statements
        One row per statement (relays not counted), the ground truth behind
        the claims table: ``id`` (its row's id there), ``quantity``,
        ``origin``, ``as_of`` (ISO string), ``kind`` and ``exact`` (bool: the
        figure is the rounded truth, module docstring item 5).
    """

    claims: pd.DataFrame
    truth: pd.DataFrame
    origins: pd.DataFrame
    params: dict
    shared: pd.DataFrame = field(default_factory=pd.DataFrame)
    statements: pd.DataFrame = field(default_factory=pd.DataFrame)

    def truths_at(
        self, when: float | str | pd.Timestamp | Sequence[str | pd.Timestamp], *, seed: int = 0
    ) -> pd.DataFrame:
        """Known truths in the format of ``consensus.fit(truths=...)``.

        Parameters
        ----------
        when
            A share in (0, 1]: that share of each quantity's days (rounded, at
            least one), drawn at random with ``seed``. Or a date or list of
            dates: every quantity's truth on each of them.
        seed
            Seed of the draw when ``when`` is a share.

        Returns
        -------
        pandas.DataFrame
            ``quantity``, ``date`` (ISO ``YYYY-MM-DD``) and ``value`` (natural
            units), by quantity (in order) and date.

        Raises
        ------
        ValueError
            For a share outside (0, 1] or a date outside the truth's span.
        """
        t = self.truth
        if isinstance(when, (int, float)) and not isinstance(when, bool):
            _check(0 < when <= 1, f"a share of days must lie in (0, 1], got {when}")
            rng = np.random.default_rng(seed)
            picks = []
            for _, g in t.groupby("quantity", sort=False):
                k = max(1, round(when * len(g)))
                picks.append(g.iloc[np.sort(rng.choice(len(g), size=k, replace=False))])
            out = pd.concat(picks)
        else:
            many = not isinstance(when, (str, pd.Timestamp))
            dates = pd.to_datetime(list(when) if many else [when])  # type: ignore[arg-type]
            outside = dates[(dates < t["date"].min()) | (dates > t["date"].max())]
            _check(
                len(outside) == 0,
                f"dates outside the truth's span ({t['date'].min().date()} to "
                f"{t['date'].max().date()}): {[str(d.date()) for d in outside]}",
            )
            out = t[t["date"].isin(dates)]
        out = out.assign(date=out["date"].dt.strftime("%Y-%m-%d"))
        return out.reset_index(drop=True)  # quantities in order, dates ascending


def _zipf(n: int, exponent: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1, dtype=float) ** exponent
    return w / w.sum()


def _round_to(x: np.ndarray, k: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Round ``x`` to a multiple of ``10 ** k``, elementwise: ``mode`` 0 nearest, 1 down, 2 up."""
    p = 10.0 ** np.abs(k)  # exact powers of ten up to 1e22: divide or multiply by them
    up = k >= 0
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.where(up, x / p, x * p)
        y = np.select([mode == 1, mode == 2], [np.floor(y), np.ceil(y)], np.round(y))
        out = np.where(up, y * p, y / p)
    return np.where(np.isfinite(out), out, x)


def _round_figures(
    x: np.ndarray,
    mode: np.ndarray,
    extra: np.ndarray,
    scale: str,
    round_sig: int | None,
    k_identity: float,
) -> np.ndarray:
    """Round figures as reported, with ``extra`` more digits per figure (the collision fix)."""
    if round_sig is None:
        return x.copy()
    if scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor(np.log10(np.abs(x))) - (round_sig - 1) - extra
    else:
        k = k_identity - extra
    out = _round_to(x, np.nan_to_num(k, nan=0.0), mode)
    keep = ~np.isfinite(x) | (extra > _MAX_EXTRA_DIGITS)
    if scale == "log":
        keep |= out <= 0
    return np.where(keep, x, out)


def _take(names, codes: np.ndarray):
    """``names[codes]`` as a pandas string array."""
    return pd.Series(list(names), dtype=object).astype(str).array.take(codes)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _check_arguments(p: dict) -> None:
    """Raise ValueError for any argument of `simulate` out of range."""
    _check(
        p["scale"] in ("log", "identity"), f"scale must be 'log' or 'identity', got {p['scale']!r}"
    )
    for name in ("n_quantities", "n_days", "n_origins", "claims_per_quantity"):
        _check(int(p[name]) == p[name] and p[name] >= 1, f"{name} must be a positive integer")
    for name in (
        "level_spread",
        "drift_sd",
        "walk_sd",
        "bias_sd",
        "noise_spread",
        "projection_sd",
        "propensity_exponent",
        "stderr_sd",
        "shared_error_sd",
    ):
        _check(math.isfinite(p[name]) and p[name] >= 0, f"{name} must be a finite number >= 0")
    _check(
        math.isfinite(p["noise_mean"]) and p["noise_mean"] > 0,
        "noise_mean must be a positive finite number",
    )
    _check(
        math.isfinite(p["level"]) and (p["level"] > 0 or p["scale"] == "identity"),
        "level must be finite (and positive on the log scale)",
    )
    _check(
        0 <= p["heavy_tailed"] <= p["n_origins"] and int(p["heavy_tailed"]) == p["heavy_tailed"],
        "heavy_tailed must be an integer between 0 and n_origins",
    )
    _check(p["heavy_df"] > 0, "heavy_df must be positive")
    for name in (
        "share_at_least",
        "share_at_most",
        "share_range",
        "relay_share",
        "projection_share",
        "stderr_share",
    ):
        _check(0.0 <= p[name] <= 1.0, f"{name} must lie between 0 and 1, got {p[name]}")
    _check(
        p["share_at_least"] + p["share_at_most"] + p["share_range"] <= 1.0 + 1e-12,
        "share_at_least + share_at_most + share_range may not exceed 1",
    )
    _check(
        p["max_relays"] >= 1 and int(p["max_relays"]) == p["max_relays"],
        "max_relays must be a positive integer",
    )
    _check(
        p["relay_share"] == 0 or p["n_outlets"] >= p["max_relays"],
        "n_outlets must be at least max_relays (relays of a statement come from distinct outlets)",
    )
    for name in ("relay_delay_days",):
        _check(p[name] >= 0 and int(p[name]) == p[name], f"{name} must be an integer >= 0")
    _check(
        p["max_horizon_days"] >= 1 and int(p["max_horizon_days"]) == p["max_horizon_days"],
        "max_horizon_days must be a positive integer",
    )
    days = p["shared_error_days"]
    _check(
        days is None or (int(days) == days and days >= 1),
        "shared_error_days must be a positive integer or None",
    )
    _check(
        p["round_sig"] is None or (int(p["round_sig"]) == p["round_sig"] and p["round_sig"] >= 1),
        "round_sig must be a positive integer or None",
    )
    t0 = pd.Timestamp(p["start"])
    _check(t0 == t0.normalize(), "start must be a date (YYYY-MM-DD)")


def _exact_probs(value: float | Sequence[float], n_origins: int) -> np.ndarray:
    """Each origin's probability of an exact report: a number for all, or one per origin."""
    try:
        probs = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"exact_prob must be a number or numbers, got {value!r}") from None
    if probs.ndim == 0:
        probs = np.full(n_origins, float(probs))
    _check(
        probs.shape == (n_origins,),
        f"exact_prob must be one number or one per origin (n_origins={n_origins}), "
        f"got {len(probs) if probs.ndim == 1 else probs.shape}",
    )
    bad = np.flatnonzero(~((probs >= 0) & (probs <= 1)))  # NaN included
    _check(
        not len(bad),
        "exact_prob must lie between 0 and 1; "
        + ", ".join(f"origin {o}'s is {probs[o]}" for o in bad[:5]),
    )
    return probs


def _draw_truth(rng: np.random.Generator, p: dict) -> np.ndarray:
    """(quantity, day) latent truth on the model scale, ``n_days + max_horizon_days`` days."""
    # drawn day by day (rows = days) so the first days do not depend on how long the span is
    n_q = int(p["n_quantities"])
    n_all = int(p["n_days"]) + int(p["max_horizon_days"])
    centre = math.log(p["level"]) if p["scale"] == "log" else float(p["level"])
    initial = centre + p["level_spread"] * rng.standard_normal(n_q)
    drift = p["drift_sd"] * rng.standard_normal(n_q)
    steps = drift + p["walk_sd"] * rng.standard_normal((n_all - 1, n_q))
    return (initial + np.vstack([np.zeros((1, n_q)), np.cumsum(steps, axis=0)])).T


@dataclass
class _Origins:
    bias: np.ndarray  # model scale
    noise: np.ndarray  # model-scale sd
    heavy: np.ndarray  # bool
    propensity: np.ndarray


def _draw_origins(rng: np.random.Generator, p: dict) -> _Origins:
    n_o = int(p["n_origins"])
    bias = p["bias_sd"] * rng.standard_normal(n_o)
    noise = p["noise_mean"] * np.exp(p["noise_spread"] * rng.standard_normal(n_o))
    heavy = np.zeros(n_o, dtype=bool)
    heavy[rng.choice(n_o, size=int(p["heavy_tailed"]), replace=False)] = True
    return _Origins(bias, noise, heavy, _zipf(n_o, p["propensity_exponent"]))


@dataclass
class _Statements:
    quantity: np.ndarray  # (N,) codes
    origin: np.ndarray
    day: np.ndarray  # day of the statement (0 = start)
    horizon: np.ndarray  # days from day to as_of
    as_of: np.ndarray
    kind: np.ndarray  # index into _KINDS


def _draw_statements(rng: np.random.Generator, p: dict, propensity: np.ndarray) -> _Statements:
    """Who says what about which quantity, when, of which kind (no figures yet)."""
    n_o, n_d = int(p["n_origins"]), int(p["n_days"])
    N = int(p["n_quantities"]) * int(p["claims_per_quantity"])
    quantity = np.repeat(np.arange(int(p["n_quantities"])), int(p["claims_per_quantity"]))
    origin = rng.choice(n_o, size=N, p=propensity)
    first = rng.permutation(N)[: min(N, n_o)]  # every origin makes at least one statement
    origin[first] = np.arange(len(first))
    day = rng.integers(0, n_d, size=N)
    horizon = np.zeros(N, dtype=np.int64)
    proj = rng.permutation(N)[: round(p["projection_share"] * N)]
    horizon[proj] = rng.integers(1, int(p["max_horizon_days"]) + 1, size=len(proj))
    kind = np.zeros(N, dtype=np.int64)
    counts = [round(p[s] * N) for s in ("share_at_least", "share_at_most", "share_range")]
    perm = rng.permutation(N)
    edges = np.minimum(np.cumsum([0, *counts]), N)
    for code in (1, 2, 3):
        kind[perm[edges[code - 1] : edges[code]]] = code
    return _Statements(quantity, origin, day, horizon, day + horizon, kind)


def _draw_exact(rng: np.random.Generator, probs: np.ndarray, st: _Statements) -> np.ndarray:
    """(N,) bool: the point statements that report the truth exactly (Bernoulli per origin)."""
    return (st.kind == 0) & (rng.random(len(st.kind)) < probs[st.origin])


def _shared_errors(
    rng: np.random.Generator, p: dict, st: _Statements
) -> tuple[np.ndarray, np.ndarray]:
    """(quantity, period) shared errors on the model scale and each statement's period."""
    days = p["shared_error_days"]
    period = st.as_of // int(days) if days is not None else np.zeros_like(st.as_of)
    n_periods = int(period.max()) + 1
    eta = p["shared_error_sd"] * rng.standard_normal((int(p["n_quantities"]), n_periods))
    return eta, period


def _known_errors(rng: np.random.Generator, p: dict, n: int) -> np.ndarray:
    """(N,) model-scale sd of each statement's known sampling error; 0 where none is given."""
    se = np.zeros(n)
    chosen = rng.permutation(n)[: round(p["stderr_share"] * n)]
    se[chosen] = p["stderr_sd"] * rng.uniform(0.5, 2.0, size=len(chosen))
    return se


def _uni(u: np.ndarray, lo_hi: tuple[float, float]) -> np.ndarray:
    return lo_hi[0] + (lo_hi[1] - lo_hi[0]) * u


def _raw_figures(
    y: np.ndarray, kind: np.ndarray, u1: np.ndarray, u2: np.ndarray, p: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unrounded value, low, high in natural units from the model-scale reports ``y``."""
    nan = np.full(len(y), np.nan)
    u = p["noise_mean"]
    if p["scale"] == "log":
        Y = np.exp(np.clip(y, -_LOG_CLIP, _LOG_CLIP))
        value = np.select(
            [kind == 0, kind == 1, kind == 2],
            [Y, Y * _uni(u1, _LOG_AT_LEAST), Y * _uni(u1, _LOG_AT_MOST)],
            nan,
        )
        low = np.where(kind == 3, Y * _uni(u1, _LOG_RANGE_LOW), nan)
        high = np.where(kind == 3, Y * _uni(u2, _LOG_RANGE_HIGH), nan)
    else:
        value = np.select(
            [kind == 0, kind == 1, kind == 2],
            [y, y - u * _uni(u1, _ID_BOUND), y + u * _uni(u1, _ID_BOUND)],
            nan,
        )
        low = np.where(kind == 3, y - u * _uni(u1, _ID_RANGE), nan)
        high = np.where(kind == 3, y + u * _uni(u2, _ID_RANGE), nan)
    return value, low, high


def _identity_exponent(p: dict) -> int:
    """Identity scale: figures are rounded to a multiple of ``10 ** _identity_exponent(p)``."""
    return math.floor(math.log10(p["noise_mean"])) - ((p["round_sig"] or 1) - 1)


def _truth_figures(latent: np.ndarray, p: dict, rounded: bool) -> np.ndarray:
    """The truth in natural units, rounded as a point figure (to the nearest) if ``rounded``."""
    x = np.exp(latent) if p["scale"] == "log" else latent.copy()
    if not rounded:
        return x
    zeros = np.zeros(x.shape, dtype=np.int64)
    return _round_figures(x, zeros, zeros, p["scale"], p["round_sig"], _identity_exponent(p))


def _rounded_figures(
    raw: tuple[np.ndarray, np.ndarray, np.ndarray], st: _Statements, p: dict, exact: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Figures rounded as reported; colliding statements of one origin get more digits.

    Exact statements (``exact``, whose raw figure is the rounded truth) never do: rounding
    leaves their figure as it is, and a statement colliding with one gets the digits.
    """
    raw_value, raw_low, raw_high = raw
    N, round_sig = len(st.kind), p["round_sig"]
    k_id = _identity_exponent(p)
    # points round to the nearest (mode 0), lower bounds down (1), upper bounds up (2)
    value_mode = np.select([st.kind == 1, st.kind == 2], [1, 2], 0)
    extra = np.zeros(N, dtype=np.int64)

    def rounded(i: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        args = (extra[i], p["scale"], round_sig, k_id)
        return (
            _round_figures(raw_value[i], value_mode[i], *args),
            _round_figures(raw_low[i], np.ones(len(i)), *args),
            _round_figures(raw_high[i], np.full(len(i), 2), *args),
        )

    value, low, high = rounded(np.arange(N))
    # distinct statements must stay distinct: the same origin, quantity, as_of and figure would
    # read as one statement relayed; the later one gets one more digit until they differ
    first = np.argsort(~exact, kind="stable")  # exact ones first: the others are "later"
    for _ in range(_MAX_EXTRA_DIGITS + 2):
        key = pd.DataFrame(
            {"q": st.quantity, "o": st.origin, "a": st.as_of, "k": st.kind, "v": value}
            | {"l": low, "h": high}
        )
        dup = first[key.iloc[first].duplicated().to_numpy()]
        dup = dup[~exact[dup]]
        if not len(dup):
            break
        extra[dup] += 1
        value[dup], low[dup], high[dup] = rounded(dup)
    return value, low, high


@dataclass
class _Relays:
    stmt: np.ndarray  # statement relayed by each relay row
    outlet: np.ndarray
    number: np.ndarray  # 1, 2, ... within its statement
    day: np.ndarray


def _draw_relays(rng: np.random.Generator, p: dict, day: np.ndarray) -> _Relays:
    N, max_relays, n_outlets = len(day), int(p["max_relays"]), int(p["n_outlets"])
    n_rel = round(p["relay_share"] * N)
    relayed = rng.permutation(N)[:n_rel]
    n_each = rng.integers(1, max_relays + 1, size=n_rel)
    if n_rel:
        # weighted sampling without replacement (Gumbel top-k)
        keys = np.log(_zipf(n_outlets, p["propensity_exponent"])) + rng.gumbel(
            size=(n_rel, n_outlets)
        )
        top = np.argsort(-keys, axis=1, kind="stable")[:, :max_relays]
        take = np.arange(max_relays)[None, :] < n_each[:, None]
        stmt, outlet, number = np.repeat(relayed, n_each), top[take], np.cumsum(take, axis=1)[take]
    else:
        stmt = outlet = number = np.zeros(0, dtype=np.int64)
    delay = rng.integers(0, int(p["relay_delay_days"]) + 1, size=len(stmt))
    return _Relays(stmt, outlet, number, day[stmt] + delay)


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:0{max(2, len(str(n - 1)))}d}" for i in range(n)]


def _statement_ids(n: int) -> pd.Series:
    """``"s<statement>"``, zero-padded to one width."""
    return "s" + pd.Series(np.arange(n)).astype(str).str.zfill(len(str(n - 1)))


def _statements_table(st: _Statements, exact: np.ndarray, p: dict) -> pd.DataFrame:
    """`Simulation.statements`: one row per statement, with whether it is exact."""
    iso = pd.date_range(p["start"], periods=int(st.as_of.max()) + 1, freq="D")
    return pd.DataFrame(
        {
            "id": _statement_ids(len(st.kind)).to_numpy(),
            "quantity": _take([f"q{i}" for i in range(int(p["n_quantities"]))], st.quantity),
            "origin": _take(_names("origin_", int(p["n_origins"])), st.origin),
            "as_of": _take(iso.strftime("%Y-%m-%d"), st.as_of),
            "kind": _take(_KINDS, st.kind),
            "exact": exact,
        }
    )


def _claims_table(
    st: _Statements,
    figures: tuple[np.ndarray, np.ndarray, np.ndarray],
    stderr: np.ndarray,
    rel: _Relays,
    p: dict,
) -> pd.DataFrame:
    """The claims table: statements and their relays, sorted by date."""
    value, low, high = figures
    N, n_o = len(st.kind), int(p["n_origins"])
    stmt = np.concatenate([np.arange(N), rel.stmt])
    relay_no = np.concatenate([np.zeros(N, dtype=np.int64), rel.number])
    row_day = np.concatenate([st.day, rel.day])
    order = np.lexsort((relay_no, stmt, row_day))
    stmt, relay_no, row_day = stmt[order], relay_no[order], row_day[order]

    n_dates = int(max(st.as_of.max(), row_day.max())) + 1
    iso = pd.date_range(p["start"], periods=n_dates, freq="D").strftime("%Y-%m-%d")
    q_names = [f"q{i}" for i in range(int(p["n_quantities"]))]
    o_names = _names("origin_", n_o)
    out_names = _names("outlet_", int(p["n_outlets"]))
    st_ids = _statement_ids(N)
    rel_ids = (
        st_ids.take(rel.stmt).reset_index(drop=True) + "-r" + pd.Series(rel.number).astype(str)
    )
    is_relay = relay_no > 0
    o_row = st.origin[stmt]
    out_row = np.concatenate([np.zeros(N, dtype=np.int64), rel.outlet])[order]
    # string columns: a table of names and codes into it (fast takes, no per-row Python)
    return pd.DataFrame(
        {
            "quantity": _take(q_names, st.quantity[stmt]),
            "source": _take(o_names + out_names, np.where(is_relay, n_o + out_row, o_row)),
            "date": _take(iso, row_day),
            "kind": _take(_KINDS, st.kind[stmt]),
            "value": value[stmt],
            "low": low[stmt],
            "high": high[stmt],
            "as_of": _take(iso, st.as_of[stmt]),
            "cites": _take(["", *o_names], np.where(is_relay, 1 + o_row, 0)),
            "outlet": _take(["", *out_names], np.where(is_relay, 1 + out_row, 0)),
            "stderr": stderr[stmt],
            "id": pd.concat([st_ids, rel_ids], ignore_index=True).take(order).to_numpy(),
        }
    )


def simulate(
    *,
    n_quantities: int = 3,
    n_days: int = 60,
    n_origins: int = 8,
    claims_per_quantity: int = 40,
    scale: str = "log",
    start: str = "2024-01-01",
    level: float = 5000.0,
    level_spread: float = 1.0,
    drift_sd: float = 0.0,
    walk_sd: float = 0.02,
    bias_sd: float = 0.3,
    noise_mean: float = 0.15,
    noise_spread: float = 0.5,
    heavy_tailed: int = 0,
    heavy_df: float = 1.5,
    share_at_least: float = 0.0,
    share_at_most: float = 0.0,
    share_range: float = 0.0,
    relay_share: float = 0.0,
    max_relays: int = 5,
    n_outlets: int = 20,
    relay_delay_days: int = 0,
    projection_share: float = 0.0,
    max_horizon_days: int = 60,
    projection_sd: float = 0.1,
    propensity_exponent: float = 1.0,
    round_sig: int | None = 2,
    zero_sum_bias: bool = True,
    stderr_share: float = 0.0,
    stderr_sd: float = 0.1,
    shared_error_sd: float = 0.0,
    shared_error_days: int | None = None,
    exact_prob: float | Sequence[float] = 0.0,
    random_seed: int | None = None,
) -> Simulation:
    """Simulate claims about quantities that change over time, with the truth behind them.

    The generative process is described in the module docstring
    (`consensus.simulate`). All sds are on the model scale (log for
    ``scale="log"``, natural units for ``"identity"``).

    Parameters
    ----------
    n_quantities
        Number of quantities, named ``"q0"``, ``"q1"``, ...
    n_days
        Days in the span over which statements are made (from ``start``).
    n_origins
        Number of origins, named ``"origin_00"``, ...
    claims_per_quantity
        Statements per quantity (the origins' own rows; relays come on top).
    scale
        ``"log"`` (positive counts) or ``"identity"`` (real numbers).
    start
        First day of the span, ISO ``YYYY-MM-DD``.
    level
        Log scale: typical initial level in natural units (its log is the
        centre of the quantities' initial levels). Identity: the centre itself.
    level_spread
        Sd of the quantities' initial levels around the centre, model scale.
    drift_sd
        Sd of each quantity's drift per day, model scale (0: no trend).
    walk_sd
        Sd of the random walk per sqrt(day), model scale.
    bias_sd
        Sd of the origins' biases, model scale.
    noise_mean
        Median of the origins' noise sds, model scale.
    noise_spread
        Log-sd of the origins' noise sds around ``noise_mean``.
    heavy_tailed
        Number of origins (picked at random) whose errors are Student-t.
    heavy_df
        Degrees of freedom of those errors (1.5: infinite variance; draws are
        clipped at 1e6 standard units).
    share_at_least, share_at_most, share_range
        Shares of the statements that are lower bounds, upper bounds and
        ranges (rounded to whole statements; the rest are points). Their sum
        may not exceed 1.
    relay_share
        Share of the statements relayed by outlets (rounded to whole
        statements).
    max_relays
        A relayed statement gets 1 to ``max_relays`` relays (uniformly), each
        from a distinct outlet.
    n_outlets
        Number of outlets, named ``"outlet_00"``, ...; at least ``max_relays``
        when there are relays.
    relay_delay_days
        A relay is dated 0 to ``relay_delay_days`` days after the statement
        (uniformly). With 0 (default) relays share the statement's date; with
        more, a relay of a statement that is not a projection has ``as_of``
        before its ``date``, as a later report of an older figure does.
    projection_share
        Share of the statements that are projections (rounded to whole
        statements): ``as_of = date + h``, ``h`` uniform on
        ``1..max_horizon_days`` days.
    max_horizon_days
        Longest projection horizon, days.
    projection_sd
        Sd of a projection's extra error at a 30-day horizon; it grows as
        ``sqrt(h / 30)``.
    propensity_exponent
        Zipf exponent of how prolific origins (and outlets) are: weight
        ``1 / rank ** exponent``; 0 makes them equally prolific.
    round_sig
        Significant figures of reported figures (log scale); on the identity
        scale the same relative precision against ``noise_mean`` (see the module
        docstring). Rounding adds a small error to points. None: no rounding.
    zero_sum_bias
        Centre the biases so that their mean over the origins with statements
        is 0 on the model scale (the model's default identification).
    stderr_share
        Share of the statements that come with a known ``stderr`` (rounded to
        whole statements), whose figure carries that extra error.
    stderr_sd
        Typical model-scale sd of those known errors: each is
        ``stderr_sd * U(0.5, 2.0)``; the ``stderr`` column converts it to
        natural units (module docstring).
    shared_error_sd
        Sd (model scale) of an error every statement about a quantity shares,
        whichever its origin (0: none).
    shared_error_days
        None: one shared error per quantity. A number of days: one per
        quantity and block of that many days of ``as_of``.
    exact_prob
        Probability that a point statement reports the truth exactly (rounded
        as the other figures, module docstring item 5): one number for every
        origin, or one per origin (``n_origins`` numbers), each in [0, 1].
        Above 0 for any origin, the returned truth is rounded the same way.
    random_seed
        Seed of the random numbers; None draws one (recorded in ``params``).

    Returns
    -------
    Simulation
        ``claims``, ``truth``, ``origins``, ``params``, ``shared`` and
        ``statements``.

    Raises
    ------
    ValueError
        For arguments out of range, ``exact_prob`` among them (naming the
        origin whose probability is out of range).

    Examples
    --------
    >>> sim = simulate(n_quantities=2, claims_per_quantity=30, share_at_least=0.2,
    ...                relay_share=0.3, projection_share=0.1, random_seed=1)
    >>> list(sim.claims.columns) == list(CLAIM_COLUMNS)
    True
    """
    params = {k: v for k, v in locals().items()}
    _check_arguments(params)
    probs = _exact_probs(exact_prob, int(n_origins))
    params["exact_prob"] = float(probs[0]) if np.ndim(exact_prob) == 0 else probs.tolist()
    params["start"] = pd.Timestamp(start).strftime("%Y-%m-%d")
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    params["random_seed"] = int(random_seed)
    # one stream per step; the first ones are those of earlier versions (spawn(k) begins with
    # spawn(k - 1)'s streams), so old seeds still give the same claims
    rng_truth, rng_origins, rng_st, rng_relay, rng_se, rng_shared, rng_exact = (
        np.random.default_rng(s) for s in np.random.SeedSequence(int(random_seed)).spawn(7)
    )
    is_log = scale == "log"
    p = params

    latent = _draw_truth(rng_truth, p)  # (quantity, day)
    org = _draw_origins(rng_origins, p)
    st = _draw_statements(rng_st, p, org.propensity)
    exact = _draw_exact(rng_exact, probs, st)
    truth_grid = _truth_figures(latent, p, rounded=bool(probs.any()))  # natural units
    bias = org.bias
    present = np.bincount(st.origin, minlength=len(bias)) > 0
    if zero_sum_bias:
        bias = bias - bias[present].mean()

    # the report on the model scale: truth + bias + noise (+ projection, shared, known errors)
    N = len(st.kind)
    z = rng_st.standard_normal(N)
    t = np.clip(rng_st.standard_t(heavy_df, size=N), -_T_CLIP, _T_CLIP)
    e = np.where(org.heavy[st.origin], t, z)
    proj_err = projection_sd * np.sqrt(st.horizon / 30.0) * rng_st.standard_normal(N)
    y = latent[st.quantity, st.as_of] + bias[st.origin] + org.noise[st.origin] * e + proj_err
    eta, period = _shared_errors(rng_shared, p, st)
    se = np.where(exact, 0.0, _known_errors(rng_se, p, N))
    if shared_error_sd > 0:
        y = y + eta[st.quantity, period]
    if stderr_share > 0:
        y = y + se * rng_se.standard_normal(N)
    u1, u2 = rng_st.random(N), rng_st.random(N)
    raw_value, raw_low, raw_high = _raw_figures(y, st.kind, u1, u2, p)
    raw_value[exact] = truth_grid[st.quantity[exact], st.as_of[exact]]  # already rounded
    figures = _rounded_figures((raw_value, raw_low, raw_high), st, p, exact)

    # the known error in natural units, by the delta method at the reported figure
    value, low, high = figures
    ref = np.where(st.kind == 3, (low + high) / 2, value)
    stderr = np.where(se > 0, se * ref if is_log else se, np.nan)

    rel = _draw_relays(rng_relay, p, st.day)
    claims = _claims_table(st, figures, stderr, rel, p)

    n_q, n_o = int(n_quantities), int(n_origins)
    T = max(int(n_days), int(st.as_of.max()) + 1)
    q_names = [f"q{i}" for i in range(n_q)]
    truth = pd.DataFrame(
        {
            "quantity": _take(q_names, np.repeat(np.arange(n_q), T)),
            "date": np.tile(pd.date_range(params["start"], periods=T, freq="D"), n_q),
            "value": truth_grid[:, :T].ravel(),
        }
    )
    origins = pd.DataFrame(
        {
            "origin": _take(_names("origin_", n_o), np.arange(n_o)),
            "bias": np.exp(bias) if is_log else bias,
            "noise": org.noise,
            "heavy_tailed": org.heavy,
            "propensity": org.propensity,
            "n_statements": np.bincount(st.origin, minlength=n_o),
        }
    )
    if probs.any():
        origins["exact_prob"] = probs
    block = int(shared_error_days) if shared_error_days is not None else 0
    starts = pd.date_range(params["start"], periods=eta.shape[1], freq=f"{max(block, 1)}D")
    shared = pd.DataFrame(
        {
            "quantity": _take(q_names, np.repeat(np.arange(n_q), eta.shape[1])),
            "start": np.tile(starts.strftime("%Y-%m-%d"), n_q),
            "error": (np.exp(eta) if is_log else eta).ravel(),
        }
    )
    params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
    return Simulation(
        claims=claims,
        truth=truth,
        origins=origins,
        params=params,
        shared=shared,
        statements=_statements_table(st, exact, p),
    )
