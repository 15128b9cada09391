"""``python -m performance`` (from benchmarks/) or ``python benchmarks/performance.py``."""

from .main import main

main()
