"""The HTML report of a fit, and the files the command line writes next to it.

`render_report` turns an `Estimate`'s tables and plots into one self-contained
HTML page: styles inline, charts as inline base64 PNG, no script, nothing
fetched (a Content-Security-Policy in the page forbids it), so it opens
offline and can be mailed. Every string from the data goes through Jinja2's
autoescaping. `write_tables` writes the tables as CSV for spreadsheets, with
formula-like text cells defused (`spreadsheet_safe`); the lossless record of a
fit stays its netCDF file.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import DEFAULT_PROB
from .words import ICD203, estimative, percent

if TYPE_CHECKING:
    from .estimate import Estimate

__all__ = [
    "number",
    "render_report",
    "spreadsheet_safe",
    "write_plots",
    "write_report",
    "write_tables",
]

#: How many of the most surprising claims the report lists.
N_SURPRISING = 6
#: Below this p-value a claim is flagged as surprising in the report.
SURPRISING_P = 0.05


# ------------------------------------------------------------------ numbers
def number(x: float, digits: int = 3) -> str:
    """A number for reading: ``digits`` significant figures, thousands separated.

    ``number(7123.4) == "7,120"``, ``number(0.04567) == "0.0457"``. The
    tables (CSV, `Estimate`) keep every digit; the report rounds because four
    significant figures of a troop count would claim a precision no source has.
    """
    if x is None or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= digits - 1:  # a whole number once rounded
        return f"{round(x, digits - 1 - magnitude):,.0f}"
    return f"{x:.{digits - 1 - magnitude}f}"


# ------------------------------------------------------------------ CSV for spreadsheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _defuse(cell: object) -> object:
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    if _NUMBER.match(cell.strip()):  # "-5" or "+1.5e3" is a number, not a formula
        return cell
    return "'" + cell


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas.

    Following OWASP's advice on CSV injection, a text cell starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, which spreadsheets show as text. Numbers (numeric columns, and
    text such as ``"-5"``) stay as they are. Column names are treated alike.
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(_defuse)
    out.columns = [_defuse(str(c)) for c in out.columns]
    return out


def _slug(name: str) -> str:
    """A file-name-safe form of a quantity name (never a path)."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-")
    return s[:80] or "quantity"


def _file_stems(quantities: Sequence[str]) -> dict[str, str]:
    stems: dict[str, str] = {}
    for i, q in enumerate(quantities):
        s = _slug(q)
        stems[q] = s if s not in stems.values() else f"{s}_{i + 1}"
    return stems


def write_tables(est: Estimate, out_dir: str | Path, prob: float = DEFAULT_PROB) -> list[Path]:
    """Write ``trajectory.csv`` (every quantity), ``sources.csv``, ``claims.csv`` and, in fits
    with exact-or-wrong quantities, ``candidates.csv`` (`Estimate.candidates` of each).

    Text cells are made `spreadsheet_safe`; for an exact record use the
    netCDF file (`Estimate.to_netcdf`). Returns the paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    traj = pd.concat(
        [est.trajectory(q, prob).assign(quantity=q) for q in est.quantities], ignore_index=True
    )
    traj = traj[["quantity", *[c for c in traj.columns if c != "quantity"]]]
    tables = {
        "trajectory.csv": traj,
        "sources.csv": est.sources(prob),
        "claims.csv": est.claims(),
    }
    if est.config.exact:
        tables["candidates.csv"] = pd.concat(
            [est.candidates(q).assign(quantity=q) for q in est.config.exact], ignore_index=True
        )[["quantity", "date", "candidate", "value", "probability", "statements"]]
    paths = []
    for name, df in tables.items():
        spreadsheet_safe(df).to_csv(out / name, index=False)
        paths.append(out / name)
    return paths


def write_plots(est: Estimate, out_dir: str | Path, prob: float = DEFAULT_PROB) -> list[Path]:
    """Write each quantity's trajectory and the source biases as PNG and SVG.

    Files: ``trajectory_<quantity>.{png,svg}`` (the name made file-safe) and
    ``sources.{png,svg}`` (one per scale group, ``sources_<scale>``, if there
    are several). Returns the paths written.
    """
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        f"trajectory_{stem}": est.plot_trajectory(q, prob=prob)
        for q, stem in _file_stems(est.quantities).items()
    }
    scales = list(dict.fromkeys(est.sources(prob)["scale"]))
    for s in scales:
        name = "sources" if len(scales) == 1 else f"sources_{s}"
        figures[name] = est.plot_sources(prob=prob, scale=s)
    paths = []
    for stem, fig in figures.items():
        for ext in ("png", "svg"):
            fig.savefig(out / f"{stem}.{ext}", dpi=130)
            paths.append(out / f"{stem}.{ext}")
        plt.close(fig)
    return paths


# ------------------------------------------------------------------ the report's content
def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _day(ts) -> str:
    return pd.Timestamp(ts).strftime("%-d %b %Y")


def _describe(s: pd.Series) -> str:
    """A statement's figure: as written if given, else from its kind and numbers."""
    if s["figure"]:
        return str(s["figure"])
    if s["kind"] == "range":
        return f"{number(s['low'])} to {number(s['high'])}"
    words = {"point": "", "at_least": "at least ", "at_most": "at most "}[s["kind"]]
    return words + number(s["value"])


@dataclass(frozen=True)
class _Axis:
    """A shared horizontal axis for the drawn bias intervals of one scale group."""

    log: bool
    lo: float
    hi: float
    width: float = 200.0

    def x(self, v: float) -> float:
        if self.log:
            v, lo, hi = math.log(v), math.log(self.lo), math.log(self.hi)
        else:
            lo, hi = self.lo, self.hi
        return round(6 + (self.width - 12) * (v - lo) / (hi - lo), 1)

    def ticks(self) -> list[tuple[float, str]]:
        if self.log:
            cands = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]
            vals = [c for c in cands if self.lo <= c <= self.hi]
        else:
            vals = [float(v) for v in np.linspace(self.lo, self.hi, 5)]
        return [(self.x(v), f"{v:g}" if self.log else number(v, 2)) for v in vals]


def _axis(rows: pd.DataFrame, log: bool) -> _Axis:
    none = 1.0 if log else 0.0
    vals = np.r_[rows[["bias", "bias_lower", "bias_upper"]].to_numpy(float).ravel(), none]
    vals = vals[np.isfinite(vals)]
    if log:
        lo, hi = float(vals.min()) / 1.15, float(vals.max()) * 1.15
    else:
        pad = 0.08 * (float(vals.max() - vals.min()) or 1.0)
        lo, hi = float(vals.min()) - pad, float(vals.max()) + pad
    return _Axis(log=log, lo=lo, hi=hi)


_BASIS = {
    "truths": "calibrated against known truths",
    "reference": "reference: assumed unbiased",
    "track record": "calibrated by its track record",
    "relative": "relative to the average origin",
}


def _sources(est: Estimate, prob: float) -> list[dict[str, Any]]:
    src = est.sources(prob)
    reference = set(est.config.reference)
    groups = []
    for scale, rows in src.groupby("scale", sort=False):
        log = scale == "log"
        axis = _axis(rows, log)
        items = []
        for _, r in rows.iterrows():
            basis = r.get("basis", "relative")
            if r["source"] in reference:
                basis_text = _BASIS["reference"]
            elif not r["bias_estimated"]:
                basis_text = "alone on its quantities: no bias can be estimated"
            else:
                basis_text = _BASIS.get(basis, str(basis))
            p_high = r["p_high"]
            items.append(
                {
                    "rank": "" if pd.isna(r["rank"]) else int(r["rank"]),
                    "origin": r["source"],
                    "n_claims": int(r["n_claims"]),
                    "n_statements": int(r["n_statements"]),
                    "bias": number(r["bias"]),
                    "bias_value": repr(float(r["bias"])),
                    "lower": number(r["bias_lower"]),
                    "upper": number(r["bias_upper"]),
                    "estimated": bool(r["bias_estimated"]),
                    "x": axis.x(r["bias"]),
                    "x_lo": axis.x(r["bias_lower"]),
                    "x_hi": axis.x(r["bias_upper"]),
                    "calibrated": bool(r.get("calibrated", False)),
                    "basis": basis_text,
                    "high": "" if pd.isna(p_high) else estimative(float(p_high)),
                    "noise": (f"±{percent(min(r['noise'], 1.0))}" if log else number(r["noise"])),
                }
            )
        groups.append(
            {
                "scale": scale,
                "log": log,
                "axis": axis,
                "none_x": axis.x(1.0 if log else 0.0),
                "ticks": axis.ticks(),
                "rows": items,
            }
        )
    return groups


def _notes(est: Estimate) -> dict[int, str]:
    """Each statement's notes (from the rows carrying it), joined."""
    t = est.claims_data.table
    t = t[(t["note"] != "") & ~t["duplicate"]]
    return {
        int(k): " · ".join(dict.fromkeys(g["note"])) for k, g in t.groupby("statement", sort=False)
    }


def _claim_rows(claims: pd.DataFrame, notes: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for _, s in claims.iterrows():
        projection = s["as_of"] > s["date"]
        rows.append(
            {
                "date": _day(s["date"]),
                "as_of": _day(s["as_of"]) if projection else "",
                "origin": s["origin"],
                "carriers": s["carriers"].split("; "),
                "n_carriers": int(s["n_carriers"]),
                "figure": _describe(s),
                "note": notes.get(int(s["statement"]), ""),
                "p_value": s["p_value"],
                "p_text": percent(float(s["p_value"])),
                "quantity": s["quantity"],
                "expected": number(s["expected"]),
                "truth": number(s["truth_median"]),
                "low_p": s["p_value"] < SURPRISING_P,
            }
        )
    return rows


def _diagnostics(est: Estimate) -> dict[str, Any]:
    cfg = est.config
    if cfg.method != "nuts":
        return {
            "ok": None,
            "text": (
                f"This is an approximate fit ({cfg.method}): it has no convergence diagnostics, "
                "and its intervals are usually too narrow. Refit with NUTS before relying on them."
            ),
            "problems": [],
            "advice": "",
        }
    from .diagnostics import ESS_PER_CHAIN_MIN, RHAT_MAX

    d = est.diagnostics
    ess = min(d.ess_bulk_min, d.ess_tail_min)
    parts = []
    if d.chains > 1:
        parts.append(
            f"the {d.chains} independent chains agree (largest R-hat {d.rhat_max:.3f}; "
            f"below {RHAT_MAX} is the usual bar)"
            if d.rhat_max < RHAT_MAX
            else f"the {d.chains} chains disagree (largest R-hat {d.rhat_max:.3f}; "
            f"it should be below {RHAT_MAX})"
        )
    parts.append(
        f"every monitored value has at least {ess:,.0f} effective draws "
        f"(want {ESS_PER_CHAIN_MIN * d.chains:,} or more)"
        if ess >= ESS_PER_CHAIN_MIN * d.chains
        else f"some values have only {ess:,.0f} effective draws "
        f"(want {ESS_PER_CHAIN_MIN * d.chains:,} or more)"
    )
    parts.append(
        "there were no divergent transitions"
        if not d.divergences
        else f"there were {d.divergences} divergent transitions"
    )
    text = "; ".join(parts)
    return {
        "ok": d.ok,
        "text": text[0].upper() + text[1:] + ".",
        "problems": d.problems,
        "advice": d.advice() if not d.ok else "",
    }


def _limits(est: Estimate, heads: pd.DataFrame, sources: pd.DataFrame) -> list[str]:
    """What this particular data cannot support, in sentences."""
    out = []
    single = heads.loc[heads["n_statements"] == 1, "quantity"].tolist()
    if single:
        out.append(
            f"{len(single)} of {len(heads)} quantities rest on a single statement. Their "
            "estimate is that statement read through its origin's habits; nothing checks it."
        )
    alone = sources.loc[
        ~sources["bias_estimated"] & ~sources["source"].isin(est.config.reference), "source"
    ].tolist()
    if alone:
        out.append(
            f"{len(alone)} origin{'s' if len(alone) != 1 else ''} alone report their "
            "quantities, so whether they run high or low cannot be told from these data."
        )
    st = est.claims_data.statements
    n_proj = int((st["as_of"] > st["date"]).sum())
    if n_proj:
        out.append(
            f"{n_proj} statement{'s are projections' if n_proj != 1 else ' is a projection'} "
            "(a figure for a later date). After the latest report, the estimate rests on "
            "projections and on the model's random walk alone, and widens accordingly."
        )
    if not ("calibrated" in sources and sources["calibrated"].any()):
        out.append(
            "No figure here is checked against a known true value. If every source "
            "overstates, so does the estimate: agreement between sources is not accuracy."
        )
    out.append(
        "Origins that copy each other without saying so are counted as independent; "
        "only relays recorded in the claims (the cites column) are counted once."
    )
    return out


def _leaning(sources: pd.DataFrame, reference: list[str]) -> list[dict[str, Any]]:
    """Origins that likely run high or low (P > 0.8 either way), most certain first."""
    out = []
    for _, r in sources.dropna(subset=["p_high"]).iterrows():
        p_high = float(r["p_high"])
        p = max(p_high, 1 - p_high)
        if p <= 0.8:
            continue
        basis = r.get("basis", "relative")
        against = {
            "relative": "the average origin",
            "truths": "the known truths",
            "track record": "the truth (by its track record)",
        }.get(basis, ", ".join(reference) or "the reference")
        out.append(
            {
                "origin": r["source"],
                "direction": "high" if p_high > 0.5 else "low",
                "words": estimative(p),
                "bias": number(r["bias"]),
                "lower": number(r["bias_lower"]),
                "upper": number(r["bias_upper"]),
                "against": against,
                "p": p,
            }
        )
    return sorted(out, key=lambda d: -d["p"])


def _context(est: Estimate, prob: float, title: str | None) -> dict[str, Any]:
    heads = est.headline(prob)
    claims = est.claims()
    notes = _notes(est)
    sources = est.sources(prob)
    by_quantity = []
    stems = _file_stems(est.quantities)
    for q in est.quantities:
        mine = claims[claims["quantity"] == q].sort_values(["as_of", "date"])
        single = len(est.trajectory(q, prob)) == 1
        fig = est.plot_trajectory(q, prob=prob, figsize=(6, 3.3) if single else (10, 4.6))
        by_quantity.append(
            {
                "name": q,
                "anchor": "q-" + stems[q],
                "png": _png(fig),
                "single": single,
                "claims": _claim_rows(mine, notes),
            }
        )
    surprising = claims.sort_values("p_value").head(N_SURPRISING)
    heads["main"] = heads["n_statements"] > 1
    if not heads["main"].any():
        heads["main"] = True
    reference = list(est.config.reference)
    any_calibrated = bool(sources["calibrated"].any()) if "calibrated" in sources else False
    c = est.claims_data
    cfg = est.config
    return {
        "title": title or "Consensus estimate",
        "prob": prob,
        "prob_text": f"{prob:.0%}".replace("%", " %"),
        "prob_words": estimative(prob),
        "today": _day(date.today()),
        "version": cfg.consensus_version,
        "n_rows": len(c.table),
        "n_statements": len(c.statements),
        "n_quantities": len(est.quantities),
        "n_origins": len(est.origins),
        "headlines": [
            {
                "quantity": h["quantity"],
                "anchor": "q-" + stems[h["quantity"]],
                "date": _day(h["date"]),
                "iso_date": pd.Timestamp(h["date"]).date().isoformat(),
                "median": number(h["median"]),
                "lower": number(h["lower"]),
                "upper": number(h["upper"]),
                "median_value": repr(float(h["median"])),
                "lower_value": repr(float(h["lower"])),
                "upper_value": repr(float(h["upper"])),
                "n_statements": int(h["n_statements"]),
                "n_origins": int(h["n_origins"]),
                "beyond": _day(h["grid_end"]) if h["grid_end"] > h["date"] else "",
                "main": bool(h["main"]),
            }
            for h in heads.to_dict("records")
        ],
        "quantities": by_quantity,
        "source_groups": _sources(est, prob),
        "surprising": _claim_rows(surprising, notes),
        "least_p": percent(float(claims["p_value"].min())),
        "any_surprising": bool((claims["p_value"] < SURPRISING_P).any()),
        "surprising_p": percent(SURPRISING_P),
        "diagnostics": _diagnostics(est),
        "settings": {
            "method": cfg.method,
            "sampler": cfg.sampler,
            "chains": cfg.chains,
            "draws": cfg.draws,
            "seed": cfg.random_seed,
        },
        "reference": reference,
        "leaning": _leaning(sources, reference),
        "any_calibrated": any_calibrated,
        "limits": _limits(est, heads, sources),
        "icd203": [
            {"words": b.words, "band": f"{100 * b.low:.0f}–{100 * b.high:.0f} %"} for b in ICD203
        ],
    }


# ------------------------------------------------------------------ rendering
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("consensus", "templates"),
        autoescape=True,  # every string from the data is untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(est: Estimate, *, prob: float = DEFAULT_PROB, title: str | None = None) -> str:
    """The report of a fit as one self-contained HTML page (a string).

    Parameters
    ----------
    est
        A fitted or loaded `Estimate`.
    prob
        Probability of the credible intervals shown.
    title
        Page title; default "Consensus estimate".

    Returns
    -------
    str
        HTML with styles and charts inline, no script and nothing to fetch.
    """
    return _environment().get_template("report.html.j2").render(**_context(est, prob, title))


def write_report(
    est: Estimate, path: str | Path, *, prob: float = DEFAULT_PROB, title: str | None = None
) -> Path:
    """Write `render_report`'s page to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(est, prob=prob, title=title), encoding="utf-8")
    return path
