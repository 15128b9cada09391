"""Run every benchmark: `python benchmarks/run_all.py [--quick]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    extra = sys.argv[1:]
    scripts = ["accuracy.py", "sbc.py", "performance.py"]
    if "--quick" not in extra:  # tails.py has no quick mode: three real-data fits per set
        scripts.append("tails.py")
    for script in scripts:
        print(f"=== {script} {' '.join(extra)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *extra], check=True)
