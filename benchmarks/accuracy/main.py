"""The command line: run the requested parts, merge with earlier results, write JSON and README."""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from dataclasses import asdict

import _common
import numpy as np

from . import real, render, synthetic, targets
from .fitting import progress
from .settings import PARTS, SCENARIOS, Settings, make_settings, results_file

RUNNERS = {
    "emotion": real.run_emotion,
    "weather": real.run_weather,
    "polls": real.run_polls,
}


def _clean(x):
    """JSON-ready: numpy scalars to Python, NaN and inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def previous_parts(quick: bool) -> dict:
    """Parts of the last results file, when it was written in the same mode."""
    path = _common.RESULTS / results_file(quick)
    if not path.exists():
        return {}
    try:
        old = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}
    return old.get("parts", {}) if old.get("quick") == quick else {}


def run_part(part: str, settings: Settings, previous: dict, scenarios: list[str] | None):
    """One part's result (None when its data set is absent); a subset of scenarios is merged
    into the previous synthetic results."""
    if part != "synthetic":
        return RUNNERS[part](settings)
    done = synthetic.run(settings, scenarios)
    kept = previous.get("synthetic", {}).get("scenarios", {}) if scenarios else {}
    merged = {**kept, **done}
    return {"scenarios": {k: merged[k] for k in SCENARIOS if k in merged}}


def rerender(quick: bool) -> dict:
    """The targets judged again and the README section written again from the results file alone."""
    path = _common.RESULTS / results_file(quick)
    payload = json.loads(path.read_text())
    payload["targets"] = _clean(targets.judge(payload["parts"]))
    _common.write_json(results_file(quick), payload)
    tables = _common.publish("accuracy", render.markdown(payload), quick)
    progress(f"judged and rendered {path} into {tables}")
    return payload


def main(argv: list[str] | None = None) -> dict:
    """Parse the arguments, run, write ``results/accuracy[_quick].json`` and the README section."""
    ap = argparse.ArgumentParser(description="Accuracy and calibration of consensus.")
    ap.add_argument("--quick", action="store_true", help="a few-minute smoke run")
    ap.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    ap.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="synthetic part: run only this scenario (repeatable), keeping the others' results",
    )
    ap.add_argument(
        "--render",
        action="store_true",
        help="run nothing: judge the targets and write the README section from the results file",
    )
    args = ap.parse_args(argv)
    if args.render:
        return rerender(args.quick)
    logging.getLogger("pymc").setLevel(logging.ERROR)  # no "NUTS[nutpie]: ..." per fit
    settings = make_settings(args.quick)
    parts = previous_parts(args.quick)
    todo = args.only or (["synthetic"] if args.scenario else list(PARTS))
    for part in todo:
        t0 = time.perf_counter()
        progress(f"=== {part}{' (quick)' if args.quick else ''}")
        result = run_part(part, settings, parts, args.scenario)
        if result is None:
            parts.pop(part, None)
            continue
        parts[part] = _clean(
            {
                **result,
                "settings": asdict(settings),
                "machine": _common.machine(),
                "wall_s": time.perf_counter() - t0,
            }
        )
    # merge with what is on disk now, not at the start: another part may have finished meanwhile
    latest = previous_parts(args.quick)
    latest.update({k: parts[k] for k in todo if k in parts})
    latest = {k: v for k, v in latest.items() if k in parts or k not in todo}
    parts = {k: latest[k] for k in PARTS if k in latest}
    payload = {
        "benchmark": "accuracy",
        "quick": args.quick,
        "command": "python benchmarks/accuracy.py" + (" --quick" if args.quick else ""),
        "parts": parts,
    }
    payload["targets"] = _clean(targets.judge(parts))
    path = _common.write_json(results_file(args.quick), payload)
    tables = _common.publish("accuracy", render.markdown(payload), args.quick)
    progress(f"wrote {path} and {tables}")
    return payload
