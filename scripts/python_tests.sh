#!/usr/bin/env bash
# python_tests.sh — build the Python package into a venv and run its tests.
#
# Usage (from the repo root): bash scripts/python_tests.sh [pytest args]
#
# Creates python/.venv (if missing) with the pinned numpy/scipy/pandas/
# seaborn/anndata of scripts/pyenv.sh plus pytest and maturin (wheels from
# PyPI), builds the extension with `maturin develop` (dev profile, the
# workspace's shared CARGO_TARGET_DIR: it reuses every dependency
# `cargo test` built) and runs python/tests against seaborn, scipy and
# numpy live.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/python/.venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heatmill-target}"

# The fixture venv's pins (scripts/pyenv.sh) for what the tests compare
# against, plus the test runner and the build tool.
PINS=(
  "numpy==2.4.6"
  "scipy==1.17.1"
  "pandas==2.3.3"
  "seaborn==0.13.2"
  "matplotlib==3.11.2"
  "h5py==3.16.0"
  "anndata==0.12.19"
  "pyarrow==26.0.1"
  "polars==2.1.0"
  "pytest==9.2.0"
  "maturin==1.16.0"
)

bash scripts/venv.sh "$VENV" "${PINS[@]}"

start=$(date +%s)
# `maturin develop` builds the dev profile (opt-level 1 for heatmill, 3 for
# dependencies, as `cargo test`) and installs the package editable.
(cd python && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" \
  "$VENV/bin/maturin" develop --locked -q)
echo "python_tests: extension built in $(( $(date +%s) - start )) s" >&2

cd python
MPLBACKEND=Agg "$VENV/bin/python" -m pytest -q tests "$@"
