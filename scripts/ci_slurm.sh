#!/usr/bin/env bash
# ci_slurm.sh — scripts/slurm_array.sh under a real Slurm: a one-node
# cluster on 127.0.0.1 (Debian's slurm-wlm + munge, installed with apt when
# absent), then
#   1. a plain array (--array=0-3, --mem), a stepped array (--array=0-7:2)
#      and --mem-per-cpu: every figure exists once, byte-identical to one
#      heatmill process, and merge-manifests gives one complete manifest;
#   2. the memory budget heatmill takes from SLURM_MEM_PER_CPU x CPUs (a
#      dataset too big for --mem-per-cpu=20M is refused naming it);
#   3. a time limit: a job with --time=1 on a cohort that needs ~3-4 minutes
#      on one core (150 datasets of 6000 rows: sized so the limit bites however fast
#      the figures get)
#      is sent SIGTERM, heatmill exits 143 with no temp file and a
#      manifest of what finished, and a rerun completes the rest with the
#      bytes of an uninterrupted run.
# Skips (exit 0, saying why) when the machine cannot run Slurm (no apt,
# not root); HEATMILL_REQUIRE_SLURM=1 makes that a failure (CI sets it).
#   HEATMILL  the binary (default: $CARGO_TARGET_DIR/debug/heatmill)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATMILL="$(realpath "${HEATMILL:-${CARGO_TARGET_DIR:-$HOME/.cache/heatmill-target}/debug/heatmill}")"
[ -x "$HEATMILL" ] || { echo "ci_slurm: no heatmill binary at $HEATMILL" >&2; exit 1; }
skip() {
  echo "ci_slurm: SKIPPED: $*" >&2
  [ -z "${HEATMILL_REQUIRE_SLURM:-}" ] || exit 1
  exit 0
}
log() { echo "ci_slurm: $*"; }
T0=$(date +%s)

# --- install --------------------------------------------------------------
if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "slurm-wlm is not installed and we are not root"
  command -v apt-get >/dev/null || skip "slurm-wlm is not installed and there is no apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; } ||
    skip "apt-get could not install slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || skip "starting slurmctld/slurmd needs root"

# --- a one-node cluster on loopback ------------------------------------------
NODE="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10))
[ "$MEM_MB" -le 8000 ] || MEM_MB=8000
CONF_DIR=/etc/slurm
mkdir -p "$CONF_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
if [ -f "$CONF_DIR/slurm.conf" ] && ! grep -q "heatmill ci_slurm" "$CONF_DIR/slurm.conf"; then
  cp "$CONF_DIR/slurm.conf" "$CONF_DIR/slurm.conf.before-heatmill"
fi
cat >"$CONF_DIR/slurm.conf" <<CONF
# heatmill ci_slurm.sh: a one-node cluster on loopback
ClusterName=heatmill
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
KillWait=30
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
[ -f /etc/munge/munge.key ] || { /usr/sbin/mungekey -c 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
chown munge:munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
STARTED=() # pids of the daemons this script started (only those are stopped)
start() { # NAME COMMAND…
  local name=$1
  shift
  pgrep -x "$name" >/dev/null && return 0
  "$@" || skip "$name does not start"
  sleep 0.5
  STARTED+=($(pgrep -x "$name"))
}
start munged su -s /bin/sh munge -c /usr/sbin/munged
start slurmctld /usr/sbin/slurmctld -i
start slurmd /usr/sbin/slurmd
stop_daemons() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
}
WORK="$(mktemp -d /tmp/heatmill-slurm.XXXXXX)"
cleanup() { stop_daemons; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)$' && break
  sleep 1
done
sinfo -h -o %T | grep -Eq '^(idle|mixed|allocated)$' ||
  { tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2; skip "the node did not come up"; }
log "cluster up in $(($(date +%s) - T0)) s: $(sinfo -h -o '%P %a %T %c CPUs %m MB' | head -1); $(sbatch --version)"

fail() {
  echo "ci_slurm: FAIL: $*" >&2
  tail -n 20 "$WORK"/logs/* 2>/dev/null >&2 || true
  exit 1
}

# --- cohorts -------------------------------------------------------------------
gen() { # N ROWS DIR
  python3 - "$@" <<'PY'
import os, random, sys
n, rows, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
for k in range(n):
    with open(f"{out}/cohort{k:03d}.csv", "w") as f:
        f.write("gene," + ",".join(f"S{j}" for j in range(10)) + "\n")
        for i in range(rows):
            f.write(f"G{i}," + ",".join(f"{rng.gauss(0, 1):.6f}" for _ in range(10)) + "\n")
PY
}
mkdir -p "$WORK/logs"
gen 10 200 "$WORK/small"
BIG=150 # datasets; x 3 figures = the big cohort's jobs
gen "$BIG" 6000 "$WORK/big"
JOBS=$((BIG * 3))
config() { # NAME GLOB
  cat >"$WORK/$1.toml" <<TOML
[output]
dir = "out-$1"
[defaults]
figsize = [5, 5]
[[dataset]]
path = "$2"
[[figure]]
name = "heat"
kind = "heatmap"
[[figure]]
name = "clust"
kind = "clustermap"
method = "average"
[[figure]]
name = "corr"
kind = "corrmap"
cluster = true
TOML
}
config small "small/cohort*.csv"
config big "big/cohort*.csv"
"$HEATMILL" run "$WORK/small.toml" --out "$WORK/ref-small" --quiet

submit() { # NAME SBATCH-OPTIONS… -- SCRIPT-ARGS…
  local name=$1
  shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  sbatch --parsable --wait -J "hm-$name" -D "$WORK" -o "$WORK/logs/$name-%A_%a.log" \
    --export=ALL,HEATMILL="$HEATMILL" "${opts[@]}" "$ROOT/scripts/slurm_array.sh" "$@"
}
same_files() { # DIR REF
  diff -r -x 'manifest*' "$1" "$2" >/dev/null || fail "$1 differs from the one-process run $2"
  if find "$1" -name '.*.tmp-*' | grep -q .; then fail "temp files left in $1"; fi
}
merged_ok() { # DIR N_MANIFESTS JOBS
  "$HEATMILL" merge-manifests "$1"/manifest.shard-*.json -o "$1/manifest.json" 2>/dev/null
  local n ok
  n=$(ls "$1"/manifest.shard-*.json | wc -l)
  ok=$(grep -c '"status": "ok"' "$1/manifest.json")
  [ "$n" = "$2" ] && [ "$ok" = "$3" ] || fail "$1: $n shard manifests, $ok ok jobs (want $2, $3)"
}

# --- 1. plain, stepped, --mem-per-cpu -------------------------------------------
t=$(date +%s)
submit plain --array=0-3 --cpus-per-task=1 --mem=500M -- "$WORK/small.toml" --out "$WORK/plain" >/dev/null ||
  fail "plain array job failed"
same_files "$WORK/plain" "$WORK/ref-small"
merged_ok "$WORK/plain" 4 30
log "plain array 0-3: 4 shards, 30 figures identical to one process, merged manifest complete ($(($(date +%s) - t)) s)"

t=$(date +%s)
submit stepped --array=0-7:2 --cpus-per-task=1 --mem=500M -- "$WORK/small.toml" --out "$WORK/stepped" >/dev/null ||
  fail "stepped array job failed"
same_files "$WORK/stepped" "$WORK/ref-small"
merged_ok "$WORK/stepped" 4 30
for k in 1 2 3 4; do
  [ -f "$WORK/stepped/manifest.shard-$k-of-4.json" ] || fail "stepped array: no shard $k"
done
log "stepped array 0-7:2 (task ids 0,2,4,6): shards 1-4 each once, 30 figures identical ($(($(date +%s) - t)) s)"

t=$(date +%s)
submit percpu --array=0-2 --cpus-per-task=2 --mem-per-cpu=300M -- "$WORK/small.toml" --out "$WORK/percpu" >/dev/null ||
  fail "--mem-per-cpu array job failed"
same_files "$WORK/percpu" "$WORK/ref-small"
merged_ok "$WORK/percpu" 3 30
log "--mem-per-cpu=300M x 2 CPUs, 3 shards: 30 figures identical ($(($(date +%s) - t)) s)"

# --- 2. the budget comes from the allocation ------------------------------------
# A 6000-row dataset's average-linkage figures need ~180 MB (the condensed
# distances; the correlation map is streamed and clusters 10-dimensional
# points): a 40 MiB allocation cannot hold them.
submit budget --array=0 --cpus-per-task=2 --mem-per-cpu=20M -- "$WORK/big.toml" 48 --out "$WORK/budget" >/dev/null &&
  fail "a 6000-row dataset's average-linkage figures should not fit in 40 MiB"
grep -q "SLURM_MEM_PER_CPU=20 x SLURM_CPUS_PER_TASK=2" "$WORK"/logs/budget-*.log ||
  fail "the budget message does not name the allocation"
log "--mem-per-cpu=20M x 2: datasets refused naming SLURM_MEM_PER_CPU=20 x SLURM_CPUS_PER_TASK=2 (40 MiB)"

# --- 3. time limit, then a rerun --------------------------------------------------
# The uninterrupted reference runs on the other core meanwhile.
"$HEATMILL" run "$WORK/big.toml" --out "$WORK/ref-big" --threads 1 --quiet &
ref=$!
t=$(date +%s)
set +e
submit timeout --array=0 --time=1 --cpus-per-task=1 --mem=2G -- "$WORK/big.toml" 1 --out "$WORK/out-big" >/dev/null
rc=$?
set -e
secs=$(($(date +%s) - t))
tl_log=$(ls "$WORK"/logs/timeout-*.log)
[ "$rc" -ne 0 ] || fail "the cohort finished within the time limit: make it bigger"
grep -q "DUE TO TIME LIMIT" "$tl_log" || fail "the job did not hit its time limit"
grep -q "stopped by SIGTERM" "$tl_log" || fail "heatmill did not stop gracefully on SIGTERM"
if find "$WORK/out-big" -name '.*.tmp-*' | grep -q .; then fail "temp files left after the time limit"; fi
done_jobs=$(grep -c '"status": "ok"' "$WORK/out-big/manifest.shard-1-of-1.json")
[ "$done_jobs" -gt 0 ] && [ "$done_jobs" -lt "$JOBS" ] || fail "$done_jobs jobs in the manifest after the time limit"
pngs=$(find "$WORK/out-big" -name '*.png' | wc -l)
[ "$pngs" = "$done_jobs" ] || fail "$pngs figures but $done_jobs jobs in the manifest"
log "time limit: SIGTERM after ${secs} s, heatmill stopped with $done_jobs/$JOBS jobs done and recorded, no temp file"
t=$(date +%s)
submit rerun --array=0 --cpus-per-task=1 --mem=2G -- "$WORK/big.toml" 1 --out "$WORK/out-big" >/dev/null ||
  fail "the rerun failed"
grep -q "$((JOBS - done_jobs)) done, $done_jobs up to date" "$WORK"/logs/rerun-*.log || fail "the rerun did not resume"
wait "$ref" || fail "reference run failed"
same_files "$WORK/out-big" "$WORK/ref-big"
log "rerun: $((JOBS - done_jobs)) done, $done_jobs up to date in $(($(date +%s) - t)) s; $JOBS figures identical to an uninterrupted run"
log "all Slurm checks passed in $(($(date +%s) - T0)) s"
