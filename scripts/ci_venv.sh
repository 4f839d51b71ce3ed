#!/usr/bin/env bash
# ci_venv.sh — the Python venv of the engine checks (Snakemake, MultiQC),
# created once and reused: prints its bin directory on stdout.
#   HEATMILL_VENV  where (default ~/.cache/heatmill-pipelines-venv)
set -euo pipefail
VENV="${HEATMILL_VENV:-$HOME/.cache/heatmill-pipelines-venv}"
PINS=("snakemake==9.27.1" "multiqc==1.35")
bash "$(dirname "${BASH_SOURCE[0]}")/venv.sh" "$VENV" "${PINS[@]}"
echo "$VENV/bin"
