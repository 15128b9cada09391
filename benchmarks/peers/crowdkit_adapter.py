"""crowd-kit 1.4.2 on numeric claims, fed as its documentation says. Peers environment only.

Classification aggregators take a ``task, worker, label`` frame (labels are categories: here
the figure, or its bin centre, as text) and return a label per task. Embedding aggregators
take ``task, worker, output, embedding``; a figure's embedding is the 1-vector of its value.
`ClosestToAverage` returns the answer nearest the task's mean embedding (Euclidean distance,
which a user must supply); `RASA` and `HRRASA` return a reliability-weighted mean embedding
(``aggregated_embeddings_``), which is the number used here (their `fit_predict` picks an
output by cosine distance, which cannot tell 1-vectors of one sign apart). `GoldMajorityVote`
learns worker accuracies from gold labels: it is given the selection half's gold only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from crowdkit import aggregation as ca

CLASSIFIERS = (
    "MajorityVote",
    "Wawa",
    "ZeroBasedSkill",
    "GoldMajorityVote",
    "DawidSkene",
    "OneCoinDawidSkene",
    "GLAD",
    "MMSR",
    "MACE",
    "KOS",
)
EMBEDDERS = ("ClosestToAverage", "RASA", "HRRASA")
#: Dawid-Skene keeps a (labels x labels) confusion matrix per worker: refuse above this many cells
DS_MAX_CELLS = 50_000_000


class Skip(Exception):
    """A setting the library cannot run on this input; the message says why."""


def _label(x: pd.Series) -> pd.Series:
    return x.astype(float).map(repr)


def run(
    frame: pd.DataFrame, method: str, setting: dict, gold: pd.Series | None = None
) -> tuple[pd.Series, dict]:
    """Run one method with one setting.

    Parameters
    ----------
    frame
        ``item``, ``source``, ``label`` (a number: the figure or its bin centre), ``order``.
    method
        A name in `CLASSIFIERS` or `EMBEDDERS`.
    setting
        The constructor's keyword arguments (``labels`` and ``bin`` are the caller's).
    gold
        Gold value per item of the selection half (`GoldMajorityVote` only), binned like
        the labels.

    Returns
    -------
    estimates, trust
        Estimate per item; skill per worker where the method has one.
    """
    kwargs = {k: v for k, v in setting.items() if k not in ("labels", "bin", "rows")}
    if method in EMBEDDERS:
        data = pd.DataFrame(
            {
                "task": frame["item"].to_numpy(),
                "worker": frame["source"].to_numpy(),
                "output": _label(frame["label"]).to_numpy(),
                "embedding": [np.array([v], float) for v in frame["label"]],
            }
        )
        if method == "ClosestToAverage":
            model = ca.ClosestToAverage(
                distance=lambda a, b: float(np.linalg.norm(a - b)), **kwargs
            )
            out = model.fit_predict(data)["output"].astype(float)
            return out, {}
        model = getattr(ca, method)(**kwargs).fit(data)
        est = model.aggregated_embeddings_.map(lambda e: float(np.asarray(e).ravel()[0]))
        return est, {str(k): float(v) for k, v in model.skills_.items()}

    data = pd.DataFrame(
        {
            "task": frame["item"].to_numpy(),
            "worker": frame["source"].to_numpy(),
            "label": _label(frame["label"]).to_numpy(),
        }
    )
    n_labels = data["label"].nunique()
    if method == "KOS" and n_labels > 2:
        raise Skip(f"KOS is for binary labels; these have {n_labels}")
    if method == "DawidSkene":
        cells = data["worker"].nunique() * n_labels**2
        if cells > DS_MAX_CELLS:
            raise Skip(
                f"confusion matrices of {data['worker'].nunique()} workers x {n_labels}² labels"
            )
    model = getattr(ca, method)(**kwargs)
    if method == "GoldMajorityVote":
        labels = model.fit(data, _label(gold)).predict(data)
    else:
        labels = model.fit_predict(data)
    skills = getattr(model, "skills_", None)
    trust = {} if skills is None else {str(k): float(v) for k, v in pd.Series(skills).items()}
    return labels.astype(float), trust
