# The two commands of the README. Each sets up .venv first (finding Python >= 3.12 by itself).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: example test lint bench bench-quick setup

setup:
	@bash scripts/bootstrap.sh

example: setup  ## the main job: fit the seed claims, print the estimate, write the plot
	$(PY) examples/dprk_troops_2024/run.py

test: setup  ## lint, then the full test suite
	$(VENV)/bin/ruff check src tests benchmarks examples scripts
	$(VENV)/bin/mypy src/consensus
	$(PY) -m pytest -n auto --maxprocesses 4 --dist worksteal

bench: setup
	CONSENSUS_EXTRAS=dev,samplers,bench bash scripts/bootstrap.sh
	$(PY) benchmarks/run_all.py
	@if bash benchmarks/peers/setup_env.sh; then $(PY) benchmarks/peer_methods.py; \
	else echo "[skip] peers (truthdiscovery, crowd-kit): their environment could not be built, see above"; fi

bench-quick: setup
	CONSENSUS_EXTRAS=dev,samplers,bench bash scripts/bootstrap.sh
	$(PY) benchmarks/run_all.py --quick
	@if bash benchmarks/peers/setup_env.sh; then $(PY) benchmarks/peer_methods.py --quick; \
	else echo "[skip] peers (truthdiscovery, crowd-kit): their environment could not be built, see above"; fi
