"""Probabilities in words: the estimative-language scale of ICD 203.

US Intelligence Community Directive 203, *Analytic Standards* (2015), section
D.6.b.(2)(a), fixes seven expressions of likelihood and the probability band
each stands for:

=========================  ===========
expression                 probability
=========================  ===========
almost no chance           01-05 %
very unlikely              05-20 %
unlikely                   20-45 %
roughly even chance        45-55 %
likely                     55-80 %
very likely                80-95 %
almost certain(ly)         95-99 %
=========================  ===========

The directive asks that words and numbers go together; `estimative` returns
both ("very likely (87 %)"). The bands meet at their edges; here a probability
on an edge takes the band nearer to an even chance (0.80 is "likely", 0.20
"unlikely"), so that rounding never makes a statement sound surer than it is.
Probabilities below 1 % or above 99 % fall outside the directive's bands and
take the outermost expression; the number says how far out.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ICD203", "Band", "band", "estimative", "percent", "words"]


@dataclass(frozen=True)
class Band:
    """One expression of the ICD 203 scale and its probability band (fractions)."""

    words: str
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.words} ({self.low:.0%}-{self.high:.0%})"


#: The seven expressions of ICD 203 with their bands, from least to most likely.
ICD203: tuple[Band, ...] = (
    Band("almost no chance", 0.01, 0.05),
    Band("very unlikely", 0.05, 0.20),
    Band("unlikely", 0.20, 0.45),
    Band("roughly even chance", 0.45, 0.55),
    Band("likely", 0.55, 0.80),
    Band("very likely", 0.80, 0.95),
    Band("almost certain", 0.95, 0.99),
)


def band(p: float) -> Band:
    """The ICD 203 band a probability falls in (edges go to the band nearer 0.5).

    Raises `ValueError` for a number outside [0, 1] (or NaN).
    """
    if not 0.0 <= p <= 1.0:  # also catches NaN
        raise ValueError(f"a probability must lie in [0, 1], got {p!r}")
    if p <= 0.5:  # the first band whose upper edge lies above p
        return next(b for b in ICD203 if p < b.high)
    return next(b for b in reversed(ICD203) if p > b.low)  # the last whose lower edge lies below


def words(p: float) -> str:
    """The ICD 203 expression for probability ``p`` ("very likely")."""
    return band(p).words


def percent(p: float) -> str:
    """A probability as a percentage for reading: ``"87 %"``, ``"< 1 %"``, ``"> 99 %"``.

    Rounded to whole percent; probabilities that would round to 0 or 100 are
    shown as below 1 % or above 99 %, since a posterior from finitely many
    draws cannot establish certainty.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a probability must lie in [0, 1], got {p!r}")
    if p < 0.005:
        return "< 1 %"
    if p >= 0.995:
        return "> 99 %"
    return f"{100 * p:.0f} %"


def estimative(p: float) -> str:
    """Words and number together, as ICD 203 asks: ``estimative(0.87) == "very likely (87 %)"``.

    Examples
    --------
    >>> estimative(0.5)
    'roughly even chance (50 %)'
    >>> estimative(0.03)
    'almost no chance (3 %)'
    >>> estimative(1.0)
    'almost certain (> 99 %)'
    """
    return f"{words(p)} ({percent(p)})"
