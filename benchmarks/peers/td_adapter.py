"""truthdiscovery 1.0.4 on numeric claims, fed as its documentation says. Peers environment only.

`truthdiscovery` takes ``(source, variable, value)`` triples (`truthdiscovery.Dataset`), one
value per source and variable (``allow_multiple=True`` keeps the first), values compared as
labels, and optionally an implication function between two values of a variable (used by
TruthFinder, ignored by the others). The estimate of a variable is its most believed value
(`Result.get_most_believed_values`; ties: their median). Trust scores are per source.
"""

from __future__ import annotations

import sys
import types

# The package's PNG drawing backend does `import cairo` at import time; nothing here draws,
# so an empty module stands in for pycairo (whose pinned build does not install everywhere).
sys.modules.setdefault("cairo", types.ModuleType("cairo"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import truthdiscovery as td  # noqa: E402

#: CRH builds dense (claims x claims) arrays, about five of them at once: refuse above this many claims
CRH_MAX_CLAIMS = 6000

METHODS = {
    "MajorityVoting": td.MajorityVoting,
    "Sums": td.Sums,
    "AverageLog": td.AverageLog,
    "Investment": td.Investment,
    "PooledInvestment": td.PooledInvestment,
    "TruthFinder": td.TruthFinder,
    "CRH": td.CRH,
}
PRIORS = {p.value: p for p in td.PriorBelief}


class Skip(Exception):
    """A setting the library cannot run on this input; the message says why."""


def run(frame: pd.DataFrame, method: str, setting: dict) -> tuple[pd.Series, dict]:
    """Run one method with one setting.

    Parameters
    ----------
    frame
        ``item``, ``source``, ``label`` (a number: the figure or its bin centre) and
        ``order`` (position in time or in the files).
    method
        A key of `METHODS`.
    setting
        ``rows`` ("first" or "last": which of a source's rows on an item is kept);
        ``implication`` (bandwidth h of exp(-(a - b)^2 / (2 h^2)) between two values of an
        item, TruthFinder) and the constructor's keyword arguments (``priors`` by name).

    Returns
    -------
    estimates, trust
        Estimate per item; trust score per source.
    """
    kwargs = {k: v for k, v in setting.items() if k not in ("rows", "implication", "labels", "bin")}
    if "priors" in kwargs:
        kwargs["priors"] = PRIORS[kwargs["priors"]]
    ordered = frame.sort_values("order", ascending=setting.get("rows", "first") == "first")
    triples = zip(ordered["source"], ordered["item"], ordered["label"].astype(float), strict=True)
    h = setting.get("implication")
    implication = (
        None if h is None else (lambda _var, a, b: float(np.exp(-0.5 * ((a - b) / h) ** 2)))
    )
    if method == "CRH":
        n_claims = len(ordered.drop_duplicates(["item", "label"]))
        if n_claims > CRH_MAX_CLAIMS:
            raise Skip(
                f"CRH builds dense claims x claims arrays: {n_claims} claims need "
                f"{5 * 8 * n_claims**2 / 2**30:.0f} GiB"
            )
    data = td.Dataset(triples, allow_multiple=True, implication_function=implication)
    result = METHODS[method](**kwargs).run(data)
    estimates = pd.Series(
        {var: float(np.median(list(result.get_most_believed_values(var)))) for var in result.belief}
    )
    return estimates, {str(k): float(v) for k, v in result.trust.items()}
