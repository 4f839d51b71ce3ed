#!/usr/bin/env bash
# ci_venv.sh — the Python venv of the engine checks (Snakemake, MultiQC),
# created once and reused: prints its bin directory on stdout.
#   HEATMILL_VENV  where (default ~/.cache/heatmill-pipelines-venv)
set -euo pipefail
VENV="${HEATMILL_VENV:-$HOME/.cache/heatmill-pipelines-venv}"
PINS=("snakemake==9.27.1" "multiqc==1.35")
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV" >&2
fi
STAMP="$VENV/.heatmill-pins"
if [ "$(cat "$STAMP" 2>/dev/null)" != "${PINS[*]}" ]; then
  "$VENV/bin/pip" install -q "${PINS[@]}" >&2
  echo "${PINS[*]}" >"$STAMP"
fi
echo "$VENV/bin"
