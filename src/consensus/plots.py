"""Plots. Each draws a table the API already returns, takes ``ax=None`` and keyword-only
options, and returns the matplotlib Figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .estimate import Estimate

_UNITS = {"log": "count", "logit": "proportion", "identity": "value"}
_ARROW = 1.35  # length of a bound's arrow: a factor on log axes, a share of the y-range otherwise


def _plain(name: str) -> str:
    """A name from the data as literal text: matplotlib would read ``$...$`` as mathtext."""
    return str(name).replace("$", r"\$")


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig, new = plt.subplots(figsize=figsize, layout="constrained")
        return fig, new
    return ax.get_figure(root=True), ax  # type: ignore[return-value]


def _pick_quantity(est: Estimate, quantity: str | None) -> str:
    qs = est.quantities
    if quantity is None:
        if len(qs) != 1:
            raise ValueError(f"name the quantity to plot; quantities: {qs}")
        return qs[0]
    return quantity


def plot_trajectory(
    est: Estimate,
    quantity: str | None = None,
    *,
    ax: Axes | None = None,
    prob: float = 0.9,
    show_claims: bool = True,
    log: bool | None = None,
    units: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (11, 5),
) -> Figure:
    """Median and credible bands of the true value over time, with the claims on top.

    Bands: the central ``prob`` interval (light) and the 50 % interval (dark),
    from `Estimate.trajectory`. Claims, each statement once (from
    `Estimate.claims`), coloured by origin: points as dots, ``at_least`` /
    ``at_most`` as bars with an arrow in the bound's direction, ranges as
    vertical bars; projections are hollow, drawn at their ``as_of``.

    Parameters
    ----------
    est
        A fitted `Estimate`.
    quantity
        Which quantity; optional when there is only one.
    ax
        Axes to draw on; a new figure if None.
    prob
        Outer band probability.
    show_claims
        Draw the statements.
    log
        Log y-axis; default True for counts (log-scale quantities).
    units
        Y-axis units label; default from the scale ("count", "proportion", "value").
    title
        Axes title; default the quantity name.
    figsize
        Size of a new figure.
    """
    quantity = _pick_quantity(est, quantity)
    scale = est.scale(quantity)
    traj = est.trajectory(quantity, prob=prob)
    fig, ax = _axes(ax, figsize)
    dates = traj["date"].to_numpy()
    single = len(traj) == 1
    if single:  # one grid date: draw the interval as a bar, not a band
        ax.errorbar(
            dates,
            traj["median"],
            yerr=[traj["median"] - traj["lower"], traj["upper"] - traj["median"]],
            color="0.2",
            lw=6,
            alpha=0.25,
            capsize=0,
        )
        ax.plot(dates, traj["median"], "s", color="0.1", ms=8)
    else:
        ax.fill_between(dates, traj["lower"], traj["upper"], color="C0", alpha=0.18, lw=0)
        ax.fill_between(dates, traj["lower_50"], traj["upper_50"], color="C0", alpha=0.35, lw=0)
        ax.plot(dates, traj["median"], color="C0", lw=2)
    log = (scale == "log") if log is None else log
    handles: list = [
        Patch(color="C0", alpha=0.18, label=f"{prob:.0%} credible interval"),
        Patch(color="C0", alpha=0.35, label="50% credible interval"),
        Line2D([], [], color="C0", lw=2, label="median estimate"),
    ]
    if show_claims:
        handles += _draw_claims(est, quantity, ax, log)
    if log:
        ax.set_yscale("log")
    if single:  # matplotlib would pad one date by years on each side
        pad = np.timedelta64(10, "D")
        ax.set_xlim(dates[0] - pad, dates[0] + pad)
    loc = mdates.AutoDateLocator(maxticks=5 if single else None)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_ylabel(f"{_plain(quantity)} ({units or _UNITS[scale]})")
    ax.set_title(title if title is not None else _plain(quantity))
    ax.grid(alpha=0.3, which="both" if log else "major")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    return fig


def _draw_claims(est: Estimate, quantity: str, ax: Axes, log: bool) -> list:
    st = est.claims_data.statements
    st = st[st["quantity"] == quantity]
    origins = list(dict.fromkeys(est.claims_data.statements["origin"]))
    colors = {
        o: plt.get_cmap("tab10" if len(origins) <= 10 else "tab20")(i % 20)
        for i, o in enumerate(origins)
    }
    span = np.nanmax(st[["value", "low", "high"]].to_numpy(dtype=float)) - np.nanmin(
        st[["value", "low", "high"]].to_numpy(dtype=float)
    )
    # origins side by side (a small horizontal dodge) so claims on one date stay visible
    mine = list(dict.fromkeys(st["origin"]))
    dates = est.trajectory(quantity)["date"]
    dodge = max(dates.iloc[-1] - dates.iloc[0], pd.Timedelta(days=10)) / 120
    handles = []
    for origin, grp in st.groupby("origin", sort=False):
        c = colors[origin]
        shift = (mine.index(origin) - (len(mine) - 1) / 2) * dodge
        for _, s in grp.iterrows():
            x = s["as_of"] + shift
            projection = s["as_of"] > s["date"]
            face = "none" if projection else c
            kind = s["kind"]
            if kind == "point":
                ax.plot([x], [s["value"]], "o", mfc=face, mec=c, ms=8, mew=1.8, zorder=5)
            elif kind == "range":
                ax.plot(
                    [x, x],
                    [s["low"], s["high"]],
                    color=c,
                    lw=3,
                    solid_capstyle="butt",
                    zorder=5,
                    ls="--" if projection else "-",
                )
                ax.plot([x, x], [s["low"], s["high"]], "_", color=c, ms=12, mew=2, zorder=5)
            else:
                v = s["value"]
                up = kind == "at_least"
                tip = (
                    (v * _ARROW if up else v / _ARROW)
                    if log
                    else (v + (1 if up else -1) * 0.08 * (span or abs(v) or 1))
                )
                ax.annotate(
                    "",
                    xy=(x, tip),
                    xytext=(x, v),
                    zorder=5,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": c,
                        "lw": 1.8,
                        "ls": "--" if projection else "-",
                    },
                )
                ax.plot([x], [v], "_", color=c, ms=14, mew=2.5, zorder=5)
                if projection:
                    ax.plot([x], [v], "o", mfc="none", mec=c, ms=6, mew=1.5, zorder=5)
        handles.append(
            Line2D([], [], marker="o", ls="", color=colors[origin], label=_plain(origin))
        )
    handles += [
        Line2D([], [], marker="o", ls="", color="0.3", label="point claim"),
        Line2D([], [], marker=r"$\uparrow$", ls="", color="0.3", ms=10, label="at least / at most"),
        Line2D([], [], marker="|", ls="", color="0.3", ms=12, mew=3, label="range"),
        Line2D(
            [], [], marker="o", ls="", mfc="none", color="0.3", label="projection (at its as_of)"
        ),
    ]
    return handles


def plot_sources(
    est: Estimate,
    *,
    ax: Axes | None = None,
    prob: float = 0.9,
    scale: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Forest plot of origin biases (`Estimate.sources`) with a line at "no bias".

    For log-scale quantities the axis is the bias factor (1 = no bias) on a
    log axis; otherwise the additive bias (0 = no bias).
    """
    src = est.sources(prob=prob)
    groups = list(dict.fromkeys(src["scale"]))
    scale = scale or groups[0]
    if scale not in groups:
        raise ValueError(f"no origins on scale {scale!r}; scales: {groups}")
    src = src[src["scale"] == scale].sort_values("bias").reset_index(drop=True)
    fig, ax = _axes(ax, figsize or (7, 1.2 + 0.4 * len(src)))
    y = np.arange(len(src))
    est_ = src["bias_estimated"].to_numpy(dtype=bool)
    ax.hlines(y[est_], src["bias_lower"][est_], src["bias_upper"][est_], color="C0", lw=2.5)
    ax.plot(src["bias"][est_], y[est_], "o", color="C0", ms=7, label="estimated")
    if (~est_).any():  # fixed by the identification rule: drawn hollow, no interval
        ax.plot(src["bias"][~est_], y[~est_], "o", mfc="white", color="0.45", ms=7)
        ax.plot([], [], "o", mfc="white", color="0.45", label="fixed (reference or lone origin)")
        ax.legend(loc="best", fontsize="small")
    none = 1.0 if scale == "log" else 0.0
    ax.axvline(none, color="0.3", ls="--", lw=1)
    ax.set_yticks(
        y, [f"{_plain(s)} (n={n})" for s, n in zip(src["source"], src["n_statements"], strict=True)]
    )
    if scale == "log":
        ax.set_xscale("log")
        ax.set_xlabel(f"bias factor (1 = no bias; {prob:.0%} interval)")
    else:
        ax.set_xlabel(f"additive bias (0 = no bias; {prob:.0%} interval)")
    if src["basis"].eq("truths").all():
        title = "Source bias against known truths"
    elif est.config.reference and src["basis"].eq("reference").all():
        title = f"Source bias relative to {_plain(', '.join(est.config.reference))}"
    elif src["calibrated"].any():
        title = "Source bias (calibrated: absolute; others relative to the average origin)"
    else:
        title = "Source bias relative to the average origin"
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x", which="both")
    return fig


def plot_calibration(
    points: pd.DataFrame,
    *,
    axes: tuple[Axes, Axes] | None = None,
    band: float = 0.95,
    bins: int = 10,
    title: str | None = None,
    figsize: tuple[float, float] = (10, 4),
) -> Figure:
    """Calibration against known truths: nominal vs empirical coverage, and a PIT histogram.

    Draws the per-point table of `consensus.evaluate.score` (or `score_draws`).
    Left: for each interval level its empirical coverage
    (`consensus.evaluate.coverage`) against the nominal one, with the band a
    calibrated method would fall in on this many points (central ``band`` of
    ``Binomial(n, nominal) / n``); points below the diagonal are intervals too
    narrow. Right: the histogram of PIT values with the expected count per bin
    and its binomial band; a U shape means too narrow, a hump too wide, a slope
    a bias.

    Parameters
    ----------
    points
        The per-point table: ``truth``, ``pit`` and ``lower_<p>``/``upper_<p>``.
    axes
        Two axes to draw on; a new figure if None.
    band
        Probability of the bands.
    bins
        Number of PIT histogram bins.
    title
        Figure title; default says how many points.
    figsize
        Size of a new figure.
    """
    from scipy import stats

    from .evaluate import coverage

    if axes is None:
        fig, (left, right) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    else:
        left, right = axes
        fig = left.get_figure(root=True)  # type: ignore[assignment]
    cov = coverage(points, band=band)
    left.plot([0, 1], [0, 1], color="0.5", ls="--", lw=1)
    within = f"{band:.0%} band if calibrated"
    left.fill_between(cov["nominal"], cov["band_lower"], cov["band_upper"], alpha=0.2, label=within)
    left.plot(cov["nominal"], cov["empirical"], "o-", color="C0", label="empirical")
    left.set(xlim=(0, 1), ylim=(0, 1), xlabel="nominal coverage", ylabel="share of truths inside")
    left.set_title("Interval coverage")
    left.legend(loc="upper left", fontsize="small")
    left.grid(alpha=0.3)
    n = len(points)
    right.hist(points["pit"], bins=np.linspace(0, 1, bins + 1), color="C0", alpha=0.7)
    lo, hi = stats.binom.ppf([(1 - band) / 2, (1 + band) / 2], n, 1 / bins)
    right.axhspan(lo, hi, color="0.5", alpha=0.2, lw=0, label=f"{band:.0%} band if uniform")
    right.axhline(n / bins, color="0.3", ls="--", lw=1)
    right.set(xlim=(0, 1), xlabel="PIT (share of draws below the truth)", ylabel="truths")
    right.set_title("PIT histogram")
    right.legend(loc="upper center", fontsize="small")
    fig.suptitle(title or f"Calibration on {n} known truths")
    return fig
