#!/usr/bin/env bash
# bench_core.sh — benchmark heatmill's corr/linkage against numpy, scipy and fastcluster.
#
# Usage (from anywhere):
#   bash scripts/bench_core.sh                 # builds target/release/heatmill, full run
#   bash scripts/bench_core.sh --quick         # smallest size of each case, 1 repeat
#   HEATMILL=/path/to/heatmill bash scripts/bench_core.sh --repeats 5   # no build
#
# Sets up scripts/.venv through scripts/pyenv.sh, adds the benchmark-only packages
# below (skipped when already installed at the pinned version), builds heatmill with
# `cargo build --release` unless $HEATMILL names a binary, unsets the OpenBLAS
# variables that throttle numpy's BLAS here, prints the BLAS numpy loaded, then runs
# scripts/bench_core.py with the remaining arguments. Results go to bench-results/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

# Benchmark-only packages (not needed by the fixture scripts, so not in pyenv.sh).
EXTRA_PINS=(
  "fastcluster==1.3.0"
  "threadpoolctl==3.8.0"
)

PY="$(bash "$HERE/pyenv.sh")"

if ! "$PY" - "${EXTRA_PINS[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    __import__(name)
    if version(name) != want:
        sys.exit(1)
EOF
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

echo "heatmill binary: $HEATMILL" >&2
"$PY" - <<'EOF' >&2
import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
from threadpoolctl import threadpool_info
for lib in threadpool_info():
    print("BLAS/threads: {} {} {} kernel={} threads={} ({})".format(
        lib.get("user_api"), lib.get("internal_api"), lib.get("version"),
        lib.get("architecture"), lib.get("num_threads"), lib.get("filepath")))
EOF

cd "$ROOT"
exec "$PY" "$HERE/bench_core.py" --heatmill "$HEATMILL" "$@"
