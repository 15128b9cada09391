"""Who speaks: names as written in articles, reduced to one name per origin.

`canonical_origin` turns a subject phrase ("Kyrylo Budanov, head of Ukraine's
military intelligence", "Russian President Vladimir Putin", "the Defense
Intelligence of Ukraine") into an origin name:

1. a leading article ("the") and surrounding punctuation go;
2. someone who speaks *for* an organisation (a spokesperson, head, chief,
   director, representative or official of it) is that organisation:
   "NAME, spokesperson for ORG", "ORG spokesperson NAME", "head of ORG";
3. a person with a title ("Russian President Vladimir Putin") is the person;
4. the result is looked up in the alias table (the user's ``aliases`` first,
   then `BUILTIN_ALIASES`): a key equal to the name, or contained in it as whole
   words (the longest such key wins), gives its canonical name;
5. anything else passes through as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

#: A small table of agencies and news organisations that recur in reporting on
#: conflicts and security, with the names English-language reports use for them.
#: "Ukrainian intelligence" is listed under the defence ministry's directorate
#: (HUR) because that is what English-language reports almost always mean by it;
#: the security service is called the SBU. Extend or override it with ``aliases=``.
BUILTIN_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Ukraine military intelligence": (
            "Ukraine's military intelligence",
            "Ukrainian military intelligence",
            "Ukrainian intelligence",
            "Ukraine's intelligence",
            "Ukraine's defense intelligence",
            "Ukraine's defence intelligence",
            "Defense Intelligence of Ukraine",
            "Defence Intelligence of Ukraine",
            "Main Directorate of Intelligence",
            "Main Intelligence Directorate",
            "HUR",
            "GUR",
        ),
        "Security Service of Ukraine": ("SBU", "Ukraine's security service"),
        "South Korea National Intelligence Service": (
            "National Intelligence Service",
            "South Korea's spy agency",
            "South Korean spy agency",
            "South Korea's intelligence agency",
            "South Korean intelligence",
            "NIS",
        ),
        "US National Security Council": ("National Security Council", "NSC"),
        "US Department of Defense": (
            "Pentagon",
            "US Department of Defense",
            "US Defense Department",
        ),
        "US Central Intelligence Agency": ("CIA", "Central Intelligence Agency"),
        "Russian Ministry of Defence": (
            "Russian Defense Ministry",
            "Russian Defence Ministry",
            "Russia's Defense Ministry",
            "Russia's Defence Ministry",
            "Russian Ministry of Defense",
        ),
        "UK Ministry of Defence": ("British Ministry of Defence", "UK Defence Ministry"),
        "Institute for the Study of War": ("ISW",),
        "United Nations": ("UN", "U.N."),
        "UN High Commissioner for Refugees": ("UNHCR", "UN refugee agency"),
        "World Health Organization": ("WHO",),
        "NATO": ("North Atlantic Treaty Organization",),
        "Kyodo News": ("Kyodo",),
        "Yonhap": ("Yonhap News Agency",),
        "Reuters": (),
        "Associated Press": ("AP",),
        "Agence France-Presse": ("AFP",),
        "TASS": (),
        "Interfax": (),
        "Xinhua": (),
    }
)

#: titles of people who speak for an organisation rather than for themselves
SPEAKS_FOR = (
    r"(?:deputy\s+|chief\s+|senior\s+|press\s+)?"
    r"(?:spokes(?:person|man|woman)|press\s+secretary|head|chief|director|representative|officials?)"
)
#: words that make a phrase a person's title ("Russian President Vladimir Putin")
_PERSON_TITLES = set(
    "president minister secretary chancellor general gen gen. colonel col. lt. lieutenant "
    "admiral adm. senator sen. rep. governor mayor ambassador commander leader king queen pope "
    "dr. mr. mrs. ms. prof. spokesperson spokesman spokeswoman advisor adviser envoy".split()
)
#: other words of a title, dropped with it ("Lithuanian Foreign Minister ...")
_TITLE_WORDS = _PERSON_TITLES | set(
    "foreign defense defence deputy vice chief head director state national security "
    "communications interior finance prime".split()
)
_NAME = r"[A-Z][\w'’.-]*"


def normalise(name: str) -> str:
    """Lower case, plain apostrophes, no dots in acronyms ("U.S." -> "us"), no leading "the"."""
    s = name.replace("’", "'").replace("‘", "'").lower()
    s = re.sub(r"\b([a-z])\.", r"\1", s)
    s = re.sub(r"[^\w' -]+", " ", s)
    s = re.sub(r"^(?:the|a|an)\s+", "", " ".join(s.split()))
    return s


def alias_table(aliases: Mapping[str, str | Sequence[str]] | None = None) -> dict[str, str]:
    """{normalised alias: canonical name}, the user's entries overriding the built-in ones."""
    table: dict[str, str] = {}
    for source in (BUILTIN_ALIASES, aliases or {}):
        for canonical, names in source.items():
            names = [names] if isinstance(names, str) else list(names)
            for name in [canonical, *names]:
                table[normalise(name)] = canonical
    return table


def _lookup(name: str, table: Mapping[str, str]) -> str | None:
    key = normalise(name)
    if key in table:
        return table[key]
    for alias in sorted(table, key=len, reverse=True):
        if re.search(rf"(?<![\w']){re.escape(alias)}(?![\w'])", key):
            return table[alias]
    return None


def _strip_title(name: str) -> str:
    """The person's name from "Russian President Vladimir Putin"; unchanged if no title word."""
    head = re.split(r"\s+(?:of|for)\s+", name)[0]  # "President Yoon Suk Yeol of South Korea"
    words = head.split()
    if not any(w.lower() in _PERSON_TITLES for w in words[:-1]):
        return name
    tail: list[str] = []
    for w in reversed(words):
        if w.lower() in _TITLE_WORDS or not w[0].isupper():
            break
        tail.insert(0, w)
    return " ".join(tail) if tail else name


def canonical_origin(
    name: str,
    aliases: Mapping[str, str | Sequence[str]] | None = None,
    *,
    table: Mapping[str, str] | None = None,
) -> str:
    """One name per origin for a subject phrase as written (see the module docstring).

    Parameters
    ----------
    name
        The phrase, e.g. ``"Budanov, head of Ukraine's military intelligence"``.
    aliases
        ``{canonical name: [alias, ...]}``, checked before `BUILTIN_ALIASES`.
    table
        A prepared `alias_table` (to skip rebuilding it per call).

    Returns
    -------
    str
        The canonical name, or the phrase itself (trimmed) when nothing applies.
    """
    table = table if table is not None else alias_table(aliases)
    s = " ".join(name.strip(" ,.;:\"“”'‘’").split())
    s = re.sub(r"^(?:the|a|an)\s+(?:\d+-year-old\s+)?", "", s, flags=re.I)
    if found := _lookup(s, table):
        return found
    # "NAME, spokesperson for ORG" / "head of ORG" / "ORG spokesperson NAME"
    if m := re.search(rf"(?:^|,\s*|\b){SPEAKS_FOR}\s+(?:of|for|at|from)\s+(?P<org>[^,]+)", s, re.I):
        return canonical_origin(m["org"], table=table)
    if m := re.match(rf"(?P<org>(?:{_NAME}\s+)+?){SPEAKS_FOR}\s+{_NAME}", s, re.I):
        org = m["org"].strip()
        if org[0].isupper():
            return canonical_origin(org, table=table)
    head = s.split(",")[0].strip()  # "NAME, a think tank based in ..." -> NAME
    person = _strip_title(head)
    return _lookup(person, table) or person
