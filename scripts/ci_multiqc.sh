#!/usr/bin/env bash
# ci_multiqc.sh — MultiQC picks up a heatmill run for real: the figures
# named `{figure}_mqc.png` as images, the correlation matrix exported by
# `multiqc = true` as a heatmap section, and heatmill's version from
# heatmill_mqc_versions.yml. MultiQC comes from the engine-check venv
# (scripts/ci_venv.sh, pip) with `no_version_check: true`.
#
#   HEATMILL  the binary (default: $CARGO_TARGET_DIR/debug/heatmill)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATMILL="$(realpath "${HEATMILL:-${CARGO_TARGET_DIR:-$HOME/.cache/heatmill-target}/debug/heatmill}")"
[ -x "$HEATMILL" ] || { echo "ci_multiqc: no heatmill binary at $HEATMILL" >&2; exit 1; }
BIN="$(bash "$ROOT/scripts/ci_venv.sh")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/mqc.toml" <<TOML
[output]
dir = "out"
formats = ["png"]
naming = "{dataset}/{figure}_mqc.{ext}"

[[dataset]]
name = "seed"
path = "$ROOT/data-samples/seed.csv"

[[figure]]
name = "corrmap"
kind = "corrmap"
cluster = true
multiqc = true

[[figure]]
name = "heatmap"
kind = "heatmap"
TOML
"$HEATMILL" run "$WORK/mqc.toml" --quiet
printf 'no_version_check: true\n' >"$WORK/multiqc_config.yml"
"$BIN/multiqc" -q -c "$WORK/multiqc_config.yml" -o "$WORK/report" "$WORK/out"
DATA="$WORK/report/multiqc_data"
fail() { echo "ci_multiqc: $*" >&2; exit 1; }
grep -q "heatmill_seed_corrmap_plot" "$DATA/multiqc_data.json" || fail "no heatmap section for seed/corrmap"
grep -q "^heatmill" "$DATA/multiqc_software_versions.txt" || fail "no heatmill version"
grep -q "$("$HEATMILL" --version | awk '{print $2}')" "$DATA/multiqc_software_versions.txt" || fail "wrong heatmill version"
n=$(grep -o 'data:image/png;base64' "$WORK/report/multiqc_report.html" | wc -l)
[ "$n" -ge 2 ] || fail "expected the two _mqc.png figures as images, found $n"
echo "ci_multiqc: MultiQC $("$BIN/multiqc" --version | awk '{print $NF}') took the heatmap section, $n images and heatmill's version"
