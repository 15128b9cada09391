"""Exact-value scoring (issue 13): the majority-vote baseline and the exact-match share."""

from __future__ import annotations

import numpy as np
import pandas as pd


def majority_vote(values, items) -> pd.Series:
    """The most common figure per item; a tie takes the median of the tied figures.

    The categorical truth-discovery baseline: each distinct figure is a label
    and the one given most often wins. Every row counts once (relays and
    repeated rows included), as for the other baselines.

    Parameters
    ----------
    values, items
        ``(n,)`` figures and the item each is about.

    Returns
    -------
    pandas.Series
        The vote per item, indexed by item.
    """
    rows = pd.DataFrame({"item": np.asarray(items), "value": np.asarray(values, dtype=float)})
    counts = rows.groupby(["item", "value"]).size().rename("n").reset_index()
    top = counts[counts["n"] == counts.groupby("item")["n"].transform("max")]
    return top.groupby("item")["value"].median()


def exact_match_share(estimate, truth, tol: float = 1e-9) -> float:
    """Share of estimates literally equal to the truth (within ``tol``, float noise only)."""
    e, t = np.asarray(estimate, dtype=float), np.asarray(truth, dtype=float)
    return float(np.mean(np.abs(e - t) <= tol))
