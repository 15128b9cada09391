"""Peer implementations of the consensus model, for `benchmarks/performance.py`."""
