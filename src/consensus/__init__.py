"""consensus: a defensible estimate of the truth from conflicting numeric reports.

>>> import consensus as cs
>>> claims = cs.read_claims("claims.csv")          # doctest: +SKIP
>>> est = cs.fit(claims, random_seed=1)             # doctest: +SKIP
>>> est.trajectory("dprk_troops_in_russia", prob=0.9)  # doctest: +SKIP
"""

__version__ = "0.1.0"

from . import evaluate  # noqa: F401  (cs.evaluate.score, ...)
from .batch import fit_many
from .claims import Claims, DuplicateClaimWarning, read_claims
from .config import DEFAULT_PROB
from .errors import ClaimsError, ConvergenceWarning, OneSidedWarning, UnknownNameError
from .estimate import Estimate
from .extract import extract_claims
from .figures import DEFAULT_VAGUE, Figure, format_figure, parse_figure
from .inference import DEFAULT_SAMPLER, fit
from .model import DEFAULT_PRIORS, build_model
from .simulate import Simulation, simulate
from .storage import SavedFitError, load

__all__ = [
    "OneSidedWarning",
    "UnknownNameError",
    "DEFAULT_PROB",
    "SavedFitError",
    "DEFAULT_PRIORS",
    "DEFAULT_SAMPLER",
    "DEFAULT_VAGUE",
    "Claims",
    "ClaimsError",
    "ConvergenceWarning",
    "DuplicateClaimWarning",
    "Estimate",
    "Figure",
    "Simulation",
    "build_model",
    "fit",
    "fit_many",
    "extract_claims",
    "format_figure",
    "load",
    "parse_figure",
    "read_claims",
    "simulate",
]
