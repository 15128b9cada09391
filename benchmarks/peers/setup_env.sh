#!/usr/bin/env bash
# Build benchmarks/.peers-venv: the separate environment in which benchmarks/peer_methods.py runs
# the installable peers (truthdiscovery, crowd-kit) through benchmarks/peers/peer_worker.py.
# They never enter the project's .venv: their pins (pandas < 3, scikit-learn 1.5) would pull it back.
# Idempotent (a stamp records the pins); exits 1 with a message when it cannot build the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PEERS_VENV:-.peers-venv}
# truthdiscovery pins 31 exact versions that do not install on Python >= 3.11: install it
# without them, plus what it really imports (numpy, scipy, bidict, imageio). Its drawing
# backend imports pycairo; td_adapter.py stands a stub module in for it (nothing is drawn).
# crowd-kit 1.4.2 is unpinned and breaks on pandas 3 (HRRASA) and scikit-learn >= 1.6
# (Wawa, ZeroBasedSkill, GoldMajorityVote: __sklearn_tags__).
PINS=("crowd-kit==1.4.2" "pandas>=2.3,<3" "scikit-learn==1.5.*" numpy scipy bidict imageio)
NODEPS=("truthdiscovery==1.0.4")

ok() {  # is "$1" a working Python >= 3.11?
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

find_python() {  # the same search as scripts/bootstrap.sh, from 3.11 up
    local c v root
    if [ -n "${PYTHON:-}" ] && ok "$PYTHON"; then echo "$PYTHON"; return; fi
    for c in python3.14 python3.13 python3.12 python3.11 python3 python; do
        if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return; fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        for v in $(ls -1 "$root/versions" 2>/dev/null | sort -rV); do
            c="$root/versions/$v/bin/python"
            if [ -x "$c" ] && ok "$c"; then echo "$c"; return; fi
        done
    fi
    if command -v uv >/dev/null 2>&1; then
        c=$(uv python find '>=3.11' 2>/dev/null || true)
        if [ -n "$c" ] && ok "$c"; then echo "$c"; return; fi
    fi
    return 1
}

STAMP="$VENV/.peers-installed"
WANT="${PINS[*]} | --no-deps ${NODEPS[*]}"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && ok "$VENV/bin/python"; then
    exit 0
fi
if ! PY=$(find_python); then
    echo "peers: no Python >= 3.11 found (set PYTHON=/path/to/python3.11 or newer)" >&2
    exit 1
fi
echo "peers: building $VENV with $PY (a few minutes the first time)" >&2
rm -rf "$VENV"
if ! "$PY" -m venv "$VENV" \
    || ! "$VENV/bin/python" -m pip install --quiet --upgrade pip \
    || ! "$VENV/bin/python" -m pip install --quiet "${PINS[@]}" \
    || ! "$VENV/bin/python" -m pip install --quiet --no-deps "${NODEPS[@]}"; then
    echo "peers: could not install $WANT into $VENV (offline, or no wheels for this Python?)" >&2
    exit 1
fi
echo "$WANT" > "$STAMP"
