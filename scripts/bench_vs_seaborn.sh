#!/usr/bin/env bash
# bench_vs_seaborn.sh — heatmill's figures side by side with seaborn's (heatmap,
# clustermap, masked correlation map, correlation clustermap, and a batch of the
# tutorial's three figures over many datasets).
#
# Usage (from anywhere):
#   bash scripts/bench_vs_seaborn.sh                 # builds target/release/heatmill, full run
#   bash scripts/bench_vs_seaborn.sh --quick         # first size of each case, batch N=20, 1 repeat
#   HEATMILL=/path/to/heatmill bash scripts/bench_vs_seaborn.sh --repeats 3   # no build
#   ... --skip-corr-cluster                          # skip the slow 4000x4000 correlation clustermap
#
# Sets up scripts/.venv through scripts/pyenv.sh (numpy/scipy/pandas/pyarrow/seaborn/
# matplotlib), adds the benchmark-only packages of bench_env.sh (fastcluster, so seaborn's
# clustermap uses it as seaborn users would have it), builds heatmill with
# `cargo build --release` unless $HEATMILL names a binary, unsets the OpenBLAS
# variables that throttle numpy's BLAS here, selects matplotlib's Agg backend, then
# runs scripts/bench_vs_seaborn.py with the remaining arguments. Results go to
# bench-results/vs_seaborn.{md,json} and bench-results/vs_seaborn_png/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

# shellcheck source=bench_env.sh
source "$HERE/bench_env.sh"
export MPLBACKEND=Agg

cd "$ROOT"
exec "$PY" "$HERE/bench_vs_seaborn.py" --heatmill "$HEATMILL" "$@"
