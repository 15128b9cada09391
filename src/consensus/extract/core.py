"""`extract_claims`, `extract_files` and `link_relays`: article text -> candidate claims."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..figures import Figure
from .attribution import _DESCRIPTION, Frame, frames, governing
from .dates import BY_DATE, by_date, statement_date
from .finder import Found, find_figures, sentences
from .origins import alias_table, canonical_origin, normalise

#: the columns of a candidates table: the claims format, then the evidence for review
COLUMNS = [
    "quantity", "source", "cites", "figure", "kind", "value", "low", "high", "date", "as_of",
    "outlet", "url", "note", "start", "end", "confidence", "rule",
]  # fmt: skip

#: how sure an attribution is, by the way it was found (multiplied by the factors below)
ATTRIBUTION_CONFIDENCE = {
    "subject_verb": 0.9, "inverted": 0.9, "according_to": 0.9, "passive_by": 0.85,
    "told_outlet": 0.85, "anaphor": 0.75, "previous_sentence": 0.6, "outlet_own": 0.4,
}  # fmt: skip
NO_NOUN = 0.8  # the counted noun is borrowed from an earlier figure
BACKREF = 0.8  # "the 500 officers" with no earlier 500 in the article

Quantities = Mapping[str, str | Sequence[str]]


@dataclass
class _Who:
    source: str
    cites: str
    rule: str
    date: dt.date | None


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ValueError(f"{what} {value!r} is not a date: write YYYY-MM-DD") from None


def _snake(phrase: str) -> str:
    s = normalise(phrase).replace("'s ", " ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _singular(words: str) -> str:
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words.split())


def _quantity(noun: str, unit: str, quantities: Quantities | None) -> str:
    if quantities:
        key = _singular(normalise(noun))
        best = ("", 0)
        for name, phrases in quantities.items():
            for p in [phrases] if isinstance(phrases, str) else phrases:
                p = _singular(normalise(p))
                if p and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", key) and len(p) > best[1]:
                    best = (name, len(p))
        if best[0]:
            return best[0]
    return _snake(f"{noun} {unit}") if noun else ""


def extract_claims(
    text: str,
    *,
    published: str | dt.date | None = None,
    outlet: str | None = None,
    url: str | None = None,
    quantities: Quantities | None = None,
    aliases: Mapping[str, str | Sequence[str]] | None = None,
    percentages: bool = False,
    vague: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Candidate claims found in the text of one article, for a person to review.

    Parameters
    ----------
    text
        The article.
    published
        Its publication date (``YYYY-MM-DD``): relative dates ("on Thursday",
        "last week", "the 23rd") are resolved against it and it dates the
        statements that carry no date of their own. Without it such rows have
        no date and `read_claims` refuses them until a reviewer adds one.
    outlet
        Where the article appeared (the ``outlet`` column); also the source of
        figures the article states without attributing them.
    url
        Carried into the ``url`` column.
    quantities
        ``{quantity key: [phrase, ...]}``: counted noun phrases ("North Korean
        soldiers") that name a quantity; matched ignoring case and plural -s,
        the longest phrase contained in the noun phrase winning. Unmatched
        phrases become snake_case keys ("north_korean_soldiers").
    aliases
        ``{origin: [alias, ...]}``, checked before the built-in table
        (`consensus.extract.BUILTIN_ALIASES`); unknown names pass through.
    percentages
        Keep percentages as figures (read as percentage points).
    vague
        Extra vague phrases for `parse_figure`.

    Returns
    -------
    pandas.DataFrame
        One row per candidate, columns `COLUMNS`: the claims format
        (``kind``/``value``/``low``/``high`` filled by `parse_figure`,
        ``figure`` the phrase as written, ``as_of`` empty unless the text
        gives a later date such as "by year end"), ``url``, ``note`` (the
        sentence quoted), ``start``/``end`` (the figure's character span in
        ``text``), ``confidence`` (0-1, for sorting the review; not a
        probability) and ``rule`` (``<figure form>/<attribution rule>``).
    """
    pub = _date(published, "published")
    table = alias_table(aliases)
    rows: list[dict[str, Any]] = []
    seen_frames: list[tuple[Frame, _Who]] = []  # earlier attributions of this article
    last_who: dict[int, tuple[int, _Who]] = {}  # paragraph -> (sentence no., attribution)
    for n, sent in enumerate(sentences(text)):
        s = sent.text
        fs = frames(s)
        whos: dict[int, _Who] = {}
        for f in fs:
            whos[id(f)] = _resolve(f, text[: sent.start], seen_frames, table, pub)
            seen_frames.append((f, whos[id(f)]))
        found, _ = find_figures(s, percentages=percentages, vague=vague)
        found = [f for f in found if not _counts_speakers(s, f)]
        for i, fig in enumerate(found):
            frame = governing(fs, s, fig.start)
            if frame is not None:
                who = whos[id(frame)]
            elif sent.paragraph in last_who and n - last_who[sent.paragraph][0] <= 2:
                prev = last_who[sent.paragraph][1]
                who = _Who(prev.source, prev.cites, "previous_sentence", prev.date)
            else:
                who = _Who(outlet or "unknown", "", "outlet_own", None)
            rows.append(_row(fig, found, i, s, sent.start, who, pub, outlet, url, quantities))
        if fs:
            last_who[sent.paragraph] = (n, whos[id(fs[-1])])
    return _tidy(pd.DataFrame(rows, columns=[*COLUMNS, "_noun", "_backref"]))


def _counts_speakers(s: str, fig: Found) -> bool:
    """ "citing two officials", "three diplomats said": the number counts the speakers."""
    return bool(
        re.search(r"\bciting\s+$", s[: fig.start])
        or re.match(r"\s+(?:[\w'’-]+\s+){0,3}?(?:said|say|says|told)\b(?!\s+to\b)", s[fig.end :])
    )


def _resolve(
    f: Frame, before: str, seen: list[tuple[Frame, _Who]], table: Mapping[str, str],
    pub: dt.date | None,
) -> _Who:  # fmt: skip
    """Source, cites and date of a frame; anaphors take an earlier frame's source."""
    date = statement_date(f.date_expr, pub) if f.date_expr and pub else None
    rule = f.rule
    source = canonical_origin(f.subject, table=table)
    if f.anaphor:
        rule = "anaphor"
        desc = _DESCRIPTION.match(f.subject)
        if desc is None:  # a pronoun: the latest speaker
            source = seen[-1][1].source if seen else f.subject
        else:  # "the intelligence agency": the latest speaker sharing a word, else a mention
            words = set(normalise(f.subject).split()) - {"the", "this", "that"}
            named = [
                w for fr, w in seen if words & set(normalise(f"{fr.subject} {w.source}").split())
            ]
            head = re.escape(desc["head"])
            pattern = rf"((?:[A-Z][\w’'.-]*\s+)+(?:[a-z]+\s+){{0,2}}){head}\b"
            mention = list(re.finditer(pattern, before))
            if named:
                source = named[-1].source
            elif mention:
                source = canonical_origin(mention[-1].group(), table=table)
    cites = canonical_origin(f.cites, table=table) if f.cites else ""
    if cites == source:
        cites = ""
    return _Who(source, cites, rule, date)


def _row(
    fig: Found, found: list[Found], i: int, s: str, offset: int, who: _Who, pub: dt.date | None,
    outlet: str | None, url: str | None, quantities: Quantities | None,
) -> dict[str, Any]:  # fmt: skip
    f: Figure = fig.figure
    noun = fig.noun
    conf = ATTRIBUTION_CONFIDENCE[who.rule]
    if not noun:
        conf *= NO_NOUN
        noun = next((e.noun for e in reversed(found[:i]) if e.noun), "")
    date = who.date or pub
    as_of = None
    by = BY_DATE.search(s, fig.end)
    if by and date and not any(fig.end <= e.start < by.start() for e in found[i + 1 :]):
        later = by_date(by, date)
        as_of = later if later and later > date else None
    return {
        "quantity": _quantity(noun, fig.unit, quantities) or "unspecified",
        "source": who.source,
        "cites": who.cites,
        "figure": fig.text,
        "kind": f.kind,
        "value": f.value,
        "low": f.low,
        "high": f.high,
        "date": date.isoformat() if date else "",
        "as_of": as_of.isoformat() if as_of else "",
        "outlet": outlet or "",
        "url": url or "",
        "note": s.strip(),
        "start": offset + fig.start,
        "end": offset + fig.end,
        "confidence": round(conf * (BACKREF if fig.backref else 1.0), 2),
        "rule": f"{fig.form}/{who.rule}",
        "_noun": fig.noun,
        "_backref": fig.backref,
    }


def _numbers(r: Mapping[str, Any]) -> tuple:
    return (r["kind"], *(None if pd.isna(r[c]) else float(r[c]) for c in ("value", "low", "high")))


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Drop back-references to an earlier figure and repeats of one statement in one article."""
    keep: list[bool] = []
    seen_numbers: set[tuple] = set()
    seen_statements: set[tuple] = set()
    for _, r in df.iterrows():
        numbers = _numbers(r)
        statement = (r["quantity"], r["cites"] or r["source"], *numbers)
        repeat = statement in seen_statements or (r["_backref"] and numbers in seen_numbers)
        keep.append(not repeat)
        seen_numbers.add(numbers)
        seen_statements.add(statement)
    out = df[keep].drop(columns=["_noun", "_backref"]).reset_index(drop=True)
    # a source said to cite someone once in the article cites them for all its figures
    cited: dict[str, str] = {}
    for src, cites in zip(out["source"], out["cites"], strict=True):
        if cites:
            cited.setdefault(src, cites)
    fill = (out["cites"] == "") & out["source"].isin(list(cited))
    out.loc[fill, "cites"] = out.loc[fill, "source"].map(cited)
    out.loc[fill, "rule"] = out.loc[fill, "rule"] + "+cites_in_article"
    return out


def link_relays(df: pd.DataFrame, *, days: int = 7) -> pd.DataFrame:
    """One origin and one date per statement carried by several articles.

    Rows of different outlets with the same quantity, kind, numbers and source,
    dated within ``days`` of each other, are one statement relayed: they get the
    same ``cites`` (the one most of them give, else the first) and the same
    ``as_of`` (the earliest date), so that `read_claims` counts them as one
    statement with several carriers.
    """
    out = df.copy()
    if out.empty:
        return out
    key = ["quantity", "source", "kind", "value", "low", "high"]
    groups = out.fillna({"value": -1.0, "low": -1.0, "high": -1.0}).groupby(key, sort=False)
    for _, g in groups:
        if g["outlet"].nunique() < 2:
            continue
        dates = pd.to_datetime(g["date"], errors="coerce")
        if dates.isna().any() or (dates.max() - dates.min()).days > days:
            continue
        named = [c for c in g["cites"] if c]
        cites = Counter(named).most_common(1)[0][0] if named else ""
        first = dates.min().date().isoformat()
        idx = g.index
        out.loc[idx, "cites"] = cites
        later = (out.loc[idx, "as_of"] == "") & (out.loc[idx, "date"] != first)
        out.loc[idx[later.to_numpy()], "as_of"] = first
        out.loc[idx, "rule"] = out.loc[idx, "rule"] + "+relay"
    return out


def read_article(path: str | Path) -> tuple[str, dict[str, str]]:
    """An article's text and its metadata (``published``, ``outlet``, ``url``).

    Metadata comes from ``# key: value`` lines at the top of the file (blanked in
    the returned text, so character offsets stay those of the file) and from a
    side-car JSON file ``<file>.json`` or ``<stem>.json``; the header lines win.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for side in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if side.is_file() and side != path:
            data = json.loads(side.read_text(encoding="utf-8"))
            meta.update({k: str(v) for k, v in data.items() if k in ("published", "outlet", "url")})
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"#\s*(published|outlet|url)\s*:\s*(.*?)\s*$", line, re.I)
        if not m:
            if line.strip():
                break
            continue
        meta[m.group(1).lower()] = m.group(2)
        lines[i] = " " * len(line)
    return "\n".join(lines), meta


def extract_files(
    paths: Iterable[str | Path],
    *,
    published: str | dt.date | None = None,
    outlet: str | None = None,
    quantities: Quantities | None = None,
    aliases: Mapping[str, str | Sequence[str]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Candidate claims from article files, one article per file, relays linked.

    Parameters
    ----------
    paths
        Text files (UTF-8). A file's own metadata (``# published: YYYY-MM-DD``,
        ``# outlet: NAME``, ``# url: ...`` first lines, or a side-car JSON
        ``<file>.json`` with those keys) wins over the defaults below.
    published, outlet
        Defaults for files that do not give their own; the outlet defaults to
        the file name.
    quantities, aliases, **options
        As for `extract_claims`.

    Returns
    -------
    pandas.DataFrame
        The candidates of every file (`COLUMNS` plus ``article``, the path),
        with `link_relays` applied.

    Raises
    ------
    ValueError
        If a file has no publication date and ``published`` is not given.
    """
    frames_: list[pd.DataFrame] = []
    for path in paths:
        text, meta = read_article(path)
        date = meta.get("published") or published
        if not date:
            raise ValueError(
                f"{path}: no publication date; add a first line '# published: YYYY-MM-DD', a "
                f"side-car {Path(path).name}.json with 'published', or pass published="
            )
        found = extract_claims(
            text,
            published=_date(date, f"{path}: published"),
            outlet=meta.get("outlet") or outlet or Path(path).name,
            url=meta.get("url"),
            quantities=quantities,
            aliases=aliases,
            **options,
        )
        frames_.append(found.assign(article=str(path)))
    if not frames_:
        return pd.DataFrame(columns=[*COLUMNS, "article"])
    return link_relays(pd.concat(frames_, ignore_index=True))
