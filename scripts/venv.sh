#!/usr/bin/env bash
# venv.sh — make or refresh a Python venv holding exactly some pinned
# packages: bash scripts/venv.sh VENV PIN... A stamp file in the venv
# records the pin set; when the pins change, they are reinstalled. Used by
# pyenv.sh (fixture scripts), python_tests.sh (the Python package's tests)
# and ci_venv.sh (the engine checks). Wheels come from PyPI.
set -euo pipefail
VENV="${1:?usage: venv.sh VENV PIN...}"
shift
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV" >&2
fi
STAMP="$VENV/.heatmill-pins"
WANT="$(printf '%s\n' "$@")"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip >&2
  "$VENV/bin/python" -m pip install -q "$@" >&2
  printf '%s\n' "$WANT" >"$STAMP"
fi
