#!/usr/bin/env bash
# bench_grouped.sh — grouped single-cell figures (matrixplot, dotplot) on a
# large CSR .h5ad: heatmill vs scanpy in one run, time and peak RSS. See
# scripts/bench_grouped.py.
#
#   bash scripts/bench_grouped.sh [--cells N] [--data DIR]
#
# Generates the input into DIR (default /tmp/heatmill-bench-grouped; never
# committed) on the first run: ~1.2 GB for the default 1 000 000 cells.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench_env.sh
source "$HERE/bench_env.sh"
cd "$ROOT"
exec "$PY" "$HERE/bench_grouped.py" --heatmill "$HEATMILL" "$@"
