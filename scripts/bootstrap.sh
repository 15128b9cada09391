#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install consensus into it (editable, with dev extras).
# Idempotent: re-running only reinstalls when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${CONSENSUS_VENV:-.venv}
EXTRAS=${CONSENSUS_EXTRAS:-dev,samplers}

ok() {  # is "$1" a working Python >= 3.12?
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local c v root
    # 1. explicit choice
    if [ -n "${PYTHON:-}" ] && ok "$PYTHON"; then echo "$PYTHON"; return; fi
    # 2. interpreters on PATH (a pyenv shim that fails for the selected version is skipped by ok)
    for c in python3.14 python3.13 python3.12 python3 python; do
        if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return; fi
    done
    # 3. pyenv installs that are not selected
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        for v in $(ls -1 "$root/versions" 2>/dev/null | sort -rV); do
            c="$root/versions/$v/bin/python"
            if [ -x "$c" ] && ok "$c"; then echo "$c"; return; fi
        done
    fi
    # 4. uv-managed interpreters
    if command -v uv >/dev/null 2>&1; then
        c=$(uv python find '>=3.12' 2>/dev/null || true)
        if [ -n "$c" ] && ok "$c"; then echo "$c"; return; fi
    fi
    return 1
}

if [ ! -x "$VENV/bin/python" ] || ! ok "$VENV/bin/python"; then
    if ! PY=$(find_python); then
        cat >&2 <<'MSG'
consensus needs Python >= 3.12 (PyMC 6 requires it), and none was found.
Install one, then run this command again, e.g.:
  - pyenv:   pyenv install 3.12      (no need to select it; it is found under $(pyenv root)/versions)
  - uv:      uv python install 3.12
  - Debian/Ubuntu: apt install python3.12 python3.12-venv
  - or point to one: PYTHON=/path/to/python3.12 make test
MSG
        exit 1
    fi
    echo "bootstrap: using $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))" >&2
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi

STAMP="$VENV/.consensus-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ "$(cat "$STAMP")" != "$EXTRAS" ]; then
    echo "bootstrap: installing consensus[$EXTRAS] into $VENV (first run takes a few minutes)" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
    echo "$EXTRAS" > "$STAMP"
fi
