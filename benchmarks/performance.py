"""Speed and scaling of `consensus.fit`: ``python benchmarks/performance.py [--quick]
[--only SECTION ...] [--fit-many [TOPICS]] [--render]``.

The code is the package ``benchmarks/performance/`` beside this file (settings, cases,
runs and rendering apart; the protocol is its docstring, also shown by ``--help``). This
file only runs it, so that ``make bench`` and ``benchmarks/run_all.py`` call it as before.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from performance.main import main  # noqa: E402  (the package benchmarks/performance/, not this file)

if __name__ == "__main__":
    main()
