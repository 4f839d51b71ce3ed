#!/usr/bin/env bash
# ci_snakemake.sh — runs workflows/snakemake (the example Snakefile and the
# wrapper's test) under a real Snakemake (pip, in a venv) with the local
# executor, on the shipped samples plus one corrupt dataset, and checks:
#   * the corrupt dataset's jobs fail, Snakemake exits non-zero, and every
#     other job's figures survive, byte-identical to one `heatmill run`;
#   * each failed job's log names the bad cell;
#   * a rerun (-n) has only the failed jobs left;
#   * the wrapper's test/Snakefile makes its figure.
#   HEATMILL  the binary (default: $CARGO_TARGET_DIR/debug/heatmill)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATMILL="$(realpath "${HEATMILL:-${CARGO_TARGET_DIR:-$HOME/.cache/heatmill-target}/debug/heatmill}")"
[ -x "$HEATMILL" ] || { echo "ci_snakemake: no heatmill binary at $HEATMILL" >&2; exit 1; }
BIN="$(bash "$ROOT/scripts/ci_venv.sh")"
export PATH="$(dirname "$HEATMILL"):$BIN:$PATH"
echo "ci_snakemake: snakemake $(snakemake --version), $(heatmill --version)"

WORK="$(mktemp -d /tmp/heatmill-snakemake.XXXXXX)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
S="$ROOT/data-samples"
mkdir -p "$WORK/data"
printf 'gene,S1,S2,S3\nG1,1,2,3\nG2,4,oops,6\nG3,7,8,9\n' >"$WORK/data/corrupt.csv"
cat >"$WORK/heatmill.toml" <<TOML
[output]
dir = "results"
formats = ["png", "svg"]

[defaults]
figsize = [5, 4]

[[dataset]]
name = "seed_csv"
path = "$S/seed.csv"
col_colors = ["$S/samples.tsv:group"]

[[dataset]]
name = "seed_tsv"
path = "$S/seed.tsv"
col_colors = ["$S/samples.tsv:group"]

[[dataset]]
name = "counts"
path = "$S/formats/counts.csv"

[[dataset]]
name = "corrupt"
path = "data/corrupt.csv"

[[figure]]
name = "heatmap"
kind = "heatmap"

[[figure]]
name = "clustermap"
kind = "clustermap"
method = "ward"

[[figure]]
name = "corrmap"
kind = "corrmap"
mask = "upper"
TOML

cd "$WORK"
t0=$(date +%s)
set +e
snakemake -s "$ROOT/workflows/snakemake/Snakefile" --cores 2 --keep-going \
  --config heatmill_config="$WORK/heatmill.toml" out="$WORK/results" threads=1 mem_mb=1000 \
  >"$WORK/snakemake.log" 2>&1
rc=$?
set -e
echo "ci_snakemake: snakemake exited $rc after $(($(date +%s) - t0)) s"
fail() { echo "ci_snakemake: FAIL: $*" >&2; tail -n 40 "$WORK/snakemake.log" >&2; exit 1; }
[ "$rc" -ne 0 ] || fail "snakemake should fail (corrupt dataset)"

# The reference: one heatmill process over the same config.
set +e
heatmill run "$WORK/heatmill.toml" --out "$WORK/ref" --quiet 2>"$WORK/ref.log"
ref_rc=$?
set -e
[ "$ref_rc" -eq 1 ] || fail "one-process run should exit 1, got $ref_rc"
good=0
for ds in seed_csv seed_tsv counts; do
  for fig in heatmap clustermap corrmap; do
    for ext in png svg; do
      f="$ds/$fig.$ext"
      [ -s "results/$f" ] || fail "missing results/$f"
      cmp -s "results/$f" "ref/$f" || fail "results/$f differs from the one-process run"
      good=$((good + 1))
    done
  done
done
for fig in heatmap clustermap corrmap; do
  [ ! -e "results/corrupt/$fig.png" ] || fail "corrupt/$fig.png exists"
  grep -q "oops" "results/logs/corrupt/$fig.log" || fail "log of corrupt/$fig does not name the bad cell"
done
if find results -name '.*.tmp-*' | grep -q .; then fail "temp files left"; fi
# A rerun has only the three failed jobs to do.
snakemake -s "$ROOT/workflows/snakemake/Snakefile" --cores 2 -n --quiet rules \
  --config heatmill_config="$WORK/heatmill.toml" out="$WORK/results" >"$WORK/dry.log" 2>&1 || true
grep -Eq "heatmill_figure +3" "$WORK/dry.log" || { cat "$WORK/dry.log" >&2; fail "dry run should list 3 jobs"; }
# The per-job manifests merge into one: 27 ok + the failed ones recorded.
heatmill merge-manifests results/manifest.only-*.json -o results/manifest.json 2>/dev/null
n_ok=$(grep -c '"status": "ok"' results/manifest.json)
[ "$n_ok" -eq 9 ] || fail "merged manifest has $n_ok ok jobs, expected 9"
echo "ci_snakemake: example OK: $good files identical to one heatmill run, the corrupt dataset's 3 jobs failed alone, merged manifest 9 ok"

# The wrapper, as snakemake-wrappers tests it.
cp -r "$ROOT/workflows/snakemake/wrapper" "$WORK/wrapper"
sed -i "s#../../../../data-samples#$S#g" "$WORK/wrapper/test/Snakefile" "$WORK/wrapper/test/heatmill.toml"
(cd "$WORK/wrapper/test" && snakemake --cores 2 >"$WORK/wrapper.log" 2>&1) ||
  { cat "$WORK/wrapper.log" >&2; fail "wrapper test"; }
[ -s "$WORK/wrapper/test/results/seed/clustermap.png" ] || fail "wrapper made no figure"
echo "ci_snakemake: wrapper OK"
