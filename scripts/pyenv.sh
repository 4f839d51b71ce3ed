#!/usr/bin/env bash
# pyenv.sh — create/refresh the Python venv used by the heatmill fixture scripts.
#
# Usage (from the repo root):
#   bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_data_samples.py
#   bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_fixtures.py
#
# Creates scripts/.venv (if missing) and pip-installs the pinned versions below.
# A stamp file records the pin set; if the pins change the packages are reinstalled.
# Prints the venv python path on stdout when done.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"

# Exact versions pip resolved when the fixtures were generated (numpy 2.x, scipy 1.x,
# pandas 2.x, latest pyarrow; seaborn/matplotlib only for clustermap z_score/standard_scale;
# scanpy, loompy, openpyxl for the Matrix Market, loom and xlsx samples of make_format_samples.py;
# scikit-learn (already a scanpy dependency) for make_kmeans_fixture.py).
PINS=(
  "numpy==2.4.6"
  "scipy==1.17.1"
  "pandas==2.3.3"
  "pyarrow==26.0.1"
  "seaborn==0.13.2"
  "matplotlib==3.11.2"
  "h5py==3.16.0"
  "anndata==0.12.19"
  "fonttools==4.60.1"
  "scanpy==1.11.5"
  "loompy==3.0.8"
  "openpyxl==3.1.5"
  "scikit-learn==1.9.1"
)

bash "$HERE/venv.sh" "$VENV" "${PINS[@]}"

echo "$VENV/bin/python"
