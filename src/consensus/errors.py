"""Exceptions and warnings raised by consensus."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a claims table.

    ``row`` is the row number as in the file (the header is row 1, the first
    data row is row 2); ``None`` for problems with the table as a whole.
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
        val = "" if self.value is None else f" (value {self.value!r})"
        return f"{loc}{val}: {self.message}"


class ClaimsError(ValueError):
    """Bad claims input. Lists every problem found, each with row, column and value."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(None, None, None, problems)]
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the claims:"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class ConvergenceWarning(UserWarning):
    """The sampler did not converge well enough to trust the intervals."""
