"""The targets of issues 8 and 13, judged on whatever parts there are (``met`` is None when
untested)."""

from __future__ import annotations

from .settings import EXACT_SCENARIOS, EXACT_TARGETS, REAL_PARTS, TARGETS


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
        if name in EXACT_SCENARIOS:  # judged by `judge_exact`
            continue
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
        "exact": judge_exact(parts),
    }


def judge_exact(parts: dict) -> dict:
    """Issue 13: exact scenarios (exact-match share at least the best baseline's, MAE at most 2/3
    of the best baseline's) and weather without truths (MAE, estimate as is, below the median's)."""
    scenarios = {}
    for name, s in parts.get("synthetic", {}).get("scenarios", {}).items():
        if name not in EXACT_SCENARIOS:
            continue
        m = s["aggregate"]["methods"]
        c = m["consensus"]
        by_match = max((k for k in m if k != "consensus"), key=lambda k: m[k]["exact_match"])
        by_mae = best_baseline(m, "mae")
        ratio = c["mae"] / m[by_mae]["mae"]
        scenarios[name] = {
            "exact_match": c["exact_match"],
            "best_exact_match_baseline": by_match,
            "best_exact_match": m[by_match]["exact_match"],
            "mae": c["mae"],
            "best_mae_baseline": by_mae,
            "best_mae": m[by_mae]["mae"],
            "ratio_mae": ratio,
            "coverage_90": c["coverage_90"],
            "exact_match_met": bool(c["exact_match"] >= m[by_match]["exact_match"]),
            "ratio_met": bool(ratio <= EXACT_TARGETS["exact_mae_ratio"]),
        }
        scenarios[name]["met"] = scenarios[name]["exact_match_met"] and scenarios[name]["ratio_met"]
    weather = None
    if parts.get("weather"):
        mae = parts["weather"]["default"]["metrics"]["all"]["consensus"]["mae"]
        target = EXACT_TARGETS["weather_mae"]
        weather = {"mae": mae, "median_mae": target, "met": bool(mae < target)}
    return {
        "scenarios": scenarios,
        "weather": weather,
        "met": _all(
            [*(v["met"] for v in scenarios.values()), *([weather["met"]] if weather else [])]
        ),
    }
