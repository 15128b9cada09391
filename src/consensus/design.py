"""The model's design arrays: claims on the model scale, indexed onto a time grid.

`Design.build` turns validated `Claims` (scales declared) into the integer
indices, masks and values that `consensus.model.build_model` reads. Nothing
downstream re-parses claims.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .claims import KIND_CODE, SCALES, Claims


def to_model_scale(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Natural units -> model scale, elementwise per ``scale`` ('log', 'logit', 'identity')."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.select(
            [scale == "log", scale == "logit"], [np.log(x), np.log(x) - np.log1p(-x)], x
        )


def from_model_scale(z: np.ndarray, scale: str) -> np.ndarray:
    """Model scale -> natural units for one scale."""
    z = np.asarray(z, dtype=float)
    if scale == "log":
        return np.exp(z)
    if scale == "logit":
        return 1.0 / (1.0 + np.exp(-z))
    return z


def _unit(mid: np.ndarray, q_idx: np.ndarray, in_group: np.ndarray, scale: str) -> float:
    """The typical deviation of a report from its quantity's median, for one scale group.

    ``sqrt(pi / 2)`` times the mean absolute deviation (the sd for normal
    errors), with deviations winsorised at their 95th percentile so that a
    wild figure does not set the scale. Not the median deviation: when most
    reports of a quantity agree exactly (crowd ratings, copied figures), that
    is zero and says nothing of how far the others stray. On the log and logit
    scales, which are already unit-free, it is kept between 0.1 and 1.
    """
    keep = in_group[q_idx]
    q, x = q_idx[keep], mid[keep]
    counts = np.bincount(q, minlength=len(in_group))
    order = np.argsort(q, kind="stable")
    q, x = q[order], x[order]
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    med = np.array(
        [np.median(x[a : a + n]) if n else np.nan for a, n in zip(starts, counts, strict=True)]
    )
    dev = np.abs(x - med[q])[counts[q] >= 3]
    if len(dev) and dev.max() > 0:
        spread = float(np.sqrt(np.pi / 2) * np.minimum(dev, np.quantile(dev, 0.95)).mean())
    else:  # no quantity with three reports, or all agree: the spread across quantities
        spread = float(np.sqrt(np.pi / 2) * np.mean(np.abs(x - np.median(x)))) if len(x) else 0.0
    if scale == "identity":
        return spread if spread > 0 else 1.0
    return float(np.clip(spread, 0.1, 1.0)) if spread > 0 else 0.5


def _stderr_to_model(se: np.ndarray, ref: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """A standard error in natural units -> model scale, by the delta method at ``ref``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.select([scale == "log", scale == "logit"], [se / ref, se / (ref * (1 - ref))], se)
    return np.nan_to_num(out, nan=0.0)


#: The last day a grid date can fall on (pandas' nanosecond timestamps end on 2262-04-11).
_LAST_GRID_DAY = (pd.Timestamp.max.floor("D") - pd.Timestamp(0)) / pd.Timedelta(days=1)


def _check_grid_fits(quantity: str, lo, hi, grid_days: float) -> None:
    """Refuse a quantity whose time grid nanosecond dates cannot hold, naming it and its dates."""
    start = (lo.astype("datetime64[s]") - np.datetime64(0, "s")) / np.timedelta64(1, "D")
    if grid_days > 106_000 or start + grid_days > _LAST_GRID_DAY:
        first, last = (str(np.datetime64(x, "D")) for x in (lo, hi))
        raise ValueError(
            f"quantity {quantity!r} runs from {first} to {last}: its time grid "
            f"({grid_days / 365.25:.0f} years, ending after 2262-04-11 or longer than 290 years) "
            "does not fit the dates pandas can hold; split it into shorter quantities or give "
            "a coarser or finer freq"
        )


def _step_days(freq: str | int | None, span_days: float, max_steps: int) -> float:
    if freq is None:
        return float(max(1, math.ceil(span_days / max_steps)))
    if isinstance(freq, (int, float)):
        days = float(freq)
    else:
        try:
            offset = pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise ValueError(f"freq {freq!r} is not a pandas offset alias such as '7D'") from None
        if isinstance(offset, pd.offsets.Week):  # anchored weeks have no fixed length in pandas
            days = 7.0 * offset.n
        else:
            try:
                days = pd.to_timedelta(offset).total_seconds() / 86400.0
            except ValueError:
                raise ValueError(
                    f"freq {freq!r} has no fixed length (months and years vary); use days, e.g. '30D'"
                ) from None
    if days <= 0:
        raise ValueError(f"freq must be a positive step, got {freq!r}")
    return days


@dataclass(frozen=True)
class Design:
    """What the model builder reads: integer indices, masks and values on the model scale.

    Dimensions: ``quantity`` (Q), ``origin`` (O), ``scale`` (the scale groups
    present, S), ``time`` (G: every quantity's grid points, concatenated; a
    quantity's points are ``grid_start[q] : grid_start[q] + grid_len[q]``) and
    ``statement`` (N).
    """

    quantities: list[str]
    origins: list[str]
    scale_groups: list[str]
    quantity_scale: np.ndarray  # (Q,) index into scale_groups
    grid_quantity: np.ndarray  # (G,) quantity index of each grid point
    grid_date: np.ndarray  # (G,) datetime64[ns]
    grid_start: np.ndarray  # (Q,) first grid point of each quantity
    grid_len: np.ndarray  # (Q,)
    step_days: np.ndarray  # (Q,) days between a quantity's grid points
    quantity: np.ndarray  # (N,) per statement
    origin: np.ndarray  # (N,)
    time: np.ndarray  # (N,) grid point of the statement's as_of
    kind: np.ndarray  # (N,) code: KIND_CODE
    value: np.ndarray  # (N,) model scale; NaN for ranges
    low: np.ndarray  # (N,) model scale; NaN unless range
    high: np.ndarray  # (N,)
    stderr: np.ndarray  # (N,) model scale (delta method); 0 when not given
    horizon_days: np.ndarray  # (N,) as_of - date, clipped at 0
    center: np.ndarray  # (Q,) robust centre of the quantity's claims, model scale
    unit: np.ndarray  # (S,) robust within-quantity spread of claims per scale group
    # known truths (empty without): quantity index, grid point, value and stderr on the model scale
    truth_quantity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    truth_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    truth_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    truth_stderr: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_statements(self) -> int:
        return len(self.quantity)

    @classmethod
    def build(
        cls,
        claims: Claims,
        *,
        freq: str | int | None,
        max_steps: int,
        truths: pd.DataFrame | None = None,
    ) -> Design:
        """Arrays for `claims`; ``truths`` (from `consensus.truths.read_truths`) widen the grid."""
        if not claims.scales:
            raise ValueError("declare scales first: claims.with_scales(...)")
        st = claims.statements
        quantities, origins = claims.quantities, claims.origins
        qscale = np.array([claims.scales[q] for q in quantities])
        groups = [s for s in SCALES if s in set(qscale)]
        q_idx = pd.Index(quantities).get_indexer(st["quantity"])
        o_idx = pd.Index(origins).get_indexer(st["origin"])
        scale = qscale[q_idx]

        # time grid: regular per quantity, covering every as_of
        as_of = st["as_of"].to_numpy().astype("datetime64[ns]")
        if truths is None or len(truths) == 0:
            truths = pd.DataFrame({"quantity": [], "date": [], "value": [], "stderr": []})
        tq = pd.Index(quantities).get_indexer(truths["quantity"])
        if (tq < 0).any():
            raise ValueError("truths about quantities that have no claims")
        t_dates = pd.to_datetime(truths["date"]).to_numpy().astype("datetime64[ns]")
        starts, lens, steps, dates, t_idx = [], [], [], [], np.zeros(len(st), dtype=np.int64)
        truth_time = np.zeros(len(truths), dtype=np.int64)
        offset = 0
        for qi in range(len(quantities)):
            sel, tsel = q_idx == qi, tq == qi
            when = np.concatenate([as_of[sel], t_dates[tsel]])  # the grid covers claims and truths
            lo, hi = when.min(), when.max()
            # in seconds: a span of more than 292 years overflows nanoseconds
            span = (hi.astype("datetime64[s]") - lo.astype("datetime64[s]")) / np.timedelta64(
                1, "D"
            )
            step = _step_days(freq, span, max_steps)
            n = int(math.ceil(span / step - 1e-9)) + 1
            _check_grid_fits(quantities[qi], lo, hi, (n - 1) * step)
            pos = np.rint(((as_of[sel] - lo) / np.timedelta64(1, "D")) / step).astype(np.int64)
            t_idx[sel] = offset + pos
            tpos = np.rint(((t_dates[tsel] - lo) / np.timedelta64(1, "D")) / step).astype(np.int64)
            truth_time[tsel] = offset + tpos
            starts.append(offset)
            lens.append(n)
            steps.append(step)
            dates.append(lo + (np.arange(n) * step * 86400e9).astype("timedelta64[ns]"))
            offset += n

        value = to_model_scale(st["value"].to_numpy(), scale)
        low = to_model_scale(st["low"].to_numpy(), scale)
        high = to_model_scale(st["high"].to_numpy(), scale)
        # a figure's representative number: point/bound value, or the range midpoint
        ref = np.where(st["kind"] == "range", (st["low"] + st["high"]) / 2, st["value"]).astype(
            float
        )
        se_model = _stderr_to_model(st["stderr"].fillna(0.0).to_numpy(), ref, scale)
        mid = np.where(st["kind"] == "range", (low + high) / 2, value)

        centre = np.array([np.median(mid[q_idx == qi]) for qi in range(len(quantities))])
        unit = np.array([_unit(mid, q_idx, qscale == g, g) for g in groups])

        return cls(
            quantities=quantities,
            origins=origins,
            scale_groups=groups,
            quantity_scale=np.array([groups.index(s) for s in qscale], dtype=np.int64),
            grid_quantity=np.repeat(np.arange(len(quantities)), lens),
            grid_date=np.concatenate(dates).astype("datetime64[ns]"),
            grid_start=np.array(starts, dtype=np.int64),
            grid_len=np.array(lens, dtype=np.int64),
            step_days=np.array(steps, dtype=float),
            quantity=q_idx.astype(np.int64),
            origin=o_idx.astype(np.int64),
            time=t_idx,
            kind=st["kind"].map(KIND_CODE).to_numpy(dtype=np.int64),
            value=value,
            low=low,
            high=high,
            stderr=np.nan_to_num(se_model, nan=0.0),
            horizon_days=np.clip(st["horizon_days"].to_numpy(dtype=float), 0, None),
            center=centre,
            unit=unit,
            truth_quantity=tq.astype(np.int64),
            truth_time=truth_time,
            truth_value=to_model_scale(truths["value"].to_numpy(dtype=float), qscale[tq]),
            truth_stderr=_stderr_to_model(
                truths["stderr"].to_numpy(dtype=float),
                truths["value"].to_numpy(dtype=float),
                qscale[tq],
            ),
        )
