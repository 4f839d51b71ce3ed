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
# matplotlib), adds the benchmark-only packages below (fastcluster, so seaborn's
# clustermap uses it as seaborn users would have it), builds heatmill with
# `cargo build --release` unless $HEATMILL names a binary, unsets the OpenBLAS
# variables that throttle numpy's BLAS here, selects matplotlib's Agg backend, then
# runs scripts/bench_vs_seaborn.py with the remaining arguments. Results go to
# bench-results/vs_seaborn.{md,json} and bench-results/vs_seaborn_png/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

# Benchmark-only packages (not needed by the fixture scripts, so not in pyenv.sh).
EXTRA_PINS=(
  "fastcluster==1.3.0"
  "threadpoolctl==3.8.0"
)

PY="$(bash "$HERE/pyenv.sh")"

if ! "$PY" - "${EXTRA_PINS[@]}" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    __import__(name)
    if version(name) != want:
        sys.exit(1)
PYEOF
then
  # Hold numpy at the version pyenv.sh pinned so pip cannot upgrade it as a dependency.
  NUMPY_NOW="$("$PY" -c 'import numpy; print(numpy.__version__)')"
  "$PY" -m pip install -q --disable-pip-version-check "${EXTRA_PINS[@]}" "numpy==$NUMPY_NOW" >&2
fi

if [ -z "${HEATMILL:-}" ]; then
  (cd "$ROOT" && cargo build --release >&2)
  HEATMILL="$ROOT/target/release/heatmill"
fi
export HEATMILL

# These cap OpenBLAS' kernel selection / blocking on this machine and slow numpy down.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export MPLBACKEND=Agg

echo "heatmill binary: $HEATMILL" >&2
"$PY" - <<'PYEOF' >&2
import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
from threadpoolctl import threadpool_info
for lib in threadpool_info():
    print("BLAS/threads: {} {} {} kernel={} threads={} ({})".format(
        lib.get("user_api"), lib.get("internal_api"), lib.get("version"),
        lib.get("architecture"), lib.get("num_threads"), lib.get("filepath")))
PYEOF

cd "$ROOT"
exec "$PY" "$HERE/bench_vs_seaborn.py" --heatmill "$HEATMILL" "$@"
