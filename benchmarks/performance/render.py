"""The README sections (``performance`` and ``fit_many``) from the results, measured or saved."""

from __future__ import annotations

from _common import md_table

from .cases import scaling_size
from .settings import DESIGN_AIM_S, MANY, READ_RATIO_AIM, SAMPLERS, SECTIONS


def markdown(results: dict, quick: bool) -> str:
    """The README section: one table per measurement, each with its machine, and the caveats."""
    parts = [
        f"Written by `python benchmarks/performance.py{' --quick' if quick else ''}`"
        + (" — **a quick smoke run: the numbers are not comparable.**" if quick else ".")
        + " The machine has 2 cores and other jobs (tests, the accuracy benchmark) may have "
        "run beside it, so times are noisy (easily ±20 %); each item was measured once, in a "
        "fresh process, rather than repeated.",
    ]
    render = {
        "seed": _md_seed,
        "samplers": _md_samplers,
        "peers": _md_peers,
        "scaling": _md_scaling,
        "reading": _md_reading,
    }
    for section in SECTIONS:
        if section in results:
            text = render[section](results[section])
            head, _, body = text.partition("\n\n")
            parts.append(f"{head}\n\n{machine_line(results[section]['machine'])}\n\n{body}")
    return "\n\n".join(parts)


def machine_line(m: dict) -> str:
    return (
        f"*Measured on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), Python "
        f"{m['python']}, PyMC {m['pymc']}, commit {m['commit']}, {m['when']}.*"
    )


def _md_seed(s: dict) -> str:
    cfg = s["settings"]
    rows = [
        {
            "run": label,
            "process (s)": s[label].get("process_s"),
            "import (s)": s[label].get("import_s"),
            "fit() (s)": s[label].get("fit_s"),
            "of which sampling (s)": s[label].get("sampling_s"),
        }
        for label in ("cold", "warm")
        if label in s
    ]
    sampler = s.get("warm", s.get("cold", {})).get("sampler", "?")
    return (
        f"### Seed example: {cfg['chains']} chains x {cfg['draws']} draws ({sampler})\n\n"
        "Cold: a new process with empty PyTensor and Numba compile caches; warm: a new process "
        "with the caches the cold run filled. `process` is the whole `python -c` run.\n\n"
        + md_table(rows, list(rows[0]), {k: ".1f" for k in rows[0] if k != "run"})
        + _seed_comment(s)
    )


def _seed_comment(s: dict) -> str:
    """What the cold/warm numbers say."""
    cold, warm = s.get("cold", {}), s.get("warm", {})
    if not ("fit_s" in cold and "fit_s" in warm):
        return ""
    setup = warm["fit_s"] - warm["sampling_s"]
    return (
        f"\n\nThe warm caches save {cold['fit_s'] - warm['fit_s']:.1f} s. Of the warm `fit()`, "
        f"{warm['sampling_s']:.1f} s is sampling and {setup:.1f} s is building and compiling "
        "the model (PyTensor gradients, then Numba for nutpie, which nothing caches across "
        "processes), so on a small input the compile is nearly the whole wait."
    )


def _md_samplers(s: dict) -> str:
    size, cfg = s["size"], s["settings"]
    rows = []
    for name, r in s["results"].items():
        rows.append(
            {
                "sampler": name,
                "min bulk ESS": r.get("ess_bulk_min"),
                "sampling (s)": r.get("sampling_s"),
                "ESS/s": r.get("ess_per_s"),
                "compile etc. (s)": r.get("compile_s"),
                "total (s)": r.get("total_s"),
                "max R-hat": r.get("rhat_max"),
                "divergences": r.get("divergences"),
                "mean tree depth": r.get("tree_depth_mean"),
                "steps/draw": r.get("steps_per_draw"),
            }
        )
    n_st = next((r.get("statements") for r in s["results"].values() if r.get("statements")), "?")
    fmt = {
        "min bulk ESS": ".0f",
        "sampling (s)": ".1f",
        "ESS/s": ".2f",
        "compile etc. (s)": ".1f",
        "total (s)": ".1f",
        "max R-hat": ".3f",
        "mean tree depth": ".1f",
        "steps/draw": ".0f",
    }
    return (
        f"### Samplers: ESS per second ({n_st} statements)\n\n"
        f"`cs.simulate(n_quantities={size['n_quantities']}, n_origins={size['n_origins']}, "
        f"claims_per_quantity={size['claims_per_quantity']}, ...)` (every kind of statement, "
        f"relays, projections; benchmarks/performance.py `CASE`), {cfg['chains']} chains x "
        f"{cfg['draws']} draws after {cfg['tune']} tuning steps. ESS: the smallest bulk ESS over "
        "the latent values and the biases; ESS/s divides it by the sampling wall time (warm-up "
        "and draws, all chains); steps/draw: leapfrog steps (gradient evaluations) per kept draw. `compile etc.` is the rest of `fit`: building the model, "
        "compiling (numpyro: its JIT, timed by a tiny run), post-processing. numpyro runs its "
        "chains one after another on one CPU device, as `fit` calls it; nutpie and pymc run 2 "
        "chains at a time.\n\n" + md_table(rows, list(rows[0]), fmt) + "\n\n" + default_choice(s)
    )


def default_choice(s: dict) -> str:
    """Which sampler should be the default, and why, from the numbers."""
    from consensus import DEFAULT_SAMPLER

    res = {k: v for k, v in s["results"].items() if v.get("ess_per_s")}
    if not res:
        return "No sampler produced a result."
    best = max(res, key=lambda k: res[k]["ess_per_s"])
    others = [k for k in res if k != best]
    speedup = ", ".join(
        f"{res[best]['ess_per_s'] / res[k]['ess_per_s']:.1f}x {k}'s" for k in others
    )
    text = (
        f"**Default sampler: `{best}`.** It gives the most effective draws per second of "
        f"sampling ({res[best]['ess_per_s']:.2f} ESS/s{', ' + speedup if speedup else ''}). "
        "Compile costs are of the same order for all three (tens of seconds, mostly PyTensor "
        "building the gradient of the Student-t log-CDF), so the sampling rate decides on "
        "inputs of any size. nutpie runs its chains as parallel threads of a compiled "
        "(Numba) log-density; the `pymc` sampler drives NUTS from Python; numpyro, as `fit` "
        "calls it, runs its chains one after another on the one CPU device JAX sees."
    )
    for name in SAMPLERS:
        r = s["results"].get(name, {})
        if r.get("timed_out"):
            text += f" `{name}` was stopped at the {s['cap_s']} s cap: it is slower still."
    if best != DEFAULT_SAMPLER:
        text += (
            f" The library default is `{DEFAULT_SAMPLER}`: these numbers favour `{best}` "
            "(one noisy run: confirm before changing it)."
        )
    return text


def _md_peers(p: dict) -> str:
    rows = []
    labels = {
        "consensus": f"consensus (`build_model`, {p['sampler']})",
        "stan": "Stan (PyStan 3, consensus.stan)",
        "naive_pymc": f"straightforward PyMC (naive_pymc.py, {p['sampler']})",
    }
    for key, label in labels.items():
        r = p.get(key, {})
        rows.append(
            {
                "implementation": label,
                "min bulk ESS": r.get("ess_bulk_min"),
                "sampling (s)": r.get("sampling_s"),
                "ESS/s": r.get("ess_per_s"),
                "compile (s)": r.get("compile_s"),
                "max R-hat": r.get("rhat_max"),
                "divergences": r.get("divergences"),
                "mean tree depth": r.get("tree_depth_mean"),
                "steps/draw": r.get("steps_per_draw"),
                "consensus ESS/s ÷ this": p.get(f"ratio_vs_{key}") if key != "consensus" else 1.0,
                "note": _note(r),
            }
        )
    fmt = {
        "min bulk ESS": ".0f",
        "sampling (s)": ".1f",
        "ESS/s": ".2f",
        "compile (s)": ".1f",
        "max R-hat": ".3f",
        "mean tree depth": ".1f",
        "steps/draw": ".0f",
        "consensus ESS/s ÷ this": ".2f",
    }
    r_stan, r_naive = p.get("ratio_vs_stan"), p.get("ratio_vs_naive_pymc")

    def verdict(ratio, aim):
        if ratio is None:
            return "not measured"
        return f"{ratio:.2f}x: {'met' if ratio >= aim else 'NOT met'}"

    return (
        "### Peers: the same model elsewhere\n\n"
        f"`cs.simulate(n_quantities={p['size']['n_quantities']}, n_origins="
        f"{p['size']['n_origins']}, claims_per_quantity={p['size']['claims_per_quantity']}, ...)` "
        f"(same `CASE` as above, smaller: Stan is too slow on this model for the standard case "
        f"within the time budget), {p['settings']['chains']} chains x {p['settings']['draws']} "
        f"draws after {p['settings']['tune']} tuning steps for all three, each stopped at "
        f"{p['cap_s']} s. Stan: the same model written from "
        "model.py's maths (same priors, non-centred, anchored, Student-t, censored terms with "
        "`student_t_lcdf/lccdf`, ranges with `log_diff_exp`), fed the same `Design` arrays, "
        "4 chains on 2 worker processes, `adapt_delta` 0.9. Straightforward PyMC: centred "
        "`GaussianRandomWalk` per quantity (no anchoring), centred biases and log-noise, "
        "`pm.Censored` bounds, one vectorised term per kind.\n\n"
        + md_table(rows, list(rows[0]), fmt)
        + f"\n\nAims: ESS/s at least Stan's: {verdict(r_stan, 1.0)}; at least 3x the "
        f"straightforward PyMC model's: {verdict(r_naive, 3.0)}."
    )


def error_summary(error: str) -> str:
    """One line for a failure's message."""
    if "is NaN" in error or "NaN occurred" in error:
        return "the ADVI optimisation diverged (parameters became NaN)"
    lines = [x for x in error.strip().splitlines() if x.strip()]
    return (lines[-1] if lines else "unknown error")[:160]


def _note(r: dict) -> str:
    if r.get("timed_out"):
        return f"stopped at the cap ({r['process_s']:.0f} s)"
    if r.get("skipped"):
        return str(r["skipped"])
    if "error" in r:
        return "failed: " + error_summary(r["error"])
    return "C++ build cached" if r.get("compile_cached") else ""


def _largest_size_comment(s: dict) -> str:
    """Whether the largest size got a fit, and within the 15-minute aim."""
    n_max = max(r["n"] for r in s["rows"])
    ok = [r for r in s["rows"] if r["n"] == n_max and "fit_s" in r]
    if ok:
        best = min(ok, key=lambda r: r["fit_s"])
        met = "met" if best["process_s"] < 900 else "NOT met"
        return (
            f"\nAt {n_max:,} statements the fastest fit ({best['method']}) took "
            f"{best['process_s'] / 60:.1f} min in all: the 15-minute aim is {met}."
        )
    return (
        f"\nAt {n_max:,} statements no method produced a fit here (see the notes), so the "
        "15-minute aim at 10^5 is NOT met as the library stands."
    )


def _approximation_aim(s: dict, comparisons: list[dict]) -> str:
    """Issue 11's aim for large inputs: 10^5 in 2 min; at 10^4 medians within 0.25 NUTS sd
    and 90 % widths within 15 % of NUTS'."""
    big = [r for r in s["rows"] if r["method"] == "advi" and r["n"] >= 100_000 and "fit_s" in r]
    at4 = [
        a
        for a in comparisons
        if a["n"] == 10_000
        and a["iterations"] == s["advi_iterations"]
        and "median_error_sd_max" in a
    ]
    parts = []
    if big:
        t = big[0]["fit_s"]
        parts.append(
            f"10^5 statements in {t / 60:.1f} min (aim 2 min: {'met' if t <= 120 else 'not met'})"
        )
    if at4:
        a = at4[0]
        med_ok = a["share_median_within_0_25_sd"] == 1.0
        width_ok = abs(a["width_ratio_90_median"] - 1) <= 0.15
        parts.append(
            f"at 10^4, {a['share_median_within_0_25_sd']:.0%} of medians within 0.25 NUTS sd "
            f"(largest {a['median_error_sd_max']:.2f} sd; aim all: {'met' if med_ok else 'not met'}) "
            f"and 90 % widths {a['width_ratio_90_median']:.2f} x NUTS' (aim within ±15 %: "
            f"{'met' if width_ok else 'not met'})"
        )
    if not parts:
        return "Aim for large inputs (issue 11): not measured in this run."
    return "Aim for large inputs (issue 11), mean-field ADVI: " + "; ".join(parts) + "."


def _md_scaling(s: dict) -> str:
    rows = []
    for r in s["rows"]:
        size = scaling_size(r["n"])
        rows.append(
            {
                "statements": r.get("statements", r["n"]),
                "quantities": r.get("n_quantities", size["n_quantities"]),
                "origins": r.get("n_origins", size["n_origins"]),
                "method": r["method"],
                "fit() (s)": r.get("fit_s"),
                "sampling (s)": r.get("sampling_s") if r["method"] == "nuts" else None,
                "process (s)": r.get("process_s"),
                "peak RSS (MiB)": r.get("peak_rss_mib"),
                "min bulk ESS": r.get("ess_bulk_min"),
                "note": "skipped: a smaller size passed the cap"
                if r.get("skipped") is True
                else _note(r),
            }
        )
    fmt = {
        "fit() (s)": ".1f",
        "sampling (s)": ".1f",
        "process (s)": ".1f",
        "peak RSS (MiB)": ".0f",
        "min bulk ESS": ".0f",
    }
    cfg = s["nuts_settings"]

    def f(x):
        return "–" if x is None else f"{x:.2f}"

    sl = s["slopes"]
    text = [
        "### Scaling: 10^2 to 10^5 statements\n",
        f"Sizes grow with quantities ~ n^{s['q_exponent']} and origins ~ n^{s['o_exponent']} "
        "(5 and 40 at 2,000 statements), 180 days each (`scaling_size`). NUTS: default sampler, "
        f"{cfg['chains']} chains x {cfg['draws']} draws after {cfg['tune']} tuning steps, "
        f"stopped at {s['nuts_cap_s']} s, at {', '.join(f'{n:,}' for n in s['nuts_sizes'])} "
        f"statements; ADVI (`fit(method='advi')`, mean-field, {s['advi_iterations']:,} "
        f"Adam steps at learning rate 0.01 then {s['advi_iterations'] // 2:,} at 0.001, "
        f"stopped at {s['advi_cap_s']} s) at "
        f"{', '.join(f'{n:,}' for n in s['advi_sizes'])} (the time budget of the whole run: NUTS "
        "is not tried beyond 10^4). `fit()` is the call; `process` adds start-up and imports. "
        "Peak RSS: the largest process of the fit's process tree.\n",
        md_table(rows, list(rows[0]), fmt),
        "",
        f"Slope of log(time) on log(n): NUTS fit {f(sl['nuts']['fit_s'])} "
        f"(from 10^3 up: {f(sl['nuts']['fit_s_from_1000'])}; sampling alone "
        f"{f(sl['nuts']['sampling_s'])}); ADVI fit {f(sl['advi']['fit_s'])} "
        f"(from 10^3 up: {f(sl['advi']['fit_s_from_1000'])}). Aim: at most 1.1.",
        _largest_size_comment(s),
    ]
    comparisons = s.get("advi_vs_nuts") or []
    if comparisons:

        def fit_s(a: dict):
            if "fit_s" in a:
                return a["fit_s"]
            first = [r for r in s["rows"] if r["method"] == "advi" and r["n"] == a["n"]]
            return first[0].get("fit_s") if first else None

        rows = [
            {
                "statements": a["n"],
                "ADVI steps (first stage)": a["iterations"],
                "fit() (s)": fit_s(a),
                "NUTS mean 90 % width": a["nuts_mean_width_90"],
                "RMSE of medians": a["rmse_median"],
                "largest error": a["max_abs_median_error"],
                "median error ÷ NUTS sd (median / largest)": (
                    f"{a['median_error_sd_median']:.2f} / {a['median_error_sd_max']:.2f}"
                    if "median_error_sd_max" in a
                    else None
                ),
                "share within 0.25 sd": a.get("share_median_within_0_25_sd"),
                "90 % width ÷ NUTS' (median)": a["width_ratio_90_median"],
                "share of widths within ±15 %": a.get("share_width_within_15_percent"),
            }
            for a in comparisons
        ]
        fmt = {k: ".3f" for k in rows[0]} | {
            "statements": ",",
            "ADVI steps (first stage)": ",",
            "fit() (s)": ".1f",
            "share within 0.25 sd": ".2f",
            "share of widths within ±15 %": ".2f",
        }
        text += [
            "",
            "ADVI against NUTS on the latent values (model scale: log, so 0.1 is about 10 %; "
            "NUTS' posterior sd of each value read as its 90 % width / 3.29). NUTS here has "
            f"{cfg['chains']} x {cfg['draws']} draws, so its own quantiles carry Monte Carlo "
            "error of a few per cent:",
            "",
            md_table(rows, list(rows[0]), fmt),
            "",
            _approximation_aim(s, comparisons),
        ]
    return "\n".join(text)


def _md_reading(s: dict) -> str:
    rows = s["results"]
    table = md_table(
        rows,
        ["rows", "statements", "read_csv_s", "read_claims_s", "ratio", "figures_read_claims_s",
         "figures_ratio", "design_s"],
        {
            "read_csv_s": ".3f",
            "read_claims_s": ".3f",
            "ratio": ".1f",
            "figures_read_claims_s": ".3f",
            "figures_ratio": ".1f",
            "design_s": ".3f",
        },
    )  # fmt: skip
    big = max(rows, key=lambda r: r["rows"])
    worst = max(big["ratio"], big["figures_ratio"])
    verdict = (
        f"At {big['rows']:,} rows `read_claims` takes {big['read_claims_s']:.2f} s, "
        f"{big['ratio']:.1f} x `read_csv` ({big['figures_ratio']:.1f} x with every figure as "
        f"text): the aim of at most {READ_RATIO_AIM:g} x at 10^5 rows is "
        f"{'met' if worst <= READ_RATIO_AIM else 'missed'}; `design()` takes "
        f"{big['design_s']:.2f} s (aim {DESIGN_AIM_S:g} s: "
        f"{'met' if big['design_s'] <= DESIGN_AIM_S else 'missed'}). On small files the ratio "
        "is larger: read_claims then costs a fixed few tenths of a second of pandas calls "
        "(one per column and check), which read_csv of a tiny file does not."
    )
    return (
        "### Reading claims\n\n"
        "Simulated claims (`CASE`, 10 quantities, 40 origins; relays included), cut to the "
        "given number of rows and written to CSV; times in seconds, best of 3 runs (2 at "
        "10^5) in one process. `read_csv` is `pandas.read_csv(path, dtype=str, "
        "keep_default_na=False)`, as read_claims calls it; `ratio` = read_claims / read_csv. "
        "The *figures* columns read the same claims with kind/value/low/high blank and every "
        "figure written as text (`format_figure`), so that each is parsed (once per distinct "
        "phrase). `design_s`: `Claims.design()` on the claims read.\n\n"
        f"{table}\n\n{verdict}"
    )


def md_fit_many(s: dict) -> str:
    import statistics

    rows = []
    for r in s["runs"]:
        times = r.get("per_topic_s") or []
        rows.append(
            {
                "run": r["label"],
                "topics": r.get("topics", s["topics"]),
                "workers": r["workers"],
                "wall (s)": r.get("wall_s"),
                "topics/min": r.get("topics_per_min"),
                "first topic (s)": times[0] if times else None,
                "later topics, median (s)": statistics.median(times[1:]) if times[1:] else None,
                "failed": r.get("failed", "–"),
                "note": "stopped at the cap" if r.get("timed_out") else (
                    error_summary(r["error"]) if r.get("error") else ""
                ),
            }
        )  # fmt: skip
    table = md_table(
        rows,
        list(rows[0]),
        {
            k: ".1f"
            for k in ("wall (s)", "topics/min", "first topic (s)", "later topics, median (s)")
        },
    )
    m, f = s["machine"], s["settings"]["quick_fit" if s["quick"] else "fit"]
    lines = [
        "### Many topics: `fit_many` on Dask",
        "",
        machine_line(m),
        "",
        f"{s['topics']} simulated topics (`many_topics`: one quantity over 90 days, 6 origins, "
        f"20-60 claims with 10 % at_least and 10 % ranges), each fitted with {f['chains']} chains "
        f"x {f['draws']} draws after {f['tune']} tuning steps and saved as `<topic>.nc`. "
        "`loop`: one fresh process calling `fit` (its defaults: chains in parallel, no shape "
        "buckets) then `to_netcdf` per topic, on the first "
        f"{s['settings'].get('loop_topics', s['topics'])} topics only: each compiles its own "
        "model. `fit_many`: a fresh process starting a LocalCluster of single-threaded "
        "worker processes (its start is in the wall time), chains one after another in each "
        "worker and `fit(buckets=True)` (fit_many's defaults: the parallelism is across "
        "topics, and a model compiled for one topic serves every later topic of its worker "
        "whose claims fall in the same shape buckets). Per-topic times: as "
        "each topic's own clock saw them (for fit_many, in its worker), in input order; the "
        "first topic of a process is the one that pays for anything compiled or imported once.",
    ]
    if s["topics"] < MANY["topics"] and not s["quick"]:
        each = statistics.median(t for r in s["runs"] for t in r.get("per_topic_s") or [])
        lines += [
            "",
            f"**{s['topics']} topics, not {MANY['topics']}**: a topic took "
            f"{each:.0f} s here (median over all runs; mostly building and compiling the "
            "model, as the seed example above shows), so the full set would take hours per "
            "run; the rates per minute are what the smaller set measured.",
        ]
    lines += ["", table, ""]
    by = {r["label"]: r for r in s["runs"]}
    loop = by.get("loop", {})
    best = max(
        (r for r in s["runs"] if r["label"] != "loop" and r.get("topics_per_min")),
        key=lambda r: r["topics_per_min"],
        default=None,
    )
    if loop.get("topics_per_min") and best:
        lines.append(
            f"{best['label']}: {best['topics_per_min']:.2f} topics per minute against the "
            f"loop's {loop['topics_per_min']:.2f} ({best['topics_per_min'] / loop['topics_per_min']:.2f} x)."
        )  # fmt: skip
    rate = {r["workers"]: r["topics_per_min"] for r in s["runs"] if r["label"] != "loop" and r.get("topics_per_min")}  # fmt: skip
    if 1 in rate and 2 in rate:
        lines.append(
            f"The second worker gives {rate[2] / rate[1]:.2f} x the topics per minute of one."
        )
    times = loop.get("per_topic_s") or []
    one = by.get("fit_many, 1 worker", {}).get("per_topic_s") or []
    if times and len(one) > 1:
        later = statistics.median(one[1:])
        lines.append(
            f"Compile reuse: without it (the loop) a topic took {statistics.median(times):.1f} s "
            f"(median); with it (one fit_many worker, after its first topic) {later:.1f} s "
            f"(median), {statistics.median(times) / later:.0f} x less. Slower topics in the "
            "worker are those that opened a new shape bucket and compiled (first topic: "
            f"{one[0]:.1f} s; slowest later one: {max(one[1:]):.1f} s)."
        )
    before, after = s["load_average_before"], s["load_average_after"]
    lines.append(
        f"Load average (1 min) of the machine: {before[0]:.1f} before, {after[0]:.1f} after "
        "(other jobs share the cores: times are slower and noisier than on an idle machine)."
    )
    return "\n".join(lines)
