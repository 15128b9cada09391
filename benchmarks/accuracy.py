"""Accuracy and calibration benchmark: ``python benchmarks/accuracy.py [--quick] [--only PART]``.

The code is the package ``benchmarks/accuracy/`` beside this file (settings, data,
runs and rendering apart; the protocol is its docstring). This file only runs it,
so that ``make bench`` and ``benchmarks/run_all.py`` call it as before.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy.main import main  # noqa: E402  (the package benchmarks/accuracy/, not this file)

if __name__ == "__main__":
    main()
