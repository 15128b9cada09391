"""Dates in article text: when a statement was made, and the date a projection refers to.

Every expression is resolved by `dateparser` against the publication date; this
module only finds the expressions and chooses the reference point:

* weekday names ("on Thursday") mean the latest such day up to and including the
  publication day, so they are parsed against the end of that day (dateparser's
  ``PREFER_DATES_FROM="past"`` alone would move "Thursday" in a Thursday paper a
  week back);
* everything else ("yesterday", "last week", "on the 23rd", "October 23") is
  parsed against the publication day itself;
* "by year end", "by the end of the year" become 31 December; "by December" the
  first of the month and "by the end of December" its last day (a later date
  than the statement: a projection, the claims table's ``as_of``).
"""

from __future__ import annotations

import datetime as dt
import re

import dateparser

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"

#: a date a statement is made on, as found in an attribution clause
STATEMENT_DATE = re.compile(
    rf"\b(?:(?:last|this)\s+)?(?P<wd>{WEEKDAYS})\b"
    rf"|\b(?:yesterday|today)\b"
    rf"|\bthe\s+\d{{1,2}}(?:st|nd|rd|th)\b"
    rf"|\b(?:{MONTHS})\.?\s+{_ORD}\b(?:,?\s+\d{{4}}\b)?"
    rf"|\b{_ORD}\s+(?:{MONTHS})\b(?:\s+\d{{4}}\b)?"
    rf"|\blast\s+(?:week|month)\b"
    rf"|\b(?:\w+|\d+)\s+days?\s+ago\b",
    re.I,
)

#: "by <date>" after a figure: the date the figure refers to
BY_DATE = re.compile(
    r"\bby\s+(?:the\s+)?(?:"
    r"(?P<ye>year[-\s]?end|year['’]s\s+end|end\s+of\s+(?:the\s+)?year|end\s+of\s+(?P<y>\d{4}))"
    rf"|end\s+of\s+(?P<em>(?:{MONTHS})(?:\s+\d{{4}})?)"
    rf"|(?P<m>(?:{MONTHS})(?:\s+\d{{4}})?)"
    r")\b",
    re.I,
)


def _parse(expr: str, base: dt.datetime, **settings: object) -> dt.date | None:
    got = dateparser.parse(expr, languages=["en"], settings={"RELATIVE_BASE": base, **settings})
    return got.date() if got else None


def statement_date(expr: str, published: dt.date) -> dt.date | None:
    """The date a statement-date expression ("on Thursday", "the 23rd") refers to."""
    expr = re.sub(r"^(?:on|earlier)\s+", "", expr.strip(), flags=re.I)
    base = dt.datetime.combine(published, dt.time())
    if re.search(WEEKDAYS, expr, re.I) and not re.match(r"last\b", expr, re.I):
        base += dt.timedelta(days=1)  # the end of the publication day: see the module docstring
        expr = re.sub(r"^this\s+", "", expr, flags=re.I)
    if m := re.fullmatch(r"the\s+(\d{1,2})(?:st|nd|rd|th)", expr, re.I):
        # "the 9th": of the publication month, or of the month before if that day is still to come
        for month in ("this month", "last month"):
            within = _parse(month, base)
            found = within and _parse(f"{m.group(1)} {within:%B %Y}", base)
            if found and found <= published:
                return found
        return None
    found = _parse(expr, base, PREFER_DATES_FROM="past")
    return found if found is not None and found <= published else None


def by_date(match: re.Match[str], published: dt.date) -> dt.date | None:
    """The date a ``BY_DATE`` match refers to (None when it cannot be read)."""
    base = dt.datetime.combine(published, dt.time())
    if match["ye"]:
        year = match["y"] or str(published.year)
        return _parse(f"December 31 {year}", base)
    if match["em"]:
        return _parse(match["em"], base, PREFER_DATES_FROM="future", PREFER_DAY_OF_MONTH="last")
    return _parse(match["m"], base, PREFER_DATES_FROM="future", PREFER_DAY_OF_MONTH="first")
