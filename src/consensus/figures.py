"""Figures as journalists write them: ``parse_figure`` and ``format_figure``.

``parse_figure("at least 3,000 troops")`` gives ``Figure("at_least", 3000.0)``.
The text is lower-cased, unicode dashes, minus signs and no-break spaces are
normalised, whitespace is collapsed and one trailing period is dropped. Then:

* **Numbers**: ``12000``, ``12,000``, ``12 000`` (a space or narrow no-break
  space between groups of three digits), ``12k``, ``1.5 million``, ``1.2bn``,
  ``2m``, number words up to ``twenty-five``/``ninety-nine`` times
  ``hundred``/``dozen`` and ``thousand``/``million``/``billion`` (``two``,
  ``a dozen``, ``dozen``, ``five hundred``, ``a thousand``, ``half a million``,
  ``two hundred and fifty thousand``). ``45%``, ``45 percent`` and
  ``45 per cent`` read as the number 45 (percentage points; no division by 100).
  A leading minus sign is read (``-0.3``). A dot between groups of three
  digits with no other mark (``12.000``, ``1.500``) is an error: it is a
  thousands separator in much of Europe and a decimal point in English, a
  factor of 1,000 either way; write ``12,000`` or ``12`` (``1.2340`` for the
  decimal 1.234). After a scale word it is a decimal (``1.125 billion``).
  Superscripts and fraction characters (``10²``, ``½``) are errors too:
  write plain digits.
* **Hedges** before a number keep it a point: about, approximately, approx,
  around, roughly, nearly, almost, (an) estimated, (an) approximate, some,
  circa, c., ca., ~, close to; so do ``or so`` and ``or thereabouts`` after it.
  "Nearly" and "almost" are read as points, not upper bounds: reporters use
  them for rounded figures.
* **Lower bounds** (``at_least``): at least, more than, greater than, over,
  just/well over, above, exceeding, in excess of, upwards of, no/not fewer
  than, no/not less than, a minimum of, at minimum, ``>``, ``>=``, ``≥``, and
  after the number ``or more``, ``or over``, ``+``, ``-plus``, ``plus``.
* **Upper bounds** (``at_most``): up to, at most, no/not more than, fewer than,
  less than, under, just/well under, below, as many as, a maximum of, ``<``,
  ``<=``, ``≤``, and after the number ``or fewer``, ``or less``, ``or under``.
  Strict and non-strict bounds are not told apart (the quantities are
  continuous in the model).
* **Ranges**: ``between 1,500 and 3,000``, ``1,500-3,000`` (any dash),
  ``1,500 to 3,000``, ``from 1,500 to 3,000``. A scale word on the second
  number only applies to the first when the first is not already larger than
  the second's bare number: ``1.5-3 million`` is 1.5-3 million,
  ``1,500 to 3 thousand`` is 1,500-3,000, and ``5-3 thousand`` is an error.
  Point hedges before a range are ignored; the low end must be below the high.
* **Products**: ``<number> <1-3 words> of <number> [words] [each]``, e.g.
  ``two brigades of 6,000 personnel each`` is the point 12,000. A bound in
  front applies to the product (``up to two brigades of 6,000 each``).
* **Vague phrases**, looked up in ``DEFAULT_VAGUE`` (merged with ``vague=``),
  give ranges. Lookup ignores case and any trailing noun.
* Words after a figure ("troops", "by year end", "-strong") are ignored,
  unless they hold digits, number words or the words or, and, to, plus,
  minus, through, until, till, each, more, fewer, less, additional, extra:
  ``3,000 or 4,000``, ``12,000 and counting`` (a lower bound? a count still
  running?) and ``3,000 more troops`` (a change, not a level) are errors, as
  is any word before the number that is not a hedge or bound. Nothing is
  guessed: write ``at least 12,000`` if that is what "and counting" means.

The vague table (``DEFAULT_VAGUE``; ``x unit`` rows scale the base range by
the unit, e.g. "several thousand" is 3,000-9,000):

=================================  ===============  ===========================================
phrase                             range            why
=================================  ===============  ===========================================
a couple                           2-3              Merriam-Webster: "two", also "an indefinite
                                                    small number"; literally 2, loosely 3
a couple (of) dozen/hundred/       2-3 x unit       as "a couple"
thousand/million
a few                              2-5              M-W "few": "consisting of or amounting to
                                                    only a small number"; "a few" is at least
                                                    two, and past five writers say "several"
a few dozen/hundred/thousand/      2-5 x unit       as "a few"
million
several                            3-9              M-W: "more than two but fewer than many";
                                                    under ten, where "dozens"/"tens" take over
several dozen/hundred/thousand/    3-9 x unit       as "several"
million
a handful                          2-10             a small number, about what a hand holds;
                                                    doubled for slack, never one
dozens                             24-144           plural, so at least two dozen; up to a gross
                                                    (twelve dozen), past which writers say
                                                    "more than a hundred" or "hundreds"
hundreds                           200-999          plural: at least two hundred; a thousand or
                                                    more is written "thousands"
thousands                          2,000-9,999      at least two thousand; ten thousand is
                                                    where writers switch to "tens of thousands"
tens of thousands                  20,000-99,999    at least two tens; then "hundreds of
                                                    thousands"
hundreds of thousands              200,000-999,999  as "hundreds", a thousand times larger
millions                           2e6-9,999,999    as "thousands", a thousand times larger
tens of millions                   2e7-99,999,999   as "tens of thousands"
hundreds of millions               2e8-999,999,999  as "hundreds of thousands"
=================================  ===============  ===========================================

"a couple" rows are keyed both with and without "of" ("a couple of
thousand", "a couple thousand"). "many", "a lot", "a great many" and
"numerous" have no defensible range and raise unless given through ``vague=``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from types import MappingProxyType
from typing import NamedTuple

from .errors import ClaimsError, quote

KINDS = ("point", "at_least", "at_most", "range")

ACCEPTED = (
    "accepted: a number (12,000; 12 000; 12k; 1.5 million; twelve; 45%), optionally hedged "
    "(about/approximately/some/around 12,000); bounds (at least/more than/over 3,000; 3,000+; "
    "3,000 or more; up to/at most/under/fewer than 12,000); ranges (between 1,500 and 3,000; "
    "1,500-3,000; 1,500 to 3,000); vague phrases from the vague table (several thousand, "
    "tens of thousands, ...); products (two brigades of 6,000 each); a trailing noun is ignored"
)


@dataclass(frozen=True)
class Figure:
    """A reported figure: a point, a lower or upper bound (``value``), or a range (``low``, ``high``)."""

    kind: str
    value: float | None = None
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ClaimsError(f"unknown figure kind {self.kind!r}; accepted: {', '.join(KINDS)}")
        used = ("low", "high") if self.kind == "range" else ("value",)
        for name in ("value", "low", "high"):
            v = getattr(self, name)
            if name not in used:
                if v is not None:
                    raise ClaimsError(
                        f"a {self.kind} figure takes {' and '.join(used)}, not {name}"
                    )
            elif isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v):
                raise ClaimsError(
                    f"a {self.kind} figure needs a finite number for {name}, got {v!r}"
                )
            else:
                object.__setattr__(self, name, float(v))
        if self.kind == "range" and not self.low < self.high:  # type: ignore[operator]
            raise ClaimsError(f"a range needs low < high, got {self.low} and {self.high}")


def _vague_table() -> dict[str, tuple[float, float]]:
    base = {"a couple": (2, 3), "a few": (2, 5), "several": (3, 9)}
    units = {"dozen": 12, "hundred": 100, "thousand": 1e3, "million": 1e6}
    table: dict[str, tuple[float, float]] = dict(base)
    for word, (lo, hi) in base.items():
        for unit, m in units.items():
            table[f"{word} {unit}"] = (lo * m, hi * m)
            if word == "a couple":
                table[f"a couple of {unit}"] = (lo * m, hi * m)
    table.update({"a handful": (2, 10), "dozens": (24, 144)})
    for name, m in (("hundreds", 100), ("thousands", 1e3), ("millions", 1e6)):
        table[name] = (2 * m, 10 * m - 1)
    for name, m in (("tens of thousands", 1e4), ("hundreds of thousands", 1e5)):
        table[name] = (2 * m, 10 * m - 1)
    table.update({"tens of millions": (2e7, 1e8 - 1), "hundreds of millions": (2e8, 1e9 - 1)})
    return {k: (float(lo), float(hi)) for k, (lo, hi) in table.items()}


DEFAULT_VAGUE: Mapping[str, tuple[float, float]] = MappingProxyType(_vague_table())


class _Fail(Exception):
    """Internal: why a text could not be read (turned into a ClaimsError quoting it)."""


class _Num(NamedTuple):
    value: float
    bare: float  # the value before a single trailing scale word ("3" in "3 million")
    scale: float | None  # that scale word's factor; None if none, or not a single one
    scaled: bool  # any scale word at all


def _alt(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_MULT = {"dozen": 12, "hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_SUFFIX_SCALE = {"k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "b": 1e9, "bn": 1e9}
_SMALL = rf"(?:(?:{_alt(_TENS)})(?:[- ](?:{_alt(list(_UNITS)[1:10])}))?|{_alt(_UNITS)})"
_PCT = r"(?:\s*(?:%|per\s?cent)(?![a-z]))?"
_DIGITS = re.compile(
    r"(?P<num>-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?!\d)|\d+)(?:\.\d+)?|-?\.\d+)"
    r"(?:\s*(?P<word>hundred|thousand|million|billion|dozen|mln|mn|bn)|(?P<sfx>k|m|b))?"
    rf"(?![a-z]){_PCT}"
)
_WORDS = re.compile(
    rf"(?P<head>an?|half an?|{_SMALL})?(?:(?(head)\s+)(?P<m1>hundred|dozen)"
    rf"(?:\s+(?:and\s+)?(?P<tail>{_SMALL}))?)?(?:\s+(?P<m2>thousand|million|billion))?(?![a-z]){_PCT}"
)
_PREFIX_KIND = {
    **dict.fromkeys(
        "about|approximately|approx.|approx|around|roughly|nearly|almost|an estimated|estimated|"
        "some|circa|c.|ca.|~|close to|an approximate|approximate".split("|"),
        "point",
    ),
    **dict.fromkeys(
        "at least|more than|greater than|over|just over|well over|above|exceeding|in excess of|"
        "upwards of|upward of|no fewer than|not fewer than|no less than|not less than|"
        "a minimum of|at minimum|>|>=".split("|"),
        "at_least",
    ),
    **dict.fromkeys(
        "up to|at most|no more than|not more than|fewer than|less than|under|just under|"
        "well under|below|as many as|a maximum of|<|<=".split("|"),
        "at_most",
    ),
}
_PREFIX = re.compile(rf"(?P<p>{_alt(_PREFIX_KIND)})(?:(?<=[a-z])\s+|(?<![a-z])\s*)")
_SUFFIX = re.compile(
    r"(?:\s*\+|-?plus|\s+plus|\s+or (?P<ge>more|over|above|greater)|\s+or (?P<le>fewer|less|under|below)"
    r"|\s+or (?P<pt>so|thereabouts))(?![a-z])"
)
_TO = re.compile(r"\s*-\s*|\s+to\s+")
_AND = re.compile(r"\s+and\s+")
_PRODUCT = re.compile(r"\s+(?P<unit>[a-z]+(?: [a-z]+){0,2}) of ")
_TRAIL = re.compile(r"(?:[\s,-]+[a-z][a-z'.,()/\s-]*)?")
_NUMBERISH = {*_UNITS, *_TENS, *_MULT, *(w + "s" for w in _MULT), *_SUFFIX_SCALE, "half", "halves"}
_NUMBERISH |= {"third", "thirds", "quarter", "quarters", "fifth", "fifths", "tenth", "tenths"}
_NUMBERISH |= {"couple", "few", "several", "handful", "percent", "cent", "out", "times"}
_CONNECTIVE = {"or", "and", "to", "plus", "minus", "through", "until", "till", "each"}
_CONNECTIVE |= {"more", "fewer", "less", "additional", "extra"}


_DOT_GROUPS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")


def ambiguous_dots(number: str) -> str | None:
    """Why ``number`` cannot be read (``"12.000"``: thousands or a decimal?), or None if it can.

    A dot between groups of three digits, with no other mark, is a thousands
    separator in much of Europe and a decimal point in English. The message
    says what to write for each reading.
    """
    if not _DOT_GROUPS.fullmatch(number):
        return None
    plain = number.replace(".", "")
    comma = number.replace(".", ",")
    why = (
        f"{number!r} is ambiguous: a dot between groups of three digits is a thousands "
        "separator in much of Europe but a decimal point in English; "
        f"write {comma} (or {plain}) if it means thousands"
    )
    if number.count(".") > 1:
        return why
    decimal = number.rstrip("0").removesuffix(".")
    if _DOT_GROUPS.fullmatch(decimal):
        decimal += "0"
    return f"{why}, {decimal} if it is a decimal"


def _no_odd_digits(text: str) -> None:
    """Refuse superscripts, subscripts and fraction characters, which NFKC turns into digits."""
    for ch in text:
        if unicodedata.category(ch) == "No":
            raise _Fail(
                f"{ch!r} is not read as a number: write the number in plain digits "
                "(100, not 10²; 0.5, not ½)"
            )


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub("[\u2010-\u2015\u2212\ufe58\ufe63]", "-", s).replace("≥", ">=").replace("≤", "<=")
    s = " ".join(s.replace("\u2019", "'").split())
    return s[:-1].rstrip() if s.endswith(".") else s


def _read_number(s: str, pos: int) -> tuple[_Num, int] | None:
    """The number at ``s[pos:]`` (digits or words) and where it ends, or None."""
    if m := _DIGITS.match(s, pos):
        if not (m["word"] or m["sfx"]) and (why := ambiguous_dots(m["num"])):
            raise _Fail(why)
        v = float(m["num"].replace(",", "").replace(" ", ""))
        scale = _MULT.get(m["word"] or "") or _SUFFIX_SCALE.get(m["word"] or m["sfx"] or "")
        return _Num(v * (scale or 1), v, scale, scale is not None), m.end()
    m = _WORDS.match(s, pos)
    if not m or not (m["head"] or m["m1"] == "dozen") or m.end() == pos:
        return None
    head = m["head"] or "a"
    if head in ("a", "an", "half a", "half an") and not (m["m1"] or m["m2"]):
        return None
    if m["tail"] and m["m1"] != "hundred":
        return None
    bare = 0.5 if head.startswith("half") else 1.0 if head in ("a", "an") else _small(head)
    mults = [_MULT[x] for x in (m["m1"], m["m2"]) if x]
    value = bare * (mults[0] if m["m1"] else 1) + (_small(m["tail"]) if m["tail"] else 0)
    value *= _MULT[m["m2"]] if m["m2"] else 1
    scale = math.prod(mults) if mults and not m["tail"] else None
    return _Num(value, bare, scale, bool(mults)), m.end()


def _small(words: str) -> float:
    parts = re.split(r"[- ]", words)
    return float(sum(_TENS.get(p, _UNITS.get(p, 0)) for p in parts))


def _check_trailing(rest: str, *, allow: frozenset[str] = frozenset()) -> None:
    bad = [w for w in re.findall(r"[a-z]+", rest) if w in (_NUMBERISH | _CONNECTIVE) - allow]
    if not _TRAIL.fullmatch(rest) or bad:
        why = f" (the word {bad[0]!r} makes it ambiguous)" if bad else ""
        raise _Fail(f"cannot read {rest.strip()!r} after the number{why}")


def _vague(s: str, table: Mapping[str, tuple[float, float]], keys: list[str]) -> Figure | None:
    for key in keys:  # longest first
        if s == key or s.startswith(key + " "):
            _check_trailing(s[len(key) :])
            return Figure("range", low=table[key][0], high=table[key][1])
    return None


def _range(a: _Num, b: _Num) -> Figure:
    if a.scaled or b.scale is None:
        low = a.value
    elif a.value <= b.bare:
        low = a.value * b.scale  # "1.5-3 million": the scale word is shared
    elif a.value >= b.scale:
        low = a.value  # "1,500 to 3 thousand": the first is written out in full
    else:
        raise _Fail("the scale word after the second number may or may not apply to the first")
    if not low < b.value:
        raise _Fail(f"the low end {_fmt(low)} is not below the high end {_fmt(b.value)}")
    return Figure("range", low=low, high=b.value)


def _body(s: str) -> Figure:
    """A figure with any leading hedge or bound already removed from ``s``."""
    opener = re.match(r"(?:between|from) ", s)
    read = _read_number(s, opener.end() if opener else 0)
    if read is None:
        before = re.split(r"[\d.-]", s)[0].strip()
        if before and re.search(r"\d", s):
            raise _Fail(f"the words before the number ({before!r}) are not a known hedge or bound")
        if re.match(r"[\d.-]", s):
            raise _Fail("the number is not written in an accepted form")
        raise _Fail("no number (digits, number words) or known vague phrase found")
    a, pos = read
    sep = (_AND if opener and opener[0] == "between " else _TO).match(s, pos)
    if sep and (second := _read_number(s, sep.end())):
        b, end = second
        _check_trailing(s[end:])
        return _range(a, b)
    if opener:
        raise _Fail(f"'{opener[0].strip()}' must be followed by a range of two numbers")
    if m := _SUFFIX.match(s, pos):
        _check_trailing(s[m.end() :])
        kind = "point" if m["pt"] else "at_most" if m["le"] else "at_least"
        return Figure(kind, a.value)
    if (m := _PRODUCT.match(s, pos)) and not set(m["unit"].split()) & (_NUMBERISH | _CONNECTIVE):
        rest = s[m.end() :]
        while (p := _PREFIX.match(rest)) and _PREFIX_KIND[p["p"]] == "point":
            rest = rest[p.end() :]
        if (second := _read_number(rest, 0)) is not None:  # else "2,000 members of the guard"
            _check_trailing(rest[second[1] :], allow=frozenset({"each"}))
            return Figure("point", a.value * second[0].value)
    _check_trailing(s[pos:])
    return Figure("point", a.value)


def _merge(vague: Mapping[str, tuple[float, float]] | None) -> dict[str, tuple[float, float]]:
    table = dict(DEFAULT_VAGUE)
    for key, pair in (vague or {}).items():
        try:
            lo, hi = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise ClaimsError(
                f"vague phrase {key!r}: expected a (low, high) pair, got {pair!r}"
            ) from None
        if not isinstance(key, str) or not _normalise(key):
            raise ClaimsError(f"vague phrase {key!r}: expected a non-empty string")
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ClaimsError(f"vague phrase {key!r}: need finite low < high, got {pair!r}")
        table[_normalise(key)] = (lo, hi)
    return table


def _reader(vague: Mapping[str, tuple[float, float]] | None = None) -> Callable[[str], Figure]:
    """`parse_figure` with the vague table merged once, for reading many figures."""
    table = _merge(vague)
    keys = sorted(table, key=len, reverse=True)

    def read(text: str) -> Figure:
        if not isinstance(text, str) or not _normalise(text):
            raise ClaimsError(
                f"cannot read the figure {quote(text)}: expected non-empty text; {ACCEPTED}"
            )
        try:
            _no_odd_digits(text)
            return _parse(_normalise(text), table, keys)
        except _Fail as e:
            raise ClaimsError(f"cannot read the figure {quote(text)}: {e}; {ACCEPTED}") from None

    return read


def _parse(s: str, table: Mapping[str, tuple[float, float]], keys: list[str]) -> Figure:
    if found := _vague(s, table, keys):
        return found
    bound = None
    while p := _PREFIX.match(s):
        kind = _PREFIX_KIND[p["p"]]
        if kind != "point" and bound is not None:
            raise _Fail("it has two bounds")
        bound = kind if kind != "point" else bound
        s = s[p.end() :]
    fig = _vague(s, table, keys) or _body(s)
    if bound is None:
        return fig
    if fig.kind != "point":
        raise _Fail(
            "it has two bounds" if fig.kind != "range" else "a bound cannot apply to a range"
        )
    return Figure(bound, fig.value)


def parse_figure(text: str, *, vague: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """Read a figure as written in a report ("at least 3,000", "several thousand").

    Parameters
    ----------
    text
        The figure as written; see the module docstring for the forms read.
    vague
        Phrases to add to, or override in, ``DEFAULT_VAGUE``: ``{phrase: (low, high)}``.

    Returns
    -------
    Figure
        Kind ``point``, ``at_least``, ``at_most`` (with ``value``) or ``range``
        (with ``low`` < ``high``), in natural units (troops, not thousands).

    Raises
    ------
    ClaimsError
        If the text cannot be read without guessing; the message quotes it
        (its first 80 characters), says why and lists the accepted forms.
    """
    return _reader(vague)(text)


def _fmt(v: float) -> str:
    """``v`` with comma thousands separators, exactly as float reads it back.

    A decimal that looks like dot thousands (``12.345``) gets a trailing zero
    (``12.3450``) so that `parse_figure` reads it back rather than refusing it.
    """
    if float(v).is_integer():
        return f"{int(v):,}"
    text = f"{Decimal(repr(float(v))):,f}"
    return text + "0" if ambiguous_dots(text) else text


def format_figure(fig: Figure) -> str:
    """Canonical text for a figure, which ``parse_figure`` reads back to the same Figure.

    Parameters
    ----------
    fig
        The figure.

    Returns
    -------
    str
        ``"12,000"``, ``"at least 3,000"``, ``"at most 12,000"`` or ``"between 1,500 and 3,000"``.
    """
    if fig.kind == "range":
        return f"between {_fmt(fig.low)} and {_fmt(fig.high)}"  # type: ignore[arg-type]
    prefix = {"point": "", "at_least": "at least ", "at_most": "at most "}[fig.kind]
    return prefix + _fmt(fig.value)  # type: ignore[arg-type]
