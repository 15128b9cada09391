"""The reading section: `read_claims` and `design()` against `pandas.read_csv`, in this process."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .cases import read_case
from .settings import READ_SIZES, log


def _best_of(repeats: int, call) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - t)
    return min(times), out


def measure_reading(cfg: dict) -> dict:
    """read_claims and design() against read_csv, in this process (no model is compiled)."""
    import warnings

    import pandas as pd

    import consensus as cs

    out: dict = {"sizes": list(READ_SIZES), "results": []}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.DuplicateClaimWarning)
        for rows in READ_SIZES:
            numbers, figures = read_case(rows, Path(tmp))
            repeats = 2 if rows >= 100_000 else 3
            csv_s, _ = _best_of(
                repeats, lambda p=numbers: pd.read_csv(p, dtype=str, keep_default_na=False)
            )
            read_s, claims = _best_of(repeats, lambda p=numbers: cs.read_claims(p))
            fig_csv_s, _ = _best_of(
                repeats, lambda p=figures: pd.read_csv(p, dtype=str, keep_default_na=False)
            )
            fig_s, _ = _best_of(repeats, lambda p=figures: cs.read_claims(p))
            scaled = claims.with_scales(None)  # type: ignore[union-attr]
            design_s, _ = _best_of(repeats, lambda c=scaled: c.design())
            r = {
                "rows": rows,
                "statements": len(claims.statements),  # type: ignore[union-attr]
                "read_csv_s": csv_s,
                "read_claims_s": read_s,
                "ratio": read_s / csv_s,
                "figures_read_csv_s": fig_csv_s,
                "figures_read_claims_s": fig_s,
                "figures_ratio": fig_s / fig_csv_s,
                "design_s": design_s,
            }
            log(f"reading {rows} rows: {r}")
            out["results"].append(r)
    return out
