"""Exceptions and warnings raised by consensus."""

from __future__ import annotations

from dataclasses import dataclass

#: A problem quotes at most this many characters of the offending value (then "...").
QUOTE_LIMIT = 80
#: A `ClaimsError` message lists at most this many problems and counts the rest;
#: its ``.problems`` keeps them all.
MAX_LISTED = 50
_MESSAGE_LIMIT = 1000


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with ``...`` when longer."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem found in a claims table.

    ``row`` is the row number as in the file (the header is row 1, the first
    data row is row 2); ``None`` for problems with the table as a whole.
    ``value`` is kept whole; the text of the problem quotes at most
    `QUOTE_LIMIT` characters of it.
    """

    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        loc = ", ".join(where) if where else "table"
        val = "" if self.value is None else f" (value {quote(self.value)})"
        message = self.message
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 3] + "..."
        return f"{loc}{val}: {message}"


class ClaimsError(ValueError):
    """Bad claims input. Lists every problem found, each with row, column and value.

    ``.problems`` holds every problem; the message shows the first `MAX_LISTED`
    and says how many more there are, naming the ``table`` (claims, truths).
    """

    def __init__(self, problems: list[Problem] | str, table: str = "claims"):
        if isinstance(problems, str):
            problems = [Problem(None, None, None, problems)]
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the {table}:"]
        lines += [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... and {n - MAX_LISTED} more (all of them in .problems)")
        super().__init__("\n".join(lines))


class ConvergenceWarning(UserWarning):
    """The sampler did not converge well enough to trust the intervals."""


class UnknownNameError(KeyError, ValueError):
    """A quantity or origin name that the claims do not hold (a `KeyError` and a `ValueError`)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class OneSidedWarning(UserWarning):
    """Nothing in the claims bounds a quantity from one side: that side's interval is the prior's."""
