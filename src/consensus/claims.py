"""The claims table: reading, validation, statements, and the model's design arrays.

`read_claims` is the only place where claims are parsed. It returns a `Claims`
container; everything downstream (model, tables, plots, saving) reads its
frames and arrays and never looks at the raw input again.

Row numbers in errors are as in the file: the header is row 1, the first data
row is row 2. For a DataFrame, row ``i`` (by position) is reported as ``i + 2``,
as if the frame had been written to CSV.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ClaimsError, Problem
from .figures import KINDS, Figure, parse_figure

if TYPE_CHECKING:
    from .design import Design

REQUIRED = ("quantity", "source", "date")
OPTIONAL = (
    "kind",
    "value",
    "low",
    "high",
    "figure",
    "as_of",
    "cites",
    "outlet",
    "stderr",
    "note",
    "id",
)
COLUMNS = REQUIRED + OPTIONAL
SCALES = ("log", "logit", "identity")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}  # point 0, at_least 1, at_most 2, range 3
DEFAULT_MAX_STEPS = 300

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


class DuplicateClaimWarning(UserWarning):
    """Identical rows (same quantity, source, outlet, dates and figure) were found."""


def _text(x: Any) -> str:
    """Cell as stripped text; missing values (None, NaN, NaT, '') become ''."""
    if x is None:
        return ""
    try:
        if pd.isna(x):
            return ""
    except (TypeError, ValueError):  # list-like cells: not missing, shown as text
        pass
    return str(x).strip()


def _number(s: str) -> float:
    """Parse a numeric cell: plain numbers, or numbers with comma thousands separators."""
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if "_" in s:  # Python's float() reads "1_000"; a claims table never means that
        raise ValueError(s)
    return float(s)


def _date(s: str) -> pd.Timestamp:
    """An ISO date ``YYYY-MM-DD`` or a full ISO timestamp; "2024" or "2024-10" are not guessed."""
    if not _ISO_DATE.match(s):
        raise ValueError(s)
    ts = pd.Timestamp(pd.to_datetime(s, format="ISO8601"))
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _describe(kind: str, value: float | None, low: float | None, high: float | None) -> str:
    def g(x: float | None) -> str:
        return "(none)" if x is None else f"{x:g}"

    return f"range {g(low)}-{g(high)}" if kind == "range" else f"{kind} {g(value)}"


def _parse_row(
    rownum: int, cells: Mapping[str, str], vague, problems: list[Problem]
) -> dict | None:
    """Validate one row; append problems; return the parsed row or None if it has any problem."""
    n_before = len(problems)

    def bad(column: str, value: object, message: str) -> None:
        problems.append(Problem(rownum, column, value, message))

    out: dict[str, Any] = {"row": rownum}
    for col in ("quantity", "source"):
        if not cells[col]:
            bad(col, cells[col], f"{col} is required and may not be empty")
        out[col] = cells[col]
    for col in ("cites", "outlet", "note", "id"):
        out[col] = cells[col]

    for col in ("date", "as_of"):
        s = cells[col]
        if not s:
            if col == "date":
                bad(col, s, "date is required: an ISO date YYYY-MM-DD (or full ISO timestamp)")
            out[col] = None
            continue
        try:
            out[col] = _date(s)
        except (ValueError, TypeError, OverflowError):
            bad(col, s, "not a date: expected ISO YYYY-MM-DD or a full ISO timestamp")
            out[col] = None
    if out["as_of"] is None:
        out["as_of"] = out["date"]

    nums: dict[str, float | None] = {}
    for col in ("value", "low", "high", "stderr"):
        s = cells[col]
        nums[col] = None
        if not s:
            continue
        try:
            v = _number(s)
        except ValueError:
            bad(col, s, "not a number: write digits, e.g. 12000 or 12,000 (use `figure` for text)")
            continue
        if not math.isfinite(v):
            bad(col, s, "must be a finite number (not NaN or infinite)")
            continue
        nums[col] = v
    if nums["stderr"] is not None and nums["stderr"] <= 0:
        bad("stderr", cells["stderr"], "a standard error must be positive")

    kind = cells["kind"].lower()
    numbers_given = any(cells[c] for c in ("value", "low", "high"))
    if kind and kind not in KINDS:
        bad("kind", cells["kind"], f"unknown kind; accepted: {', '.join(KINDS)}")
    elif kind and cells["figure"] and not numbers_given:
        pass  # the figure supplies the numbers; it must read as this kind (checked below)
    elif kind:
        if kind == "range":
            for c in ("low", "high"):
                if not cells[c]:
                    bad(c, "", "a range needs both low and high")
            if cells["value"]:
                bad("value", cells["value"], "a range takes low and high, not value")
            if nums["low"] is not None and nums["high"] is not None:
                if nums["low"] > nums["high"]:
                    bad("low", cells["low"], f"low is greater than high ({cells['high']})")
                elif nums["low"] == nums["high"]:
                    bad("low", cells["low"], "low equals high: write a point instead")
        else:
            if not cells["value"]:
                bad("value", "", f"a {kind} claim needs a value")
            for c in ("low", "high"):
                if cells[c]:
                    bad(c, cells[c], f"{c} is only for kind 'range'")

    parsed: Figure | None = None
    if cells["figure"]:
        try:
            parsed = parse_figure(cells["figure"], vague=vague)
        except ClaimsError as e:
            bad("figure", cells["figure"], e.problems[0].message)
    if not kind and not cells["figure"]:
        msg = "give a kind (point, at_least, at_most, range) or a figure to parse"
        bad("kind", "", msg + (" for these numbers" if numbers_given else ""))

    if len(problems) > n_before:
        return None

    if parsed is not None and (kind or numbers_given):  # both given: they must agree
        written = _describe(kind or parsed.kind, nums["value"], nums["low"], nums["high"])
        agrees = parsed.kind == (kind or parsed.kind) and (
            not numbers_given
            or all(_same(getattr(parsed, c), nums[c]) for c in ("value", "low", "high"))
        )
        if not agrees:
            got = _describe(parsed.kind, parsed.value, parsed.low, parsed.high)
            bad("figure", cells["figure"], f"reads as {got} but kind/value/low/high say {written}")
            return None
    if parsed is not None:
        kind = parsed.kind
        nums.update(value=parsed.value, low=parsed.low, high=parsed.high)
    out.update(kind=kind, figure=cells["figure"], **nums)
    return out


def _text_rows(df: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """Every row as {column: cell text}, for the given columns ('' where a column is absent)."""
    cols = {c: (df[c].tolist() if c in df.columns else [""] * len(df)) for c in columns}
    return [{c: _text(cols[c][i]) for c in columns} for i in range(len(df))]


def _load(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"no claims file at {path}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ClaimsError(f"{path} is not a readable UTF-8 CSV file: {e}") from e
    except pd.errors.EmptyDataError as e:
        raise ClaimsError(f"{path} is empty: expected a header row and at least one claim") from e


def read_claims(
    source: str | Path | pd.DataFrame,
    *,
    vague: Mapping[str, tuple[float, float]] | None = None,
    scales: str | Mapping[str, str] | None = None,
) -> Claims:
    """Read and validate a claims table.

    Parameters
    ----------
    source
        Path to a UTF-8 CSV file with a header row, or a pandas DataFrame, with
        the columns of the claims format (``docs/claims-format.md``).
    vague
        Overrides for the table that maps vague phrases ("several thousand") to
        ranges; see `consensus.figures.DEFAULT_VAGUE`.
    scales
        Optionally declare scales now (``"log"``, ``"logit"``, ``"identity"``;
        one string for every quantity or a mapping per quantity); values are
        then checked against them. `fit` can declare them too.

    Returns
    -------
    Claims
        The validated container.

    Raises
    ------
    ClaimsError
        Listing every problem found: row (header = row 1), column, value and
        what would be accepted. Nothing is dropped or guessed.
    """
    df = _load(source)
    columns = [str(c).strip() for c in df.columns]
    df.columns = columns
    problems: list[Problem] = []
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise ClaimsError([Problem(1, c, None, "column appears more than once") for c in dup])
    missing = [c for c in REQUIRED if c not in columns]
    if "kind" not in columns and "figure" not in columns:
        missing.append("kind (or figure)")
    for c in missing:
        problems.append(Problem(1, c, None, f"required column is missing; found {columns}"))
    if problems:
        raise ClaimsError(problems)
    if len(df) == 0:
        raise ClaimsError("the claims table has no rows")
    extra = [c for c in columns if c not in COLUMNS]
    if extra:
        warnings.warn(
            f"columns not in the claims format are carried through unused: {extra}", stacklevel=2
        )

    rows = []
    cells = _text_rows(df, COLUMNS)
    extra_cells = _text_rows(df, extra)
    for i in range(len(df)):
        parsed = _parse_row(i + 2, cells[i], vague, problems)
        if parsed is not None:
            parsed.update(extra_cells[i])
            rows.append(parsed)
    seen: dict[str, int] = {}
    for r in rows:
        first = seen.setdefault(r["id"], r["row"])
        # a repeated id is an error unless the whole row is a copy (the duplicate slip, warned)
        if r["id"] and first != r["row"] and cells[first - 2] != cells[r["row"] - 2]:
            problems.append(Problem(r["row"], "id", r["id"], f"id already used on row {first}"))
    if problems:
        raise ClaimsError(problems)

    claims = Claims._from_rows(rows, extra, vague)
    return claims.with_scales(scales) if scales is not None else claims


_STATEMENT_KEY = ["quantity", "origin", "as_of", "kind", "value", "low", "high", "stderr"]
_DUPLICATE_KEY = [
    "quantity", "source", "cites", "outlet", "date", *_STATEMENT_KEY[2:], "figure", "note", "id"
]  # fmt: skip


@dataclass(frozen=True)
class Claims:
    """Validated claims: one row per input row, grouped into statements.

    Attributes
    ----------
    table
        One row per input row, parsed: ``row`` (file row number), the contract
        columns (dates as Timestamps, numbers as floats, ``kind`` always set),
        ``origin`` (``cites`` if given, else ``source``), ``statement`` (index
        into `statements`) and ``duplicate`` (an identical earlier row exists).
    statements
        One row per original statement: relays of one statement (same
        quantity, origin, ``as_of``, kind, numbers and stderr) are grouped;
        ``date`` is the earliest date it was carried, ``n_carriers`` the
        number of distinct rows carrying it and ``carriers`` who carried it.
        Evidence is counted per statement, never per row.
    scales
        The scale of each quantity once declared (`with_scales`), else empty.
    """

    table: pd.DataFrame
    statements: pd.DataFrame
    scales: Mapping[str, str] = field(default_factory=dict)
    extra_columns: tuple[str, ...] = ()
    vague: Mapping[str, tuple[float, float]] | None = None

    @classmethod
    def _from_rows(cls, rows: list[dict], extra: list[str], vague) -> Claims:
        t = pd.DataFrame(rows)
        t["origin"] = np.where(t["cites"] != "", t["cites"], t["source"])
        for c in ("value", "low", "high", "stderr"):
            t[c] = t[c].astype(float)
        t["duplicate"] = t.duplicated(subset=_DUPLICATE_KEY)
        if t["duplicate"].any():
            dups = t.loc[t["duplicate"], "row"].tolist()
            warnings.warn(
                f"identical duplicate rows {dups} (same source, outlet, dates and figure) "
                "are counted once",
                DuplicateClaimWarning,
                stacklevel=3,
            )
        # statements numbered in order of first appearance
        t["statement"] = t.groupby(_STATEMENT_KEY, dropna=False, sort=False).ngroup()
        carriers = t[~t["duplicate"]].assign(
            carrier=lambda d: np.where(
                d["outlet"] != "", d["source"] + " (" + d["outlet"] + ")", d["source"]
            )
        )
        g = carriers.groupby("statement", sort=True)
        st = g[_STATEMENT_KEY].first()
        st["date"] = g["date"].min()
        st["horizon_days"] = (st["as_of"] - st["date"]).dt.total_seconds() / 86400.0
        st["n_carriers"] = g.size()
        st["carriers"] = g["carrier"].agg(lambda s: "; ".join(s))
        st["rows"] = g["row"].agg(lambda s: ",".join(map(str, s)))
        st["figure"] = g["figure"].first()
        st = st.reset_index()
        cols = ["row", *COLUMNS, "origin", "statement", "duplicate", *extra]
        vague = {k: tuple(v) for k, v in vague.items()} if vague else None
        return cls(table=t[cols], statements=st, extra_columns=tuple(extra), vague=vague)

    # ------------------------------------------------------------------ views
    @property
    def quantities(self) -> list[str]:
        """Quantity names, in order of first appearance."""
        return list(pd.unique(self.statements["quantity"]))

    @property
    def origins(self) -> list[str]:
        """Origins (``cites`` if given, else ``source``), in order of first appearance."""
        return list(pd.unique(self.statements["origin"]))

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return (
            f"<Claims: {len(self.table)} rows, {len(self.statements)} statements, "
            f"{len(self.quantities)} quantities, {len(self.origins)} origins>"
        )

    def to_frame(self) -> pd.DataFrame:
        """The claims in the contract format, as text, exactly as read (for CSV and saving)."""
        t = self.table
        out = pd.DataFrame(index=t.index)
        for c in COLUMNS:
            if c in ("date", "as_of"):
                out[c] = t[c].map(_format_date)
            elif c in ("value", "low", "high", "stderr"):
                out[c] = t[c].map(lambda v: "" if pd.isna(v) else repr(float(v)))
            else:
                out[c] = t[c].astype(str)
        for c in self.extra_columns:
            out[c] = t[c].astype(str)
        return out

    def to_csv(self, path: str | Path) -> None:
        """Write the claims in the contract format; `read_claims` reads it back identically."""
        self.to_frame().to_csv(path, index=False)

    # ------------------------------------------------------------------ scales
    def with_scales(self, scales: str | Mapping[str, str] | None) -> Claims:
        """Declare each quantity's scale and check the values against it.

        ``scales`` is one of `SCALES` for every quantity, or a mapping from
        quantity to scale (quantities not named stay ``"log"``, the default for
        counts). Raises `ClaimsError` naming every row whose numbers the scale
        cannot take (counts must be positive; proportions lie in (0, 1)).
        """
        qs = self.quantities
        if scales is None:
            scales = {}
        if isinstance(scales, str):
            scales = dict.fromkeys(qs, scales)
        problems = []
        unknown = [q for q in scales if q not in qs]
        if unknown:
            problems.append(
                Problem(
                    None, "quantity", unknown, f"scales given for unknown quantities; known: {qs}"
                )
            )
        resolved = {q: scales.get(q, "log") for q in qs}
        for q, s in resolved.items():
            if s not in SCALES:
                problems.append(
                    Problem(
                        None, "quantity", q, f"unknown scale {s!r}; accepted: {', '.join(SCALES)}"
                    )
                )
        if problems:
            raise ClaimsError(problems)
        t = self.table
        for c in ("value", "low", "high"):
            scale = t["quantity"].map(resolved)
            v = t[c]
            bad_log = (scale == "log") & (v <= 0)
            bad_logit = (scale == "logit") & ((v <= 0) | (v >= 1))
            for i in np.flatnonzero(bad_log.to_numpy()):
                problems.append(
                    Problem(
                        int(t["row"].iat[i]),
                        c,
                        v.iat[i],
                        "a count (log scale) must be positive; declare the quantity "
                        "scales={...: 'identity'} if it can be zero or negative",
                    )
                )
            for i in np.flatnonzero(bad_logit.to_numpy()):
                problems.append(
                    Problem(
                        int(t["row"].iat[i]),
                        c,
                        v.iat[i],
                        "a proportion (logit scale) must lie strictly between 0 and 1",
                    )
                )
        if problems:
            problems.sort(key=lambda p: (p.row or 0, p.column or ""))
            raise ClaimsError(problems)
        return Claims(self.table, self.statements, resolved, self.extra_columns, self.vague)

    # ------------------------------------------------------------------ design
    def design(
        self, *, freq: str | int | None = None, max_steps: int = DEFAULT_MAX_STEPS
    ) -> Design:
        """Numeric arrays for the model builder (see `consensus.design.Design`). Scales must be declared."""
        from .design import Design

        return Design.build(self, freq=freq, max_steps=max_steps)


def _format_date(ts: pd.Timestamp) -> str:
    if ts is None or pd.isna(ts):
        return ""
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
