#!/usr/bin/env bash
# bench_io.sh — large-input benchmark: Arrow read vs cat, streamed top-N from
# h5ad/HDF5 (time and peak RSS) vs anndata + numpy. See scripts/bench_io.py.
#
#   bash scripts/bench_io.sh [--repeats N]
#
# Generates ~3 GB of inputs into bench-data/ on the first run (gitignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench_env.sh
source "$HERE/bench_env.sh"
cd "$ROOT"
exec "$PY" "$HERE/bench_io.py" --heatmill "$HEATMILL" "$@"
