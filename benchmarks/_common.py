"""Shared helpers of the benchmark scripts: dataset location, machine description, README sections."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"
#: ../shared/datasets beside the repository, or $CONSENSUS_DATASETS
DATASETS = Path(os.environ.get("CONSENSUS_DATASETS", HERE.parents[1] / "shared" / "datasets"))


def dataset(name: str) -> Path | None:
    """Folder of a shared data set, or None (with a message) when it is absent."""
    path = DATASETS / name
    if not path.is_dir():
        print(
            f"[skip] data set {name!r} not found at {path} (set CONSENSUS_DATASETS to its parent folder)"
        )
        return None
    return path


def machine() -> dict:
    """Where a number was measured."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown"
    try:
        mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        mem_gib = None
    import numpy
    import pymc

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "pymc": pymc.__version__,
        "numpy": numpy.__version__,
        "commit": (_git("rev-parse", "--short", "HEAD") or "unknown")
        + (" (with uncommitted changes)" if _dirty() else ""),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _dirty() -> bool:
    """Tracked files changed beyond what the benchmarks write (their results and README)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    paths = [line[3:] for line in out.splitlines() if line.strip()]  # repository-relative
    return any(
        p != "benchmarks/README.md" and not p.startswith("benchmarks/results/") for p in paths
    )


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_json(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=2, default=float) + "\n")
    return path


def write_section(key: str, markdown: str) -> None:
    """Replace the text between <!-- key:start --> and <!-- key:end --> in benchmarks/README.md."""
    text = README.read_text()
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    block = f"{start}\n{markdown.strip()}\n{end}"
    README.write_text(
        pattern.sub(lambda _: block, text) if pattern.search(text) else text + "\n" + block + "\n"
    )


def publish(key: str, markdown: str, quick: bool) -> Path:
    """Write a benchmark's tables: into benchmarks/README.md for a full run; for a quick smoke
    run into results/<key>_quick.md instead, so that it never replaces the committed numbers."""
    if quick:
        path = RESULTS / f"{key}_quick.md"
        RESULTS.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown.strip() + "\n")
        return path
    write_section(key, markdown)
    return README


def md_table(rows: list[dict], columns: list[str], fmt: dict | None = None) -> str:
    """A markdown table; fmt maps column -> format spec (e.g. '.3f')."""
    fmt = fmt or {}

    def cell(r, c):
        v = r.get(c, "")
        if v is None or (isinstance(v, float) and v != v):
            return "–"
        return format(v, fmt[c]) if c in fmt and isinstance(v, (int, float)) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r, c) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
