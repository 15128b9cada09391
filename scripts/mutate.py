"""The maintained mutation run: break one line of the library at a time, see whether the tests notice.

Each mutation is a semantic one-line change a careful reviewer might fear (a
dropped error term, a flipped sign, a wrong tail), written as (file, exact old
text, new text). For each one the script copies ``src/``, ``tests/``,
``examples/`` and ``pyproject.toml`` to a scratch directory (the working tree
is never touched), applies the change there, and runs the fast tests chosen
for it (``-m "not slow" -x -p no:cacheprovider``) with the scratch copy first
on the import path. A mutation is

- *caught* when the tests fail,
- a *survivor* when they pass: a bug the fast suite would let through,
- *not applicable* when its old text is no longer in the file (the code moved
  on: rewrite the mutation for the new code).

Before the mutations the chosen tests run once unmutated; if they fail there,
the run stops (a failing baseline would make every mutation look caught).

Usage::

    .venv/bin/python scripts/mutate.py               # all mutations; rewrites tests/README.md
    .venv/bin/python scripts/mutate.py --only p_high --no-write
    .venv/bin/python scripts/mutate.py --jobs 2      # mutations in parallel

It is not part of CI. Run it before resolving any issue that touches the model,
the design, the tables or storage; it writes its result between the markers in
tests/README.md (and prints it). Exit status 1 if any mutation survives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "tests" / "README.md"
BEGIN, END = "<!-- mutate.py: begin -->", "<!-- mutate.py: end -->"
COPY = ("src", "tests", "examples", "pyproject.toml")

GUARDS = "tests/test_mutation_guards.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to src/consensus
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments: files or node ids, and options such as -k
    why: str


M = Mutation
MUTATIONS: list[Mutation] = [
    # ---------------------------------------------------------------- the seven of issue 14
    M(
        "stderr_dropped",
        "model.py",
        "        + d.stderr**2\n",
        "",
        (GUARDS, "-k", "hand_computed"),
        "a report's known stderr no longer widens its error",
    ),
    M(
        "stderr_log_multiplied",
        "design.py",
        "[se / ref, se / (ref * (1 - ref))]",
        "[se * ref, se / (ref * (1 - ref))]",
        (GUARDS, "-k", "hand_computed or delta_method"),
        "log-scale stderr multiplied by the figure instead of divided",
    ),
    M(
        "projection_sd_dropped",
        "model.py",
        "        + projection_sigma[..., s] ** 2 * (d.horizon_days / 30.0)\n",
        "",
        (GUARDS, "-k", "hand_computed"),
        "projections no longer less certain than reports of the present",
    ),
    M(
        "lone_plus_bias",
        "model.py",
        "lone_level = value[lone] - own_bias[lone] - sd[lone] * err",
        "lone_level = value[lone] + own_bias[lone] - sd[lone] * err",
        (GUARDS, "-k", "lone"),
        "a lone quantity's level adds its origin's bias instead of removing it",
    ),
    M(
        "p_high_reversed",
        "estimate.py",
        '"p_high": float((b > 0).mean())',
        '"p_high": float((b < 0).mean())',
        (GUARDS, "-k", "p_high"),
        "origins running high reported as running low",
    ),
    M(
        "at_least_p_value_tail",
        "estimate.py",
        "[2 * np.minimum(pct, 1 - pct), 1 - pct, pct]",
        "[2 * np.minimum(pct, 1 - pct), pct, pct]",
        (GUARDS, "-k", "p_values"),
        "a lower bound's p-value from the wrong tail",
    ),
    M(
        "load_ignores_vague",
        "storage.py",
        "claims = read_claims(frame, vague=vague or None, scales=config.scales)",
        "claims = read_claims(frame, vague=None, scales=config.scales)",
        (GUARDS, "-k", "vague"),
        "a fit read with a custom vague-words table cannot be loaded back",
    ),
    M(
        "bias_prior_x0.01",
        "model.py",
        'pm.HalfNormal("bias_sigma", sigma=p["bias_sd"] * unit, dims="scale")',
        'pm.HalfNormal("bias_sigma", sigma=p["bias_sd"] * unit * 0.01, dims="scale")',
        (GUARDS, "-k", "bias_prior"),
        "origins' biases held near zero by a prior 100 times too narrow",
    ),
    M(
        "bias_mean_direction_unscaled",
        "model.py",
        "z = (u - u_mean[group] + (bias_m / pt.sqrt(k_g))[group]) * present",
        "z = (u - u_mean[group] + bias_m[group]) * present",
        (GUARDS, "-k", "bias_prior"),
        "the group's average bias K times as variable a priori as the reparameterisation promises",
    ),
    M(
        "bias_deviations_not_centred",
        "model.py",
        "z = (u - u_mean[group] + (bias_m / pt.sqrt(k_g))[group]) * present",
        "z = (u + (bias_m / pt.sqrt(k_g))[group]) * present",
        (GUARDS, "-k", "bias_prior"),
        "biases' group mean counted twice: origins correlated a priori",
    ),
    # ---------------------------------------------------------------- our own
    M(
        "noise_floor_dropped",
        "model.py",
        "        + (noise_floor * d.unit[s]) ** 2\n",
        "",
        (GUARDS, "-k", "hand_computed or p_values"),
        "no floor under a report's error sd (rounded figures treated as exact)",
    ),
    M(
        "at_least_sign",
        "model.py",
        "z_lo = -(value[lo] - mu[lo]) / sd[lo]",
        "z_lo = (value[lo] - mu[lo]) / sd[lo]",
        (GUARDS, "-k", "hand_computed"),
        "a lower bound read as an upper bound in the likelihood",
    ),
    M(
        "horizon_scale",
        "model.py",
        "(d.horizon_days / 30.0)",
        "(d.horizon_days / 3.0)",
        (GUARDS, "-k", "hand_computed"),
        "projection error grows ten times too fast with the horizon",
    ),
    M(
        "walk_scale",
        "model.py",
        'p["walk_sd"] * unit_q[walking] / pt.sqrt(span)',
        'p["walk_sd"] * unit_q[walking] * pt.sqrt(span)',
        (GUARDS, "-k", "walk_and_drift"),
        "random-walk prior scaled by sqrt(span) the wrong way",
    ),
    M(
        "drift_per_step",
        "model.py",
        "drift[step_walk] * step_days + walk_sigma",
        "drift[step_walk] + walk_sigma",
        (GUARDS, "-k", "walk_and_drift"),
        "drift applied per grid step instead of per day on a coarsened grid",
    ),
    M(
        "grid_step_floor",
        "design.py",
        "math.ceil(span_days / max_steps)",
        "math.floor(span_days / max_steps)",
        (GUARDS, "-k", "walk_and_drift"),
        "coarsened grid with more steps than the cap",
    ),
    M(
        "stderr_logit_as_log",
        "design.py",
        "[se / ref, se / (ref * (1 - ref))]",
        "[se / ref, se / ref]",
        (GUARDS, "-k", "delta_method"),
        "proportions' stderr converted as if on the log scale",
    ),
    M(
        "trajectory_lower_is_50",
        "estimate.py",
        '"lower": qs[0],',
        '"lower": qs[1],',
        (GUARDS, "-k", "trajectory_and"),
        "the 90 % band's lower edge is the 50 % band's",
    ),
    M(
        "probability_below_flipped",
        "estimate.py",
        "ok &= x < below",
        "ok &= x > below",
        (GUARDS, "-k", "trajectory_and"),
        "P(below) computed as P(above)",
    ),
    M(
        "bias_factor_inverted",
        "estimate.py",
        "(np.exp(b), np.expm1(n))",
        "(np.exp(-b), np.expm1(n))",
        (GUARDS, "-k", "p_high"),
        "bias factors in the sources table inverted",
    ),
    M(
        "percentile_flipped",
        "estimate.py",
        "pct = stats.t.cdf((mid - mu) / sd, nu)",
        "pct = stats.t.cdf((mu - mid) / sd, nu)",
        (GUARDS, "-k", "p_values"),
        "a statement's percentile measured from the wrong side",
    ),
    # ---------------------------------------------------------------- soft identification, truths
    M(
        "truth_offset_sign",
        "model.py",
        '"latent", consensus - offset_q[grid_q] - shared[grid_q]',
        '"latent", consensus + offset_q[grid_q] - shared[grid_q]',
        (GUARDS, "-k", "hand_computed"),
        "the truth adds the origins' average bias instead of removing it",
    ),
    M(
        "truth_shared_sign",
        "model.py",
        '"latent", consensus - offset_q[grid_q] - shared[grid_q]',
        '"latent", consensus - offset_q[grid_q] + shared[grid_q]',
        (GUARDS, "-k", "hand_computed"),
        "the truth adds the shared error instead of removing it",
    ),
    M(
        "pinned_truth_sign",
        "model.py",
        "consensus[truth_t[pin]] - offset_q[pin_q] - truth_value[pin] - truth_sd[pin] * t_err",
        "consensus[truth_t[pin]] - offset_q[pin_q] + truth_value[pin] - truth_sd[pin] * t_err",
        ("tests/test_truths.py", "-k", "pinning_truth"),
        "a known truth pins the latent value at minus its value",
    ),
    # ---------------------------------------------------------------- exact-or-wrong claims
    M(
        "exact_prob_swapped",
        "exact.py",
        "log_pi, log_not = ops.log(prob), ops.log1p(-prob)",
        "log_pi, log_not = ops.log1p(-prob), ops.log(prob)",
        ("tests/test_exact.py", "-k", "brute_force"),
        "an origin's probability of reporting exactly read as its probability of being wrong",
    ),
    M(
        "exact_other_dropped",
        "exact.py",
        "ex.slot, log_w + log_a, log_other)",
        "ex.slot, log_w + log_a, -np.inf)",
        ("tests/test_exact.py", "-k", "brute_force"),
        'the truth can no longer be none of the claimed figures ("other")',
    ),
    M(
        "exact_bin_is_density",
        "exact.py",
        "(lo - mu) / sd, (hi - mu) / sd, lambda x: ops.t_logcdf(x, nu)",
        "(lo - mu) / sd, (lo - mu) / sd + 1e-3, lambda x: ops.t_logcdf(x, nu)",
        ("tests/test_exact.py", "-k", "brute_force or error_model_alone"),
        "an error's chance of landing on a figure no longer its rounding bin's",
    ),
    M(
        "exact_choice_not_written",
        "exact.py",
        "        out[a + rows, ex.cell_time[cells]] = ex.model_value[k[rows, cells]]\n",
        "",
        ("tests/test_exact.py", "-k", "resolve"),
        "the truth's draws keep the continuous value instead of the chosen figure",
    ),
    M(
        "exact_slots_shuffled",
        "exact.py",
        "lookup[ex.cell, ex.slot] = np.arange(len(ex.cell))",
        "lookup[ex.cell, ex.slot] = np.arange(len(ex.cell))[::-1]",
        ("tests/test_exact.py", "-k", "resolve"),
        "a draw's chosen slot maps to another figure",
    ),
    M(
        "exact_auto_default_figure",
        "exact.py",
        'varied = cells["agrees"] & (cells["figure"] != default)',
        'varied = cells["agrees"]',
        ("tests/test_exact.py", "-k", "auto"),
        "a crowd agreeing on one default answer switches exact on",
    ),
    M(
        "exact_truth_share_swapped",
        "exact.py",
        "ops.logaddexp(ops.log(rho) + log_a_t, ops.log1p(-rho) + lse[tc])",
        "ops.logaddexp(ops.log1p(-rho) + log_a_t, ops.log(rho) + lse[tc])",
        ("tests/test_exact.py", "-k", "known_truth_mixes"),
        "known truths teach the share of agreed figures that are wrong as the share that are right",
    ),
    M(
        "exact_agreement_is_truth",
        "exact.py",
        "pick[rng.random(pick.shape) >= rho] = 0",
        "pick[rng.random(pick.shape) >= 1.0] = 0",
        ("tests/test_exact.py", "-k", "resolve"),
        "the truth's draws always take the agreed figure, however often agreement was wrong",
    ),
    M(
        "exact_truth_cell_resolved",
        "exact.py",
        "        pick[:, ex.truth_cell] = 0\n",
        "",
        ("tests/test_exact.py", "-k", "truth_at_an_exact"),
        "a quantity's known truth overwritten by a claimed figure",
    ),
]


def _scratch(tmp: Path) -> Path:
    dst = tmp / "repo"
    dst.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "output", ".ipynb_checkpoints")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=skip)
        elif src.exists():
            shutil.copy2(src, dst / name)
    return dst


def _pytest(repo: Path, args: tuple[str, ...]) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(repo / "src"), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    cmd += ["-m", "not slow", *args]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr)[-3000:], time.perf_counter() - t0


def _imports_from(repo: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    code = "import consensus; print(consensus.__file__)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True
    ).stdout.strip()


def run_one(m: Mutation) -> dict:
    """Apply one mutation in a fresh scratch copy and run its tests."""
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        repo = _scratch(Path(tmp))
        path = repo / "src" / "consensus" / m.file
        text = path.read_text() if path.exists() else ""
        n = text.count(m.old)
        if n == 0:
            return {"name": m.name, "result": "not applicable (text not found)", "seconds": 0.0}
        if n > 1:
            return {
                "name": m.name,
                "result": f"not applicable (text found {n} times)",
                "seconds": 0.0,
            }
        path.write_text(text.replace(m.old, m.new))
        rc, out, secs = _pytest(repo, m.tests)
    if rc == 0:
        result = "SURVIVED"
    elif rc == 1:
        result = "caught"
    else:  # 2: interrupted or collection error, 5: no tests ran
        result = f"error (pytest exit {rc})"
    return {"name": m.name, "result": result, "seconds": round(secs, 1), "output": out}


def baseline(mutations: list[Mutation]) -> None:
    """Run every selected test once on the unmutated code; stop if any fails."""
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        repo = _scratch(Path(tmp))
        where = _imports_from(repo)
        if not where.startswith(str(repo)):
            sys.exit(f"the scratch copy is not what gets imported ({where}); cannot mutate safely")
        files = sorted({a for m in mutations for a in m.tests if a.endswith(".py")})
        rc, out, _ = _pytest(repo, tuple(files))
    if rc != 0:
        sys.exit(f"the unmutated code fails its own tests; fix that first:\n{out}")


def _git(*args: str) -> str:
    r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip()


def report(results: list[dict], seconds: float) -> str:
    by = {m.name: m for m in MUTATIONS}
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "src", "tests") else ""
    caught = sum(r["result"] == "caught" for r in results)
    survived = [r["name"] for r in results if r["result"] == "SURVIVED"]
    lines = [
        BEGIN,
        f"Written by `scripts/mutate.py` on {dt.date.today().isoformat()} at commit "
        f"`{_git('rev-parse', '--short', 'HEAD')}`{dirty}, in {seconds / 60:.1f} minutes: "
        f"**{caught} of {len(results)} mutations caught, {len(survived)} survived**"
        + (f" ({', '.join(survived)})." if survived else "."),
        "",
        "| mutation | file | what it breaks | result | tests run | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        m = by[r["name"]]
        tests = " ".join(a if a.startswith("-") else f"`{a}`" for a in m.tests)
        lines.append(
            f"| `{m.name}` | {m.file} | {m.why} | {r['result']} | {tests} | {r['seconds']} |"
        )
    lines.append(END)
    return "\n".join(lines)


def write(section: str) -> None:
    text = README.read_text() if README.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    README.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="names of the mutations to run (default: all)")
    ap.add_argument("--jobs", type=int, default=1, help="mutations run in parallel")
    ap.add_argument("--no-write", action="store_true", help="print only; leave tests/README.md")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    if args.list or not chosen:
        for m in MUTATIONS:
            print(f"{m.name:28} {m.file:12} {m.why}")
        return 0
    t0 = time.perf_counter()
    if not args.no_baseline:
        baseline(chosen)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = []
        for r in pool.map(run_one, chosen):
            print(f"{r['name']:28} {r['result']:34} {r['seconds']:7.1f} s", flush=True)
            if r["result"].startswith("error"):
                print(r["output"], flush=True)
            results.append(r)
    section = report(results, time.perf_counter() - t0)
    if not args.no_write and not args.only:
        write(section)
    print(section)
    return 1 if any(r["result"] == "SURVIVED" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
