"""Many topics at once: one `fit` per topic, run as tasks on a Dask cluster.

`fit_many` is the whole public surface. Each topic's fit is an independent
task; its result is one netCDF file, ``<out_dir>/<topic>.nc``, written under
a temporary name and renamed into place, so a file with a topic's name is
always a finished fit. Running `fit_many` again over the same ``out_dir``
skips the topics whose file loads, which makes an interrupted batch
resumable. Worker processes live for the whole batch and take topic after
topic, so whatever a process caches (compiled models, imports) serves every
topic it fits.

Dask is an optional dependency: ``pip install consensus[distributed]``.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .claims import Claims
from .config import DEFAULT_PROB
from .errors import ClaimsError, Problem

#: Columns of the table `fit_many` returns, in order.
RESULT_COLUMNS = [
    "topic",
    "status",
    "path",
    "seconds",
    "error",
    "warnings",
    "quantity",
    "date",
    "median",
    "lower",
    "upper",
]

#: Characters a topic name may not contain: path separators and what Windows forbids in names.
_FORBIDDEN = set('/\\:*?"<>|')
_MAX_NAME_BYTES = 200  # leaves room for ".nc" and a temporary suffix under the usual 255

#: Environment of the worker processes `fit_many` starts: one thread per process for BLAS,
#: OpenMP and Numba, since the parallelism comes from running topics side by side.
WORKER_ENV = {
    k: "1"
    for k in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
        "RAYON_NUM_THREADS",
    )
}

type TopicInput = Claims | pd.DataFrame | str | Path


def fit_many(
    topics: Mapping[str, TopicInput] | pd.DataFrame | str | Path,
    *,
    out_dir: str | Path,
    client: Any = None,
    prob: float = DEFAULT_PROB,
    progress: bool = True,
    **fit_kwargs: Any,
) -> pd.DataFrame:
    """Fit many topics, each as a task on Dask, saving one ``<topic>.nc`` per topic.

    Parameters
    ----------
    topics
        A mapping from topic name to its claims (a `Claims`, a DataFrame or
        the path of a CSV file), or one claims table (DataFrame or CSV path)
        with a ``topic`` column naming each row's topic. Topic names become
        file names, so they may not be empty, start with ``.``, contain
        ``..``, path separators, control characters or any of ``:*?"<>|``.
    out_dir
        Folder for the fits (created if missing). A topic whose
        ``<out_dir>/<topic>.nc`` already loads is skipped, not refitted:
        delete the file to fit it again.
    client
        A ``dask.distributed.Client``. ``None`` starts a ``LocalCluster``
        with one single-threaded worker process per CPU core (no more than
        there are topics) and closes it at the end.
    prob
        Probability of the headline interval.
    progress
        Show a progress bar.
    **fit_kwargs
        Passed to `consensus.fit` for every topic. ``progressbar`` defaults
        to ``False``, ``cores`` to 1 (chains one after another: the
        parallelism is across topics) and ``buckets`` to ``True`` (topics of
        similar size share one compiled model).

    Returns
    -------
    pandas.DataFrame
        One row per topic, in input order: ``topic``; ``status``
        (``"done"``, ``"skipped"`` or ``"failed"``); ``path`` of its file;
        ``seconds`` spent on it in this call; ``error`` (type and message) if
        it failed; ``warnings`` raised by its fit (e.g. poor convergence);
        and the headline estimate (`Estimate.headline`): for the first
        quantity, on the date of its latest report, the ``median`` and the
        central ``prob`` interval ``lower``-``upper``.

    Raises
    ------
    ValueError
        For a ``prob`` outside (0, 1), unusable topic names (all listed at
        once), or a claims table
        without a usable ``topic`` column (a `ClaimsError` naming the rows).
    TypeError
        If ``fit_kwargs`` holds an argument `consensus.fit` does not take.

    Notes
    -----
    A topic that fails (bad claims, a sampler error, a worker that died) is
    recorded with its error and the others go on. With a remote cluster the
    workers need consensus installed, and paths (claims files, ``out_dir``)
    must be reachable from them. Each worker process fits topic after
    topic, so whatever `fit` keeps in a process serves later topics: with
    ``buckets=True`` a model compiled for one topic serves every later topic
    whose claims fall in the same shape buckets (`consensus.fit`).
    """
    import inspect

    from . import fit

    fit_kwargs = {"progressbar": False, "cores": 1, "buckets": True, **fit_kwargs}
    inspect.signature(fit).bind(None, **fit_kwargs)  # a TypeError now, not one per topic
    if not 0 < prob < 1:
        raise ValueError(f"prob must lie strictly between 0 and 1, got {prob}")
    jobs = _jobs(topics)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not jobs:
        return pd.DataFrame(columns=RESULT_COLUMNS)

    own = client is None
    if own:
        client = _local_client(len(jobs))
    try:
        futures = {
            client.submit(
                _run_topic,
                topic,
                claims,
                rows,
                str(out / f"{topic}.nc"),
                prob,
                fit_kwargs,
                key=f"consensus-fit-{topic}-{uuid.uuid4().hex[:8]}",
                pure=False,
            ): topic
            for topic, (claims, rows) in jobs.items()
        }
        try:
            records = _collect(futures, out, progress)
        except BaseException:  # e.g. Ctrl-C: leave no tasks running on someone's cluster
            client.cancel(list(futures))
            raise
    finally:
        if own:
            cluster = client.cluster
            client.close()
            cluster.close()
    return pd.DataFrame([records[t] for t in jobs], columns=RESULT_COLUMNS)


# ------------------------------------------------------------------ inputs
def check_topic_name(name: object) -> str | None:
    """Why ``name`` cannot be a topic (file) name, or None if it can."""
    if not isinstance(name, str):
        return f"must be text, not {type(name).__name__}"
    if not name.strip():
        return "is empty"
    if name.startswith("."):
        return "starts with '.' (hidden or relative path)"
    if ".." in name:
        return "contains '..'"
    bad = sorted({c for c in name if c in _FORBIDDEN or not c.isprintable()})
    if bad:
        return "contains " + ", ".join(repr(c) for c in bad)
    if name != name.strip():
        return "starts or ends with white space"
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        return f"is longer than {_MAX_NAME_BYTES} bytes"
    return None


def _jobs(topics) -> dict[str, tuple[TopicInput, np.ndarray | None]]:
    """Topic -> (claims, original row numbers or None), after checking every name."""
    if isinstance(topics, (pd.DataFrame, str, Path)):
        return _split_table(topics)
    if not isinstance(topics, Mapping):
        raise TypeError(
            "topics must be a mapping {topic: claims} or a claims table with a 'topic' column, "
            f"not {type(topics).__name__}"
        )
    bad = [f"{name!r} {why}" for name in topics if (why := check_topic_name(name))]
    if bad:
        raise ValueError("topic names must be usable as file names: " + "; ".join(bad))
    return {
        name: (str(Path(c).resolve()) if isinstance(c, (str, Path)) else c, None)
        for name, c in topics.items()
    }


def _split_table(source: pd.DataFrame | str | Path) -> dict:
    """Split a claims table with a ``topic`` column into one table per topic."""
    if isinstance(source, pd.DataFrame):
        df = source.reset_index(drop=True)
    else:
        df = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8")
    df.columns = [str(c).strip() for c in df.columns]
    if "topic" not in df.columns:
        raise ClaimsError(
            [Problem(1, "topic", None, "a claims table given to fit_many needs a 'topic' column")]
        )
    names = df["topic"].map(lambda x: "" if pd.isna(x) else str(x).strip())
    problems = [
        Problem(i + 2, "topic", df["topic"].iat[i], f"topic name {why}")
        for i, name in enumerate(names)
        if (why := check_topic_name(name))
    ]
    if problems:
        raise ClaimsError(problems)
    rows = np.arange(len(df)) + 2  # as in the file: header is row 1
    return {
        name: (df.loc[idx].drop(columns="topic").reset_index(drop=True), rows[idx])
        for name, idx in names.groupby(names, sort=False).groups.items()
    }


# ------------------------------------------------------------------ the cluster
def _local_client(n_topics: int):
    """A LocalCluster of single-threaded worker processes, one per core (at most one per topic)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - the extra is declared
        raise ImportError("fit_many runs on Dask: pip install 'consensus[distributed]'") from e
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cluster = LocalCluster(
        n_workers=max(1, min(cores or 1, n_topics)),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=WORKER_ENV,
    )
    return Client(cluster)


def _collect(futures: dict, out: Path, progress: bool) -> dict[str, dict]:
    """Wait for every task, recording each topic's row; a task that raised becomes 'failed'."""
    from distributed import as_completed
    from rich.progress import Progress

    records: dict[str, dict] = {}
    with Progress(disable=not progress, transient=False) as bar:
        task = bar.add_task("fitting topics", total=len(futures))
        for future in as_completed(futures):
            topic = futures[future]
            try:
                records[topic] = future.result()
            except Exception as e:  # the task itself died (e.g. its worker was killed)
                records[topic] = _record(
                    topic, "failed", str(out / f"{topic}.nc"), float("nan"), error=_error(e)
                )
            n_failed = sum(r["status"] == "failed" for r in records.values())
            bar.update(task, advance=1, description=f"fitting topics ({n_failed} failed) {topic}")
    return records


# ------------------------------------------------------------------ one topic (on a worker)
def _run_topic(
    topic: str,
    claims: TopicInput,
    rows: np.ndarray | None,
    path: str,
    prob: float,
    fit_kwargs: dict,
) -> dict:
    """Fit one topic and save it, or skip it if its file loads; never raises."""
    import consensus as cs

    t0 = time.perf_counter()
    if os.path.exists(path):
        try:
            est = cs.load(path)
        except Exception:  # not a finished fit (foreign or damaged): fit again
            pass
        else:
            return _record(topic, "skipped", path, time.perf_counter() - t0, **_headline(est, prob))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = cs.fit(_with_file_rows(claims, rows), **fit_kwargs)
        est.to_netcdf(path)  # atomic (a temporary file, then a rename): no half-written fits
        said = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        return _record(
            topic, "done", path, time.perf_counter() - t0, warnings="; ".join(said),
            **_headline(est, prob),
        )  # fmt: skip
    except Exception as e:
        return _record(topic, "failed", path, time.perf_counter() - t0, error=_error(e))


def _with_file_rows(claims: TopicInput, rows: np.ndarray | None) -> TopicInput:
    """Claims as given; for one topic of a larger table, read now so errors carry its rows."""
    if rows is None:
        return claims
    from . import read_claims

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 'topic' column was dropped; nothing else is extra
        try:
            return read_claims(claims)
        except ClaimsError as e:
            raise _renumber(e, rows) from None


def _renumber(e: ClaimsError, rows: np.ndarray) -> ClaimsError:
    """The same problems with data-row numbers of the whole table instead of the topic's."""
    return ClaimsError(
        [
            dataclasses.replace(p, row=int(rows[p.row - 2])) if p.row and p.row >= 2 else p
            for p in e.problems
        ]
    )


def _headline(est, prob: float) -> dict:
    """The first quantity's `Estimate.headline`: median and interval on its latest report's date."""
    h = est.headline(prob).iloc[0]
    return {
        "quantity": h["quantity"],
        "date": pd.Timestamp(h["date"]),
        "median": float(h["median"]),
        "lower": float(h["lower"]),
        "upper": float(h["upper"]),
    }


def _error(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _record(topic: str, status: str, path: str, seconds: float, **fields: Any) -> dict:
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(topic=topic, status=status, path=path, seconds=seconds, error="", warnings="")
    row.update(fields)
    return row
