"""The command line: measure the requested sections (or render saved results), write JSON and README."""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import machine, publish, write_json

from . import fit_many, reading, runs
from .render import markdown, md_fit_many
from .settings import CASE, FULL, QUICK, RESULTS, SECTIONS, json_name, log


def run_fit_many_benchmark(quick: bool, topics: int | None = None, render: bool = False) -> dict:
    """Measure, then write results/fit_many[_quick].json and the README's fit_many section
    (``render``: only rewrite the section from the saved JSON)."""
    name = "fit_many_quick.json" if quick else "fit_many.json"
    if render:
        results = json.loads((RESULTS / name).read_text())
        log(
            f"fit_many section rewritten from the saved results: {publish('fit_many', md_fit_many(results), quick)}"
        )
        return results
    results = fit_many.measure_fit_many(quick, topics)
    path = write_json(name, results)
    where = publish("fit_many", md_fit_many(results), quick)
    log(f"fit_many benchmark written: {path}, {where}")
    return results


def main(argv: list[str] | None = None) -> dict:
    """Parse the arguments; measure (or, with ``--render``, re-render) and write JSON and README."""
    ap = argparse.ArgumentParser(
        description=sys.modules[__package__].__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="a few-minute smoke run")
    ap.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    ap.add_argument(
        "--fit-many",
        nargs="?",
        type=int,
        const=0,
        metavar="TOPICS",
        help="only the fit_many benchmark (its own JSON and README section), on TOPICS topics",
    )
    ap.add_argument(
        "--render", action="store_true", help="rewrite the README section from the saved JSON"
    )
    args = ap.parse_args(argv)
    if args.fit_many is not None:
        return run_fit_many_benchmark(args.quick, args.fit_many, args.render)
    cfg = QUICK if args.quick else FULL
    if args.render:
        saved = json.loads((RESULTS / json_name(args.quick)).read_text())
        where = publish("performance", markdown(saved, args.quick), args.quick)
        log(f"tables rewritten from the saved results: {where}")
        return saved
    only = args.only or list(SECTIONS)
    name = json_name(args.quick)
    previous = RESULTS / name
    # --only re-measures some sections and keeps the others from the last run of this mode
    results: dict = json.loads(previous.read_text()) if previous.exists() and args.only else {}
    results.update(quick=args.quick, settings=cfg, case=CASE)
    log(f"sections {only}, {'quick' if args.quick else 'full'} settings")
    t0 = time.perf_counter()
    measures = {
        "seed": lambda: runs.measure_seed(cfg),
        "samplers": lambda: runs.measure_samplers(cfg),
        "peers": lambda: runs.measure_peers(cfg),
        "scaling": lambda: runs.measure_scaling(cfg),
        "reading": lambda: reading.measure_reading(cfg),
    }
    for section in SECTIONS:
        if section in only:
            ts = time.perf_counter()
            results[section] = {"machine": machine(), **measures[section]()}
            results[section]["elapsed_s"] = time.perf_counter() - ts
    results["elapsed_s"] = time.perf_counter() - t0
    path = write_json(name, results)
    where = publish("performance", markdown(results, args.quick), args.quick)
    log(f"done in {results['elapsed_s'] / 60:.1f} min: {path}, {where}")
    return results


if __name__ == "__main__":
    main()
