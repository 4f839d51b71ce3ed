#!/usr/bin/env bash
# Regenerates src/render/colormaps.tsv and src/render/palettes.tsv from pinned
# matplotlib/seaborn. Creates scripts/.venv-cmap on first use.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv-cmap"
PY="${PYTHON:-python3}"

MATPLOTLIB_VERSION=3.11.2
SEABORN_VERSION=0.13.2
NUMPY_VERSION=2.4.6

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    # keep the venv out of git (the root .gitignore only covers /.venv*)
    printf '*\n' > "$VENV/.gitignore"
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "matplotlib==$MATPLOTLIB_VERSION" \
    "seaborn==$SEABORN_VERSION" \
    "numpy==$NUMPY_VERSION"

exec "$VENV/bin/python" "$HERE/make_colormaps.py" "$@"
