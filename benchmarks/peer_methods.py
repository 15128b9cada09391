"""Installable peers (truthdiscovery, crowd-kit) beside consensus on the shared real data sets.

Run::

    bash benchmarks/peers/setup_env.sh          # builds benchmarks/.peers-venv (once)
    python benchmarks/peer_methods.py [--quick] [--only emotion|weather|polls ...] [--fit-consensus]
    python benchmarks/peer_methods.py --render   # re-score consensus only, rewrite the tables

The peers run in their own environment (`benchmarks/peers/setup_env.sh`), one subprocess per
(data set, library, method) running `benchmarks/peers/peer_worker.py`; the two sides exchange
CSV and JSON files only, so neither library is imported here. Writes
``results/peer_methods.json`` and the ``peers`` section of ``benchmarks/README.md``
(``--quick``: a subsample and short time limits; ``results/peer_methods_quick.{json,md}``).

Protocol
--------
* Data: the loaders of the accuracy benchmark (all weather objects). What a peer sees is what
  the baselines see there: every numeric row as ``item, source, value`` (polls ordered by
  field date, the others by file order).
* Labels: the figure itself (``exact``) or the centre of its bin of width ``w``
  (``bin w``, `BINS`). truthdiscovery keeps one row per source and item (its
  ``allow_multiple`` keeps the first; ``rows=last`` feeds them in reverse order so the last
  is kept); TruthFinder also runs with a numeric implication between two values of an item,
  ``exp(-(a - b)^2 / (2 h^2))`` (`BANDWIDTHS`). crowd-kit's classifiers see every row; its
  embedding methods see the figures as 1-vectors.
* Sweeps: each method's documented parameters over a few values (`td_sweep`,
  `crowdkit_sweep`). The gold items are split in two halves, seeded (`SPLIT_SEED`): the
  *selection* half picks each method's setting and each library's best method (lowest MAE),
  the *reporting* half scores them. Only GoldMajorityVote sees gold, the selection half's.
* Consensus and the baselines are scored on the same reporting half: consensus from the
  per-object estimates saved by the accuracy benchmark, else from
  ``results/peer_methods_consensus.json`` (written by ``--fit-consensus``, which fits each
  data set once with the accuracy benchmark's settings); the baselines
  (`consensus.baselines`) are recomputed here, on all items, scored on that half.
* Time: each (data set, method) is stopped after `TIME_LIMIT_S` seconds of CPU time, all its
  settings together (CPU rather than wall time, so that a shared machine does not stop what a
  quiet one would finish); the settings it finished are kept. The tables give the chosen
  setting's CPU seconds; the JSON also has wall seconds. A setting the library cannot run
  (dense arrays too large, binary-only methods) is skipped with the reason.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

from consensus.baselines import BASELINES  # noqa: E402

try:  # the accuracy benchmark as a package (benchmarks/accuracy/) or as one module
    from accuracy.data import load_emotion, load_polls, load_weather  # noqa: E402
except ImportError:
    from accuracy import load_emotion, load_polls, load_weather  # noqa: E402

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE / ".peers-venv" / "bin" / "python"
WORKER = HERE / "peers" / "peer_worker.py"
SPLIT_SEED = 15
#: a library's process is killed after this many times its CPU budget in wall time (plus 300 s
#: for imports): CPU time runs slower than the clock when other work shares the cores
WALL_FACTOR = 4
#: CPU seconds per (data set, method), all its settings together (quick mode: the second)
TIME_LIMIT_S = {False: 90, True: 45}
QUICK_EVERY = {"emotion": 4, "weather": 20, "polls": 4}  # quick: every k-th gold item
DATASETS = {"emotion": "emotion", "weather": "weather", "polls": "polls_538"}
#: bin widths (natural units) for binned labels, and TruthFinder's implication bandwidths
BINS = {"emotion": (10, 20), "weather": (1, 2), "polls": (1, 2, 5)}
BANDWIDTHS = {"emotion": (5, 15), "weather": (1, 3), "polls": (2, 5)}
#: methods that learn from gold labels (the selection half's), marked as such in the tables
SEES_GOLD = {"GoldMajorityVote"}
UNITS = {"emotion": "rating points", "weather": "°F", "polls": "margin points"}


# ---------------------------------------------------------------------------- sweeps


def labellings(name: str) -> list[dict]:
    """Exact labels and each bin width of the data set."""
    return [{"labels": "exact"}] + [{"labels": "bin", "bin": w} for w in BINS[name]]


def td_sweep(name: str, duplicates: bool) -> dict[str, list[dict]]:
    """truthdiscovery: method -> settings (labels x rows x the method's documented parameters)."""
    rows = [{"rows": "first"}, {"rows": "last"}] if duplicates else [{"rows": "first"}]
    params: dict[str, list[dict]] = {
        "MajorityVoting": [{}],
        "Sums": [{"priors": "fixed"}, {"priors": "voted"}],
        "AverageLog": [{"priors": "fixed"}, {"priors": "voted"}],
        "Investment": [{"g": 1.2}, {"g": 2.0}],
        "PooledInvestment": [{"g": 1.4}, {"g": 2.0}],
        "TruthFinder": [{}] + [{"implication": h} for h in BANDWIDTHS[name]],
        "CRH": [{}],
    }
    return {
        m: [{**lab, **r, **p} for lab in labellings(name) for r in rows for p in ps]
        for m, ps in params.items()
    }


def crowdkit_sweep(name: str) -> dict[str, list[dict]]:
    """crowd-kit: method -> settings (labels x documented parameters; embeddings: figures)."""
    classifiers: dict[str, list[dict]] = {
        "MajorityVote": [{}],
        "Wawa": [{}],
        "ZeroBasedSkill": [{}],
        "GoldMajorityVote": [{}],
        "DawidSkene": [{}],
        "OneCoinDawidSkene": [{}],
        "GLAD": [{}],
        "MMSR": [{}],
        "MACE": [{}],
        "KOS": [{}],
    }
    out = {
        m: [{**lab, **p} for lab in labellings(name) for p in ps] for m, ps in classifiers.items()
    }
    out["ClosestToAverage"] = [{"labels": "exact"}]
    out["RASA"] = [{"labels": "exact", "alpha": a} for a in (0.05, 0.2)]
    out["HRRASA"] = [{"labels": "exact"}]
    return out


def planned(name: str, duplicates: bool) -> dict[str, dict[str, list[dict]]]:
    """Every library's sweep on a data set: library -> method -> settings."""
    return {"truthdiscovery": td_sweep(name, duplicates), "crowd-kit": crowdkit_sweep(name)}


def describe(setting: dict) -> str:
    """A setting as a short text: labels first, then the parameters."""
    lab = f"bin {setting['bin']:g}" if setting.get("labels") == "bin" else "exact"
    rest = [f"{k}={v}" for k, v in setting.items() if k not in ("labels", "bin")]
    return ", ".join([lab, *rest])


# ------------------------------------------------------------------------------ data


def load(name: str, quick: bool) -> tuple[pd.DataFrame, pd.Series]:
    """What the peers see (``item, source, value, order``) and the gold per item."""
    path = _common.dataset(DATASETS[name])
    if path is None:
        raise FileNotFoundError(name)
    if name == "emotion":
        data = load_emotion(path)
    elif name == "weather":
        out = load_weather(path, 1)
        data = out[0] if isinstance(out, tuple) else out
    else:
        data = load_polls(path)
    rows, gold = data.rows.reset_index(drop=True), data.truth
    if quick:
        gold = gold.iloc[:: QUICK_EVERY[name]]
        rows = rows[rows["item"].isin(gold.index)].reset_index(drop=True)
    order = rows["time"].rank(method="first") if "time" in rows else pd.Series(np.arange(len(rows)))
    frame = pd.DataFrame(
        {
            "item": rows["item"].astype(str),
            "source": rows["source"].astype(str),
            "value": rows["value"].astype(float),
            "order": order.to_numpy(int),
            **({"time": rows["time"]} if "time" in rows else {}),
        }
    )
    return frame, gold.astype(float)


def split(gold: pd.Series, seed: int = SPLIT_SEED) -> tuple[pd.Index, pd.Index]:
    """Selection and reporting halves of the gold items (sorted names, seeded permutation)."""
    names = np.array(sorted(gold.index))
    order = np.random.default_rng(seed).permutation(len(names))
    half = len(names) // 2
    return pd.Index(sorted(names[order[:half]])), pd.Index(sorted(names[order[half:]]))


def errors(estimate: pd.Series, gold: pd.Series) -> dict:
    """MAE and RMSE over the gold items (an item without an estimate counts as missing)."""
    r = estimate.reindex(gold.index).astype(float) - gold
    return {
        "mae": float(r.abs().mean()),
        "rmse": math.sqrt(float((r**2).mean())),
        "missing": int(r.isna().sum()),
    }


# ------------------------------------------------------------------------- the peers


def run_library(
    library: str, methods: dict[str, list[dict]], files: dict, limit_s: int
) -> tuple[dict[str, list[dict]], str | None]:
    """Run a library's methods in one peers-environment process; lines per method, and a note
    when the process itself failed or overran (each method has ``limit_s`` CPU seconds)."""
    out = Path(files["dir"]) / f"{library}.jsonl"
    job = Path(files["dir"]) / f"{library}.json"
    job.write_text(
        json.dumps(
            {
                "library": library,
                "methods": methods,
                "limit_s": limit_s,
                "claims": files["claims"],
                "gold": files["gold"],
                "out": str(out),
            }
        )
    )
    note = None
    try:
        proc = subprocess.run(
            [str(PEERS_PYTHON), str(WORKER), str(job)],
            capture_output=True,
            text=True,
            timeout=WALL_FACTOR * limit_s * len(methods) + 300,
        )
        if proc.returncode != 0:
            note = f"worker failed: {(proc.stderr.strip().splitlines() or ['?'])[-1][:200]}"
    except subprocess.TimeoutExpired:
        note = "worker overran its time"
    lines: dict[str, list[dict]] = {m: [] for m in methods}
    if out.exists():
        for x in out.read_text().splitlines():
            d = json.loads(x)
            lines[d.pop("method")].append(d)
    return lines, note


def score_method(lines: list[dict], select: pd.Series, report: pd.Series) -> dict:
    """Every setting's errors on both halves, the best setting (selection MAE) and its report."""
    tried = []
    for line in lines:
        row = {
            "setting": describe(line["setting"]),
            "status": line["status"],
            "seconds": line["seconds"],
            "cpu_seconds": line.get("cpu_seconds"),
        }
        if line["status"] == "ok":
            est = pd.Series(line["estimates"], dtype=float)
            row |= {"select": errors(est, select), "report": errors(est, report)}
        else:
            row["reason"] = line.get("reason")
        tried.append(row)
    for r in tried:
        if r["status"] == "ok" and r["select"]["missing"] + r["report"]["missing"]:
            n = r["select"]["missing"] + r["report"]["missing"]
            r["status"], r["reason"] = (
                "incomplete",
                f"{r['setting']}: no estimate for {n} gold items",
            )
    ok = [r for r in tried if r["status"] == "ok"]
    best = min(ok, key=lambda r: r["select"]["mae"]) if ok else None
    return {"tried": tried, "best": best}


def run_dataset(name: str, quick: bool, workdir: Path) -> dict:
    """Every peer method on one data set, with the baselines, on the two halves."""
    frame, gold = load(name, quick)
    sel, rep = split(gold)
    d = workdir / name
    d.mkdir()
    frame[["item", "source", "value", "order"]].to_csv(d / "claims.csv", index=False)
    gold[sel].rename("value").rename_axis("item").reset_index().to_csv(d / "gold.csv", index=False)
    files = {"dir": str(d), "claims": str(d / "claims.csv"), "gold": str(d / "gold.csv")}
    duplicates = bool(frame.duplicated(["item", "source"]).any())
    sweeps = planned(name, duplicates)
    result: dict = {
        "info": {
            "n_items": len(gold),
            "n_select": len(sel),
            "n_report": len(rep),
            "n_rows": len(frame),
            "n_sources": frame["source"].nunique(),
            "repeated_source_item_rows": int(frame.duplicated(["item", "source"]).sum()),
        },
        "peers": {},
    }
    for library, methods in sweeps.items():
        t0 = time.perf_counter()
        lines, note = run_library(library, methods, files, TIME_LIMIT_S[quick])
        result.setdefault("wall_s", {})[library] = time.perf_counter() - t0
        for method, settings in methods.items():
            scored = score_method(lines[method], gold[sel], gold[rep])
            n = len(lines[method])
            scored["note"] = (
                None
                if n == len(settings)
                else (
                    f"{len(settings) - n} of {len(settings)} settings not run"
                    + (f" ({note})" if note else "")
                )
            )
            result["peers"].setdefault(library, {})[method] = scored
            b = scored["best"]
            print(
                f"[{name}] {library} {method}: "
                + (
                    f"{b['setting']} select {b['select']['mae']:.3f} report {b['report']['mae']:.3f}"
                    if b
                    else "no result"
                )
                + (f" ({note})" if note else ""),
                flush=True,
            )
    rows = frame.rename(columns={"value": "value"})
    result["baselines"] = {}
    for bname, f in BASELINES.items():
        if bname == "rolling_median" or (bname == "latest" and "time" not in rows):
            continue
        kw = {"times": rows["time"]} if bname == "latest" else {}
        est = f(rows["value"], rows["item"], rows["source"], **kw).truth
        result["baselines"][bname] = {
            "select": errors(est, gold[sel]),
            "report": errors(est, gold[rep]),
        }
    result["_report_items"] = list(rep)
    return result


# ------------------------------------------------------------------------ consensus


CONSENSUS_CACHE = "peer_methods_consensus.json"


def consensus_estimates(name: str) -> tuple[pd.Series | None, str]:
    """Consensus' saved per-object posterior medians, and where they come from."""
    acc = _common.RESULTS / "accuracy.json"
    if acc.exists():
        part = json.loads(acc.read_text()).get("parts", {}).get(name, {})
        for key in ("estimates", "consensus_estimate", "consensus_estimates"):
            if isinstance(part.get(key), dict):
                return pd.Series(part[key], dtype=float), "results/accuracy.json"
    cache = _common.RESULTS / CONSENSUS_CACHE
    if cache.exists():
        saved = json.loads(cache.read_text()).get(name)
        if saved:
            return pd.Series(
                saved["estimates"], dtype=float
            ), f"results/{CONSENSUS_CACHE} ({saved['commit']})"
    return None, "no saved per-object estimates (run with --fit-consensus)"


def fit_consensus(names: list[str]) -> None:
    """Fit consensus once per data set with the accuracy benchmark's settings; save the medians."""
    try:
        from accuracy.fitting import fit_consensus as fit_one
        from accuracy.settings import make_settings
    except ImportError:
        from accuracy import fit_consensus as fit_one
        from accuracy import make_settings

    settings = make_settings(False)
    cache = _common.RESULTS / CONSENSUS_CACHE
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    for name in names:
        path = _common.dataset(DATASETS[name])
        data = {"emotion": load_emotion, "polls": load_polls}.get(
            name, lambda p: load_weather(p, 1)[0]
        )(path)
        est, _ = fit_one(data.claims, "identity", settings, settings.real_seed, real=True)
        med = {q: float(est.trajectory(q, prob=0.9)["median"].iloc[0]) for q in data.truth.index}
        saved[name] = {"estimates": med, "commit": _common.machine()["commit"]}
        cache.write_text(json.dumps(saved) + "\n")
        print(f"[{name}] consensus fitted and saved to {cache}", flush=True)


# -------------------------------------------------------------------------- report


def best_of(library: dict) -> tuple[str, dict] | None:
    """A library's best method on the selection half: (method, its best setting)."""
    ok = [(m, r["best"]) for m, r in library.items() if r["best"] is not None]
    return min(ok, key=lambda mr: mr[1]["select"]["mae"]) if ok else None


def target(part: dict) -> dict | None:
    """Issue 15's target on one data set: consensus' reporting-half MAE at most each library's
    best (chosen on the selection half); None without consensus estimates."""
    c = part.get("consensus")
    if c is None:
        return None
    peers = {}
    for lib, methods in part["peers"].items():
        best = best_of(methods)
        if best is not None:
            peers[lib] = {"method": best[0], "mae": best[1]["report"]["mae"]}
    beaten_by = sorted(lib for lib, b in peers.items() if b["mae"] < c["mae"])
    return {
        "consensus_mae": c["mae"],
        "best_peers": peers,
        "met": not beaten_by,
        "beaten_by": beaten_by,
    }


def target_line(t: dict | None) -> str:
    """The target's verdict as one sentence."""
    if t is None:
        return "Target (consensus at least as accurate as every peer's best): not judged, no consensus estimates."
    best = ", ".join(f"{lib} {b['method']} {b['mae']:.3f}" for lib, b in t["best_peers"].items())
    verdict = "met" if t["met"] else "**not met** (lower MAE: " + ", ".join(t["beaten_by"]) + ")"
    return (
        f"Target (consensus at least as accurate as every peer's best): {verdict}; "
        f"consensus MAE {t['consensus_mae']:.3f} against {best}."
    )


def _cell(e: dict | None) -> str:
    return f"{e['mae']:.3f} / {e['rmse']:.3f}" if e else "–"


def markdown(payload: dict) -> str:
    """The peers section of benchmarks/README.md."""
    head = ("**Quick smoke run: numbers are not comparable.** " if payload["quick"] else "") + (
        f"Written by `{payload['command']}`; every setting tried, with its errors on both halves, "
        f"is in `results/{payload['results_file']}`; the protocol is in the docstring of "
        "`benchmarks/peer_methods.py`. Each data set's gold items are split in two halves "
        f"(seed {SPLIT_SEED}): the *selection* half picks each method's setting and each "
        "library's best method, the *reporting* half scores them, so the peers' numbers are not "
        "flattered by the choice. Cells: MAE / RMSE on the reporting half (natural units); CPU s: "
        "the chosen setting's run (the library's call, without start-up). Consensus: the posterior "
        "medians of one fit per data set without truths (the accuracy benchmark's settings; "
        "exact-or-wrong claims switched on by its automatic rule, which picks weather only), from "
        "the source and commit named in its row."
    )
    blocks = [head]
    for name, part in payload["datasets"].items():
        if "skipped" in part:
            blocks.append(f"### {name}\n\nSkipped: {part['skipped']}.")
            continue
        i = part["info"]
        sweeps = planned(name, i["repeated_source_item_rows"] > 0)
        rows = [
            {
                "method": "consensus (posterior median)",
                "setting": part["consensus_source"],
                "report MAE / RMSE": _cell(part.get("consensus")),
                "CPU s": "",
            }
        ]
        for b, e in part["baselines"].items():
            rows.append(
                {
                    "method": f"baseline `{b}`",
                    "setting": "",
                    "report MAE / RMSE": _cell(e["report"]),
                    "CPU s": "",
                }
            )
        for lib, methods in part["peers"].items():
            best = best_of(methods)
            if best is None:
                rows.append(
                    {
                        "method": f"**{lib}**: none ran",
                        "setting": "",
                        "report MAE / RMSE": "–",
                        "CPU s": "",
                    }
                )
                continue
            m, r = best
            rows.append(
                {
                    "method": f"**best of {lib}**: {m}"
                    + (" (learns from the selection half's gold)" if m in SEES_GOLD else ""),
                    "setting": r["setting"],
                    "report MAE / RMSE": _cell(r["report"]),
                    "CPU s": f"{r['cpu_seconds']:.1f}",
                }
            )
        text = (
            f"### {name}: {i['n_items']} gold items ({i['n_select']} selection, {i['n_report']} "
            f"reporting), {i['n_rows']} rows, {i['n_sources']} sources, {UNITS[name]}\n\n"
            + _common.md_table(rows, ["method", "setting", "report MAE / RMSE", "CPU s"])
        )
        detail = []
        for lib, methods in part["peers"].items():
            for m, r in methods.items():
                b = r["best"]
                why = "; ".join(
                    sorted(
                        {
                            f"{t['setting']}: {t['reason']}"
                            if t["status"] == "error"
                            else t["reason"]
                            for t in r["tried"]
                            if t["status"] != "ok"
                        }
                    )
                )
                if r["note"]:
                    why = f"{r['note']}; {why}" if why else r["note"]
                n_ok = sum(t["status"] == "ok" for t in r["tried"])
                n_planned = len(sweeps[lib][m]) if m in sweeps.get(lib, {}) else len(r["tried"])
                detail.append(
                    {
                        "library": lib,
                        "method": m,
                        "settings run": f"{n_ok} of {n_planned}",
                        "chosen setting": b["setting"] if b else "–",
                        "selection MAE": f"{b['select']['mae']:.3f}" if b else "–",
                        "report MAE / RMSE": _cell(b["report"]) if b else "–",
                        "CPU s": f"{b['cpu_seconds']:.1f}" if b else "–",
                        "not run, and why": why[:300],
                    }
                )
        text += (
            "\n\nEvery method (its setting chosen on the selection half):\n\n"
            + _common.md_table(
                detail,
                [
                    "library",
                    "method",
                    "settings run",
                    "chosen setting",
                    "selection MAE",
                    "report MAE / RMSE",
                    "CPU s",
                    "not run, and why",
                ],
            )
        )
        why = part.get("why") or []
        blocks.append(
            text
            + "\n\n"
            + target_line(part.get("target"))
            + ("\n\nWhy, measured on the reporting half: " + " ".join(why) if why else "")
        )
    m = payload["machine"]
    blocks.append(
        f"*Measured on {m['cpu']} ({m['cores']} cores, shared), peers in `benchmarks/.peers-venv` "
        f"({payload['peers_env']}), commit {m['commit']}, {m['when']}; each method stopped at "
        f"{payload['time_limit_s']} s of CPU time; the last run took "
        f"{payload['wall_s'] / 60:.1f} min wall.*"
    )
    return "\n\n".join(blocks)


def peers_env() -> str:
    """Versions in the peers environment, as its Python reports them."""
    code = (
        "import sys, importlib.metadata as m; print('Python ' + sys.version.split()[0] + ', ' + "
        "', '.join(p + ' ' + m.version(p) for p in "
        "('truthdiscovery', 'crowd-kit', 'pandas', 'scikit-learn', 'numpy')))"
    )
    return subprocess.run(
        [str(PEERS_PYTHON), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def score_consensus(name: str, part: dict, quick: bool) -> dict:
    """Add consensus' errors on the reporting half (the same seeded split), and the target."""
    est, source = consensus_estimates(name)
    part["consensus_source"] = source
    part.pop("consensus", None)
    part.pop("why", None)
    if est is not None:
        rows, gold = load(name, quick)
        part["consensus"] = errors(est, gold[split(gold)[1]])
        part["target"] = target(part)
        if not part["target"]["met"]:
            part["why"] = why_not(name, part, rows, gold[split(gold)[1]], est)
    else:
        part["target"] = target(part)
    return part


def why_not(
    name: str, part: dict, rows: pd.DataFrame, gold: pd.Series, est: pd.Series
) -> list[str]:
    """Measured facts on the reporting half that say why consensus loses (sentences)."""
    out = []
    c_mae = part["consensus"]["mae"]
    own = sorted(b for b, e in part["baselines"].items() if e["report"]["mae"] < c_mae)
    if own:
        out.append(
            f"The project's own baselines {', '.join(f'`{b}`' for b in own)} beat consensus too "
            f"(MAE {', '.join(f'{part["baselines"][b]["report"]["mae"]:.3f}' for b in own)}): "
            "the loss is the model's, not a trick of the peers."
        )
    r = rows[rows["item"].isin(gold.index)]
    mean, median = r.groupby("item")["value"].mean(), r.groupby("item")["value"].median()
    e = est.reindex(gold.index)
    nearer_median = (np.abs(e - median[gold.index]) < np.abs(e - mean[gold.index])).mean()
    mean_mae = np.abs(mean[gold.index] - gold).mean()
    median_mae = np.abs(median[gold.index] - gold).mean()
    if nearer_median < 0.6:
        reading = "so its loss is not simply the median's"
    elif mean_mae < median_mae:
        reading = (
            "its Student-t(4) errors discount far claims as a median does, which costs where the "
            "gold sits nearer the mean"
        )
    else:
        reading = "it behaves like the median, which a peer beats here too"
    out.append(
        f"On these items the claims' mean is off by {mean_mae:.3f} and "
        f"their median by {median_mae:.3f}; consensus lies nearer the "
        f"median than the mean on {nearer_median:.0%} of them: {reading}."
    )
    tails = _common.RESULTS / "tails.json"
    by = {}
    if tails.exists():  # benchmarks/tails.py: the same fit with only the error tails changed
        by = {r["variant"]: r for r in json.loads(tails.read_text())["rows"] if r["data"] == name}
    if len(by) > 1:
        out.append(
            "With only the error tails changed (`tails.py`, all gold values, not only this "
            "half): MAE " + ", ".join(f"{v['mae']:.3f} at {k}" for k, v in by.items()) + "."
        )
    elif nearer_median < 0.6:
        out.append("What else costs it is not measured here.")
    # did the peers win by keeping each source's last row? (their sweeps tried first and last)
    for lib, methods in part["peers"].items():
        best = best_of(methods)
        if best is None or "rows=last" not in best[1]["setting"]:
            continue
        m, b = best
        first = [
            t
            for t in methods[m]["tried"]
            if t["status"] == "ok"
            and t["setting"] == b["setting"].replace("rows=last", "rows=first")
        ]
        if first:
            out.append(
                f"{lib} {m} wins by keeping each source's last row of an item (MAE "
                f"{b['report']['mae']:.3f}; with the first rows {first[0]['report']['mae']:.3f}): "
                "sources report an item several times and the late reports are closer. Consensus "
                "is given every report with one date, so early reports weigh as much as late ones."
            )
    return out


def render(quick: bool) -> dict:
    """Re-score consensus on the saved results (its estimates may be newer than the peers' run)
    and rewrite the JSON and the tables; the peers' numbers are kept as they are."""
    out_name = "peer_methods_quick.json" if quick else "peer_methods.json"
    payload = json.loads((_common.RESULTS / out_name).read_text())
    for name, part in payload["datasets"].items():
        if "skipped" not in part:
            score_consensus(name, part, quick)
    path = _common.write_json(out_name, payload)
    where = _common.publish("peers", markdown(payload), quick)
    print(f"re-scored consensus; wrote {path} and {where}")
    return payload


def main(argv: list[str] | None = None) -> dict | None:
    """Run the peers on the requested data sets; write JSON and the README section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a subsample and short time limits")
    ap.add_argument(
        "--only", action="append", choices=list(DATASETS), help="this data set only (repeatable)"
    )
    ap.add_argument(
        "--fit-consensus",
        action="store_true",
        help="first fit consensus once per data set and save its per-object estimates",
    )
    ap.add_argument(
        "--render",
        action="store_true",
        help="run no peer: re-score consensus from its saved estimates and rewrite the tables",
    )
    args = ap.parse_args(argv)
    names = args.only or list(DATASETS)
    if args.fit_consensus:
        fit_consensus(names)
    if args.render:  # re-scores consensus only: needs no peer
        return render(args.quick)
    if not PEERS_PYTHON.exists():
        print(
            f"[skip] peers: no environment at {PEERS_PYTHON.parent.parent} "
            "(build it with `bash benchmarks/peers/setup_env.sh`)"
        )
        return None
    t0 = time.perf_counter()
    out_name = "peer_methods_quick.json" if args.quick else "peer_methods.json"
    datasets: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            t_part = time.perf_counter()
            try:
                part = run_dataset(name, args.quick, Path(tmp))
            except FileNotFoundError:
                datasets[name] = {"skipped": f"data set {DATASETS[name]} not found"}
                continue
            part.pop("_report_items")
            part["wall_s_total"] = time.perf_counter() - t_part
            datasets[name] = score_consensus(name, part, args.quick)
    previous = _common.RESULTS / out_name
    if previous.exists() and args.only:  # keep the data sets not run this time, read as late
        # as possible so that two runs side by side (--only a, --only b) both land
        datasets = json.loads(previous.read_text()).get("datasets", {}) | datasets
    datasets = {k: datasets[k] for k in DATASETS if k in datasets}
    payload = {
        "benchmark": "peer_methods",
        "quick": args.quick,
        "command": "python benchmarks/peer_methods.py" + (" --quick" if args.quick else ""),
        "time_limit_s": TIME_LIMIT_S[args.quick],
        "split_seed": SPLIT_SEED,
        "results_file": out_name,
        "peers_env": peers_env(),
        "machine": _common.machine(),
        "wall_s": time.perf_counter() - t0,
        "datasets": datasets,
    }
    path = _common.write_json(out_name, payload)
    where = _common.publish("peers", markdown(payload), args.quick)
    print(f"wrote {path} and {where}")
    return payload


if __name__ == "__main__":
    main()
