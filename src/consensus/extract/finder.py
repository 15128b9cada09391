"""Figures in running text: sentences, figure phrases, numbers that are not figures, counted nouns.

A *figure phrase* is what `consensus.parse_figure` reads: a number in digits or
words with any hedge or bound in front ("some 2,000", "at least 3,000", "up to
10,000"), a range ("between 1,500 and 3,000", "1,500-3,000"), a bound after it
("3,000 or more"), a product ending in "each"/"apiece" ("two brigades of 6,000
personnel each") or a vague phrase with a scale ("several thousand",
"tens of thousands"). Each phrase found is read by `parse_figure`; what it cannot
read is tried again without the range or suffix, then as the bare number.

Numbers that are not figures are skipped, each with a reason (`Skipped`):
``year``, ``date`` (next to a month name, ordinals, 10/24), ``time`` (9 a.m.),
``age`` (45-year-old, aged 45), ``duration`` (32 months, a 10-day truce),
``money`` ($5 million, 5 million euros), ``percent`` (unless asked for),
``multiplier`` (three times, twofold), ``fraction`` (two-thirds), ``label``
(Flight 17, F-16, Resolution 2231), ``conversion`` (a figure in brackets
after a measurement: "50 meters (164 feet)"), ``measurement`` (a length, mass
or volume that is not an amount of something: "40 km from the border"; "50
meters of toilet paper" is kept, with the unit in its quantity) and ``one``
("one of", "a": single things are not figures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ClaimsError
from ..figures import _PREFIX_KIND, DEFAULT_VAGUE, Figure, parse_figure
from .dates import MONTHS, WEEKDAYS

_ABBREV = set(
    "mr mrs ms dr prof gen lt col maj capt sgt adm sen rep gov st jr sr no vs etc approx "
    "jan feb mar apr jun jul aug sep sept oct nov dec inc corp ltd co u.s u.k u.n e.g i.e "
    "a.m p.m".split()
)

_NW = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion|dozen"
)
_WORDNUM = (
    r"(?:(?:a|an|half\s+an?)\s+(?=(?:hundred|thousand|million|billion|dozen)\b))?"
    rf"\b(?:{_NW})\b(?:(?:\s+and\s+|[\s-])(?:{_NW})\b)*"
)
_SCALE = r"(?:\s*(?:hundred|thousand|million|billion|dozen|bn|mn|mln)\b|(?:k|m|bn)\b)?"
_DIGNUM = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,])|\d+(?:\.\d+)?"
)
_CORE = rf"(?:(?<![\w.,/:-])(?:{_DIGNUM})(?![\d:/]\d|\d){_SCALE}(?!\w)|{_WORDNUM})"
_CORE2 = rf"(?:(?:{_DIGNUM})(?![\d:/]\d|\d){_SCALE}(?!\w)|{_WORDNUM})"
_PFX = "|".join(
    (rf"\b{re.escape(p)}\s+" if p[0].isalpha() else rf"{re.escape(p)}\s*")
    for p in sorted(_PREFIX_KIND, key=len, reverse=True)
)
_SFX = (
    r"\s*\+|-plus\b|\s+plus\b|\s+or\s+(?:more|over|above|greater|fewer|less|under|below|so|"
    r"thereabouts)\b"
)
_FIG = re.compile(
    rf"(?P<pfx>(?:{_PFX})*)(?P<from>(?:between|from)\s+)?(?P<c>{_CORE})"
    rf"(?:(?:\s+and\s+|\s*[-–—]\s*|\s+to\s+)(?P<d>{_CORE2}))?(?P<sfx>{_SFX})?",
    re.I,
)
_PRODUCT = re.compile(
    rf"(?P<pfx>(?:{_PFX})*)(?P<c>{_CORE})\s+[a-z-]+(?:\s+[a-z-]+){{0,2}}?\s+of\s+"
    rf"(?:(?:{_PFX})*)(?P<d>{_CORE2})(?P<noun>(?:\s+[a-z-]+){{0,2}}?)\s+(?:each|apiece)\b",
    re.I,
)
_VAGUE_KEYS = [k for k in DEFAULT_VAGUE if re.search(r"dozen|hundred|thousand|million|tens", k)]
_VAGUE = re.compile(
    rf"(?P<pfx>(?:{_PFX})*)\b(?P<c>{'|'.join(sorted(map(re.escape, _VAGUE_KEYS), key=len, reverse=True))})\b",
    re.I,
)

_LENGTH = (
    r"km|kms|kilomet(?:er|re)s?|miles?|mi|nautical\s+miles|met(?:er|re)s?|feet|foot|ft|yards?|"
    r"inches|inch|cm|mm|centimet(?:er|re)s?|millimet(?:er|re)s?"
)
_OTHER_UNIT = (
    r"metric\s+tons|tonnes?|tons?|kg|kilograms?|grams?|g|ounces?|oz|pounds|lbs?|litres?|liters?|"
    r"gallons?|barrels?|cubic\s+met(?:er|re)s?|square\s+(?:kilomet(?:er|re)s|miles|met(?:er|re)s)|"
    r"sq\s+km|hectares?|acres?|megawatts?|MW|gigawatts?|GW|kWh|calories"
)
_UNIT = re.compile(
    rf"^\s*-?\s*(?P<u>{_LENGTH}|{_OTHER_UNIT})\b(?:\s*\([^()]*\))?(?P<of>\s+of\s+)?", re.I
)
_SKIP_AFTER = [
    (
        "percent",
        re.compile(r"^\s*(?:%|percent\b|per\s*cent\b|(?:percentage\s+)?points?\b|pct\b)", re.I),
    ),
    ("age", re.compile(r"^[\s-]*(?:years?|months?)[\s-]*old\b", re.I)),
    (
        "duration",
        re.compile(
            r"^\s*-?\s*(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|"
            r"centuries|century)\b",
            re.I,
        ),
    ),
    (
        "money",
        re.compile(
            r"^\s*(?:dollars?|euros?|pounds?(?!\s+of\b)|yen|won|yuan|renminbi|rubles?|roubles?|"
            r"hryvnias?|rupees?|francs?|USD|EUR|GBP|RUB|UAH)\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(r"^\s*(?:a\.?m\.?|p\.?m\.?|o['’]clock|GMT|UTC|ET|EST|EDT|BST|CET)(?!\w)", re.I),
    ),
    ("multiplier", re.compile(r"^\s*(?:times\b|-?fold\b)", re.I)),
    ("fraction", re.compile(r"^[\s-]*(?:thirds?|halves|quarters?|fifths?|tenths?)\b", re.I)),
    ("date", re.compile(rf"^\s*(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b|^/\d", re.I)),
]
_SKIP_BEFORE = [
    ("money", re.compile(r"(?:[$€£¥₩₽₹]|US\$|USD|EUR|GBP|Rs\.?)\s*$")),
    ("age", re.compile(r"\b(?:aged?|ages)\s*$", re.I)),
    ("date", re.compile(rf"\b(?:{MONTHS})\.?\s*$")),
    (
        "label",
        re.compile(
            r"(?:#|\bNo\.?|\b(?:Number|Resolution|Article|Section|Chapter|Flight|Unit|Route|Highway|"
            r"Brigade|Division|Regiment|Battalion|Corps|Page|Room|Gate|Phase|Stage|Protocol|Model|"
            r"Type|Block|Version|Group|Camp|Building|District|Zone|Sector|Grade|Class|Category|"
            r"Level|Minsk|Sputnik|Apollo|Covid|COVID|G))\s*$"
        ),
    ),
]
_BACKREF = re.compile(
    r"(?:\b(?:the|these|those|its|their|his|her|our)\s+"
    r"|\b(?:the|this|that|a)\s+(?:figure|number|estimate|total|tally|count)\s+of\s+)$",
    re.I,
)
_CHANGE = re.compile(
    r"\b(?:rose|risen|rise|rising|increased?|increasing|grew|grown|jumped|climbed|fell|fallen|"
    r"dropped|declined?|decreased?|went|soared|surged|doubled|halved|cut|reduced|up|down)\s+$",
    re.I,
)

_STOP = set(
    "a an the this that these those its their his her our your who whom whose which where when "
    "while what and or but nor as than then so if because although though whether of in on at "
    "to from for with by into onto over under after before since during across along around "
    "near towards toward through throughout against among between via per each apiece "
    "less is are was were be been being am has have had having will would shall should can "
    "could may might must do does did not no also already still now currently reportedly "
    "allegedly recently previously mostly mainly largely likely possibly probably apparently "
    "initially eventually just only even about there here it they he she we you i said says "
    "say told reported according including included include includes".split()
)
_INVARIABLE = set(
    "people personnel staff police troops infantry crew civilians children men women "
    "cattle livestock dead wounded injured missing killed fatalities casualties".split()
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: its text and where it lies in the article."""

    start: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Found:
    """A figure found in a sentence (offsets within the sentence)."""

    start: int
    end: int
    text: str
    figure: Figure
    form: str  # point, bound, range, vague, product, amount
    noun: str  # the counted noun phrase as written ('' if none follows)
    unit: str  # measurement unit of an amount ("meters" in "50 meters of toilet paper")
    backref: bool  # "the 2,000 soldiers", "the figure of 12,000": may point back


@dataclass(frozen=True)
class Skipped:
    """A number that is not a figure, and why."""

    start: int
    end: int
    text: str
    reason: str


def sentences(text: str) -> list[Sentence]:
    """Split an article into sentences (paragraph = a run of text between line breaks)."""
    out: list[Sentence] = []
    for p, para in enumerate(re.finditer(r"[^\n]+", text)):
        start = para.start()
        s = para.group()
        cut = 0
        for m in re.finditer(r"[.!?][”\"’')\]]*\s+(?=[“\"‘'(]?[A-Z0-9])", s):
            word = re.search(r"([\w.]+)[.!?][”\"’')\]]*\s+$", s[: m.end()])
            w = word.group(1).lower() if word else ""
            if w in _ABBREV or re.fullmatch(r"[a-z]", w) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", w):
                continue
            if s[cut : m.end()].strip():
                out.append(Sentence(start + cut, s[cut : m.end()].rstrip(), p))
            cut = m.end()
        if s[cut:].strip():
            out.append(Sentence(start + cut, s[cut:].rstrip(), p))
    return out


def _parse(s: str, spans: list[tuple[int, int]], vague: Any) -> tuple[int, int, Figure] | None:
    for start, end in spans:
        try:
            return start, end, parse_figure(s[start:end], vague=vague)
        except ClaimsError:
            continue
    return None


def counted_noun(after: str) -> str:
    """The counted noun phrase at the start of ``after`` ("North Korean soldiers had ..." -> "North Korean soldiers")."""
    words: list[str] = []
    after = re.sub(r"^(?:more|additional|extra|other|new)\s+", "", after)
    for m in re.finditer(r"[A-Za-z][\w’'.-]*|\S", after[:100]):
        w = m.group().rstrip(".")
        lw = w.lower()
        if not w[:1].isalpha() or lw in _STOP or len(words) == 5:
            break
        nxt = re.match(r"\s+([a-z]+)", after[m.end() :])
        if (
            w[0].islower()
            and words
            and (
                lw.endswith("ed")
                or (nxt and nxt.group(1) in ("the", "a", "an", "its", "their", "his", "her"))
            )
        ):
            break  # a verb: "troops completed", "grain left the port"
        words.append(w)
        plural = (
            lw.endswith("s") and not lw.endswith(("ss", "us", "is", "'s", "’s")) and len(lw) > 3
        )
        nxt = re.match(r"\s+([a-z]+)", after[m.end() :])
        if plural or (lw in _INVARIABLE and not (nxt and nxt.group(1) not in _STOP)):
            break
    while (
        words
        and words[-1][0].islower()
        and words[-1].lower().endswith(("ed", "ing"))
        and (words[-1].lower() not in _INVARIABLE)
    ):
        words.pop()
    return " ".join(words)


def _skip_reason(
    s: str, start: int, end: int, core: str, bare: bool, fig: Figure, percentages: bool
) -> str | None:
    """Why the number at ``s[start:end]`` is not a figure, or None. ``bare``: no hedge, bound or range."""
    before, after, text = s[:start], s[end:], s[start:end]
    if bare and re.fullmatch(r"\d{4}", core) and 1800 <= int(core) <= 2100:
        noun = counted_noun(after)
        if not noun.lower().endswith("s") or noun[0].isupper():
            return "year"
    if fig.kind != "range" and fig.value == 1 and not re.search(r"\d", text):
        return "one"
    for reason, pattern in _SKIP_AFTER:
        if not (reason == "percent" and percentages) and pattern.search(after):
            return reason
    for reason, pattern in _SKIP_BEFORE:
        if pattern.search(before):
            return reason
    if re.search(r"\d[^()]*\(\s*$", before[-40:]):
        return "conversion"
    if bare and re.search(r"[A-Za-z]-?$", before):
        return "label"
    word = re.search(
        r"(?:(?<=[\w,;]\s)|(?<=\())([A-Z][a-z]+)\s+$", before
    )  # "(Bridge 7)", not "On Monday 300"
    if bare and word and not re.fullmatch(WEEKDAYS, word.group(1)):
        return "label"
    return None


def find_figures(
    sentence: str, *, percentages: bool = False, vague: Any = None
) -> tuple[list[Found], list[Skipped]]:
    """Figure phrases in one sentence, and the numbers skipped with the reason.

    Parameters
    ----------
    sentence
        The text.
    percentages
        Keep percentages ("45%", "45 percent") as figures (read as the number 45).
    vague
        Extra vague phrases for `parse_figure`.

    Returns
    -------
    (list of Found, list of Skipped)
        In order of position; offsets within the sentence.
    """
    s = sentence
    matches = [*_PRODUCT.finditer(s), *_VAGUE.finditer(s), *_FIG.finditer(s)]
    matches = [m for m in matches if m["c"]]
    matches.sort(key=lambda m: (m.start("c"), -(m.end() - m.start())))
    found: list[Found] = []
    skipped: list[Skipped] = []
    taken = -1
    for m in matches:
        if m.start("c") < taken:
            continue
        c0, c1 = m.start("c"), m.end("c")
        spans = [(m.start(), m.end())]
        if m.re is _FIG and m["d"] and _CHANGE.search(s[: m.start("from" if m["from"] else "c")]):
            spans = [(m.start("d"), m.end("d"))]  # "rose from 3,000 to 5,000": the new level
        elif m.re is _FIG and (m["d"] or m["sfx"]) and not m["from"]:
            spans.append((m.start(), c1))
        spans.append((c0, c1))
        parsed = _parse(s, spans, vague)
        if parsed is None:
            continue
        start, end, fig = parsed
        taken = end
        d0 = m.start("d") if "d" in m.re.groupindex else -1
        bare = start == c0 and end == c1 or start == d0
        text = s[start:end]
        core = m["d"] if start == d0 else m["c"]
        reason = _skip_reason(s, start, end, core, bare, fig, percentages)
        if reason:
            skipped.append(Skipped(start, end, text, reason))
            continue
        unit = ""
        if m.re is _PRODUCT and end == m.end():
            noun, form = (m["noun"] or "").strip(), "product"
        else:
            form = (
                "vague"
                if m.re is _VAGUE
                else {"point": "point", "range": "range"}.get(fig.kind, "bound")
            )
            after = re.sub(r"^-strong\b", "", s[end:])
            if re.match(r"\s+of\s", after):  # "thousands of (metric tons of) munitions"
                after = re.sub(r"^\s+of\s+(?:the\s+)?", " ", after)
            if u := _UNIT.match(after):
                if not u["of"]:
                    skipped.append(Skipped(start, end, text, "measurement"))
                    continue
                unit, form, after = " ".join(u["u"].split()), "amount", after[u.end() :]
            noun = counted_noun(after.lstrip())
        backref = bool(_BACKREF.search(s[:start]))
        if backref and not re.search(r"\d", text) and (fig.value or 10) < 10:
            skipped.append(Skipped(start, end, text, "reference"))  # "the two countries"
            continue
        found.append(Found(start, end, text, fig, form, noun, unit, backref))
    return found, skipped
