"""The targets of issue 8, judged on whatever parts there are (``met`` is None when untested)."""

from __future__ import annotations

from .settings import REAL_PARTS, TARGETS


def _all(flags) -> bool | None:
    flags = list(flags)
    return all(flags) if flags else None


def best_baseline(metrics: dict, key: str) -> str:
    """The baseline with the smallest ``key``."""
    return min((m for m in metrics if m != "consensus"), key=lambda m: metrics[m][key])


def judge(parts: dict) -> dict:
    """Synthetic (RMSE ratio and coverage per scenario), real data with truths, real by default."""
    lo, hi = TARGETS["coverage_90"]
    syn = {}
    for name, s in parts.get("synthetic", {}).get("scenarios", {}).items():
        m = s["aggregate"]["methods"]
        best = best_baseline(m, "rmse_model")
        ratio = m["consensus"]["rmse_model"] / m[best]["rmse_model"]
        cov = m["consensus"]["coverage_90"]
        syn[name] = {
            "best_baseline": best,
            "ratio_rmse_log": ratio,
            "coverage_90": cov,
            "ratio_met": bool(ratio <= TARGETS["synthetic_rmse_ratio"]),
            "coverage_met": bool(lo <= cov <= hi),
        }
        syn[name]["met"] = syn[name]["ratio_met"] and syn[name]["coverage_met"]
    truths, default = {}, {}
    for key in REAL_PARTS:
        part = parts.get(key)
        if not part:
            continue
        m = part["truths"]["metrics"]["held_out"]
        best = best_baseline(m, "mae")
        cov = m["consensus"]["coverage_90"]
        truths[key] = {
            "coverage_90": cov,
            "mae": m["consensus"]["mae"],
            "best_baseline": best,
            "best_mae": m[best]["mae"],
            "coverage_met": bool(lo <= cov <= hi),
            "mae_met": bool(m["consensus"]["mae"] < m[best]["mae"]),
        }
        truths[key]["met"] = truths[key]["coverage_met"] and truths[key]["mae_met"]
        a = part["default"]["metrics"]["all"]["consensus"]
        before = TARGETS["default_mae_before"][key]
        default[key] = {
            "coverage_90": a["coverage_90"],
            "mae": a["mae"],
            "mae_before": before,
            "coverage_met": bool(a["coverage_90"] >= TARGETS["default_coverage_90_min"]),
            "mae_met": bool(a["mae"] <= before),
        }
        default[key]["met"] = default[key]["coverage_met"] and default[key]["mae_met"]
    return {
        "synthetic": {"scenarios": syn, "met": _all(v["met"] for v in syn.values())},
        "real_truths": {"datasets": truths, "met": _all(v["met"] for v in truths.values())},
        "real_default": {"datasets": default, "met": _all(v["met"] for v in default.values())},
    }
