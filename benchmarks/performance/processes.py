"""Fresh Python processes: run one measurement function in a child and collect its result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .settings import BENCHMARKS


def run_child(
    func: str,
    kwargs: dict,
    *,
    env: dict | None = None,
    timeout: float | None = None,
    log_file: Path | None = None,
) -> dict:
    """Run ``<func>(**kwargs)`` (a ``child_*`` function of `fits` or `fit_many`) in a
    fresh Python process.

    Returns
    -------
    dict
        The function's result (a JSON-able dict) plus ``process_s`` (wall time
        of the whole process: start-up, imports, work), ``peak_rss_mib`` (peak
        resident memory of the largest process of its tree, from ``wait4``)
        and ``timed_out``; ``error`` holds the end of its output when it failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        code = (
            f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); "
            "from performance.processes import child_main; "
            f"child_main({func!r}, {json.dumps(kwargs)!r}, {str(out)!r})"
        )
        log_path = log_file or Path(tmp) / "child.log"
        with open(log_path, "w") as fh:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                env={**os.environ, **(env or {})},
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                os.killpg(proc.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill) if timeout else None
            if timer:
                timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            if timer:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - t0
        result: dict = {}
        if out.exists():
            result = json.loads(out.read_text())
        elif not killed.is_set():
            result["error"] = Path(log_path).read_text()[-3000:]
    result.update(
        process_s=wall,
        peak_rss_mib=usage.ru_maxrss / 1024.0,  # Linux: KiB
        timed_out=killed.is_set(),
    )
    return result


def child_main(func: str, kwargs_json: str, out: str) -> None:
    """Entry point in the child: run ``func`` and write its result as JSON."""
    import warnings

    warnings.simplefilter("ignore")  # convergence and FutureWarnings: the numbers say it
    try:
        result = _function(func)(**json.loads(kwargs_json))
    except Exception as exc:  # reported in the results, not fatal to the whole run
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[-3000:]}
    Path(out).write_text(json.dumps(result, default=float))


def fresh_cache_env(folder: Path) -> dict:
    """Environment giving a process empty PyTensor and Numba compile caches under ``folder``."""
    (folder / "pytensor").mkdir(parents=True, exist_ok=True)
    (folder / "numba").mkdir(parents=True, exist_ok=True)
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    return {
        "PYTENSOR_FLAGS": ",".join(filter(None, [flags, f"compiledir={folder / 'pytensor'}"])),
        "NUMBA_CACHE_DIR": str(folder / "numba"),
    }


def _function(name: str):
    """A ``child_*`` function by name (imported in the child only: they import the library)."""
    from . import fit_many, fits

    for module in (fits, fit_many):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"no child function {name!r}")
