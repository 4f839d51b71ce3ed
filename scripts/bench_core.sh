#!/usr/bin/env bash
# bench_core.sh — benchmark heatmill's corr/linkage against numpy, scipy and fastcluster.
#
# Usage (from anywhere):
#   bash scripts/bench_core.sh                 # builds target/release/heatmill, full run
#   bash scripts/bench_core.sh --quick         # smallest size of each case, 1 repeat
#   HEATMILL=/path/to/heatmill bash scripts/bench_core.sh --repeats 5   # no build
#
# Sets up scripts/.venv through scripts/pyenv.sh, adds the benchmark-only packages
# of bench_env.sh (skipped when already installed at the pinned version), builds heatmill with
# `cargo build --release` unless $HEATMILL names a binary, unsets the OpenBLAS
# variables that throttle numpy's BLAS here, prints the BLAS numpy loaded, then runs
# scripts/bench_core.py with the remaining arguments. Results go to bench-results/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

# shellcheck source=bench_env.sh
source "$HERE/bench_env.sh"

cd "$ROOT"
exec "$PY" "$HERE/bench_core.py" --heatmill "$HEATMILL" "$@"
