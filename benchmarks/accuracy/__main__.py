"""``python -m accuracy`` (from benchmarks/) or ``python benchmarks/accuracy.py``."""

from .main import main

main()
