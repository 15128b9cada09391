"""Known truths: resolved values that calibrate a fit.

A truth is the real value of a quantity on a date, known after the fact (an
election result, an official count, a measured temperature). `fit(claims,
truths=...)` pins the latent value there, within the truth's ``stderr``; the
origins linked to that quantity then get absolute biases, and the shared-error
scale is learned from how far the sources' consensus was from the truths.

The table has columns ``quantity``, ``date``, ``value`` and optionally
``stderr`` (a known error of the truth itself, in its units) and ``note``. It
is validated like the claims: every problem is listed with its row (header =
row 1), column and value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .claims import _number, _text, parse_date
from .errors import ClaimsError, Problem

TRUTH_COLUMNS = ("quantity", "date", "value", "stderr", "note")
_REQUIRED = ("quantity", "date", "value")


def read_truths(
    source: str | Path | pd.DataFrame,
    *,
    quantities: Sequence[str],
    scales: Mapping[str, str],
) -> pd.DataFrame:
    """Read and validate a truths table against the claims it calibrates.

    Parameters
    ----------
    source
        A CSV path or a DataFrame with ``quantity``, ``date``, ``value`` and
        optional ``stderr``, ``note``.
    quantities
        The claims' quantities: every truth must be about one of them.
    scales
        Each quantity's scale; a truth's value must fit it (a count is
        positive, a proportion lies in (0, 1)).

    Returns
    -------
    pandas.DataFrame
        ``row`` (as in the file), ``quantity``, ``date`` (Timestamp),
        ``value``, ``stderr`` (0 when not given), ``note``.

    Raises
    ------
    ClaimsError
        Listing every problem, with row, column and value.
    """
    if isinstance(source, pd.DataFrame):
        df = source.reset_index(drop=True)
    else:
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no truths file at {path}")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    columns = [str(c).strip() for c in df.columns]
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise ClaimsError(
            [Problem(1, c, None, "truths column appears more than once") for c in dup],
            table="truths table",
        )
    df.columns = columns
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise ClaimsError(
            [
                Problem(1, c, None, f"required truths column is missing; found {columns}")
                for c in missing
            ],
            table="truths table",
        )
    unknown = [c for c in columns if c not in TRUTH_COLUMNS]
    if unknown:
        raise ClaimsError(
            [
                Problem(1, c, None, f"not a truths column; accepted: {TRUTH_COLUMNS}")
                for c in unknown
            ],
            table="truths table",
        )
    if len(df) == 0:
        raise ClaimsError("the truths table has no rows", table="truths table")
    known = set(quantities)
    problems: list[Problem] = []
    rows = []
    seen_dates: dict[str, pd.Timestamp] = {}
    for i in range(len(df)):
        r = i + 2
        cell = {c: _text(df[c].iat[i]) if c in df.columns else "" for c in TRUTH_COLUMNS}
        q = cell["quantity"]
        if not q:
            problems.append(Problem(r, "quantity", "", "a truth needs its quantity"))
        elif q not in known:
            problems.append(
                Problem(
                    r, "quantity", q, f"no claims about this quantity; quantities: {sorted(known)}"
                )
            )
        try:
            if cell["date"] not in seen_dates:  # parse each distinct date once
                seen_dates[cell["date"]] = parse_date(cell["date"])
            date = seen_dates[cell["date"]]
        except ValueError:
            problems.append(
                Problem(r, "date", cell["date"], "expected an ISO date YYYY-MM-DD or timestamp")
            )
            date = None
        value = _num(r, "value", cell["value"], problems, required=True)
        stderr = _num(r, "stderr", cell["stderr"], problems, required=False)
        if stderr is not None and stderr < 0:
            problems.append(Problem(r, "stderr", cell["stderr"], "stderr must be >= 0"))
        scale = scales.get(q)
        if value is not None and scale == "log" and value <= 0:
            problems.append(
                Problem(r, "value", cell["value"], "a count (log scale) must be positive")
            )
        if value is not None and scale == "logit" and not 0 < value < 1:
            problems.append(
                Problem(r, "value", cell["value"], "a proportion must lie strictly between 0 and 1")
            )
        rows.append(
            {
                "row": r,
                "quantity": q,
                "date": date,
                "value": value,
                "stderr": 0.0 if stderr is None else stderr,
                "note": cell["note"],
            }
        )
    if problems:
        raise ClaimsError(problems, table="truths table")
    out = pd.DataFrame(rows)
    dup = out.duplicated(["quantity", "date"], keep=False)
    if dup.any():
        raise ClaimsError(
            [
                Problem(
                    int(r.row),
                    "date",
                    str(r.date.date()),
                    f"second truth for {r.quantity!r} on this date",
                )
                for r in out[dup & out.duplicated(["quantity", "date"])].itertuples()
            ],
            table="truths table",
        )
    out["value"] = out["value"].astype(float)
    out["stderr"] = out["stderr"].astype(float)
    return out


def _num(row: int, column: str, s: str, problems: list[Problem], *, required: bool) -> float | None:
    if not s:
        if required:
            problems.append(Problem(row, column, "", "a number is required"))
        return None
    try:
        v = _number(s)
    except ValueError:
        problems.append(Problem(row, column, s, "not a number (write e.g. 12000 or 12,000)"))
        return None
    if not np.isfinite(v):
        problems.append(Problem(row, column, s, "must be a finite number"))
        return None
    return v


def truths_to_frame(truths: pd.DataFrame) -> pd.DataFrame:
    """The validated truths as text (for saving), readable back by `read_truths`."""
    return pd.DataFrame(
        {
            "quantity": truths["quantity"].astype(str),
            "date": truths["date"].map(
                lambda t: t.isoformat() if t != t.normalize() else t.strftime("%Y-%m-%d")
            ),
            "value": truths["value"].map(repr),
            "stderr": truths["stderr"].map(repr),
            "note": truths["note"].astype(str),
        }
    )
