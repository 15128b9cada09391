"""Run one peer method's settings on one data set; runs in the peers environment only.

    benchmarks/.peers-venv/bin/python benchmarks/peers/peer_worker.py JOB.json

The job (written by `benchmarks/peer_methods.py`) names ``library`` ("truthdiscovery" or
"crowd-kit"), ``methods`` (method -> list of settings, each a dict), ``limit_s`` (seconds
per method, all its settings together), ``claims`` (CSV: item, source, value, order),
``gold`` (CSV of the selection half: item, value) and ``out`` (a JSON-lines file). One
process runs all of a library's methods, so the library is imported once. Each setting
adds one line as soon as it is done: ``method``, ``setting``, ``status`` ("ok", "skipped",
"error" or "stopped"), ``seconds`` (wall clock), ``cpu_seconds`` (this process, all its
threads), ``estimates`` (item -> number), ``trust`` (source -> score) or ``reason``. A method
that has used ``limit_s`` seconds of CPU time is stopped (SIGPROF, `signal.ITIMER_PROF`) and
its remaining settings are not run: CPU time rather than wall time, so that a machine shared
with other work does not stop a method that a quiet one would finish.

Labels: ``labels: "exact"`` uses each figure as its own label; ``labels: "bin"`` with ``bin: w``
replaces it by the centre of its bin of width ``w`` (``w * round(value / w)``).
"""

from __future__ import annotations

import json
import signal
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def labelled(frame: pd.DataFrame, setting: dict) -> pd.DataFrame:
    """The claims with a ``label`` column per the setting's labelling."""
    if setting.get("labels", "exact") == "bin":
        w = float(setting["bin"])
        return frame.assign(label=np.round(frame["value"] / w) * w)
    return frame.assign(label=frame["value"].round(6))


class TimeLimit(BaseException):  # not an Exception: a peer's `except Exception` must not swallow it
    """Raised by SIGPROF when a method has used its CPU time."""


def _alarm(_signum, _frame):
    raise TimeLimit


def main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    frame = pd.read_csv(job["claims"], dtype={"item": str, "source": str})
    gold = None
    if job.get("gold"):
        g = pd.read_csv(job["gold"], dtype={"item": str})
        gold = pd.Series(g["value"].to_numpy(float), index=g["item"])
    if job["library"] == "truthdiscovery":
        import td_adapter as adapter
    else:
        import crowdkit_adapter as adapter  # type: ignore[no-redef]
    signal.signal(signal.SIGPROF, _alarm)
    with open(job["out"], "a") as out:
        for method, settings in job["methods"].items():
            signal.setitimer(signal.ITIMER_PROF, float(job["limit_s"]))
            stopped = False
            for setting in settings:
                if stopped:
                    break
                try:
                    line = run_setting(adapter, job["library"], method, setting, frame, gold)
                except TimeLimit:  # between two settings
                    line = {"setting": setting, "status": "stopped", "seconds": 0.0}
                    line["cpu_seconds"] = 0.0
                stopped = line["status"] == "stopped"
                if stopped:
                    line["reason"] = f"stopped at the {job['limit_s']} s CPU limit per method"
                out.write(json.dumps({"method": method, **line}) + "\n")
                out.flush()
            signal.setitimer(signal.ITIMER_PROF, 0.0)


def run_setting(adapter, library: str, method: str, setting: dict, frame, gold) -> dict:
    """One setting's line: estimates and trust, or why there are none."""
    t0, c0 = time.perf_counter(), time.process_time()
    line: dict = {"setting": setting}
    try:
        data = labelled(frame, setting)
        if library == "truthdiscovery":
            est, trust = adapter.run(data, method, setting)
        else:
            g = None
            if gold is not None:
                g = labelled(gold.rename("value").to_frame(), setting)["label"]
            est, trust = adapter.run(data, method, setting, g)
        line |= {
            "status": "ok",
            "estimates": {str(k): float(v) for k, v in est.items()},
            "trust": trust,
        }
    except TimeLimit:
        line["status"] = "stopped"
    except adapter.Skip as e:
        line |= {"status": "skipped", "reason": str(e)}
    except Exception as e:  # a peer's own failure is a result to report, not a crash
        last = traceback.extract_tb(e.__traceback__)[-1]
        line |= {
            "status": "error",
            "reason": f"{type(e).__name__}: {str(e)[:200]} ({Path(last.filename).name}:{last.lineno})",
        }
    line["seconds"] = time.perf_counter() - t0
    line["cpu_seconds"] = time.process_time() - c0
    return line


if __name__ == "__main__":
    main(sys.argv[1])
