# bench_env.sh — shared set-up of the benchmark scripts (sourced, not run).
#
# Sets PY (the venv's python, from pyenv.sh, plus the benchmark-only pins
# below), HEATMILL (built with `cargo build --release` unless already set),
# unsets the OpenBLAS variables that throttle numpy's BLAS on this machine
# (and picks OpenBLAS' Zen kernel on AMD CPUs, see below), and prints the
# BLAS numpy loaded. Expects HERE and ROOT to be set.

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
# On this AMD EPYC VM OpenBLAS 0.3.31 autodetects its SkylakeX kernel, which
# segfaults in numpy's 20000x20000x500 product (np.corrcoef of 20000 x 500)
# with 2 threads; its Zen kernel does not, and measured the same as SkylakeX
# for corrcoef of 20000x50, 5000x200 and 10000x500 (2.15, 0.15, 0.94 s).
if grep -q AuthenticAMD /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Zen
fi

echo "heatmill binary: $HEATMILL" >&2
"$PY" - <<'PYEOF' >&2
import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
from threadpoolctl import threadpool_info
for lib in threadpool_info():
    print("BLAS/threads: {} {} {} kernel={} threads={} ({})".format(
        lib.get("user_api"), lib.get("internal_api"), lib.get("version"),
        lib.get("architecture"), lib.get("num_threads"), lib.get("filepath")))
PYEOF
