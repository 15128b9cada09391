"""The simulated inputs: the synthetic case of a given size, CSV files to read, many topics."""

from __future__ import annotations

import math
from pathlib import Path

from .settings import CASE, O_EXPONENT, Q_EXPONENT


def case(n_quantities: int, n_origins: int, claims_per_quantity: int):
    """Claims (scales declared) of the synthetic case of the given size."""
    import consensus as cs

    sim = cs.simulate(
        n_quantities=n_quantities,
        n_origins=n_origins,
        claims_per_quantity=claims_per_quantity,
        **CASE,
    )
    return cs.read_claims(sim.claims).with_scales("log")


def scaling_size(n: int) -> dict:
    """Simulation size for about ``n`` statements: Q ~ 5 (n/2000)^0.5, O ~ 40 (n/2000)^0.4."""
    q = max(1, round(5 * (n / 2000) ** Q_EXPONENT))
    o = max(3, round(40 * (n / 2000) ** O_EXPONENT))
    return {"n_quantities": q, "n_origins": o, "claims_per_quantity": max(1, round(n / q))}


def read_case(rows: int, folder: Path) -> tuple[Path, Path]:
    """A simulated claims CSV of exactly ``rows`` rows (CASE, relays included), and the same
    claims with every figure written as text (``figure`` only: what read_claims parses)."""
    import consensus as cs

    per_quantity = math.ceil(rows / 10 / 1.5)  # relays add about half again as many rows
    sim = cs.simulate(n_quantities=10, n_origins=40, claims_per_quantity=per_quantity, **CASE)
    df = sim.claims.head(rows)
    df.to_csv(folder / f"claims_{rows}.csv", index=False)
    figures = df.copy()
    figures["figure"] = [
        cs.format_figure(cs.Figure(k, low=lo, high=hi) if k == "range" else cs.Figure(k, value=v))
        for k, v, lo, hi in zip(df["kind"], df["value"], df["low"], df["high"], strict=True)
    ]
    figures[["kind", "value", "low", "high"]] = ""
    figures.to_csv(folder / f"figures_{rows}.csv", index=False)
    return folder / f"claims_{rows}.csv", folder / f"figures_{rows}.csv"


def many_topics(n: int) -> dict:
    """``n`` simulated topics of 20-60 claims each, the same for every run."""
    import numpy as np

    import consensus as cs

    sizes = np.random.default_rng(11).integers(20, 61, n)
    return {
        f"topic_{i:03d}": cs.simulate(
            n_quantities=1,
            n_days=90,
            n_origins=6,
            claims_per_quantity=int(k),
            share_at_least=0.1,
            share_range=0.1,
            random_seed=1000 + i,
        ).claims
        for i, k in enumerate(sizes)
    }
