"""``--fit-many``: many small topics by a loop of `fit` and by `fit_many` on Dask workers."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import machine

from .cases import many_topics
from .processes import run_child
from .settings import MANY, log


def child_fit_loop(n_topics: int, fit: dict, out_dir: str) -> dict:
    """The plain way: one process, ``fit`` then ``to_netcdf`` per topic, one after another.

    `fit`'s defaults: no shape buckets, so a topic reuses a compiled model only if an earlier
    one had its very structure (none here).
    """
    import consensus as cs

    topics = many_topics(n_topics)
    per_topic, failed = [], 0
    t0 = time.perf_counter()
    for name, claims in topics.items():
        t = time.perf_counter()
        try:
            est = cs.fit(claims, progressbar=False, random_seed=1, **fit)
            est.to_netcdf(Path(out_dir) / f"{name}.nc")
        except Exception as e:  # counted, as fit_many counts its failures
            log(f"{name} failed: {type(e).__name__}: {e}")
            failed += 1
        per_topic.append(time.perf_counter() - t)
    return {"wall_s": time.perf_counter() - t0, "per_topic_s": per_topic, "failed": failed}


def child_fit_many(n_topics: int, workers: int, fit: dict, out_dir: str) -> dict:
    """`fit_many` on a LocalCluster of ``workers`` processes; the wall time includes its start."""
    from distributed import Client, LocalCluster

    import consensus as cs
    from consensus.batch import WORKER_ENV

    topics = many_topics(n_topics)
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=WORKER_ENV,
        ) as cluster,
        Client(cluster) as client,
    ):
        started = time.perf_counter() - t0
        table = cs.fit_many(
            topics, out_dir=out_dir, client=client, progress=False, random_seed=1, **fit
        )
    return {
        "wall_s": time.perf_counter() - t0,
        "cluster_start_s": started,
        "per_topic_s": table["seconds"].tolist(),
        "failed": int((table["status"] != "done").sum()),
    }


def measure_fit_many(quick: bool, topics: int | None = None) -> dict:
    """The loop, then fit_many with each number of workers, each in a fresh process."""
    n = topics or (MANY["quick_topics"] if quick else MANY["topics"])
    fit = MANY["quick_fit"] if quick else MANY["fit"]
    load_before = os.getloadavg()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        n_loop = min(n, MANY["loop_topics"])
        plans = [("loop", 1, "child_fit_loop", {"n_topics": n_loop})] + [
            (f"fit_many, {w} worker{'s' if w > 1 else ''}", w, "child_fit_many", {"workers": w})
            for w in MANY["workers"]
        ]
        for label, workers, func, extra in plans:
            out_dir = Path(tmp) / func / str(workers)
            out_dir.mkdir(parents=True)
            kwargs = {"n_topics": n, "fit": fit, "out_dir": str(out_dir), **extra}
            log(f"{label}: {kwargs['n_topics']} topics")
            r = run_child(func, kwargs, timeout=MANY["cap_s"])
            r.update(label=label, workers=workers, topics=kwargs["n_topics"])
            if "wall_s" in r:
                r["topics_per_min"] = 60 * kwargs["n_topics"] / r["wall_s"]
            log(f"{label}: {r.get('wall_s', float('nan')):.0f} s, {r.get('failed')} failed")
            runs.append(r)
    return {
        "machine": machine(),
        "settings": MANY,
        "quick": quick,
        "topics": n,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "runs": runs,
    }
