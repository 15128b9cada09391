"""Run every benchmark: `python benchmarks/run_all.py [--quick]`.

`peer_methods.py` is not run here: it needs the peers' own environment, which
`make bench` builds (`benchmarks/peers/setup_env.sh`) before running it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    extra = sys.argv[1:]
    scripts = ["accuracy.py", "sbc.py", "performance.py", "refit.py"]
    if "--quick" not in extra:  # no quick mode: real-data fits, a few minutes each
        scripts += ["tails.py", "shared_prior.py", "drift.py"]
    for script in scripts:
        print(f"=== {script} {' '.join(extra)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *extra], check=True)
    print("=== extraction.py", flush=True)  # seconds, and nothing to shorten
    subprocess.run([sys.executable, str(HERE / "extraction.py")], check=True)
