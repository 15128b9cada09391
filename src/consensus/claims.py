"""The claims table: reading, validation, statements, and the model's design arrays.

`read_claims` is the only place where claims are parsed. It returns a `Claims`
container; everything downstream (model, tables, plots, saving) reads its
frames and arrays and never looks at the raw input again.

Row numbers in errors are as in the file: the header is row 1, the first data
row is row 2. For a DataFrame, row ``i`` (by position) is reported as ``i + 2``,
as if the frame had been written to CSV.

Reading is column-wise: each check runs over a whole column at once, dates and
numbers are parsed once per distinct text, and figures once per distinct
phrase, so that 10^5 rows take about a second. Every problem found is still
reported with its row.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ClaimsError, Problem, quote
from .figures import KINDS, Figure, _reader, ambiguous_dots

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
#: Dates must lie in these years (inclusive): the span of nanosecond timestamps, whole years.
FIRST_YEAR, LAST_YEAR = 1678, 2261
#: Names, normalised to Unicode NFC on reading (so that "é" typed two ways is one name).
NAME_COLUMNS = ("quantity", "source", "cites", "outlet")
#: Columns of free text, which may hold tabs and line breaks (no other control characters).
FREE_TEXT = ("note",)
NUMBER_COLUMNS = ("value", "low", "high", "stderr")

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, \n, \r allowed
_NOT_A_NUMBER = "not a number: write digits, e.g. 12000 or 12,000 (use `figure` for text)"
_EXPECTED_DATE = "expected ISO YYYY-MM-DD or a full ISO timestamp"
_NOT_A_DATE = f"not a date: {_EXPECTED_DATE}"
_OUT_OF_RANGE = (
    f"outside the years {FIRST_YEAR}-{LAST_YEAR}, the dates the library can hold: check the year"
)


class DuplicateClaimWarning(UserWarning):
    """Identical rows (same quantity, source, outlet, dates and figure) were found."""


# ====================================================================== cells
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
    """Parse a numeric text: plain digits, or comma thousands separators ("12,000").

    Raises ValueError saying why and what to write: "12.000" is ambiguous
    (thousands or a decimal?), "10²" is not plain digits, "1_000" is not read.
    """
    if why := ambiguous_dots(s):
        raise ValueError(why)
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if "_" in s:  # Python's float() reads "1_000"; a claims table never means that
        raise ValueError(_NOT_A_NUMBER)
    try:
        return float(s)
    except ValueError:
        if any(unicodedata.category(ch) == "No" for ch in s):
            raise ValueError(
                "superscripts and fraction characters are not read: write the number in "
                "plain digits (100, not 10²)"
            ) from None
        raise ValueError(_NOT_A_NUMBER) from None


def _parse_dates(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-empty texts -> datetime64[us] (NaT where unread) and why each was not read ('' if read).

    ISO ``YYYY-MM-DD`` or a full ISO timestamp; a time zone is converted to UTC
    and dropped. "2024" or "2024-10" are not guessed.
    """
    s = pd.Series(texts, dtype=object)
    iso = s.str.match(_ISO_DATE).to_numpy(dtype=bool)
    year = pd.to_numeric(s.str[:4], errors="coerce").to_numpy(dtype=float)
    held = iso & (year >= FIRST_YEAR) & (year <= LAST_YEAR)
    parsed = pd.to_datetime(s.where(held), format="ISO8601", errors="coerce", utc=True)
    when = parsed.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
    why = np.where(iso & ~held, _OUT_OF_RANGE, np.where(np.isnat(when), _NOT_A_DATE, ""))
    return when, why


def parse_date(value: object) -> pd.Timestamp:
    """Read one date exactly as `read_claims` reads ``date`` and ``as_of``.

    Parameters
    ----------
    value
        ISO text (``"2024-10-24"``, ``"2024-10-24T15:30:00+03:00"``), or a
        ``pd.Timestamp``, ``datetime``, ``date`` or ``np.datetime64``.

    Returns
    -------
    pd.Timestamp
        Without a time zone: an aware time is converted to UTC first.

    Raises
    ------
    ValueError
        For anything else (numbers, "24/10/2024", "2024", an empty value) or a
        year outside `FIRST_YEAR`-`LAST_YEAR`; the message quotes the value.
    """
    if isinstance(value, Real):
        raise ValueError(f"{quote(value)} is a number, not a date: {_EXPECTED_DATE}")
    text = _text(value)
    if not text:
        raise ValueError(f"no date given in {quote(value)}: {_EXPECTED_DATE}")
    when, why = _parse_dates(np.array([text], dtype=object))
    if why[0]:
        raise ValueError(f"{quote(value)} is {why[0]}")
    return pd.Timestamp(when[0])


def _date(s: str) -> pd.Timestamp:
    """`parse_date` of a text cell (kept for the modules that read dates this way)."""
    return parse_date(s)


def _text_column(col: pd.Series | None, n: int) -> np.ndarray:
    """Every cell as stripped text (an object array of str; '' for missing cells)."""
    if col is None:
        return np.full(n, "", dtype=object)
    if isinstance(col.dtype, pd.StringDtype):  # as read from a CSV: strip in one vector pass
        return col.fillna("").str.strip().to_numpy(dtype=object)
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        return np.array([x.strip() if isinstance(x, str) else "" for x in col], dtype=object)
    if col.dtype.kind in "fiu":
        return np.where(col.isna(), "", col.astype(str)).astype(object)
    return np.array([_text(x) for x in col.to_numpy(dtype=object)], dtype=object)


def _by_distinct(texts: np.ndarray, read: Callable[[str], Any]) -> tuple[list, np.ndarray]:
    """``read`` applied once per distinct text: (results per distinct text, code of each text)."""
    codes, distinct = pd.factorize(texts)
    return [read(t) for t in distinct], codes


def _numbers(col: pd.Series | None, text: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """A number column: floats (NaN where empty) and why a cell is not a number, by position.

    Real numbers in a DataFrame are taken as they are (a float 12.345 holds no
    ambiguous text); text is read by `_number`, once per distinct text.
    """
    n = len(text)
    given = text != ""
    values = np.full(n, np.nan)
    if col is not None and col.dtype.kind in "fiu":
        values[given] = col.to_numpy(dtype=float)[given]
        from_text = np.zeros(n, dtype=bool)
    else:
        from_text = given.copy()
        if col is not None and col.dtype == object:
            cells = col.to_numpy(dtype=object)
            real = np.fromiter(
                (isinstance(x, Real) and not isinstance(x, bool) for x in cells), bool, n
            )
            values[given & real] = cells[given & real].astype(float)
            from_text &= ~real
    why: dict[int, str] = {}

    def read(s: str) -> float | str:
        try:
            return _number(s)
        except ValueError as e:
            return str(e)

    pos = np.flatnonzero(from_text)
    results, codes = _by_distinct(text[pos], read)
    failed = np.array([isinstance(r, str) for r in results], dtype=bool)
    values[pos] = np.array([np.nan if f else r for r, f in zip(results, failed, strict=True)])[
        codes
    ]
    for i, c in zip(pos[failed[codes]], codes[failed[codes]], strict=True):
        why[int(i)] = results[c]
    for i in np.flatnonzero(given & ~np.isfinite(values)):
        why.setdefault(int(i), "must be a finite number (not NaN or infinite)")
        values[i] = np.nan
    return values, why


def _nfc(text: np.ndarray) -> np.ndarray:
    results, codes = _by_distinct(text, lambda s: unicodedata.normalize("NFC", s))
    return np.array(results, dtype=object)[codes] if len(text) else text


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: both missing, or equal to 1e-9 relative (as `math.isclose`)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b))
    return (np.isnan(a) & np.isnan(b)) | close


def _describe(kind: str, value: float, low: float, high: float) -> str:
    def g(x: float) -> str:
        return "(none)" if np.isnan(x) else f"{x:g}"

    return f"range {g(low)}-{g(high)}" if kind == "range" else f"{kind} {g(value)}"


class _Found:
    """Problems found so far, with the rows that have any; listed by row at the end."""

    def __init__(self, text: Mapping[str, np.ndarray], n: int):
        self.text = text
        self.items: list[tuple[int, int, Problem]] = []
        self.bad = np.zeros(n, dtype=bool)
        self.skip: dict[str, np.ndarray] = {}  # cells already reported (control characters)

    def add(self, where: np.ndarray, column: str | None, message: str | Callable[[int], str]):
        """One problem for each row in ``where`` (a mask or positions), quoting the cell."""
        pos = np.flatnonzero(where) if where.dtype == bool else where
        if column in self.skip:
            pos = pos[~self.skip[column][pos]]
        for i in pos:
            i = int(i)
            value = self.text[column][i] if column is not None and column in self.text else None
            msg = message(i) if callable(message) else message
            self.items.append((i, len(self.items), Problem(i + 2, column, value, msg)))
        self.bad[pos] = True

    def each(self, why: Mapping[int, str], column: str) -> None:
        for i, message in why.items():
            self.add(np.array([i]), column, message)

    def problems(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.items, key=lambda x: x[:2])]


# ====================================================================== reading
def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next((r for r in csv.reader(f) if r), [])


def _long_rows(path: Path, width: int) -> list[Problem]:
    """Rows with more fields than the header: an unquoted comma has split a value."""
    found = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = (r for r in csv.reader(f) if r)
        next(records, None)
        for row, rec in enumerate(records, start=2):
            if len(rec) <= width:
                continue
            split = next(
                (
                    f' (write "{a},{b}" for {a},{b})'
                    for a, b in zip(rec, rec[1:], strict=False)
                    if re.fullmatch(r"[+-]?\d{1,3}", a.strip()) and re.fullmatch(r"\d{3}", b)
                ),
                "",
            )
            found.append(
                Problem(
                    row,
                    None,
                    ",".join(rec),
                    f"this row has {len(rec)} fields but the header has {width}: a comma "
                    f"inside a value splits it; put such values in double quotes{split}",
                )
            )
    return found


def _load(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"no claims file at {path}")
    try:
        header = [c.strip() for c in _header(path)]
        dup = sorted({c for c in header if header.count(c) > 1})
        if dup:
            raise ClaimsError([Problem(1, c, None, "column appears more than once") for c in dup])
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a first row too long
            return pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8", index_col=False
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as e:
        if long := _long_rows(path, len(header)):
            raise ClaimsError(long) from None
        raise ClaimsError(f"{path} is not a readable CSV file: {e}") from e
    except csv.Error as e:
        raise ClaimsError(f"{path} is not a readable CSV file: {e}") from e
    except UnicodeDecodeError as e:
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
        The validated container. Names (quantity, source, cites, outlet) are
        normalised to Unicode NFC; each row's origin follows ``cites`` through
        relays of the same statement to the party that first published it.

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
        problems.append(Problem(1, c, None, f"required column is missing; found {quote(columns)}"))
    if problems:
        raise ClaimsError(problems)
    if len(df) == 0:
        raise ClaimsError("the claims table has no rows")
    extra = [c for c in columns if c not in COLUMNS]
    if extra:
        warnings.warn(
            f"columns not in the claims format are carried through unused: {extra}", stacklevel=2
        )
    n = len(df)
    text = {c: _text_column(df[c] if c in columns else None, n) for c in (*COLUMNS, *extra)}
    for c in NAME_COLUMNS:
        text[c] = _nfc(text[c])
    text["kind"] = np.array([k.lower() for k in text["kind"]], dtype=object)
    found = _Found(text, n)
    _check_control(text, found)
    cells = _check_cells(df, text, found, vague)
    _check_ids(text, found)
    good = ~found.bad
    origin = _origins(text, cells, good, found)
    if found.items:
        raise ClaimsError(found.problems())
    table = _table(text, cells, origin, extra)
    claims = Claims._from_table(table, extra, vague)
    return claims.with_scales(scales) if scales is not None else claims


def _check_control(text: Mapping[str, np.ndarray], found: _Found) -> None:
    """Control characters (NUL, escape, ...) in any cell; a note may hold tabs and line breaks."""
    for c, cells in text.items():
        free = c in FREE_TEXT or c not in COLUMNS  # notes and the user's own columns
        pattern = _CONTROL_IN_TEXT if free else _CONTROL
        if not pattern.search("".join(cells)):
            continue  # the usual case, found in one pass over the column's text
        hit = pd.Series(cells, dtype=object).str.contains(pattern).to_numpy(dtype=bool)
        hint = "" if free else " (only a note may hold tabs and line breaks)"

        def why(i: int, cells: np.ndarray = cells, pattern: re.Pattern = pattern, hint=hint) -> str:
            ch = pattern.search(cells[i]).group()  # type: ignore[union-attr]
            return f"control character U+{ord(ch):04X} in the text: remove it{hint}"

        found.add(hit, c, why)
        found.skip[c] = hit


def _check_cells(
    df: pd.DataFrame, text: dict[str, np.ndarray], found: _Found, vague
) -> dict[str, np.ndarray]:
    """Every per-cell rule, column by column, in the order a reader checks a row."""
    for c in ("quantity", "source"):
        found.add(text[c] == "", c, f"{c} is required and may not be empty")
    cells: dict[str, np.ndarray] = {}
    for c in ("date", "as_of"):
        cells[c] = np.full(len(text[c]), np.datetime64("NaT", "us"), dtype="datetime64[us]")
        given = np.flatnonzero(text[c] != "")
        if c == "date":
            found.add(
                text[c] == "", c, "date is required: an ISO date YYYY-MM-DD (or full ISO timestamp)"
            )
        if len(given):
            codes, distinct = pd.factorize(text[c][given])
            when, reason = _parse_dates(np.asarray(distinct, dtype=object))
            cells[c][given] = when[codes]
            found.each(
                {int(i): reason[k] for i, k in zip(given, codes, strict=True) if reason[k]}, c
            )
    cells["as_of"] = np.where(np.isnat(cells["as_of"]), cells["date"], cells["as_of"])

    for c in NUMBER_COLUMNS:
        cells[c], why = _numbers(df[c] if c in df.columns else None, text[c])
        found.each(why, c)
    with np.errstate(invalid="ignore"):
        found.add(cells["stderr"] <= 0, "stderr", "a standard error must be positive")

    kind, has = text["kind"], {c: text[c] != "" for c in ("value", "low", "high", "figure")}
    cells["kind"] = kind.copy()
    numbers_given = has["value"] | has["low"] | has["high"]
    known = np.isin(kind, KINDS)
    found.add((kind != "") & ~known, "kind", f"unknown kind; accepted: {', '.join(KINDS)}")
    checked = known & ~(has["figure"] & ~numbers_given)  # else the figure supplies the numbers
    rng = checked & (kind == "range")
    for c in ("low", "high"):
        found.add(rng & ~has[c], c, "a range needs both low and high")
    found.add(rng & has["value"], "value", "a range takes low and high, not value")
    low, high = cells["low"], cells["high"]
    with np.errstate(invalid="ignore"):
        found.add(
            rng & (low > high), "low", lambda i: f"low is greater than high ({text['high'][i]})"
        )
        found.add(rng & (low == high), "low", "low equals high: write a point instead")
    bound = checked & (kind != "range")
    found.add(bound & ~has["value"], "value", lambda i: f"a {kind[i]} claim needs a value")
    for c in ("low", "high"):
        found.add(bound & has[c], c, f"{c} is only for kind 'range'")

    figures = _figures(text["figure"], vague, found)
    msg = "give a kind (point, at_least, at_most, range) or a figure to parse"
    found.add((kind == "") & ~has["figure"] & ~numbers_given, "kind", msg)
    found.add((kind == "") & ~has["figure"] & numbers_given, "kind", msg + " for these numbers")
    _agree(text, cells, figures, numbers_given, found)
    return cells


def _figures(figure: np.ndarray, vague, found: _Found) -> dict[str, np.ndarray]:
    """Each figure read once per distinct phrase: kind ('' if none) and its numbers."""
    n = len(figure)
    out = {"kind": np.full(n, "", dtype=object)} | {
        c: np.full(n, np.nan) for c in ("value", "low", "high")
    }
    pos = np.flatnonzero(figure != "")
    read = _reader(vague)

    def parse(s: str) -> Figure | str:
        try:
            return read(s)
        except ClaimsError as e:
            return e.problems[0].message

    results, codes = _by_distinct(figure[pos], parse)
    failed = np.array([isinstance(r, str) for r in results], dtype=bool)
    figs = [Figure("point", 0.0) if isinstance(r, str) else r for r in results]
    ok = pos[~failed[codes]]
    out["kind"][ok] = np.array([f.kind for f in figs], dtype=object)[codes[~failed[codes]]]
    for c in ("value", "low", "high"):
        col = np.array([np.nan if getattr(f, c) is None else getattr(f, c) for f in figs])
        out[c][ok] = col[codes[~failed[codes]]]
    bad = failed[codes]
    found.each({int(i): results[k] for i, k in zip(pos[bad], codes[bad], strict=True)}, "figure")
    return out


def _agree(text, cells, figures, numbers_given, found: _Found) -> None:
    """Where a figure was read: kind and numbers, if also given, must agree with it; it fills them."""
    kind = text["kind"]
    read = (figures["kind"] != "") & ~found.bad
    written = np.where(kind != "", kind, figures["kind"])
    agrees = figures["kind"] == written
    for c in ("value", "low", "high"):
        agrees &= ~numbers_given | _same(figures[c], cells[c])
    both = read & ((kind != "") | numbers_given)

    def why(i: int) -> str:
        got = _describe(figures["kind"][i], *(figures[c][i] for c in ("value", "low", "high")))
        said = _describe(written[i], *(cells[c][i] for c in ("value", "low", "high")))
        return f"reads as {got} but kind/value/low/high say {said}"

    found.add(both & ~agrees, "figure", why)
    cells["kind"][read] = figures["kind"][read]
    for c in ("value", "low", "high"):
        cells[c][read] = figures[c][read]


def _check_ids(text: Mapping[str, np.ndarray], found: _Found) -> None:
    """A repeated id is an error unless the whole row is a copy (the duplicate slip, warned)."""
    rows = np.flatnonzero((text["id"] != "") & ~found.bad)
    ids = pd.Series(text["id"][rows], dtype=object)
    first = dict(zip(ids[~ids.duplicated()], rows[~ids.duplicated().to_numpy()], strict=True))
    for i in rows[ids.duplicated().to_numpy()]:
        j = first[text["id"][i]]
        if any(text[c][i] != text[c][j] for c in COLUMNS):
            found.add(np.array([i]), "id", f"id already used on row {j + 2}")


def _origins(text, cells, good: np.ndarray, found: _Found) -> np.ndarray:
    """Each row's origin: ``cites`` followed through relays of the same statement, else ``source``.

    C cites B and B cites A with the same figure: A. A loop (A cites B, B cites
    A) or a relay of one figure from two parties is an error on every row that
    leads into it.
    """
    origin = np.where(text["cites"] != "", text["cites"], text["source"])
    relays = np.flatnonzero((text["cites"] != "") & good).tolist()
    if not relays:
        return origin
    parts = [text["quantity"], *(cells[c] for c in ("as_of", "kind", *NUMBER_COLUMNS))]
    codes = {str(k): pd.factorize(v, use_na_sentinel=False)[0] for k, v in enumerate(parts)}
    key = pd.DataFrame(codes).groupby(list(codes), sort=False).ngroup().tolist()
    source, cites = text["source"].tolist(), text["cites"].tolist()
    relayed: dict[tuple[str, int], dict[str, list[int]]] = {}
    for i in relays:
        if cites[i] != source[i]:
            relayed.setdefault((source[i], key[i]), {}).setdefault(cites[i], []).append(i)
    for i in relays:
        chain, rows = [source[i], cites[i]], [i]
        while nxt := relayed.get((chain[-1], key[i])):
            if len(nxt) > 1:
                via = sorted(r + 2 for rs in nxt.values() for r in rs)
                found.add(
                    np.array([i]),
                    "cites",
                    f"{chain[-1]} relays this figure from more than one party "
                    f"({', '.join(nxt)}; rows {', '.join(map(str, via))}): cite the original directly",
                )
                break
            ((name, via_rows),) = nxt.items()
            rows += via_rows
            if name in chain:
                loop = " -> ".join([*chain, name])
                listed = ", ".join(str(r + 2) for r in sorted(set(rows)))
                found.add(
                    np.array([i]),
                    "cites",
                    f"cites go round in a loop for this figure ({loop}; rows {listed}): "
                    "cite the party that first published it",
                )
                break
            chain.append(name)
        else:
            origin[i] = chain[-1]
    return origin


def _table(text, cells, origin, extra: list[str]) -> pd.DataFrame:
    """The parsed rows as a frame (string columns as pandas strings, dates as datetime64[us])."""
    n = len(origin)
    t = pd.DataFrame({"row": np.arange(2, n + 2, dtype=np.int64)})
    for c in COLUMNS:
        t[c] = cells[c] if c in cells else pd.array(text[c], dtype="str")
    t["origin"] = pd.array(origin, dtype="str")
    for c in extra:
        t[c] = pd.array(text[c], dtype="str")
    return t


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
    def _from_table(cls, t: pd.DataFrame, extra: list[str], vague) -> Claims:
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
        live = t[~t["duplicate"]]
        g = live.groupby("statement", sort=True)
        st = g[_STATEMENT_KEY].first()
        st["date"] = g["date"].min()
        st["horizon_days"] = (st["as_of"] - st["date"]).dt.total_seconds() / 86400.0
        st["n_carriers"] = g.size()
        carrier = np.where(
            live["outlet"] != "", live["source"] + " (" + live["outlet"] + ")", live["source"]
        )
        codes = live["statement"].to_numpy()
        st["carriers"] = _join(codes, carrier, "; ")
        st["rows"] = _join(codes, live["row"].astype(str).to_numpy(), ",")
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
                out[c] = t[c].map(_number_text)
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
        self,
        *,
        freq: str | int | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        truths: pd.DataFrame | None = None,
    ) -> Design:
        """Numeric arrays for the model builder (see `consensus.design.Design`). Scales must be declared.

        ``truths``: validated known truths (`consensus.truths.read_truths`); the grid covers their dates.
        """
        from .design import Design

        return Design.build(self, freq=freq, max_steps=max_steps, truths=truths)


def _format_date(ts: pd.Timestamp) -> str:
    if ts is None or pd.isna(ts):
        return ""
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()


def _number_text(v: float) -> str:
    """A number as text that `read_claims` reads back exactly ("12.3450", never "12.345")."""
    if pd.isna(v):
        return ""
    text = repr(float(v))
    return text + "0" if ambiguous_dots(text) else text


def _join(codes: np.ndarray, strings: np.ndarray, sep: str) -> pd.api.extensions.ExtensionArray:
    """``sep``-joined strings per code, in code order (each group's strings in their order)."""
    order = np.argsort(codes, kind="stable")
    c, s = codes[order], np.asarray(strings, dtype=object)[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)]
    out = s[starts].copy()
    for k in np.flatnonzero(ends - starts > 1):  # relayed statements only: most have one row
        out[k] = sep.join(s[starts[k] : ends[k]])
    return pd.array(out, dtype="str")
