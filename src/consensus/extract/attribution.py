"""Attribution frames: who says a figure, whom they cite, and on which day.

A *frame* is a place in a sentence where someone is said to speak:

* ``subject_verb``: "X said / told reporters / reported / estimated / noted /
  confirmed / claimed / informed ... (that)", with the subject read back from the
  verb to the clause start, auxiliaries and adverbs dropped, and an apposition
  kept ("John Kirby, spokesperson for the NSC, said");
* ``inverted``: "..., said X" / "reported X, citing Y";
* ``according_to``: "according to X";
* ``passive_by``: "as reported by X", "indicated by X";
* ``told_outlet``: "X told Kyodo": Kyodo published it, citing X.

"citing Y" anywhere in the sentence sets the frame's ``cites``. A frame whose
subject is a pronoun or a bare description ("he", "it", "the agency") is an
*anaphor*, resolved by the caller to an earlier frame of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import STATEMENT_DATE

VERBS = (
    "said|says|say|stated|states|told|tells|reported|reports|estimated|estimates|estimate|"
    "indicated|indicates|noted|notes|mentioned|confirmed|confirms|claimed|claims|announced|"
    "announces|revealed|reveals|added|adds|warned|believes|believe|assessed|assesses|informed|"
    "wrote|writes|disclosed|alleged|alleges|briefed|acknowledged|admitted|declared|testified|"
    "counted|tallied|projected|predicted|forecast|remarked|explained|insisted|asserted|"
    "suggested|speaks|spoke|put|puts"
)
_VERB = re.compile(rf"\b(?:{VERBS})\b")
#: verbs that are also nouns ("separate claims", "the estimates"): need a subject-like word before
_AMBIGUOUS = set("reports estimates estimate claims notes states put puts".split())
_PASSIVE = re.compile(
    r"\b(?:as\s+)?(?:reported|stated|announced|estimated|indicated|cited|confirmed|noted|"
    r"disclosed|published|released)\s+by\s+"
)
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.I)
_INVERTED = re.compile(
    r"(?:^|[,“”\"]\s*)(?P<v>said|reported|told|added|wrote|noted|estimated)\s+"
    r"(?P<np>(?:the\s+)?[A-Z][^,.;“”\"]*?)(?=\s*(?:[,.;“”\"]|$|\s(?:on|in|at|last|this|that|citing)\s))"
)
_CITING = re.compile(
    r"\bciting\s+(?P<np>[^,.;“”\"]+?)(?=\s*(?:[,.;“”\"]|$|\s(?:that|as|on)\s))", re.I
)
_NP_AFTER = re.compile(r"[^,.;:“”\"()]+?(?=\s*(?:[,.;:“”\"()]|$|\s(?:that|who|which|on|in|at)\s))")
_AUX_TAIL = re.compile(
    r"(?:\s+(?:has|have|had|was|were|is|are|also|previously|recently|earlier|reportedly|later|"
    r"then|now|again|further|separately|publicly|officially|would|will|first|already|initially|"
    r"repeatedly|since|once|\w+ly))+\s*$",
    re.I,
)
_PRONOUN = re.compile(r"^(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Ww]e)$")
_DESCRIPTION = re.compile(
    r"^(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:[a-z-]+\s+){0,3}(?P<head>agency|ministry|service|council|department|"
    r"office|institute|spokes\w+|officials?|president|minister|leader|government|military|army|"
    r"sources?|directorate|organi[sz]ation|group|committee|commission|report|statement)$"
)
_STOP_TAIL = set(
    "a an the of in on at to from for with by and or but that which who as than this these "
    "those its their his her our".split()
)
_OUTLET_WORDS = re.compile(r"\b(?:News|Times|Post|Journal|Agency|Television|TV|Radio|Press)\b")


@dataclass
class Frame:
    """One attribution in a sentence (offsets within the sentence)."""

    start: int  # where the frame's verb (or cue) starts
    end: int  # where it ends
    subject: str
    rule: str
    cites: str = ""
    date_expr: str = ""
    anaphor: bool = field(default=False)


def _valid_subject(subject: str) -> bool:
    words = subject.split()
    if not words or len(words) > 16:
        return False
    if re.search(r"\d[\d,.]{2,}|\b(?:figure|number|total|estimate)s?\b", subject, re.I):
        return False  # "the figure of 12,000 reported": a figure, not a speaker
    last = words[-1].lower().strip("’'")
    if last in _STOP_TAIL or (words[-1][0].islower() and last.endswith(("ed", "ing"))):
        return False
    return any(w[0].isupper() for w in words) or bool(
        _PRONOUN.match(subject) or re.match(r"the\s", subject) or last.endswith("s")
    )


def _subject_before(pre: str) -> tuple[str, str]:
    """The subject at the end of ``pre`` (text before the verb), and a 'citing' apposition's name."""
    pre = re.split(r"[“”\"]|(?<=[a-z]{2}[.;:])\s|(?<=[;:])\s|\bthat\s", pre)[-1]
    pre = _AUX_TAIL.sub("", pre)
    segments = pre.split(",")
    cites = ""
    if pre.rstrip().endswith(",") and len(segments) >= 3:
        name, appos = segments[-3].strip(), segments[-2].strip()
        if m := re.match(r"citing\s+(.+)", appos, re.I):
            return name, m.group(1)
        return f"{name}, {appos}" if name else appos, cites
    lead = r"^(?:and|but|while|as|so|later|earlier|meanwhile|separately|also|however|then|now)\s+"
    subject = segments[-1].strip()
    while re.match(lead, subject, re.I):
        subject = re.sub(lead, "", subject, flags=re.I)
    return subject, cites


def _date_in(text: str) -> str:
    found = list(STATEMENT_DATE.finditer(text))
    return found[-1].group() if found else ""


def frames(s: str) -> list[Frame]:
    """The attribution frames of sentence ``s``, in order of position."""
    out: list[Frame] = []
    used: list[tuple[int, int]] = []

    def add(frame: Frame) -> None:
        frame.anaphor = bool(_PRONOUN.match(frame.subject) or _DESCRIPTION.match(frame.subject))
        out.append(frame)
        used.append((frame.start, frame.end))

    for cue, rule in ((_ACCORDING, "according_to"), (_PASSIVE, "passive_by")):
        for m in cue.finditer(s):
            if np := _NP_AFTER.match(s, m.end()):
                tail = s[np.end() : np.end() + 40]
                add(Frame(m.start(), m.end(), np.group().strip(), rule, date_expr=_date_in(tail)))
    for m in _INVERTED.finditer(s):
        subject = m["np"].strip()
        if _valid_subject(subject) and not _VERB.search(subject):
            tail = s[m.end("np") : m.end("np") + 40]
            add(Frame(m.start("v"), m.end("v"), subject, "inverted", date_expr=_date_in(tail)))
    for m in _VERB.finditer(s):
        if any(a <= m.start() < b for a, b in used):
            continue
        pre = s[: m.start()]
        if m.group() in _AMBIGUOUS:
            prev = re.search(r"(\S+)\s*$", pre)
            w = prev.group(1) if prev else ""
            if not (w[:1].isupper() or w.lower() in ("he", "she", "it", "they") or w.endswith("s")):
                continue
        subject, cites = _subject_before(pre)
        if not _valid_subject(subject):
            continue
        rule = "subject_verb"
        after = s[m.end() :]
        if m.group() == "told" and (obj := re.match(r"\s+((?:[A-Z][\w’'.-]*\s?)+)", after)):
            if _OUTLET_WORDS.search(obj.group(1)) or obj.group(1).strip() in (
                "Kyodo",
                "Reuters",
                "Yonhap",
            ):
                cites, subject, rule = subject, obj.group(1).strip(), "told_outlet"
        window = re.split(r"\bthat\b|,|[“”\"]", after, maxsplit=1)[0][:30]
        date_expr = _date_in(window) or _date_in(pre)
        add(Frame(m.start(), m.end(), subject, rule, cites=cites, date_expr=date_expr))
    out.sort(key=lambda f: f.start)
    for c in _CITING.finditer(s):
        near = [f for f in out if not f.cites and c.group("np") not in f.subject]
        if near:
            min(near, key=lambda f: abs(f.start - c.start())).cites = c["np"].strip()
    return out


_CLAUSE_BREAK = re.compile(r";|,\s+(?:and|but|while|whereas)\b|\bwhile\b|\bwhereas\b")


def governing(frames_: list[Frame], s: str, pos: int) -> Frame | None:
    """The frame that attributes a figure at ``pos``: the outermost one before it within its
    clause ("X said Y believes 3,000": X), else the nearest one before it, else the first after."""
    before = [f for f in frames_ if f.end <= pos]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(s, 0, pos)]
    clause = [f for f in before if f.start >= (breaks[-1] if breaks else 0)]
    if clause or before:
        return clause[0] if clause else before[-1]
    after = [f for f in frames_ if f.start >= pos]
    return after[0] if after else None
